"""Usulan and sanggahan: a desa's proposals to change the registry, as stored.

A desa operator proposes a family the registry misses (``add``) or objects to a listed family
(``object``: moved, deceased, duplicate, not poor, poor but missing); the kecamatan operator and
then the TKPKD secretariat review it. A proposal moves ``submitted`` -> ``kecamatan_accepted``
-> ``accepted``, or to ``rejected`` at either step, never back; every step is an event row
(table ``desa_proposal_event``), so the history is never overwritten. Evidence files are kept
beside the database; their rows (``desa_proposal_evidence``) hold the name, type, size and
SHA-256. A proposal an accepted correction made it into a later release is marked taken up in
that release (``taken_up_in``).

The tables belong to the releases package because a proposal is a correction of a release's
registry; :mod:`rpkd.store` knows no domain table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast, get_args

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from rpkd.errors import NotFound
from rpkd.store import Base, UtcDateTime, utcnow

Kind = Literal["add", "object"]
Reason = Literal["moved", "deceased", "duplicate", "not_poor", "poor_missing"]
Status = Literal["submitted", "kecamatan_accepted", "accepted", "rejected"]
Step = Literal[
    "submitted",
    "kecamatan_accept",
    "kecamatan_reject",
    "secretariat_accept",
    "secretariat_reject",
    "taken_up",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
REASONS: tuple[Reason, ...] = get_args(Reason)
STATUSES: tuple[Status, ...] = get_args(Status)


class ProposalRow(Base):
    __tablename__ = "desa_proposal"
    __table_args__ = (
        CheckConstraint("kind IN ('add', 'object')", name="kind_known"),
        CheckConstraint(
            "status IN ('submitted', 'kecamatan_accepted', 'accepted', 'rejected')",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))
    release: Mapped[str] = mapped_column(String(64), index=True)
    desa_code: Mapped[str] = mapped_column(String(16), index=True)
    family_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), index=True)
    created_by: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    taken_up_in: Mapped[str | None] = mapped_column(String(64))


class ProposalEventRow(Base):
    __tablename__ = "desa_proposal_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("desa_proposal.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class EvidenceRow(Base):
    __tablename__ = "desa_proposal_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("desa_proposal.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored: Mapped[str] = mapped_column(String(128))
    media_type: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Event:
    """One step of a proposal's history."""

    step: Step
    actor: str
    at: datetime
    note: str


@dataclass(frozen=True)
class Evidence:
    """One evidence file of a proposal: what the proposer sent and where it is kept."""

    id: int
    filename: str
    stored: str
    media_type: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Proposal:
    """One proposal as stored, with its history and evidence (oldest first).

    ``detail`` holds what the kind needs: ``moved_to`` (a desa code, empty when the family left
    the district), ``duplicate_of`` (a family id), or for ``add`` the family's registry fields
    and ``members`` (personal data: mask it before showing it).
    """

    id: int
    kind: Kind
    reason: Reason
    release: str
    desa_code: str
    family_id: str
    detail: dict[str, Any] = field(compare=False)
    note: str
    status: Status
    created_by: str
    created_at: datetime
    taken_up_in: str | None
    events: tuple[Event, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def kecamatan_code(self) -> str:
        return self.desa_code.rsplit(".", 1)[0]


def _proposal(session: Session, row: ProposalRow) -> Proposal:
    events = session.scalars(
        select(ProposalEventRow)
        .where(ProposalEventRow.proposal_id == row.id)
        .order_by(ProposalEventRow.id)
    )
    files = session.scalars(
        select(EvidenceRow).where(EvidenceRow.proposal_id == row.id).order_by(EvidenceRow.id)
    )
    return Proposal(
        id=row.id,
        kind=cast(Kind, row.kind),
        reason=cast(Reason, row.reason),
        release=row.release,
        desa_code=row.desa_code,
        family_id=row.family_id,
        detail=json.loads(row.detail or "{}"),
        note=row.note,
        status=cast(Status, row.status),
        created_by=row.created_by,
        created_at=row.created_at,
        taken_up_in=row.taken_up_in,
        events=tuple(Event(cast(Step, e.step), e.actor, e.at, e.note) for e in events),
        evidence=tuple(
            Evidence(f.id, f.filename, f.stored, f.media_type, int(f.bytes), f.sha256)
            for f in files
        ),
    )


def create(
    session: Session,
    *,
    kind: Kind,
    reason: Reason,
    release: str,
    desa_code: str,
    family_id: str,
    detail: dict[str, Any],
    note: str,
    actor: str,
) -> int:
    """Record a new ``submitted`` proposal and its first event; return its id."""
    now = utcnow()
    row = ProposalRow(
        kind=kind,
        reason=reason,
        release=release,
        desa_code=desa_code,
        family_id=family_id,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        note=note,
        status="submitted",
        created_by=actor,
        created_at=now,
        taken_up_in=None,
    )
    session.add(row)
    session.flush()
    session.add(ProposalEventRow(proposal_id=row.id, step="submitted", actor=actor, at=now,
                                 note=note))  # fmt: skip
    return row.id


def set_family(session: Session, proposal_id: int, family_id: str) -> None:
    """Set the family id of a proposal (an added family is named after its proposal)."""
    _row(session, proposal_id).family_id = family_id


def add_evidence(session: Session, proposal_id: int, evidence: Evidence, actor: str) -> None:
    """Record one evidence file of a proposal."""
    session.add(
        EvidenceRow(
            proposal_id=proposal_id,
            filename=evidence.filename,
            stored=evidence.stored,
            media_type=evidence.media_type,
            bytes=evidence.bytes,
            sha256=evidence.sha256,
            uploaded_by=actor,
            uploaded_at=utcnow(),
        )
    )


def _row(session: Session, proposal_id: int) -> ProposalRow:
    row = session.get(ProposalRow, proposal_id)
    if row is None:
        raise NotFound("usulan_unknown", param="proposal_id", proposal_id=proposal_id)
    return row


def get(session: Session, proposal_id: int) -> Proposal:
    """Return one proposal; raise :class:`NotFound` (``usulan_unknown``) if there is none."""
    return _proposal(session, _row(session, proposal_id))


def find(
    session: Session,
    *,
    status: Status | None = None,
    release: str | None = None,
    accepted_open: bool = False,
) -> list[Proposal]:
    """Return proposals (newest first), of one status or release; ``accepted_open``: the
    accepted ones not yet taken up in a release."""
    query = select(ProposalRow).order_by(ProposalRow.id.desc())
    if status is not None:
        query = query.where(ProposalRow.status == status)
    if release is not None:
        query = query.where(ProposalRow.release == release)
    if accepted_open:
        query = query.where(ProposalRow.status == "accepted", ProposalRow.taken_up_in.is_(None))
    return [_proposal(session, row) for row in session.scalars(query)]


def advance(
    session: Session, proposal_id: int, *, status: Status, step: Step, actor: str, note: str
) -> None:
    """Move a proposal to ``status`` and record the step (the caller checked it may)."""
    row = _row(session, proposal_id)
    row.status = status
    session.add(ProposalEventRow(proposal_id=proposal_id, step=step, actor=actor, at=utcnow(),
                                 note=note))  # fmt: skip


def take_up(session: Session, proposal_id: int, release: str, actor: str) -> None:
    """Mark an accepted proposal taken up in ``release`` and record the step."""
    row = _row(session, proposal_id)
    row.taken_up_in = release
    session.add(ProposalEventRow(proposal_id=proposal_id, step="taken_up", actor=actor,
                                 at=utcnow(), note=release))  # fmt: skip
