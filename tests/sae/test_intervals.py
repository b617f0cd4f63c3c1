"""95% intervals of small-area proportions (rpkd.sae.intervals): ``estimate ± 1.96 RMSE`` cut
to [0, 1], by hand; every interval holds its estimate inside [0, 1]; a map's intervals are the
ones its estimates table and pages report."""

from __future__ import annotations

import math

import pytest

from rpkd.sae.intervals import proportion_interval

Z95 = 1.959963984540054  # qnorm(0.975)


@pytest.mark.parametrize(
    ("estimate", "rmse", "low", "high"),
    [
        (0.05, 0.01, 0.05 - 0.01959963984540054, 0.05 + 0.01959963984540054),
        (0.02, 0.02, 0.0, 0.02 + 0.03919927969080108),  # the lower bound cut at 0
        (0.99, 0.02, 0.99 - 0.03919927969080108, 1.0),  # the upper bound cut at 1
        (0.0, 0.01, 0.0, 0.01959963984540054),  # an EBLUP truncated at 0 keeps its reach
        (0.3, 0.0, 0.3, 0.3),
    ],
)
def test_interval_by_hand(estimate: float, rmse: float, low: float, high: float) -> None:
    assert proportion_interval(estimate, rmse) == pytest.approx((low, high), rel=1e-14)


def test_missing_values_give_no_interval() -> None:
    assert proportion_interval(None, 0.01) == (None, None)
    assert proportion_interval(0.25, None) == (None, None)
    assert proportion_interval(0.25, math.inf) == (None, None)


@pytest.mark.parametrize("estimate", [0.0, 1e-6, 0.02, 0.5, 0.98, 1.0])
@pytest.mark.parametrize("rmse", [0.0, 1e-4, 0.01, 0.1, 0.5])
def test_every_interval_holds_its_estimate_inside_zero_one(estimate: float, rmse: float) -> None:
    low, high = proportion_interval(estimate, rmse)
    assert low is not None and high is not None
    assert 0.0 <= low <= estimate <= high <= 1.0
    assert high - low <= 2 * Z95 * rmse + 1e-15  # cutting only narrows
