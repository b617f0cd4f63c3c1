"""The path to zero extreme poverty: realised trend, projection to the target year, on track?

The trend is a weighted least-squares line through the observed points, on the values
(``linear``) or on their logarithms (``loglinear``, a constant rate of decline). With a standard
error for every point the weights are ``1/se²`` and the SEs are taken as known sampling errors,
so the coefficient covariance is ``(X'WX)⁻¹``; without SEs it is ordinary least squares with the
residual variance (at least three points). The projection interval at the target year is
``ŷ ± z·sqrt(x₀' Cov x₀)`` (parameter uncertainty of the trend, as in a prediction of the mean),
back-transformed for ``loglinear``. ``probability_on_track`` is ``Φ((target − ŷ)/se(ŷ))``.

References
----------
Inpres 8/2025 (zero extreme poverty in 2026) and the Kapuas Sekda (2027), DESIGN.md §1; weighted
least squares: e.g. Draper & Smith (1998), Applied Regression Analysis, ch. 9.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pyarrow as pa
from scipy.stats import norm

from rpkd.errors import InvalidInput
from rpkd.findings import Finding

TrendMethod = Literal["linear", "loglinear"]


@dataclass(frozen=True)
class Point:
    """One observed value (e.g. the extreme-poverty rate in percent) with its SE."""

    year: int
    value: float
    se: float | None = None


@dataclass(frozen=True)
class PathToZero:
    """Trend, projection and the verdict for reaching ``target`` by ``target_year``."""

    method: TrendMethod
    target: float
    target_year: int
    last_year: int
    last_value: float
    realised_annual_change: float
    required_annual_change: float
    projected: float
    projected_se: float | None
    projected_low: float | None
    projected_high: float | None
    year_reaching_target: float | None
    on_track: bool
    probability_on_track: float | None
    confidence: float
    findings: tuple[Finding, ...] = field(default=())

    def to_arrow(self) -> pa.Table:
        """Return the result as a one-row Arrow table."""
        row = {k: v for k, v in vars(self).items() if k != "findings"}
        return pa.Table.from_pylist([row])


def _fit(
    x: np.ndarray, y: np.ndarray, se: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    design = np.column_stack([np.ones_like(x), x])
    if se is not None:
        weights = 1.0 / se**2
        xtwx = design.T @ (design * weights[:, None])
        cov = np.linalg.inv(xtwx)
        beta = cov @ (design.T @ (weights * y))
        return beta, cov
    xtx_inv = np.linalg.inv(design.T @ design)
    beta = xtx_inv @ design.T @ y
    if len(x) <= 2:
        return beta, None
    residual = y - design @ beta
    sigma2 = float(residual @ residual) / (len(x) - 2)
    return beta, xtx_inv * sigma2


def path_to_zero(
    points: Sequence[Point],
    target_year: int,
    *,
    target: float = 0.0,
    method: TrendMethod = "linear",
    confidence: float = 0.95,
) -> PathToZero:
    """Return the realised trend, the projection to ``target_year`` and whether it is on track.

    ``realised_annual_change`` and ``required_annual_change`` are in value units per year for
    ``linear`` and proportional rates per year (−0.2 = 20% fewer each year) for ``loglinear``.
    """
    ordered = sorted(points, key=lambda p: p.year)
    if len({p.year for p in ordered}) < 2:
        raise InvalidInput("points_few", param="points", count=len({p.year for p in ordered}))
    last = ordered[-1]
    if target_year <= last.year:
        raise InvalidInput(
            "trend_target_year", param="target_year", target_year=target_year, last_year=last.year
        )
    found: list[Finding] = []
    x = np.array([p.year - last.year for p in ordered], dtype=float)
    values = np.array([p.value for p in ordered], dtype=float)
    ses = [p.se for p in ordered]
    have_se = all(s is not None and s > 0 for s in ses)
    if not have_se and any(s is not None for s in ses):
        found.append(Finding("trend_se_partial", "warning", field="se"))
    se = np.array(ses, dtype=float) if have_se else None
    years_left = target_year - last.year
    if method == "loglinear":
        if np.any(values <= 0) or target <= 0:
            raise InvalidInput("trend_loglinear_zero", param="method")
        y = np.log(values)
        se = None if se is None else se / values
        required = (target / last.value) ** (1.0 / years_left) - 1.0
    else:
        y = values
        required = (target - last.value) / years_left
    beta, cov = _fit(x, y, se)
    x0 = np.array([1.0, float(years_left)])
    centre = float(x0 @ beta)
    spread = math.sqrt(float(x0 @ cov @ x0)) if cov is not None else None
    z = float(norm.ppf(0.5 + confidence / 2.0))
    if spread is None:
        found.append(
            Finding(
                "trend_interval_missing",
                "warning",
                {"count": len(ordered)},
                field="points",
                value=str(len(ordered)),
            )
        )
    if method == "loglinear":
        projected = math.exp(centre)
        low = math.exp(centre - z * spread) if spread is not None else None
        high = math.exp(centre + z * spread) if spread is not None else None
        crit = math.log(target)
        realised = math.exp(float(beta[1])) - 1.0
        proj_se = projected * spread if spread is not None else None
    else:
        projected = centre
        low = centre - z * spread if spread is not None else None
        high = centre + z * spread if spread is not None else None
        crit = target
        realised = float(beta[1])
        proj_se = spread
    slope = float(beta[1])
    reaching = last.year + (crit - float(beta[0])) / slope if slope < 0 else None
    probability = float(norm.cdf((crit - centre) / spread)) if spread else None
    return PathToZero(
        method=method,
        target=target,
        target_year=target_year,
        last_year=last.year,
        last_value=last.value,
        realised_annual_change=realised,
        required_annual_change=required,
        projected=projected,
        projected_se=proj_se,
        projected_low=low,
        projected_high=high,
        year_reaching_target=reaching,
        on_track=centre <= crit,
        probability_on_track=probability,
        confidence=confidence,
        findings=tuple(found),
    )
