"""Evaluation: targets over time and desil transitions between registry releases."""

from __future__ import annotations

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd import params
from rpkd.errors import InvalidInput
from rpkd.planning.evaluation import desil_transitions, targets_over_time
from rpkd.planning.model import Indicator
from rpkd.planning.performance import band_scheme


def test_targets_over_time() -> None:
    p0 = Indicator("P0", "P0", "outcome", "persen", "lower", targets=((2025, 5.0), (2026, 4.8)))
    scheme = band_scheme(params.load("bands"))
    result = targets_over_time([p0], {("P0", 2025): 5.1}, [2025, 2026], scheme)
    first, second = result.rows
    assert first.achievement == pytest.approx(98.0)  # (10 - 5.1) / 5
    assert first.band == "Sangat Tinggi"
    assert second.target == 4.8 and second.realisation is None and second.achievement is None


BEFORE = {"family_id": ["a", "b", "c", "d", "e", "f"], "desil": [1, 2, 3, 1, 5, 2]}
AFTER = {"family_id": ["a", "b", "c", "d", "e", "g"], "desil": [1, 4, 2, 2, 6, 1]}


def test_desil_transitions(engine: eng.Engine) -> None:
    # a 1->1 and d 1->2 stay in desil 1-2; b 2->4 moved out; c 3->2 moved in; e 5->6 neither;
    # f (desil 2) left the registry; g (desil 1) entered it.
    result = desil_transitions(
        eng.table(engine, pa.table(BEFORE)), eng.table(engine, pa.table(AFTER))
    )
    assert result.summary() == {
        "moved_out": 1,
        "moved_in": 1,
        "stayed": 2,
        "left_registry": 1,
        "entered_registry": 1,
    }
    cells = {(r["desil_before"], r["desil_after"]): r["n"] for r in result.to_arrow().to_pylist()}
    assert cells == {(1, 1): 1, (1, 2): 1, (2, 4): 1, (3, 2): 1, (5, 6): 1, (2, None): 1,
                     (None, 1): 1}  # fmt: skip
    assert sum(cells.values()) == 7


def test_desil_transitions_need_unique_families_with_a_desil(duck: eng.Engine) -> None:
    after = eng.table(duck, pa.table(AFTER))
    twice = eng.table(duck, pa.table({"family_id": ["a", "a"], "desil": [1, 2]}))
    with pytest.raises(InvalidInput) as caught:
        desil_transitions(twice, after)
    assert (caught.value.code, caught.value.params) == ("family_duplicate", {"table": "before"})
    without = eng.table(duck, pa.table({"family_id": ["a"]}))
    with pytest.raises(InvalidInput) as caught:
        desil_transitions(after, without)
    assert (caught.value.code, caught.value.params) == ("desil_columns", {"table": "after"})
