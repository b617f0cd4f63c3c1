"""Evaluation: targets over time, coverage trend, desil transitions."""

from __future__ import annotations

import pyarrow as pa
import pytest

from rpkd.errors import InvalidInput
from rpkd.planning.evaluation import coverage_trend, desil_transitions, targets_over_time
from rpkd.planning.model import Indicator
from rpkd.planning.performance import band_scheme


def test_targets_over_time() -> None:
    p0 = Indicator("P0", "P0", "outcome", "persen", "lower", targets=((2025, 5.0), (2026, 4.8)))
    result = targets_over_time([p0], {("P0", 2025): 5.1}, [2025, 2026], band_scheme())
    first, second = result.rows
    assert first.achievement == pytest.approx(98.0)  # (10 - 5.1) / 5
    assert first.band == "Sangat Tinggi"
    assert second.target == 4.8 and second.realisation is None and second.achievement is None


def test_coverage_trend() -> None:
    table = pa.table(
        {
            "release": ["2025q1", "2025q1", "2025q2"],
            "programme": ["pkh", "pbi", "pkh"],
            "covered": [300, 500, 450],
            "eligible": [1000, 1000, 900],
        }
    )
    out = coverage_trend(table).to_pylist()
    assert out[0]["coverage"] == 0.3 and out[0]["change"] is None
    assert out[2]["coverage"] == 0.5 and out[2]["change"] == pytest.approx(20.0)
    with pytest.raises(InvalidInput):
        coverage_trend(table.drop(["eligible"]))


def test_desil_transitions() -> None:
    before = pa.table({"family_id": ["a", "b", "c", "d", "e", "f"], "desil": [1, 2, 3, 1, 5, 2]})
    after = pa.table({"family_id": ["a", "b", "c", "d", "e", "g"], "desil": [1, 4, 2, 2, 6, 1]})
    result = desil_transitions(before, after)
    assert result.moved_out == ("b",)
    assert result.moved_in == ("c",)
    assert result.stayed == ("a", "d")
    assert result.left_registry == ("f",)
    assert result.entered_registry == ("g",)
    assert result.summary() == {
        "moved_out": 1,
        "moved_in": 1,
        "stayed": 2,
        "left_registry": 1,
        "entered_registry": 1,
    }
    assert sum(result.to_arrow().column("n").to_pylist()) == 7
    with pytest.raises(InvalidInput):
        desil_transitions(pa.table({"family_id": ["a", "a"], "desil": [1, 2]}), after)
