"""The path to zero extreme poverty as a chart reads it: observed points, trend and its band.

The points are the plan indicator's baseline and its yearly verified realisations (what
:func:`rpkd.planning.monitoring.extreme_poverty_path` fits); the trend is that same fit
(linear or log-linear weighted least squares) from the first observed year to the target year,
with the 95% projection interval of every year after the last observed one, obtained by
projecting the fit to each of those years with :func:`rpkd.planning.path_to_zero.path_to_zero`.
Values are fractions: plan values are divided by their unit's scale (:data:`UNIT_SCALE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from rpkd.workflows.results import plain

if TYPE_CHECKING:
    from rpkd.planning.model import Plan
    from rpkd.planning.path_to_zero import PathToZero
    from rpkd.planning.realisations import Realisation

UNIT_SCALE: Mapping[str, float] = {"persen": 100.0, "indeks": 100.0}
"""Plan units and the factor from a fraction to them (BPS: P0 in percent, P1 and P2 ×100)."""


@dataclass(frozen=True)
class PathPoint:
    """An observed point of the extreme-poverty rate (a fraction): the baseline or a year's
    verified realisation, with its SE and interval when it came from an estimate."""

    year: int
    value: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    source: Literal["baseline", "realisation"]


@dataclass(frozen=True)
class TrendPoint:
    """The fitted trend in a year; ``low``/``high`` bound its 95% projection after the last
    observed year (None before)."""

    year: int
    value: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class PathView:
    """The path to zero extreme poverty: points, trend with its band, target and verdict.

    ``projection`` is :attr:`rpkd.workflows.monitoring.Evaluation.path_to_zero` with every value
    divided by the indicator unit's scale (so a fraction); None when it cannot be projected.
    """

    indicator: str
    unit: str
    target_year: int
    target: float
    points: tuple[PathPoint, ...]
    trend: tuple[TrendPoint, ...]
    projection: PathToZero | None

    def to_json(self) -> dict[str, Any]:
        projection = None
        if self.projection is not None:
            projection = {k: v for k, v in vars(self.projection).items() if k != "findings"}
        return dict(
            plain(
                {
                    "indicator": self.indicator,
                    "unit": self.unit,
                    "target_year": self.target_year,
                    "target": self.target,
                    "points": [asdict(p) for p in self.points],
                    "trend": [asdict(t) for t in self.trend],
                    "projection": projection,
                }
            )
        )


def path_view(
    plan: Plan, items: Sequence[Realisation], projection: PathToZero | None
) -> PathView | None:
    """Return the path to zero of ``plan``'s extreme-poverty indicator in fractions.

    ``items`` is the plan's realisation history and ``projection`` the path to zero of
    :func:`rpkd.workflows.monitoring.evaluate` (None when it could not be projected: the points
    are still given). None when the plan names no extreme-poverty indicator or its unit is not
    one of :data:`UNIT_SCALE`.
    """
    from rpkd.planning.monitoring import yearly

    code = plan.extreme_poverty_indicator
    if code is None:
        return None
    indicator = plan.indicator(code)
    scale = UNIT_SCALE.get(indicator.unit)
    if scale is None:
        return None
    points: dict[int, PathPoint] = {}
    if indicator.baseline_year is not None and indicator.baseline_value is not None:
        points[indicator.baseline_year] = PathPoint(
            indicator.baseline_year, indicator.baseline_value / scale, None, None, None, "baseline"
        )
    for (item_code, year), item in sorted(yearly(plan, items).items(), key=lambda kv: kv[0][1]):
        if item_code == code and item.value is not None:
            points[year] = PathPoint(
                year,
                item.value / scale,
                None if item.se is None else item.se / scale,
                None if item.ci_low is None else item.ci_low / scale,
                None if item.ci_high is None else item.ci_high / scale,
                "realisation",
            )
    target = indicator.target(plan.extreme_poverty_target_year) or 0.0
    ordered = tuple(points[y] for y in sorted(points))
    scaled = None if projection is None else _scaled(projection, scale)
    trend = () if projection is None else _trend(ordered, projection, scale)
    return PathView(code, indicator.unit, plan.extreme_poverty_target_year, target / scale,
                    ordered, trend, scaled)  # fmt: skip


def _scaled(path: PathToZero, scale: float) -> PathToZero:
    def div(value: float | None) -> float | None:
        return None if value is None else value / scale

    rate = 1.0 if path.method == "loglinear" else scale  # loglinear changes are proportions
    return replace(
        path,
        target=path.target / scale,
        last_value=path.last_value / scale,
        projected=path.projected / scale,
        projected_se=div(path.projected_se),
        projected_low=div(path.projected_low),
        projected_high=div(path.projected_high),
        realised_annual_change=path.realised_annual_change / rate,
        required_annual_change=path.required_annual_change / rate,
    )


def _trend(points: Sequence[PathPoint], projection: PathToZero, scale: float
           ) -> tuple[TrendPoint, ...]:  # fmt: skip
    """Return the fitted trend from the first observed year to the target year, with the 95%
    projection interval of every year after the last observed one (the same fit as
    :func:`rpkd.planning.path_to_zero.path_to_zero`, projected to that year)."""
    from rpkd.planning.path_to_zero import Point, path_to_zero

    observed = [Point(p.year, p.value * scale, None if p.se is None else p.se * scale)
                for p in points]  # fmt: skip
    out = []
    for year in range(points[0].year, projection.target_year + 1):
        if year <= projection.last_year:
            steps = year - projection.target_year
            if projection.method == "linear":
                value = projection.projected + projection.realised_annual_change * steps
            else:
                value = projection.projected * (1.0 + projection.realised_annual_change) ** steps
            out.append(TrendPoint(year, value / scale, None, None))
            continue
        ahead = path_to_zero(observed, year, target=projection.target, method=projection.method,
                             confidence=projection.confidence)  # fmt: skip
        low, high = ahead.projected_low, ahead.projected_high
        out.append(TrendPoint(year, ahead.projected / scale,
                              None if low is None else low / scale,
                              None if high is None else high / scale))  # fmt: skip
    return tuple(out)
