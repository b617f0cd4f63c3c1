"""Quarterly monitoring: the plan's targets against the current realisations.

Indicators are scored against their target for the year; activities by budget absorption
(realised spending against the year's indicative budget, higher is better). Pure functions on
a plan value and realisation values.
"""

from __future__ import annotations

from collections.abc import Sequence

from rpkd.errors import InvalidInput
from rpkd.planning.model import Plan
from rpkd.planning.path_to_zero import PathToZero, Point, TrendMethod, path_to_zero
from rpkd.planning.performance import BandScheme, Measured, PerformanceTable, assess
from rpkd.planning.realisations import Realisation, current


def _agency(plan: Plan, programme: str | None, activity: str | None) -> str | None:
    for owner, item in plan.activities():
        if item.code == activity:
            return item.agency
        if owner.code == programme:
            return owner.agency
    return None


def monitor(
    plan: Plan, realisations: Sequence[Realisation], year: int, quarter: int, scheme: BandScheme
) -> PerformanceTable:
    """Return the performance table of ``year`` up to ``quarter``."""
    now = current(realisations, year, quarter)
    items: list[Measured] = []
    for indicator in plan.indicators:
        found = now.get(("indicator", indicator.code))
        items.append(
            Measured(
                kind="indicator",
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                polarity=indicator.polarity,
                target=indicator.target(year),
                realisation=found.value if found else None,
                baseline=indicator.baseline_value,
                ci_low=found.ci_low if found else None,
                ci_high=found.ci_high if found else None,
                agency=_agency(plan, indicator.programme, indicator.activity),
            )
        )
    for _, activity in plan.activities():
        planned = activity.budget(year)
        found = now.get(("activity", activity.code))
        items.append(
            Measured(
                kind="activity",
                code=activity.code,
                name=activity.name,
                unit="Rp",
                polarity="higher",
                target=sum(planned.values()) if planned else None,
                realisation=found.budget_spent if found else None,
                agency=activity.agency,
            )
        )
    return assess(items, scheme)


def yearly(plan: Plan, realisations: Sequence[Realisation]) -> dict[tuple[str, int], Realisation]:
    """Return each indicator's realisation of each year (latest verified, any quarter)."""
    out: dict[tuple[str, int], Realisation] = {}
    for year in plan.years:
        for (kind, code), item in current(realisations, year, 4).items():
            if kind == "indicator":
                out[(code, year)] = item
    return out


def extreme_poverty_path(
    plan: Plan,
    realisations: Sequence[Realisation],
    *,
    method: TrendMethod = "linear",
    confidence: float = 0.95,
) -> PathToZero:
    """Return the path to zero of the plan's extreme-poverty indicator.

    The points are the indicator's baseline (without SE) and its yearly realisations (with the
    SEs of estimates when they were filled from estimates).
    """
    code = plan.extreme_poverty_indicator
    if code is None:
        raise InvalidInput(
            "plan_extreme_indicator_missing", param="extreme_poverty_indicator", plan=plan.name
        )
    indicator = plan.indicator(code)
    points: dict[int, Point] = {}
    if indicator.baseline_year is not None and indicator.baseline_value is not None:
        points[indicator.baseline_year] = Point(indicator.baseline_year, indicator.baseline_value)
    for (item_code, year), item in yearly(plan, realisations).items():
        if item_code == code and item.value is not None:
            points[year] = Point(year, item.value, item.se)
    target = indicator.target(plan.extreme_poverty_target_year)
    return path_to_zero(
        list(points.values()),
        plan.extreme_poverty_target_year,
        target=0.0 if target is None else target,
        method=method,
        confidence=confidence,
    )
