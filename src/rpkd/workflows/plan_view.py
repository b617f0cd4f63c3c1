"""The dashboard's part that depends on the plan: the year's targets, the path to zero, the
lagging items; and the headline figures held against those targets.

:func:`plan_part` runs :func:`rpkd.workflows.monitoring.monitor` for the year and
:func:`rpkd.workflows.monitoring.evaluate` for the path to zero extreme poverty, and is kept
in memory under the plan's state (:func:`rpkd.workflows.cache.plan_state`: its last edit, its
realisations and their reviews), so a new realisation, review or plan edit makes a new part.
:func:`with_targets` sets each headline figure beside its plan indicator's target (plan values
divided by their unit's scale, so fractions) and says whether the figure's 95% interval lies on
the good side of the target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rpkd.access.roles import Scope, allowed
from rpkd.errors import NotFound
from rpkd.findings import Finding
from rpkd.workflows import cache
from rpkd.workflows.path_view import UNIT_SCALE, PathView, path_view
from rpkd.workflows.release_view import Headline, HeadlineKey, Verdict, cause

if TYPE_CHECKING:
    from rpkd.planning.performance import Assessed
    from rpkd.workflows.workspace import Workspace

PLAN_INDICATORS: Mapping[HeadlineKey, str] = {"p0": "P0", "p1": "P1", "p2": "P2"}
"""The plan indicator of each headline (extreme poverty: the plan's own indicator)."""
_PLAN_PARTS: cache.ResultCache[PlanPart] = cache.ResultCache()


@dataclass(frozen=True)
class PlanPart:
    """What the dashboard takes from the plan for a year: targets, path, lagging items."""

    plan: str
    target_year: int
    rows: tuple[Assessed, ...]
    extreme_indicator: str | None
    path: PathView | None
    findings: tuple[Finding, ...]


def plan_part(ws: Workspace, year: int, found: list[Finding]) -> tuple[PlanPart | None, str]:
    try:
        state = cache.plan_state(ws)
    except NotFound as exc:
        found += [Finding("dashboard_no_plan", "warning"), cause(exc)]
        return None, ""
    if not allowed(ws.actor.grants, "monitor.read", Scope(region=state.region)):
        found += [Finding("dashboard_no_plan", "warning"), _out_of_scope(state.region)]
        return None, ""
    key = cache.digest(
        "dashboard-plan", str(ws.path.resolve()), state.key(), year, cache.kit_digest(ws, ["bands"])
    )
    part = _PLAN_PARTS.get(key, lambda: _compute_plan_part(ws, state.name, year))[0]
    found += part.findings
    return part, key


def _out_of_scope(region: str | None) -> Finding:
    """Return why a plan is not shown to an actor whose grants do not cover its region."""
    from rpkd import regions

    name = regions.name(region) if region and regions.exists(region) else None
    return Finding("dashboard_plan_out_of_scope", "warning",
                   {"region": region or "–", "name": name or region or "–"})  # fmt: skip


def _compute_plan_part(ws: Workspace, name: str, year: int) -> PlanPart:
    from rpkd.planning import realisations
    from rpkd.workflows.monitoring import evaluate, monitor
    from rpkd.workflows.plan import stored_plan

    found: list[Finding] = []
    plan = stored_plan(ws, name, "monitor.read")
    if year not in plan.years:
        found.append(
            Finding(
                "dashboard_year_outside_plan",
                "warning",
                {"year": year, "plan": plan.name, "start": plan.start_year, "end": plan.end_year},
            )
        )
    rows = monitor(ws, year, plan=name).table.rows
    code = plan.extreme_poverty_indicator
    path = None
    if code is None:
        found.append(Finding("plan_extreme_indicator_missing", "warning", {"plan": plan.name}))
    else:
        evaluation = evaluate(ws, plan=name)
        with ws.transaction() as db:
            items = realisations.history(db, name)
        path = path_view(plan, items, evaluation.path_to_zero)
        if path is None:
            found.append(Finding("dashboard_unit_unknown", "warning",
                                 {"indicator": code, "unit": plan.indicator(code).unit}))  # fmt: skip
        elif path.projection is None:
            found.append(Finding("dashboard_path_missing", "warning", {"indicator": code}))
            found += evaluation.findings
        else:
            found += evaluation.path_to_zero.findings if evaluation.path_to_zero else ()
    return PlanPart(plan.name, plan.extreme_poverty_target_year, rows, code, path, tuple(found))


def with_targets(
    figures: Sequence[Headline], plan: PlanPart | None, year: int, found: list[Finding]
) -> tuple[Headline, ...]:
    if plan is None:
        return tuple(figures)
    rows = {r.code: r for r in plan.rows if r.kind == "indicator"}
    out = []
    for figure in figures:
        code = (
            plan.extreme_indicator if figure.key == "extreme" else PLAN_INDICATORS.get(figure.key)
        )
        row = rows.get(code) if code else None
        if row is None:
            out.append(figure)
            continue
        scale = UNIT_SCALE.get(row.unit)
        if scale is None:
            found.append(Finding("dashboard_unit_unknown", "warning",
                                 {"indicator": row.code, "unit": row.unit}))  # fmt: skip
            out.append(figure)
            continue
        target = None if row.target is None else row.target / scale
        if target is None:
            found.append(Finding("dashboard_target_missing", "info",
                                 {"indicator": row.code, "year": year}))  # fmt: skip
        out.append(
            replace(
                figure,
                indicator=row.code,
                unit=row.unit,
                polarity=row.polarity,
                target=target,
                against_target=_verdict(figure, target, row.polarity),
                realisation=None if row.realisation is None else row.realisation / scale,
                achievement=row.achievement,
                band=row.band,
                light=row.light,
            )
        )
    return tuple(out)


def _verdict(figure: Headline, target: float | None, polarity: str) -> Verdict | None:
    """Return whether the 95% interval lies on the good side of ``target`` (or straddles it)."""
    low, high = figure.ci_low, figure.ci_high
    if target is None or low is None or high is None:
        return None
    if polarity == "higher":
        low, high, target = -high, -low, -target
    if high <= target:
        return "met"
    if low > target:
        return "not_met"
    return "undecided"


def clear_cache() -> None:
    """Forget the plan parts kept in this process."""
    _PLAN_PARTS.clear()
