"""Use cases of the *Mitra* page: partners' commitments and reports, and the plan's budget by
source.

A partner user (role ``partner``, a grant naming the partner) registers commitments against
the plan (:func:`register_commitment`) and reports each quarter on them
(:func:`report_commitment`, with evidence files like an agency's realisation); the secretariat
verifies or returns a report (:func:`review_commitment_report`, four eyes). Permission is
``realisation.submit`` and ``realisation.verify`` on the commitment's scope (its partner and
the region of its lokus), so a partner sees and reports only its own commitments.
:func:`budget_by_source` puts every funding source of the plan side by side with the partners'
commitments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd.access.roles import Action, Scope, allowed
from rpkd.workflows import gate
from rpkd.workflows.results import plain, records

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rpkd.planning.model import Plan
    from rpkd.planning.partner_work import CommitmentReport, PartnerCommitment
    from rpkd.workflows.jobs import Upload
    from rpkd.workflows.realisation_work import Evidence
    from rpkd.workflows.workspace import Actor, Workspace


def _scope(plan: Plan, item: PartnerCommitment) -> Scope:
    from rpkd.planning.partner_work import commitment_scope

    return commitment_scope(plan.region, item.partner, item.regions)


def report_scopes(db: Session, report_id: int) -> tuple[Scope, ...]:
    """Return the scope of the commitment a report version belongs to (evidence downloads)."""
    from rpkd.planning.partner_work import find_report
    from rpkd.planning.realisations import plan_row_name
    from rpkd.planning.store import load_plan
    from rpkd.planning.work_tables import PartnerCommitmentRow

    held, _ = find_report(db, report_id)
    row = db.get(PartnerCommitmentRow, held.id)
    assert row is not None
    plan = load_plan(db, plan_row_name(db, row.plan_id))
    return (_scope(plan, held),)


@dataclass(frozen=True)
class PartnerDesk:
    """One quarter of the partners' work as the acting user sees it."""

    plan: str
    year: int
    quarter: int
    deadline: date
    commitments: tuple[PartnerCommitment, ...]
    reports: tuple[CommitmentReport, ...]
    to_review: tuple[CommitmentReport, ...]
    missing: tuple[PartnerCommitment, ...]
    evidence: tuple[Evidence, ...]
    partners: tuple[str, ...]
    """The partners the user may register commitments for (their grant's; the plan's for the
    secretariat)."""
    programmes: tuple[tuple[str, str], ...]
    can_review: bool
    years: tuple[int, ...]

    def latest(self, commitment_id: int) -> CommitmentReport | None:
        """The latest version of the quarter's report on a commitment."""
        found = [r for r in self.reports if r.commitment_id == commitment_id]
        return found[-1] if found else None

    def commitment(self, commitment_id: int) -> PartnerCommitment:
        """The commitment ``commitment_id`` (one of :attr:`commitments`)."""
        return next(c for c in self.commitments if c.id == commitment_id)

    def history(self, commitment_id: int) -> tuple[CommitmentReport, ...]:
        return tuple(r for r in self.reports if r.commitment_id == commitment_id)

    def evidence_of(self, report_id: int) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.report_id == report_id)

    def to_arrow(self) -> pa.Table:
        """Return the commitments the user may see."""
        return pa.Table.from_pylist(
            [{**asdict(c), "regions": ",".join(c.regions)} for c in self.commitments]
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "year": self.year,
            "quarter": self.quarter,
            "deadline": self.deadline.isoformat(),
            "commitments": [plain(asdict(c)) for c in self.commitments],
            "reports": [plain(asdict(r)) for r in self.reports],
            "to_review": [r.id for r in self.to_review],
            "missing": [c.id for c in self.missing],
        }


def _allowed(actor: Actor, scope: Scope, action: Action) -> bool:
    return allowed(actor.grants, action, scope)


def _grant_partners(actor: Actor, plan: Plan) -> tuple[str, ...]:
    named = [g.partner for g in actor.grants if g.role == "partner" and g.partner]
    if named:
        return tuple(dict.fromkeys(named))
    if allowed(actor.grants, "realisation.verify", Scope(region=plan.region)):
        return tuple(p.code for p in plan.partners)
    return ()


def partner_desk(
    ws: Workspace,
    year: int | None = None,
    quarter: int | None = None,
    *,
    plan: str | None = None,
    today: date | None = None,
) -> PartnerDesk:
    """Return the commitments the acting user may report on or review, with the quarter's
    reports (every version), those waiting for their review and those not reported yet."""
    from rpkd.planning import partner_work
    from rpkd.planning.store import load_plan
    from rpkd.workflows.realisation_work import quarter_of, reporting_deadline

    actor = ws.actor
    with ws.transaction() as db:
        stored = load_plan(db, plan)
        every = partner_work.commitments(db, stored.name)
    year, quarter = quarter_of(stored, year, quarter, today or date.today())
    mine = tuple(
        c
        for c in every
        if _allowed(actor, _scope(stored, c), "realisation.submit")
        or _allowed(actor, _scope(stored, c), "realisation.verify")
    )
    reviewable = {c.id for c in mine if _allowed(actor, _scope(stored, c), "realisation.verify")}
    with ws.transaction() as db:
        found = partner_work.reports(db, [c.id for c in mine])
        quarter_reports = tuple(r for r in found if r.year == year and r.quarter == quarter)
        evidence = _report_evidence(db, [r.id for r in quarter_reports])
    to_review = tuple(
        r
        for r in quarter_reports
        if r.status == "submitted"
        and r.commitment_id in reviewable
        and r.submitted_by != actor.username
    )
    reported = {r.commitment_id for r in quarter_reports}
    missing = tuple(c for c in mine if c.covers(year) and c.id not in reported)
    return PartnerDesk(
        stored.name,
        year,
        quarter,
        reporting_deadline(ws, year, quarter),
        mine,
        quarter_reports,
        to_review,
        missing,
        evidence,
        _grant_partners(actor, stored),
        tuple((p.code, p.name) for p in stored.programmes),
        bool(reviewable)
        or allowed(actor.grants, "realisation.verify", Scope(region=stored.region)),
        stored.years,
    )


def _report_evidence(db: Session, ids: Sequence[int]) -> tuple[Evidence, ...]:
    from sqlalchemy import select

    from rpkd.planning.work_tables import EvidenceRow
    from rpkd.workflows.realisation_work import evidence_value

    if not ids:
        return ()
    query = select(EvidenceRow).where(EvidenceRow.report_id.in_(ids)).order_by(EvidenceRow.id)
    return tuple(evidence_value(r) for r in db.scalars(query))


@dataclass(frozen=True)
class Commitments:
    """Commitments registered (one, for :func:`register_commitment`)."""

    items: tuple[PartnerCommitment, ...]

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(
            [{**asdict(c), "regions": ",".join(c.regions)} for c in self.items]
        )

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.to_arrow())


@dataclass(frozen=True)
class CommitmentReports:
    """Report versions (one, for :func:`report_commitment` and the reviews)."""

    items: tuple[CommitmentReport, ...]

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([asdict(r) for r in self.items])

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.to_arrow())


def register_commitment(
    ws: Workspace,
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
    plan: str | None = None,
) -> Commitments:
    """Register a partner's commitment against the plan (``realisation.submit`` on the
    commitment's scope: a partner user only for its own partner)."""
    from rpkd.planning import partner_work
    from rpkd.planning.partner_work import commitment_scope
    from rpkd.planning.store import load_plan
    from rpkd.workflows.realisation_work import typed_text

    description = typed_text(ws, description, "description", "web.mitra.description")
    target_group = typed_text(ws, target_group, "target_group", "web.mitra.target_group", line=True)
    actor = ws.actor
    with ws.transaction() as db:
        stored = load_plan(db, plan)
    gate.authorise(
        actor, "realisation.submit", commitment_scope(stored.region, partner.strip(), lokus)
    )
    with ws.transaction() as db:
        item = partner_work.register(
            db,
            stored,
            partner,
            programme,
            description=description,
            amount=amount,
            start_year=start_year,
            end_year=end_year,
            activity=activity,
            lokus=lokus,
            target_group=target_group,
            registered_by=actor.username,
        )
    gate.audit(
        ws,
        "commitment.register",
        scopes=(_scope(stored, item),),
        records=1,
        parameters={"id": item.id, "partner": item.partner, "programme": item.programme},
    )
    return Commitments((item,))


def _held(ws: Workspace, commitment_id: int) -> tuple[Plan, PartnerCommitment]:
    from rpkd.planning import partner_work
    from rpkd.planning.realisations import plan_row_name
    from rpkd.planning.store import load_plan
    from rpkd.planning.work_tables import PartnerCommitmentRow

    with ws.transaction() as db:
        held = partner_work.commitment(db, commitment_id)
        row = db.get(PartnerCommitmentRow, commitment_id)
        assert row is not None
        return load_plan(db, plan_row_name(db, row.plan_id)), held


def report_commitment(
    ws: Workspace,
    commitment_id: int,
    year: int,
    quarter: int,
    *,
    budget_spent: float | None = None,
    beneficiaries: int | None = None,
    note: str = "",
    files: Sequence[Upload] = (),
) -> CommitmentReports:
    """Submit a new version of a quarter's report on a commitment, with evidence files."""
    from rpkd.planning import partner_work
    from rpkd.workflows.realisation_work import (
        attach_evidence,
        discard_evidence,
        stored_evidence,
        typed_text,
    )

    note = typed_text(ws, note, "note", "web.realisasi.note")
    actor = ws.actor
    stored, held = _held(ws, commitment_id)
    scope = _scope(stored, held)
    gate.authorise(actor, "realisation.submit", scope)
    written = stored_evidence(ws, files)
    try:
        with ws.transaction() as db:
            item = partner_work.report(
                db,
                commitment_id,
                year,
                quarter,
                submitted_by=actor.username,
                budget_spent=budget_spent,
                beneficiaries=beneficiaries,
                note=note,
            )
            attach_evidence(ws, db, written, report_id=item.id)
    except BaseException:
        discard_evidence(ws, written)
        raise
    gate.audit(
        ws,
        "commitment.report",
        scopes=(scope,),
        records=1,
        parameters={"id": item.id, "commitment": commitment_id, "files": len(written)},
    )
    return CommitmentReports((item,))


def review_commitment_report(
    ws: Workspace,
    report_id: int,
    decision: Literal["verified", "rejected"],
    *,
    reason: str | None = None,
) -> CommitmentReports:
    """Verify or return (``rejected``, with a reason) a partner's report version
    (``realisation.verify``; never one's own)."""
    from rpkd.planning import partner_work
    from rpkd.workflows.realisation_work import typed_text

    if reason is not None:
        reason = typed_text(ws, reason, "reason", "web.realisasi.reason")
    actor = ws.actor
    with ws.transaction() as db:
        held, _ = partner_work.find_report(db, report_id)
    stored, _ = _held(ws, held.id)
    scope = _scope(stored, held)
    gate.authorise(actor, "realisation.verify", scope)
    with ws.transaction() as db:
        item = partner_work.review(db, report_id, decision, reviewer=actor.username, reason=reason)
    gate.audit(
        ws,
        "commitment.verify" if decision == "verified" else "commitment.reject",
        scopes=(scope,),
        records=1,
        parameters={"id": item.id, "commitment": held.id},
    )
    return CommitmentReports((item,))


@dataclass(frozen=True)
class BudgetBySource:
    """The plan's budget of one year by funding source, activity by activity, and the
    partners' commitments running that year, side by side (rupiah)."""

    plan: str
    year: int
    sources: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]

    def totals(self) -> dict[str, float]:
        """The total of each source and of all (``total``)."""
        out = {s: sum(float(r.get(s) or 0.0) for r in self.rows) for s in self.sources}
        return {**out, "total": sum(out.values())}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(list(self.rows))

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "year": self.year,
            "sources": list(self.sources),
            "rows": [plain(r) for r in self.rows],
            "totals": self.totals(),
        }


_KIND_SOURCE = {"csr": "csr", "baznas": "baznas"}


def budget_by_source(ws: Workspace, year: int, *, plan: str | None = None) -> BudgetBySource:
    """Return the plan's budget of ``year`` by source (APBD, APBN/DAK, Dana Desa, CSR, Baznas,
    other), one row per activity, and one row per partner commitment running in ``year`` (its
    amount spread evenly over its years, under its partner's kind: CSR, Baznas or other);
    ``plan.read``."""
    from rpkd.planning import partner_work
    from rpkd.planning.model import FUNDING_SOURCES
    from rpkd.workflows.plan import stored_plan

    stored = stored_plan(ws, plan, "plan.read")
    rows: list[dict[str, Any]] = []
    for programme, activity in stored.activities():
        spent = activity.budget(year)
        row: dict[str, Any] = {
            "origin": "plan",
            "programme": programme.code,
            "code": activity.code,
            "name": activity.name,
            "holder": activity.agency,
        }
        row.update({s: spent.get(s) for s in FUNDING_SOURCES})
        row["total"] = sum(spent.values())
        rows.append(row)
    kinds = {p.code: p.kind for p in stored.partners}
    with ws.transaction() as db:
        registered = partner_work.commitments(db, stored.name)
    for item in registered:
        if not item.covers(year):
            continue
        source = _KIND_SOURCE.get(kinds.get(item.partner, "other"), "other")
        share = item.amount / (item.end_year - item.start_year + 1)
        row = {
            "origin": "commitment",
            "programme": item.programme,
            "code": item.activity or item.programme,
            "name": item.description,
            "holder": item.partner,
        }
        row.update({s: (share if s == source else None) for s in FUNDING_SOURCES})
        row["total"] = share
        rows.append(row)
    return BudgetBySource(stored.name, year, FUNDING_SOURCES, tuple(rows))
