"""Design validation and the variance recursion on hand-derived cases."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.errors import InvalidInput, UsageError
from rpkd.survey import Design, design, mean, total


def test_design_validation() -> None:
    with pytest.raises(UsageError) as stages:
        Design("w", psu=("a", "b"), fpc=("f1", "f2", "f3"))
    assert (stages.value.code, stages.value.params) == ("fpc_stages", {"stages": 2, "given": 3})
    with pytest.raises(UsageError) as policy:
        Design("w", lonely_psu="average")  # type: ignore[arg-type]
    assert (policy.value.code, policy.value.param) == ("lonely_psu_policy", "lonely_psu")
    d = design("w", strata="s", psu=["a", "b"], fpc=["f1", "f2"], size="n")
    assert d.multistage and d.stages == ("a", "b")
    assert design("w", psu=["a", "b"], fpc="f1").stages == ("a",)  # ultimate cluster
    with pytest.raises(UsageError) as missing:
        d.check(["w", "s", "a", "b", "f1", "f2", "n"], "zz")
    assert (missing.value.code, missing.value.param) == ("data_column_missing", "zz")


def test_stratified_total_by_hand(duck: eng.Engine) -> None:
    # Two strata, two PSUs each, one record per PSU, weight 2:
    # stratum A: y = 1, 3 -> PSU totals 2, 6 -> n/(n-1) Σ(z - z̄)² = 2 * 8 = 16
    # stratum B: y = 5, 5 -> 0.  Var(total) = 16, SE = 4; with N = 4 PSUs per stratum the
    # correction 1 - 2/4 halves it: SE = sqrt(8).
    t = eng.table(
        duck,
        pa.table(
            {
                "s": ["A", "A", "B", "B"],
                "p": ["1", "2", "1", "2"],
                "w": [2.0] * 4,
                "y": [1.0, 3, 5, 5],
                "N": [4.0] * 4,
            }
        ),
    )
    r = total(t, design("w", strata="s", psu="p"), "y")
    assert r.rows[0].estimate == pytest.approx(28.0) and r.rows[0].se == pytest.approx(4.0)
    r = total(t, design("w", strata="s", psu="p", fpc="N"), "y")
    assert r.rows[0].se == pytest.approx(math.sqrt(8))


def test_fpc_checks(duck: eng.Engine) -> None:
    t = eng.table(
        duck,
        pa.table(
            {
                "s": ["A", "A"],
                "p": ["1", "2"],
                "w": [1.0, 1.0],
                "y": [1.0, 2.0],
                "bad": [1.5, 1.5],
                "mixed": [0.5, 3.0],
            }
        ),
    )
    with pytest.raises(InvalidInput) as small:
        mean(t, design("w", strata="s", psu="p", fpc="bad"), "y")
    assert small.value.code == "fpc_too_small"
    expected = {"stratum": "A", "stage": 1, "population": 1.5, "sampled": 2}
    assert small.value.params == expected
    with pytest.raises(InvalidInput) as mixed:
        mean(t, design("w", strata="s", psu="p", fpc="mixed"), "y")
    assert mixed.value.code == "fpc_mixed"


def test_certainty_stratum_contributes_nothing(duck: eng.Engine) -> None:
    # A stratum whose fpc equals its sample size (all PSUs taken) has zero variance, and a
    # lonely PSU there is not an error (R: 1 - n/N < 1e-7 returns 0 first).
    t = eng.table(
        duck,
        pa.table(
            {
                "s": ["A", "B", "B"],
                "p": ["1", "1", "2"],
                "w": [1.0] * 3,
                "y": [9.0, 1.0, 3.0],
                "N": [1.0, 2.0, 2.0],
            }
        ),
    )
    r = total(t, design("w", strata="s", psu="p", fpc="N"), "y")
    assert r.rows[0].se == pytest.approx(0.0, abs=1e-12)
