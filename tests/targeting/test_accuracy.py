"""Error rates by hand, and design-based rates with SEs against R ``survey``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from rpkd import engine as eng
from rpkd.survey.design import design
from rpkd.targeting import accuracy as acc

GOLDEN = Path(__file__).parents[1] / "golden" / "targeting"


def test_error_rates_by_hand() -> None:
    # 10 units; target = first 4; covered = units 2..6. Both = units 2, 3.
    target = np.arange(10) < 4
    covered = (np.arange(10) >= 2) & (np.arange(10) <= 6)
    r = acc.error_rates(target, covered)
    assert (r.target, r.covered, r.both) == (4, 5, 2)
    assert (r.exclusion, r.inclusion) == (0.5, 0.6)
    empty = acc.error_rates(np.zeros(3, bool), np.zeros(3, bool))
    assert np.isnan(empty.exclusion) and np.isnan(empty.inclusion)


def test_grouped_counts_and_rates_table(engine: eng.Engine) -> None:
    t = eng.table(engine, pa.table({
        "g": ["a", "a", "a", "b", "b"], "poor": [True, True, False, True, False],
        "covered": [True, False, True, False, False], "w": [1.0, 2.0, 3.0, 4.0, 5.0],
    }))  # fmt: skip
    overall = eng.fetch(acc.counts(t, t.poor, t.covered, weight="w"))
    grouped = eng.fetch(acc.counts(t, t.poor, t.covered, by="g", weight="w"))
    rows = acc.rates_table(grouped, measure="m", by="g", overall=overall).to_pylist()
    assert [r["domain"] for r in rows] == [None, "a", "b"]
    # whole: target 1+2+4 = 7, covered 1+3 = 4, both 1 -> exclusion 6/7, inclusion 3/4
    assert rows[0]["exclusion"] == pytest.approx(6 / 7) and rows[0]["inclusion"] == 0.75
    # b: nobody covered -> no inclusion rate
    assert rows[2]["exclusion"] == 1.0 and rows[2]["inclusion"] is None


def test_weighted_quantile_is_the_inverse_cdf() -> None:
    x = np.array([5.0, 1.0, 3.0, 2.0])
    w = np.array([1.0, 1.0, 1.0, 1.0])
    assert acc.weighted_quantile(x, w, 0.5) == 2.0  # half the weight at or below 2
    assert acc.weighted_quantile(x, w, 0.51) == 3.0
    assert acc.weighted_quantile(x, np.array([1.0, 10.0, 1.0, 1.0]), 0.4) == 1.0


def test_design_rates_match_r_survey(engine: eng.Engine) -> None:
    expected = json.loads((GOLDEN / "design_rates.json").read_text())
    data = pacsv.read_csv(GOLDEN / "pmt_survey.csv")
    data = data.append_column(
        "t", pc.cast(pc.less(data["expenditure_per_capita"], 500000.0), pa.float64())
    ).append_column("c", pc.cast(pc.not_equal(data["floor_material"], "keramik"), pa.float64()))
    data = data.append_column("kecamatan", pc.utf8_slice_codeunits(data["desa_code"], 0, 8))
    got = acc.design_rates(
        eng.table(engine, data), design("weight", strata="stratum", psu="psu", lonely_psu="adjust"),
        target="t", covered="c", by="kecamatan", measure="m",
    ).to_pylist()  # fmt: skip
    assert [r["domain"] for r in got] == [None, "62.03.01", "62.03.02", "62.03.03"]
    for row in got:
        want = expected[row["domain"] or "all"]
        for key, value in want.items():
            assert row[key] == pytest.approx(value, rel=1e-9, abs=1e-12), (row["domain"], key)
