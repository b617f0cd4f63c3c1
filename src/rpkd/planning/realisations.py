"""Quarterly realisations: submitted by an operator, verified or rejected by the secretariat.

History is never overwritten: a correction is a new version of the same (subject, year,
quarter); review only moves a version from ``submitted`` to ``verified`` or ``rejected``. The
current value is the latest verified version (:func:`current`). Values are cumulative for the
year up to the quarter (the year-to-date convention of the Permendagri 86/2017 forms), so the
fourth quarter's value is the year's realisation.

Who may submit or review is decided by the workflows (:mod:`rpkd.workflows.realisations`) on
the scopes of the subject (:func:`subject_scopes`); the rules of the record itself (period,
values, review once, four eyes, a reason for a rejection) live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rpkd.access.roles import Scope
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.inputs import typed
from rpkd.planning.model import Plan
from rpkd.planning.performance import Estimate
from rpkd.planning.store import load_plan, plan_row
from rpkd.planning.tables import ActivityRow, IndicatorRow, PlanRow, RealisationRow
from rpkd.store import utcnow

SubjectKind = Literal["indicator", "activity"]
Status = Literal["submitted", "verified", "rejected"]


@dataclass(frozen=True)
class Realisation:
    """One version of a quarterly realisation."""

    id: int
    subject_kind: SubjectKind
    subject_code: str
    year: int
    quarter: int
    version: int
    value: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    budget_spent: float | None
    beneficiaries: int | None
    evidence: str
    status: Status
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    reason: str | None


def _value(row: RealisationRow) -> Realisation:
    return Realisation(
        row.id,
        cast(SubjectKind, row.subject_kind),
        row.subject_code,
        row.year,
        row.quarter,
        row.version,
        row.value,
        row.se,
        row.ci_low,
        row.ci_high,
        row.budget_spent,
        row.beneficiaries,
        row.evidence,
        cast(Status, row.status),
        row.submitted_by,
        row.submitted_at,
        row.reviewed_by,
        row.reviewed_at,
        row.reason,
    )


def _common_region(codes: Sequence[str], fallback: str) -> str:
    if not codes:
        return fallback
    parts = [c.split(".") for c in codes]
    shared = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        shared.append(segments[0])
    return ".".join(shared) if shared else fallback


def subject_scopes(plan: Plan, kind: SubjectKind, code: str) -> tuple[Scope, ...]:
    """Return the scopes of an indicator or activity, for the permission check.

    An activity's scope is its OPD, the smallest region holding all its locations and each of
    its partners; an output indicator takes its activity's scope; an outcome indicator takes its
    programme's OPD (if any) and the plan's region.
    """
    activities = {a.code: (p, a) for p, a in plan.activities()}
    if kind == "indicator":
        indicator = next((i for i in plan.indicators if i.code == code), None)
        if indicator is None:
            raise NotFound("plan_indicator_unknown", param="code", code=code, plan=plan.name)
        if indicator.activity is not None:
            return subject_scopes(plan, "activity", indicator.activity)
        agency = next((p.agency for p in plan.programmes if p.code == indicator.programme), None)
        return (Scope(region=plan.region, agency=agency),)
    if code not in activities:
        raise NotFound("plan_activity_unknown", param="code", code=code, plan=plan.name)
    _, activity = activities[code]
    region = _common_region(activity.regions, plan.region)
    partners: Iterable[str | None] = activity.partners or (None,)
    return tuple(Scope(region=region, agency=activity.agency, partner=p) for p in partners)


def _subject_id(session: Session, plan_id: int, kind: SubjectKind, code: str) -> int:
    table = IndicatorRow if kind == "indicator" else ActivityRow
    found = session.scalar(select(table.id).where(table.plan_id == plan_id, table.code == code))
    if found is None:
        unknown = "plan_indicator_unknown" if kind == "indicator" else "plan_activity_unknown"
        raise NotFound(unknown, param="code", code=code, plan=str(plan_id))
    return found


def _check_values(
    plan: Plan,
    kind: SubjectKind,
    year: int,
    quarter: int,
    value: float | None,
    budget_spent: float | None,
    beneficiaries: int | None,
) -> None:
    if year not in plan.years:
        raise InvalidInput(
            "plan_year_outside", param="year", year=year, start=plan.start_year, end=plan.end_year
        )
    if quarter not in (1, 2, 3, 4):
        raise InvalidInput("quarter_invalid", param="quarter", quarter=quarter)
    if kind == "indicator" and value is None:
        raise InvalidInput("realisation_value_missing", param="value")
    if kind == "activity" and value is None and budget_spent is None and beneficiaries is None:
        raise InvalidInput("realisation_activity_empty", param="value")
    typed.finite(value=value, budget_spent=budget_spent, beneficiaries=beneficiaries)
    for name, number in (("budget_spent", budget_spent), ("beneficiaries", beneficiaries)):
        if number is not None and number < 0:
            raise InvalidInput("realisation_negative", param=name, field=name, value=number)


def submit(
    session: Session,
    plan: Plan,
    kind: SubjectKind,
    code: str,
    year: int,
    quarter: int,
    *,
    submitted_by: str,
    value: float | None = None,
    estimate: Estimate | None = None,
    budget_spent: float | None = None,
    beneficiaries: int | None = None,
    evidence: str = "",
) -> Realisation:
    """Record a new version of a realisation of the stored ``plan`` (status ``submitted``).

    An ``estimate`` gives the value with its SE and confidence interval.
    """
    if estimate is not None:
        value = estimate.estimate
    _check_values(plan, kind, year, quarter, value, budget_spent, beneficiaries)
    row = plan_row(session, plan.name)
    subject_id = _subject_id(session, row.id, kind, code)
    latest = session.scalar(
        select(func.max(RealisationRow.version)).where(
            RealisationRow.subject_kind == kind,
            RealisationRow.subject_id == subject_id,
            RealisationRow.year == year,
            RealisationRow.quarter == quarter,
        )
    )
    new = RealisationRow(
        plan_id=row.id,
        subject_kind=kind,
        subject_id=subject_id,
        subject_code=code,
        year=year,
        quarter=quarter,
        version=(latest or 0) + 1,
        value=value,
        se=estimate.se if estimate else None,
        ci_low=estimate.ci_low if estimate else None,
        ci_high=estimate.ci_high if estimate else None,
        budget_spent=budget_spent,
        beneficiaries=beneficiaries,
        evidence=evidence,
        status="submitted",
        submitted_by=submitted_by,
        submitted_at=utcnow(),
    )
    session.add(new)
    session.flush()
    return _value(new)


def find(session: Session, realisation_id: int) -> tuple[Plan, Realisation]:
    """Return the realisation ``realisation_id`` and the stored plan it belongs to."""
    row = session.get(RealisationRow, realisation_id)
    if row is None:
        raise NotFound("realisation_unknown", param="id", id=realisation_id)
    return load_plan(session, plan_row_name(session, row.plan_id)), _value(row)


def review(
    session: Session,
    realisation_id: int,
    decision: Literal["verified", "rejected"],
    *,
    reviewer: str,
    reason: str | None = None,
    four_eyes: bool = True,
) -> Realisation:
    """Verify or reject a submitted version; a rejection needs a reason.

    With ``four_eyes`` (every workspace with users) the reviewer must not be the submitter.
    """
    row = session.get(RealisationRow, realisation_id)
    if row is None:
        raise NotFound("realisation_unknown", param="id", id=realisation_id)
    if row.status != "submitted":
        raise InvalidInput("realisation_reviewed", param="id", id=realisation_id, status=row.status)
    if four_eyes and row.submitted_by == reviewer:
        raise Forbidden("four_eyes", param="user", user=reviewer)
    if decision == "rejected" and not (reason or "").strip():
        raise InvalidInput("realisation_reason_missing", param="reason")
    row.status, row.reviewed_by, row.reviewed_at, row.reason = decision, reviewer, utcnow(), reason
    session.flush()
    return _value(row)


def plan_row_name(session: Session, plan_id: int) -> str:
    """Return the name of the plan with database id ``plan_id``."""
    name = session.scalar(select(PlanRow.name).where(PlanRow.id == plan_id))
    if name is None:
        raise NotFound("plan_unknown", param="plan", name=str(plan_id), available="-")
    return name


def history(session: Session, plan_name: str | None = None) -> tuple[Realisation, ...]:
    """Return every version of every realisation of the plan, oldest first."""
    row = plan_row(session, plan_name)
    query = (
        select(RealisationRow).where(RealisationRow.plan_id == row.id).order_by(RealisationRow.id)
    )
    return tuple(_value(r) for r in session.scalars(query))


def current(
    realisations: Sequence[Realisation], year: int, quarter: int = 4
) -> dict[tuple[SubjectKind, str], Realisation]:
    """Return the current value of each subject for ``year`` up to ``quarter``.

    The current value is the latest verified version of the latest quarter (≤ ``quarter``)
    that has a verified version.
    """
    best: dict[tuple[SubjectKind, str], Realisation] = {}
    for item in realisations:
        if item.status != "verified" or item.year != year or item.quarter > quarter:
            continue
        key = (item.subject_kind, item.subject_code)
        held = best.get(key)
        if held is None or (item.quarter, item.version) > (held.quarter, held.version):
            best[key] = item
    return best
