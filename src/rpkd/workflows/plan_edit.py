"""Use cases of the plan page: read the stored RPKD, edit an activity or an indicator's targets,
and the yearly action plan (RAT) of a year.

Reading needs ``plan.read`` on the plan's region; a grant scoped to an agency (OPD) or a partner
reads the plan too (as that agency or partner: :func:`read_scope`), and its own programmes are
marked (:attr:`PlanBrowse.own`). Editing needs ``plan.edit`` (the secretariat). An edit reads the
form with the XLSX import's rules and checks the whole edited plan with
:func:`rpkd.planning.model.validate` (:mod:`rpkd.planning.plan_edit`): on any error nothing is
written and :class:`rpkd.errors.InvalidInput` (``plan_edit_invalid``) carries the findings, each
naming its form field (:func:`field_messages` gives the sentences by field). Every change writes
one audit row::

    with Workspace.open("rpkd-workspace", actor="analis") as ws:
        save_targets(ws, "P0", {"target:2026": "6.1"})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import locale
from rpkd.access.roles import Scope, allowed
from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.workflows import gate
from rpkd.workflows.plan import AnnualActionPlan
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.planning.model import Activity, Plan, Programme
    from rpkd.workflows.workspace import Actor, Workspace


def read_scope(actor: Actor, region: str) -> Scope:
    """Return the scope on which ``actor`` reads a plan of ``region``: the region itself, or
    for a grant limited to an agency or a partner (and not to a region), the region as that
    agency or partner."""
    whole = Scope(region=region)
    if allowed(actor.grants, "plan.read", whole):
        return whole
    for grant in actor.grants:
        if grant.region is None and (grant.agency or grant.partner):
            scope = Scope(region=region, agency=grant.agency, partner=grant.partner)
            if allowed(actor.grants, "plan.read", scope):
                return scope
    return whole


def readable_plan(ws: Workspace, plan: str | None = None) -> Plan:
    """Return the stored plan ``plan`` (the only one when None) once the actor may read it."""
    from rpkd.planning.store import load_plan

    actor = ws.actor
    with ws.transaction() as db:
        stored = load_plan(db, plan)
    gate.authorise(actor, "plan.read", read_scope(actor, stored.region))
    return stored


def _budget_years(activity: Activity, years: tuple[int, ...]) -> dict[str, float]:
    return {f"budget_{y}": sum(activity.budget(y).values()) for y in years}


@dataclass(frozen=True)
class PlanBrowse:
    """The stored plan as the plan page shows it, filtered by strategy and agency (OPD).

    ``own``: the agencies of the actor's grants (their programmes are marked); ``may_edit``:
    whether the actor may edit the plan; ``may_export``: whether the actor reads the whole
    plan (the XLSX matrices)."""

    plan: Plan
    strategy: str | None
    agency: str | None
    own: frozenset[str]
    may_edit: bool
    may_export: bool

    def programmes(self) -> tuple[Programme, ...]:
        """The programmes the filters keep (an agency filter keeps a programme led by the
        agency or with an activity of it, and only those activities)."""
        out = []
        for programme in self.plan.programmes:
            if self.strategy and programme.strategy != self.strategy:
                continue
            if self.agency and programme.agency != self.agency:
                kept = tuple(a for a in programme.activities if a.agency == self.agency)
                if not kept:
                    continue
                programme = replace(programme, activities=kept)
            out.append(programme)
        return tuple(out)

    def rows(self) -> list[dict[str, Any]]:
        """One row per activity kept: strategy, programme, activity, OPD, partners, location,
        target group, budget (all sources) by year and in total; a programme without
        activities has one row whose ``activity`` is None."""
        from rpkd.planning.action_plan import location_text

        years = self.plan.years
        out = []
        for programme in self.programmes():
            if not programme.activities:
                out.append(self._programme_row(programme))
            for activity in programme.activities:
                by_year = _budget_years(activity, years)
                out.append(
                    {
                        "strategy": programme.strategy,
                        "pillar": programme.pillar,
                        "programme": programme.code,
                        "programme_name": programme.name,
                        "programme_agency": programme.agency,
                        "activity": activity.code,
                        "activity_name": activity.name,
                        "agency": activity.agency,
                        "partners": ", ".join(activity.partners),
                        "location": location_text(
                            activity.regions, activity.release, activity.release_filter
                        ),
                        "target_group": activity.target_group,
                        **by_year,
                        "budget_total": sum(by_year.values()),
                        "own": activity.agency in self.own or programme.agency in self.own,
                    }
                )
        return out

    def _programme_row(self, programme: Programme) -> dict[str, Any]:
        """The row of a programme without activities (yet)."""
        years = self.plan.years
        return {
            "strategy": programme.strategy,
            "pillar": programme.pillar,
            "programme": programme.code,
            "programme_name": programme.name,
            "programme_agency": programme.agency,
            "activity": None,
            "activity_name": None,
            "agency": programme.agency,
            "partners": "",
            "location": "",
            "target_group": "",
            **{f"budget_{y}": 0.0 for y in years},
            "budget_total": 0.0,
            "own": programme.agency in self.own,
        }

    def budget_by_source(self) -> list[dict[str, Any]]:
        """The budget of the activities kept by funding source (rows) and year, with totals."""
        from rpkd.planning.model import FUNDING_SOURCES

        years = self.plan.years
        totals = {source: dict.fromkeys(years, 0.0) for source in FUNDING_SOURCES}
        for programme in self.programmes():
            for activity in programme.activities:
                for line in activity.budgets:
                    if line.year in totals[line.source]:
                        totals[line.source][line.year] += line.amount
        return [
            {
                "source": source,
                **{f"budget_{y}": by_year[y] for y in years},
                "budget_total": sum(by_year.values()),
            }
            for source, by_year in totals.items()
            if any(by_year.values())
        ]

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows())

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows())


def browse_plan(
    ws: Workspace,
    *,
    plan: str | None = None,
    strategy: str | None = None,
    agency: str | None = None,
) -> PlanBrowse:
    """Return the stored plan for the plan page, filtered by ``strategy`` and ``agency``."""
    stored = readable_plan(ws, plan)
    grants = ws.actor.grants
    whole = Scope(region=stored.region)
    return PlanBrowse(
        plan=stored,
        strategy=strategy or None,
        agency=agency or None,
        own=frozenset(g.agency for g in grants if g.agency),
        may_edit=allowed(grants, "plan.edit", whole),
        may_export=allowed(grants, "plan.read", whole),
    )


@dataclass(frozen=True)
class PlanChanged:
    """One edit saved: what (``activity.save``, ``activity.remove``, ``targets.save``) and the
    code of the item, with the plan as saved."""

    plan: Plan
    change: str
    code: str

    def row(self) -> dict[str, Any]:
        return {"plan": self.plan.name, "change": self.change, "code": self.code}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.row()])

    def to_json(self) -> list[dict[str, Any]]:
        return [self.row()]


def field_messages(findings: tuple[Finding, ...], lang: Lang) -> dict[str, str]:
    """Return the sentence of each form field's findings (joined) from a refused edit."""
    out: dict[str, list[str]] = {}
    for finding in findings:
        params = {"field": finding.field, **finding.params}
        text = locale.message(finding.code, lang, **params)
        out.setdefault(finding.field or "form", []).append(text)
    return {field: "; ".join(texts) for field, texts in out.items()}


def _labels(lang: Lang, plan: Plan) -> dict[str, str]:
    """Return each form field's label as the plan page shows it (for the findings' sentences)."""
    from rpkd.planning.model import FUNDING_SOURCES
    from rpkd.planning.plan_edit import ACTIVITY_FIELDS, budget_field, target_field

    labels = {f: locale.label(f"web.rencana.field.{f}", lang) for f in ACTIVITY_FIELDS}
    for name in ("baseline_year", "baseline_value"):
        labels[name] = locale.label(f"web.rencana.field.{name}", lang)
    for year in plan.years:
        labels[target_field(year)] = f"{locale.label('web.rencana.target', lang)} {year}"
        for source in FUNDING_SOURCES:
            word = locale.label(f"plan_matrix.source.{source}", lang)
            labels[budget_field(source, year)] = f"{word} {year}"
    return labels


def _refused(found: tuple[Finding, ...]) -> InvalidInput:
    return InvalidInput("plan_edit_invalid", param=found[0].field, count=len(found), findings=found)


def _save(ws: Workspace, edited: Plan, change: str, code: str) -> PlanChanged:
    from rpkd.planning.store import save_plan

    try:
        with ws.atomic():  # the plan and its audit row: both kept or neither
            with ws.transaction() as db:
                save_plan(db, edited)
            gate.audit(
                ws,
                f"plan.{change}",
                scopes=(Scope(region=edited.region),),
                records=1,
                parameters={"plan": edited.name, "code": code},
            )
    except InvalidInput as exc:
        if exc.code != "plan_invalid":
            raise
        raise _refused(tuple(replace(f, field="form") for f in exc.findings)) from exc
    return PlanChanged(edited, change, code)


def _editable(ws: Workspace, plan: str | None) -> Plan:
    from rpkd.workflows.plan import stored_plan

    return stored_plan(ws, plan, "plan.edit")


def save_activity(
    ws: Workspace, values: Mapping[str, str], *, new: bool, plan: str | None = None
) -> PlanChanged:
    """Save an activity from its form (``programme``, ``code``, ``name``, ``agency``,
    ``target_group``, ``regions``, ``partners``, ``release``, ``release_filter`` and
    ``budget:<source>:<year>``): a ``new`` one is added to its programme, else the activity of
    that code is replaced in place (moved when its programme changed)."""
    from rpkd.planning.plan_edit import put_activity, read_activity

    stored = _editable(ws, plan)
    programme, activity, found = read_activity(stored, values, _labels(ws.lang, stored), ws.lang)
    if activity is None:
        raise _refused(found)
    edited = put_activity(stored, programme, activity, new=new)
    if edited.plan is None:
        raise _refused(edited.findings)
    return _save(ws, edited.plan, "activity.save", activity.code)


def remove_activity(ws: Workspace, code: str, *, plan: str | None = None) -> PlanChanged:
    """Remove the activity ``code`` (refused while an indicator, a commitment or a realisation
    names it)."""
    from rpkd.planning.plan_edit import drop_activity

    stored = _editable(ws, plan)
    edited = drop_activity(stored, code)
    if edited.plan is None:
        raise _refused(edited.findings)
    return _save(ws, edited.plan, "activity.remove", code)


def save_targets(
    ws: Workspace, indicator: str, values: Mapping[str, str], *, plan: str | None = None
) -> PlanChanged:
    """Save the baseline (``baseline_year``, ``baseline_value``) and the yearly targets
    (``target:<year>``; empty: no target that year) of ``indicator`` from its form."""
    from rpkd.planning.plan_edit import read_targets

    stored = _editable(ws, plan)
    edited = read_targets(stored, indicator, values, _labels(ws.lang, stored), ws.lang)
    if edited.plan is None:
        raise _refused(edited.findings)
    return _save(ws, edited.plan, "targets.save", indicator)


def plan_year(ws: Workspace, year: int, *, plan: str | None = None) -> AnnualActionPlan:
    """Return the yearly action plan (RAT) of ``year`` for any reader of the plan."""
    from rpkd.planning import action_plan as rat

    return AnnualActionPlan(rat.action_plan(readable_plan(ws, plan), year))


@dataclass(frozen=True)
class PlanForm:
    """The values of an edit form (text by field) and the plan it edits; ``code`` is the
    activity or indicator edited (None: a new activity)."""

    plan: Plan
    code: str | None
    values: Mapping[str, str]

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([dict(self.values)])

    def to_json(self) -> list[dict[str, Any]]:
        return [dict(self.values)]


def activity_form(ws: Workspace, code: str | None = None, *, plan: str | None = None) -> PlanForm:
    """Return the form of activity ``code`` (None: a new activity) for an editor of the plan."""
    from rpkd.planning.plan_edit import activity_values

    stored = _editable(ws, plan)
    return PlanForm(stored, code, activity_values(stored, code))


def targets_form(ws: Workspace, indicator: str, *, plan: str | None = None) -> PlanForm:
    """Return the baseline and targets form of ``indicator`` for an editor of the plan."""
    from rpkd.planning.plan_edit import target_values

    stored = _editable(ws, plan)
    return PlanForm(stored, indicator, target_values(stored, indicator))
