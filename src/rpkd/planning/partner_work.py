"""Partners' commitments against the plan and their quarterly reports.

A partner (CSR, university, religious body, Baznas, community) registers what it commits:
a programme of the plan (optionally one of its activities), the lokus (kecamatan or desa codes
inside the plan's region), the target group, a budget in rupiah and the years it covers. Each
quarter it reports what was spent and how many were reached, cumulative for the year like an
agency's realisation; a report is versioned (a correction is a new version) and reviewed by the
secretariat (four eyes, a reason for a return), as :mod:`rpkd.planning.realisations` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rpkd import regions
from rpkd.access.roles import Scope
from rpkd.errors import Forbidden, InvalidInput, NotFound, UnknownRegion
from rpkd.inputs import typed
from rpkd.planning.model import Plan
from rpkd.planning.realisations import Status
from rpkd.planning.store import plan_row
from rpkd.planning.work_tables import CommitmentReportRow, PartnerCommitmentRow
from rpkd.store import utcnow


@dataclass(frozen=True)
class PartnerCommitment:
    """A commitment registered by a partner."""

    id: int
    partner: str
    programme: str
    activity: str | None
    regions: tuple[str, ...]
    target_group: str
    description: str
    amount: float
    start_year: int
    end_year: int
    registered_by: str
    registered_at: datetime

    def covers(self, year: int) -> bool:
        """Whether the commitment runs in ``year``."""
        return self.start_year <= year <= self.end_year


@dataclass(frozen=True)
class CommitmentReport:
    """One version of a partner's quarterly report on a commitment."""

    id: int
    commitment_id: int
    year: int
    quarter: int
    version: int
    budget_spent: float | None
    beneficiaries: int | None
    note: str
    status: Status
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    reason: str | None


def _commitment(row: PartnerCommitmentRow) -> PartnerCommitment:
    return PartnerCommitment(
        row.id,
        row.partner,
        row.programme,
        row.activity,
        tuple(p for p in row.regions.split(",") if p),
        row.target_group,
        row.description,
        row.amount,
        row.start_year,
        row.end_year,
        row.registered_by,
        row.registered_at,
    )


def _report(row: CommitmentReportRow) -> CommitmentReport:
    return CommitmentReport(
        row.id,
        row.commitment_id,
        row.year,
        row.quarter,
        row.version,
        row.budget_spent,
        row.beneficiaries,
        row.note,
        cast(Status, row.status),
        row.submitted_by,
        row.submitted_at,
        row.reviewed_by,
        row.reviewed_at,
        row.reason,
    )


def commitment_scope(plan_region: str, partner: str, lokus: Sequence[str]) -> Scope:
    """Return the scope of a commitment: its partner and the smallest region holding its lokus."""
    if not lokus:
        return Scope(region=plan_region, partner=partner)
    parts = [code.split(".") for code in lokus]
    shared: list[str] = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        shared.append(segments[0])
    return Scope(region=".".join(shared) or plan_region, partner=partner)


def _lokus(plan: Plan, codes: Sequence[str]) -> tuple[str, ...]:
    found = []
    for text in codes:
        try:
            code = regions.parse_code(text)
        except UnknownRegion as exc:
            raise InvalidInput("commitment_lokus_invalid", param="regions", code=text) from exc
        if not regions.contains(plan.region, code) or not regions.exists(code):
            raise InvalidInput("commitment_lokus_invalid", param="regions", code=text)
        found.append(code)
    return tuple(dict.fromkeys(found))


def register(
    session: Session,
    plan: Plan,
    partner: str,
    programme: str,
    *,
    description: str,
    amount: float,
    start_year: int,
    end_year: int,
    activity: str | None = None,
    lokus: Sequence[str] = (),
    target_group: str = "",
    registered_by: str,
) -> PartnerCommitment:
    """Record a partner's commitment against the stored ``plan``."""
    if not partner.strip():
        raise InvalidInput("commitment_partner_missing", param="partner")
    known = {p.code: p for p in plan.programmes}
    if programme not in known:
        raise InvalidInput("commitment_programme_unknown", param="programme", code=programme)
    if activity and activity not in {a.code for a in known[programme].activities}:
        raise InvalidInput(
            "commitment_activity_unknown", param="activity", code=activity, programme=programme
        )
    if not description.strip():
        raise InvalidInput("commitment_description_missing", param="description")
    typed.finite(amount=amount)
    if amount < 0:
        raise InvalidInput("realisation_negative", param="amount", field="amount", value=amount)
    for name, year in (("start_year", start_year), ("end_year", end_year)):
        if year not in plan.years:
            raise InvalidInput(
                "plan_year_outside", param=name, year=year, start=plan.start_year, end=plan.end_year
            )
    if end_year < start_year:
        raise InvalidInput(
            "commitment_period_order", param="end_year", start=start_year, end=end_year
        )
    row = PartnerCommitmentRow(
        plan_id=plan_row(session, plan.name).id,
        partner=partner.strip(),
        programme=programme,
        activity=activity or None,
        regions=",".join(_lokus(plan, lokus)),
        target_group=target_group.strip(),
        description=description.strip(),
        amount=amount,
        start_year=start_year,
        end_year=end_year,
        registered_by=registered_by,
        registered_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _commitment(row)


def commitments(session: Session, plan_name: str) -> tuple[PartnerCommitment, ...]:
    """Return every commitment registered against the plan, oldest first."""
    plan_id = plan_row(session, plan_name).id
    query = (
        select(PartnerCommitmentRow)
        .where(PartnerCommitmentRow.plan_id == plan_id)
        .order_by(PartnerCommitmentRow.id)
    )
    return tuple(_commitment(r) for r in session.scalars(query))


def commitment(session: Session, commitment_id: int) -> PartnerCommitment:
    """Return commitment ``commitment_id``."""
    row = session.get(PartnerCommitmentRow, commitment_id)
    if row is None:
        raise NotFound("commitment_unknown", param="id", id=commitment_id)
    return _commitment(row)


def report(
    session: Session,
    commitment_id: int,
    year: int,
    quarter: int,
    *,
    submitted_by: str,
    budget_spent: float | None = None,
    beneficiaries: int | None = None,
    note: str = "",
) -> CommitmentReport:
    """Record a new version of a quarter's report on a commitment (status ``submitted``)."""
    held = commitment(session, commitment_id)
    if not held.covers(year):
        raise InvalidInput(
            "commitment_year_outside",
            param="year",
            year=year,
            start=held.start_year,
            end=held.end_year,
        )
    if quarter not in (1, 2, 3, 4):
        raise InvalidInput("quarter_invalid", param="quarter", quarter=quarter)
    if budget_spent is None and beneficiaries is None:
        raise InvalidInput("realisation_activity_empty", param="budget_spent")
    typed.finite(budget_spent=budget_spent, beneficiaries=beneficiaries)
    for name, number in (("budget_spent", budget_spent), ("beneficiaries", beneficiaries)):
        if number is not None and number < 0:
            raise InvalidInput("realisation_negative", param=name, field=name, value=number)
    latest = session.scalar(
        select(func.max(CommitmentReportRow.version)).where(
            CommitmentReportRow.commitment_id == commitment_id,
            CommitmentReportRow.year == year,
            CommitmentReportRow.quarter == quarter,
        )
    )
    row = CommitmentReportRow(
        commitment_id=commitment_id,
        year=year,
        quarter=quarter,
        version=(latest or 0) + 1,
        budget_spent=budget_spent,
        beneficiaries=beneficiaries,
        note=note.strip(),
        status="submitted",
        submitted_by=submitted_by,
        submitted_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _report(row)


def reports(session: Session, commitment_ids: Sequence[int]) -> tuple[CommitmentReport, ...]:
    """Return every version of the reports on the given commitments, oldest first."""
    if not commitment_ids:
        return ()
    query = (
        select(CommitmentReportRow)
        .where(CommitmentReportRow.commitment_id.in_(commitment_ids))
        .order_by(CommitmentReportRow.id)
    )
    return tuple(_report(r) for r in session.scalars(query))


def find_report(session: Session, report_id: int) -> tuple[PartnerCommitment, CommitmentReport]:
    """Return report version ``report_id`` and its commitment."""
    row = session.get(CommitmentReportRow, report_id)
    if row is None:
        raise NotFound("commitment_report_unknown", param="id", id=report_id)
    return commitment(session, row.commitment_id), _report(row)


def review(
    session: Session,
    report_id: int,
    decision: Literal["verified", "rejected"],
    *,
    reviewer: str,
    reason: str | None = None,
) -> CommitmentReport:
    """Verify or return a submitted report version; never one's own, a return needs a reason."""
    row = session.get(CommitmentReportRow, report_id)
    if row is None:
        raise NotFound("commitment_report_unknown", param="id", id=report_id)
    if row.status != "submitted":
        raise InvalidInput("realisation_reviewed", param="id", id=report_id, status=row.status)
    if row.submitted_by == reviewer:
        raise Forbidden("four_eyes", param="user", user=reviewer)
    if decision == "rejected" and not (reason or "").strip():
        raise InvalidInput("realisation_reason_missing", param="reason")
    row.status, row.reviewed_by, row.reviewed_at = decision, reviewer, utcnow()
    row.reason = (reason or "").strip() or None
    session.flush()
    return _report(row)
