"""Path to zero: hand-computed least-squares trends and projection intervals."""

from __future__ import annotations

import math

import pytest

from rpkd.errors import InvalidInput
from rpkd.planning.path_to_zero import Point, path_to_zero


def phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


POINTS = [Point(2021, 1.6, 0.2), Point(2022, 1.2, 0.2), Point(2023, 0.9, 0.2)]


def test_linear_trend_with_known_standard_errors() -> None:
    # Equal SEs: the WLS line is the OLS line. x̄ = 2022, Sxx = 2, Sxy = -0.7, slope -0.35;
    # fitted 2023 = 1.23333 - 0.35 = 0.88333; 2027: 0.88333 - 4 * 0.35 = -0.51667.
    # var = σ² (1/n + (2027 - x̄)² / Sxx) = 0.04 (1/3 + 25/2) = 0.513333.
    result = path_to_zero(POINTS, 2027)
    se = math.sqrt(0.04 * (1 / 3 + 12.5))
    assert result.realised_annual_change == pytest.approx(-0.35)
    assert result.required_annual_change == pytest.approx(-0.9 / 4)
    assert result.projected == pytest.approx(0.8833333333 - 1.4)
    assert result.projected_se == pytest.approx(se)
    z = 1.959963984540054
    assert result.projected_low == pytest.approx(-0.5166666667 - z * se)
    assert result.projected_high == pytest.approx(-0.5166666667 + z * se)
    assert result.on_track
    assert result.probability_on_track == pytest.approx(phi(0.5166666667 / se))
    assert result.year_reaching_target == pytest.approx(2023 + 0.8833333333 / 0.35)


def test_linear_trend_without_standard_errors_uses_residual_variance() -> None:
    # residuals 1/60, -1/30, 1/60 -> SSR = 1/600, s² = SSR / (3 - 2)
    result = path_to_zero([Point(p.year, p.value) for p in POINTS], 2027)
    assert result.projected_se == pytest.approx(math.sqrt((1 / 600) * (1 / 3 + 12.5)))


def test_off_track_when_the_trend_is_too_slow() -> None:
    result = path_to_zero([Point(2023, 1.2, 0.05), Point(2024, 1.1, 0.05)], 2026)
    # slope -0.1, projection 1.1 - 0.2 = 0.9 > 0; required -0.55 per year
    assert result.projected == pytest.approx(0.9)
    assert result.required_annual_change == pytest.approx(-0.55)
    assert not result.on_track
    assert result.probability_on_track is not None and result.probability_on_track < 0.01


def test_loglinear_trend() -> None:
    # log values ln 2, ln 1 with log-SEs 0.2/2 = 0.1/1 = 0.1; slope -ln 2 (halving each year).
    # Cov = (X'WX)^-1 = [[0.01, 0.01], [0.01, 0.02]] at x = year - 2022; x0 = (1, 2): var 0.13.
    result = path_to_zero(
        [Point(2021, 2.0, 0.2), Point(2022, 1.0, 0.1)], 2024, target=0.25, method="loglinear"
    )
    assert result.realised_annual_change == pytest.approx(-0.5)
    assert result.required_annual_change == pytest.approx(-0.5)
    assert result.projected == pytest.approx(0.25)
    assert result.probability_on_track == pytest.approx(0.5)
    z = 1.959963984540054
    assert result.projected_high == pytest.approx(0.25 * math.exp(z * math.sqrt(0.13)))
    with pytest.raises(InvalidInput) as caught:
        path_to_zero(POINTS, 2027, method="loglinear")  # a zero target needs the linear trend
    assert caught.value.code == "trend_loglinear_zero"


def test_invalid_inputs() -> None:
    with pytest.raises(InvalidInput) as caught:
        path_to_zero([Point(2023, 1.0)], 2027)
    assert (caught.value.code, caught.value.params) == ("points_few", {"count": 1})
    with pytest.raises(InvalidInput) as caught:
        path_to_zero(POINTS, 2023)
    assert caught.value.params == {"target_year": 2023, "last_year": 2023}
    two = path_to_zero([Point(2022, 1.0), Point(2023, 0.8)], 2027)
    assert two.projected_se is None
    assert [f.code for f in two.findings] == ["trend_interval_missing"]
    mixed = path_to_zero([Point(2021, 1.2, 0.1), Point(2022, 1.0), Point(2023, 0.8)], 2027)
    assert [f.code for f in mixed.findings] == ["trend_se_partial"]
