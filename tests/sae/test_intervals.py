"""95% intervals of small-area proportions on the logit scale (rpkd.sae.intervals): the values of
R's ``plogis(qlogis(p) + c(-1, 1) * qnorm(0.975) * rmse / (p * (1 - p)))``, the bounds at 0 and
1, and every interval of a map inside [0, 1]."""

from __future__ import annotations

import math

import pytest

from rpkd.sae.intervals import proportion_interval

Z95 = 1.959963984540054


@pytest.mark.parametrize(
    ("estimate", "rmse", "low", "high"),
    [
        # Rscript: plogis(qlogis(p) + c(-1, 1) * qnorm(0.975) * s / (p * (1 - p)))
        (0.05, 0.01, 0.0336646378292877, 0.0736577103960753),
        (0.02, 0.02, 0.00275443817536202, 0.13103287491049154),
        (0.9, 0.05, 0.751822435468198, 0.963948641072232),
    ],
)
def test_interval_is_r_logit_interval(
    estimate: float, rmse: float, low: float, high: float
) -> None:
    assert proportion_interval(estimate, rmse) == pytest.approx((low, high), rel=1e-12)


def test_small_rmse_gives_the_wald_interval() -> None:
    low, high = proportion_interval(0.3, 1e-7)
    assert (low, high) == pytest.approx((0.3 - Z95 * 1e-7, 0.3 + Z95 * 1e-7), rel=1e-9)


def test_bounds_at_zero_and_one_and_missing_values() -> None:
    assert proportion_interval(0.0, 0.01) == pytest.approx((0.0, Z95 * 0.01))
    assert proportion_interval(0.0, 0.9) == (0.0, 1.0)
    assert proportion_interval(1.0, 0.01) == pytest.approx((1 - Z95 * 0.01, 1.0))
    assert proportion_interval(0.25, 0.0) == (0.25, 0.25)
    assert proportion_interval(None, 0.01) == (None, None)
    assert proportion_interval(0.25, None) == (None, None)
    assert proportion_interval(0.25, math.inf) == (None, None)


@pytest.mark.parametrize("estimate", [1e-6, 0.001, 0.02, 0.5, 0.98, 0.999999])
@pytest.mark.parametrize("rmse", [1e-4, 0.01, 0.1, 0.5])
def test_every_interval_holds_its_estimate_inside_zero_one(estimate: float, rmse: float) -> None:
    low, high = proportion_interval(estimate, rmse)
    assert low is not None and high is not None
    assert 0.0 <= low <= estimate <= high <= 1.0
