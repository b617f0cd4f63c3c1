"""Quarterly realisations: submitted by an operator, verified or rejected by the secretariat.

History is never overwritten: a correction is a new version of the same (subject, year,
quarter); review only moves a version from ``submitted`` to ``verified`` or ``rejected``. The
current value is the latest verified version (:func:`current`). Values are cumulative for the
year up to the quarter (the year-to-date convention of the Permendagri 86/2017 forms), so the
fourth quarter's value is the year's realisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rpkd.access import audit
from rpkd.access.roles import Action, Forbidden, Grant, Scope, allowed
from rpkd.access.users import LOCAL_USER
from rpkd.errors import InvalidInput, NotFound
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
            raise NotFound(
                "indicator_unknown", f"indikator {code} tidak ada dalam rencana", param="code"
            )
        if indicator.activity is not None:
            return subject_scopes(plan, "activity", indicator.activity)
        agency = next((p.agency for p in plan.programmes if p.code == indicator.programme), None)
        return (Scope(region=plan.region, agency=agency),)
    if code not in activities:
        raise NotFound("activity_unknown", f"kegiatan {code} tidak ada dalam rencana", param="code")
    _, activity = activities[code]
    region = _common_region(activity.regions, plan.region)
    partners: Iterable[str | None] = activity.partners or (None,)
    return tuple(Scope(region=region, agency=activity.agency, partner=p) for p in partners)


def _check(
    plan: Plan, kind: SubjectKind, code: str, grants: tuple[Grant, ...], action: Action, user: str
) -> None:
    if not any(allowed(grants, action, s) for s in subject_scopes(plan, kind, code)):
        raise Forbidden(
            "forbidden",
            f"pengguna {user} tidak berwenang untuk {action} {kind} {code}",
            param=action,
        )


def _subject_id(session: Session, plan_id: int, kind: SubjectKind, code: str) -> int:
    table = IndicatorRow if kind == "indicator" else ActivityRow
    found = session.scalar(select(table.id).where(table.plan_id == plan_id, table.code == code))
    if found is None:
        raise NotFound(f"{kind}_unknown", f"{kind} {code} tidak ada dalam rencana", param="code")
    return found


def submit(
    session: Session,
    kind: SubjectKind,
    code: str,
    year: int,
    quarter: int,
    *,
    user: str,
    grants: tuple[Grant, ...],
    value: float | None = None,
    estimate: Estimate | None = None,
    budget_spent: float | None = None,
    beneficiaries: int | None = None,
    evidence: str = "",
    plan_name: str | None = None,
    plan: Plan | None = None,
) -> Realisation:
    """Record a new version of a realisation (status ``submitted``) and audit it.

    ``plan`` is the stored plan if the caller already loaded it (imports of many rows).
    """
    row = plan_row(session, plan.name if plan is not None else plan_name)
    plan = plan if plan is not None else load_plan(session, row.name)
    _check(plan, kind, code, grants, "realisation.submit", user)
    if year not in plan.years:
        raise InvalidInput("year_outside", f"tahun {year} di luar periode rencana", param="year")
    if quarter not in (1, 2, 3, 4):
        raise InvalidInput("quarter_invalid", "triwulan harus 1, 2, 3 atau 4", param="quarter")
    if estimate is not None:
        value = estimate.estimate
    if kind == "indicator" and value is None:
        raise InvalidInput("value_missing", "realisasi indikator memerlukan nilai", param="value")
    if kind == "activity" and value is None and budget_spent is None and beneficiaries is None:
        raise InvalidInput(
            "value_missing",
            "realisasi kegiatan memerlukan nilai, anggaran atau penerima",
            param="value",
        )
    for name, number in (("budget_spent", budget_spent), ("beneficiaries", beneficiaries)):
        if number is not None and number < 0:
            raise InvalidInput("minimum", f"{name} tidak boleh negatif", param=name)
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
        submitted_by=user,
        submitted_at=utcnow(),
    )
    session.add(new)
    session.flush()
    audit.record(
        session,
        user,
        "realisation.submit",
        records=1,
        parameters={
            "id": new.id,
            "subject": f"{kind}:{code}",
            "year": year,
            "quarter": quarter,
            "version": new.version,
        },
    )
    return _value(new)


def review(
    session: Session,
    realisation_id: int,
    decision: Literal["verified", "rejected"],
    *,
    user: str,
    grants: tuple[Grant, ...],
    reason: str | None = None,
) -> Realisation:
    """Verify or reject a submitted version (secretariat); a rejection needs a reason.

    The reviewer must not be the submitter (four-eyes), except in a workspace without users.
    """
    row = session.get(RealisationRow, realisation_id)
    if row is None:
        raise NotFound("realisation_unknown", f"realisasi {realisation_id} tidak ada", param="id")
    plan = load_plan(session, plan_row_name(session, row.plan_id))
    kind = cast(SubjectKind, row.subject_kind)
    _check(plan, kind, row.subject_code, grants, "realisation.verify", user)
    if row.status != "submitted":
        raise InvalidInput(
            "status", f"realisasi {realisation_id} sudah berstatus {row.status}", param="id"
        )
    if user != LOCAL_USER and row.submitted_by == user:
        raise Forbidden("four_eyes", "verifikator tidak boleh sama dengan pengirim", param="user")
    if decision == "rejected" and not (reason or "").strip():
        raise InvalidInput("reason_missing", "penolakan memerlukan alasan", param="reason")
    row.status, row.reviewed_by, row.reviewed_at, row.reason = decision, user, utcnow(), reason
    session.flush()
    audit.record(
        session,
        user,
        f"realisation.{'verify' if decision == 'verified' else 'reject'}",
        records=1,
        parameters={"id": row.id, "subject": f"{row.subject_kind}:{row.subject_code}"},
    )
    return _value(row)


def plan_row_name(session: Session, plan_id: int) -> str:
    """Return the name of the plan with database id ``plan_id``."""
    name = session.scalar(select(PlanRow.name).where(PlanRow.id == plan_id))
    if name is None:
        raise NotFound("plan_unknown", f"rencana {plan_id} tidak ada", param="plan")
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
