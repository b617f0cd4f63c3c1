"""Alkire-Foster MPI: hand-derived cases and R survey goldens (tests/golden/measures/mpi.R)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpkd import engine as eng
from rpkd.measures import mpi
from rpkd.survey import design

GOLDEN = Path(__file__).parents[1] / "golden" / "measures"


def test_hand_derived_case(duck: eng.Engine) -> None:
    # Three equally weighted indicators (1/3 each), k = 1/3, five families:
    #   f1 deprived in a,b,c -> c=1; f2 in a -> 1/3; f3 in b -> 1/3; f4 none -> 0; f5 in a,b -> 2/3.
    # Poor (c >= 1/3): f1,f2,f3,f5 -> H = 4/5. A = (1 + 1/3 + 1/3 + 2/3)/4 = 7/12. M0 = 7/15.
    # Censored headcounts: a 3/5 (f1,f2,f5), b 3/5 (f1,f3,f5), c 1/5.
    # Contributions w_j CH_j / M0: a = (1/3)(3/5)/(7/15) = 3/7, b = 3/7, c = 1/7.
    t = eng.table(
        duck, pa.table({"a": [1, 1, 0, 0, 1], "b": [1, 0, 1, 0, 1], "c": [1, 0, 0, 0, 0]})
    )
    r = mpi.estimate(t, {"a": 1, "b": 1, "c": 1}, 1 / 3)
    assert r.get("H").estimate == pytest.approx(4 / 5, rel=1e-12)
    assert r.get("A").estimate == pytest.approx(7 / 12, rel=1e-12)
    assert r.get("M0").estimate == pytest.approx(7 / 15, rel=1e-12)
    assert r.get("M0").estimate == pytest.approx(r.get("H").estimate * r.get("A").estimate)
    for j, ch, share in (("a", 3 / 5, 3 / 7), ("b", 3 / 5, 3 / 7), ("c", 1 / 5, 1 / 7)):
        assert r.get("censored_headcount", indicator=j).estimate == pytest.approx(ch, rel=1e-12)
        assert r.get("contribution", indicator=j).estimate == pytest.approx(share, rel=1e-12)


def test_thirds_reach_a_cutoff_of_one(duck: eng.Engine) -> None:
    # 1/3 + 1/3 + 1/3 is 0.9999999999999999 in floating point; the tolerance makes it poor at k=1.
    t = eng.table(duck, pa.table({"a": [1, 0], "b": [1, 0], "c": [1, 1]}))
    r = mpi.estimate(t, {"a": 1, "b": 1, "c": 1}, 1.0)
    assert r.get("H").estimate == pytest.approx(0.5)
    assert r.get("A").estimate == pytest.approx(1.0)


def test_matches_r_survey(engine: eng.Engine) -> None:
    golden = json.loads((GOLDEN / "mpi.json").read_text())
    t = eng.table(engine, pcsv.read_csv(GOLDEN / "mpi_households.csv"))
    weights = {"d_money": 2, "d_crowded": 1, "d_rural": 1, "d_weight": 2}
    d = design("weight", strata="stratum", psu="psu")
    r = mpi.estimate(t, weights, 1 / 3, d, by="kecamatan")
    assert len(golden) == 111
    for g in golden:
        got = r.get(g["measure"], indicator=g["indicator"], domain=g["domain"])
        assert got.estimate == pytest.approx(g["estimate"], rel=1e-8), g
        assert got.se == pytest.approx(g["se"], rel=1e-8), g
    total = sum(r.get("contribution", indicator=j).estimate for j in weights)
    assert total == pytest.approx(1.0, rel=1e-12)


deprivation_rows = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.integers(0, 1),
        st.integers(0, 1),
        st.floats(0.5, 50),
        st.integers(0, 4),
    ),
    min_size=5,
    max_size=30,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=deprivation_rows, k=st.sampled_from([0.2, 1 / 3, 0.5, 1.0]))
def test_mpi_properties(
    duck: eng.Engine, rows: list[tuple[int, int, int, float, int]], k: float
) -> None:
    t = eng.table(
        duck,
        pa.table(
            {
                "a": [r[0] for r in rows],
                "b": [r[1] for r in rows],
                "c": [r[2] for r in rows],
                "w": [r[3] for r in rows],
                "p": [str(r[4]) for r in rows],
            }
        ),
    )
    r = mpi.estimate(t, {"a": 2, "b": 1, "c": 1}, k, design("w", psu="p", lonely_psu="certainty"))
    h, m0 = r.get("H").estimate, r.get("M0").estimate
    if h > 0:
        assert m0 == pytest.approx(h * r.get("A").estimate, rel=1e-12)
    assert 0 <= m0 <= h <= 1 + 1e-12
    assert all(e.se is None or e.se >= 0 for e in r.estimates.rows)


def test_invalid_options_are_usage_errors(duck: eng.Engine) -> None:
    from rpkd.errors import UsageError

    t = eng.table(duck, pa.table({"a": [1, 0], "b": [0, 1]}))
    cases = [
        ({}, 0.5, "mpi_no_indicators"),
        ({"a": 1, "b": 0}, 0.5, "mpi_weight_not_positive"),
        ({"a": 1, "b": 1}, 0.0, "mpi_cutoff_invalid"),
    ]
    for weights, k, code in cases:
        with pytest.raises(UsageError) as caught:
            mpi.estimate(t, weights, k)
        assert caught.value.code == code


def test_headcounts_are_proportions_with_logit_intervals(duck: eng.Engine) -> None:
    t = eng.table(duck, pcsv.read_csv(GOLDEN / "mpi_households.csv"))
    weights = {"d_money": 2, "d_crowded": 1, "d_rural": 1, "d_weight": 2}
    r = mpi.estimate(t, weights, 1 / 3, design("weight", strata="stratum", psu="psu"))
    kinds = {(e.measure, e.proportion, e.ci) for e in r.estimates.rows if e.domain is None}
    assert ("H", True, "logit") in kinds and ("M0", False, "wald") in kinds
    assert ("censored_headcount", True, "logit") in kinds and ("A", False, "wald") in kinds
