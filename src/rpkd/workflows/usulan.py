"""Use cases: usulan and sanggahan, the desa's verification loop on the registry.

A desa operator (``area_operator`` with a desa grant) proposes a family the registry misses
(:func:`propose_family`, an *usulan*) or objects to a listed family (:func:`object_to_family`,
a *sanggahan*: moved, deceased, duplicate, not poor, poor but missing), with a reason and
evidence files. The kecamatan operator (a grant on the kecamatan) and then the TKPKD secretariat
(``release.manage`` on the district) accept or reject it with a reason
(:func:`review_proposal`); nobody reviews their own proposal or both steps. The proposer follows
the status (:func:`list_proposals`, :func:`show_proposal`). Accepted proposals become a
correction of the registry (:mod:`rpkd.workflows.corrections`).

Permission: filing needs ``records.read`` on the desa (its operator sees its families); the
kecamatan step ``records.read`` on the kecamatan; the secretariat step ``release.manage`` on the
release's district. A proposal to add a family holds names and NIK: every view passes the one
gate (``records.read`` masked, ``personal_data.read`` unmasked) and writes one audit row.

Evidence files (PDF, JPEG or PNG, recognised by their first bytes, at most ``evidence_max_mb``
MB each, default 5) are kept beside the database, under ``<workspace>/evidence/usulan/<id>/``,
named by their SHA-256.

References
----------
Kemensos, Permensos 3/2021 on DTKS management (usulan and sanggahan through musyawarah desa,
verified by the kabupaten); Inpres 4/2025 on DTSEN (the desa proposes, BPS updates).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import regions
from rpkd.access import masking
from rpkd.access.roles import Scope
from rpkd.errors import Forbidden, InvalidInput, NotFound, UnknownRegion, UsageError
from rpkd.releases import proposals as store
from rpkd.releases.catalog import Release, open_release
from rpkd.releases.proposals import (
    KINDS,
    REASONS,
    STATUSES,
    Kind,
    Proposal,
    Reason,
    Status,
    Step,
)
from rpkd.workflows import gate
from rpkd.workflows.notifications import Notification, source
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rpkd.workflows.jobs import Upload
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "KINDS",
    "OBJECTIONS",
    "REASONS",
    "STATUSES",
    "Member",
    "NewFamily",
    "ProposalList",
    "ProposalView",
    "evidence_file",
    "list_proposals",
    "object_to_family",
    "propose_family",
    "review_proposal",
    "show_proposal",
]

OBJECTIONS: tuple[Reason, ...] = REASONS
"""The reasons of a sanggahan (an added family is always ``poor_missing``)."""
MB = 1 << 20
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
"""Evidence types accepted: first bytes, media type, the extension a stored file gets."""
LIST_COLUMNS = (
    "id", "kind", "reason", "release", "desa_code", "family_id", "status",
    "created_by", "created_at", "taken_up_in",
)  # fmt: skip
STEPS: dict[tuple[str, str], Step] = {
    ("kecamatan", "accept"): "kecamatan_accept",
    ("kecamatan", "reject"): "kecamatan_reject",
    ("secretariat", "accept"): "secretariat_accept",
    ("secretariat", "reject"): "secretariat_reject",
}
"""The history step of a review: (who reviews, decision) -> step."""


@dataclass(frozen=True)
class Member:
    """A member of a family proposed for the registry (the persons file's columns)."""

    name: str
    nik: str
    sex: str
    birth_date: str
    relation: str


@dataclass(frozen=True)
class NewFamily:
    """A family the registry misses: the families file's fields a desa knows, and members."""

    kk_number: str
    address: str
    urban: bool
    members: tuple[Member, ...]


@dataclass(frozen=True)
class ProposalView:
    """One proposal with its history and evidence, personal data masked unless ``unmasked``."""

    proposal: Proposal
    unmasked: bool

    def to_arrow(self) -> pa.Table:
        """Return the proposal's history: one row per step (step, actor, at, note)."""
        events = self.proposal.events
        return pa.table({
            "step": pa.array([e.step for e in events], pa.string()),
            "actor": pa.array([e.actor for e in events], pa.string()),
            "at": pa.array([e.at for e in events], pa.timestamp("s", tz="UTC")),
            "note": pa.array([e.note for e in events], pa.string()),
        })  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        p = self.proposal
        return {
            "id": p.id, "kind": p.kind, "reason": p.reason, "release": p.release,
            "desa_code": p.desa_code, "family_id": p.family_id, "detail": p.detail,
            "note": p.note, "status": p.status, "created_by": p.created_by,
            "created_at": p.created_at.isoformat(), "taken_up_in": p.taken_up_in,
            "events": records(self.to_arrow()),
            "evidence": [{"id": e.id, "filename": e.filename, "media_type": e.media_type,
                          "bytes": e.bytes, "sha256": e.sha256} for e in p.evidence],
        }  # fmt: skip

    def reviewable(self, ws: Workspace) -> bool:
        """Return whether the acting user may take the proposal's next review step."""
        try:
            _check_step(ws, self.proposal)
        except (Forbidden, InvalidInput, NotFound):
            return False
        return True


@dataclass(frozen=True)
class ProposalList:
    """The proposals of an area (newest first), families by id (:data:`LIST_COLUMNS`)."""

    area: str | None
    rows: pa.Table

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows)


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file to send: its path, the name the proposer gave and its media type."""

    path: Path
    filename: str
    media_type: str


def checked_desa(text: str) -> str:
    """Return ``text`` as the dotted code of a desa of the Kemendagri master, else raise
    :class:`rpkd.errors.UnknownRegion` (``target_desa_unknown``)."""
    code = regions.parse_code(text)
    if regions.depth_of(code) != "desa" or not regions.exists(code):
        raise UnknownRegion("target_desa_unknown", param="desa", desa=code)
    return code


def _family_ids(release: Release, desa: str) -> set[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(
        release.path_of("families"), columns=["family_id"], filters=[("desa_code", "=", desa)]
    )
    return {str(v) for v in table.column("family_id").to_pylist()}


def _limit(ws: Workspace) -> int:
    value = ws.settings.extra.get("evidence_max_mb", 5)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError("setting_not_positive", param="evidence_max_mb",
                         setting="evidence_max_mb", value=value)  # fmt: skip
    return value * MB


def _read_evidence(ws: Workspace, files: Sequence[Upload]) -> list[tuple[store.Evidence, bytes]]:
    """Return each upload checked (size, type by its first bytes) with its content."""
    limit = _limit(ws)
    out = []
    for upload in files:
        data = upload.stream.read(limit + 1)
        name = Path(upload.filename).name or "bukti"
        if len(data) > limit:
            raise InvalidInput("usulan_evidence_too_large", param="evidence", file=name,
                               limit=limit // MB)  # fmt: skip
        kind = next((m for m in MAGIC if data.startswith(m[0])), None)
        if not data or kind is None:
            raise InvalidInput("usulan_evidence_type", param="evidence", file=name)
        digest = hashlib.sha256(data).hexdigest()
        out.append((store.Evidence(0, name[:255], digest + kind[2], kind[1], len(data), digest),
                    data))  # fmt: skip
    return out


def evidence_dir(ws: Workspace, proposal_id: int) -> Path:
    """Return the folder holding a proposal's evidence files."""
    return ws.path / "evidence" / "usulan" / str(proposal_id)


def _file(
    ws: Workspace,
    *,
    kind: Kind,
    reason: Reason,
    release: Release,
    desa: str,
    family_id: str,
    detail: dict[str, Any],
    note: str,
    evidence: Sequence[Upload],
) -> ProposalView:
    from rpkd.workflows.realisation_work import typed_text

    note = typed_text(ws, note, "note", "web.usulan.note")
    if not note:
        raise InvalidInput("usulan_note_required", param="note")
    checked = _read_evidence(ws, evidence)
    action = "usulan.add" if kind == "add" else "usulan.object"
    written = _Written()
    try:
        with ws.atomic():  # the proposal, its evidence files and its audit row: all or none
            with ws.transaction() as db:
                new_id = store.create(db, kind=kind, reason=reason, release=release.name,
                                      desa_code=desa, family_id=family_id, detail=detail,
                                      note=note.strip(), actor=ws.actor.username)  # fmt: skip
                if kind == "add":
                    store.set_family(db, new_id, f"usulan-{new_id}")
                written.write(ws, db, new_id, checked)
                proposal = store.get(db, new_id)
            gate.audit_records(ws, action, release=release.name, scopes=[Scope(region=desa)],
                               records=1, unmask=True,
                               parameters={"proposal": new_id, "reason": reason})  # fmt: skip
    except BaseException:
        written.undo()
        raise
    return ProposalView(_masked(proposal), unmasked=False)


@dataclass
class _Written:
    """The evidence files of a new proposal and the folders made for them, to undo together
    when the proposal is not kept."""

    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)

    def write(
        self,
        ws: Workspace,
        db: Session,
        proposal_id: int,
        checked: Sequence[tuple[store.Evidence, bytes]],
    ) -> None:
        """Write the checked files into the proposal's folder and record them."""
        if not checked:
            return
        folder = evidence_dir(ws, proposal_id)
        self.folders = [p for p in (folder, *folder.parents) if not p.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        for item, data in checked:
            self.files.append(folder / item.stored)
            self.files[-1].write_bytes(data)
            store.add_evidence(db, proposal_id, item, ws.actor.username)

    def undo(self) -> None:
        """Remove the files, then the folders made for them (deepest first; one another
        proposal has written into meanwhile stays)."""
        for path in self.files:
            path.unlink(missing_ok=True)
        for folder in self.folders:
            with suppress(OSError):
                folder.rmdir()


def object_to_family(
    ws: Workspace,
    release: str,
    desa: str,
    family_id: str,
    reason: str,
    note: str,
    *,
    moved_to: str | None = None,
    duplicate_of: str | None = None,
    evidence: Sequence[Upload] = (),
) -> ProposalView:
    """File a sanggahan: family ``family_id`` of desa ``desa`` in ``release`` is wrong.

    ``reason`` is one of :data:`OBJECTIONS`; ``moved_to`` the desa a moved family lives in now
    (empty: it left the district), ``duplicate_of`` the family a duplicate repeats. Needs
    ``records.read`` on the desa. The family must be listed in that desa of the release.
    """
    code = checked_desa(desa)
    gate.authorise(ws.actor, "records.read", Scope(region=code))
    if reason not in OBJECTIONS:
        raise UsageError("usulan_reason_unknown", param="reason", reason=reason,
                         reasons=", ".join(OBJECTIONS))  # fmt: skip
    opened = open_release(ws.path, release)
    listed = _family_ids(opened, code)
    if family_id not in listed:
        raise InvalidInput("usulan_family_unlisted", param="family_id", family_id=family_id,
                           desa=code, release=opened.name)  # fmt: skip
    detail: dict[str, Any] = {}
    if reason == "moved":
        target = (moved_to or "").strip()
        if target:
            target = checked_desa(target)
            if opened.region and not regions.contains(opened.region, target):
                raise InvalidInput("usulan_moved_outside", param="moved_to", desa=target)
        detail["moved_to"] = target
    if reason == "duplicate":
        other = (duplicate_of or "").strip()
        if other == family_id or not other or other not in _all_family_ids(opened):
            raise InvalidInput("usulan_duplicate_unknown", param="duplicate_of",
                               family_id=other or "–")  # fmt: skip
        detail["duplicate_of"] = other
    return _file(ws, kind="object", reason=reason, release=opened, desa=code,
                 family_id=family_id, detail=detail, note=note, evidence=evidence)  # fmt: skip


def _all_family_ids(release: Release) -> set[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(release.path_of("families"), columns=["family_id"])
    return {str(v) for v in table.column("family_id").to_pylist()}


@gate.personal_data("usulan.add")
def propose_family(
    ws: Workspace,
    release: str,
    desa: str,
    family: NewFamily,
    note: str,
    *,
    evidence: Sequence[Upload] = (),
) -> ProposalView:
    """File an usulan: ``family`` lives in desa ``desa``, is poor and missing from ``release``.

    The family is checked as the import checks a registry (the same rules, on a families and a
    persons file holding it alone: :func:`rpkd.workflows.corrections.check_family`), and no
    member's NIK may already be listed in the release. Needs ``records.read`` on the desa.
    """
    from rpkd.workflows.corrections import check_family
    from rpkd.workflows.realisation_work import typed_text

    family = replace(
        family,
        address=typed_text(ws, family.address, "address", "web.usulan.address", line=True),
        members=tuple(
            replace(m, name=typed_text(ws, m.name, "name", "web.usulan.name", line=True))
            for m in family.members
        ),
    )
    code = checked_desa(desa)
    gate.authorise(ws.actor, "records.read", Scope(region=code))
    opened = open_release(ws.path, release)
    detail = check_family(ws, opened, code, family)
    return _file(ws, kind="add", reason="poor_missing", release=opened, desa=code,
                 family_id="", detail=detail, note=note, evidence=evidence)  # fmt: skip


def _default_area(ws: Workspace) -> str | None:
    scoped = [g.region for g in ws.actor.grants if g.region is not None]
    unscoped = any(g.region is None and g.agency is None and g.partner is None
                   for g in ws.actor.grants)  # fmt: skip
    return scoped[0] if scoped and not unscoped else None


def list_proposals(
    ws: Workspace, *, area: str | None = None, status: Status | None = None
) -> ProposalList:
    """Return the proposals of ``area`` (a desa, a kecamatan; default: the user's region, else
    the whole district), newest first, optionally of one ``status``.

    The list names families by id only (no names: see :func:`show_proposal` for those). Needs
    ``records.read`` on the area, so a desa operator follows the proposals of its own desa.
    """
    code = regions.parse_code(area) if area else _default_area(ws)
    if code is not None and not regions.exists(code):
        raise UnknownRegion("region_unknown", param="area", code=code)
    if status is not None and status not in STATUSES:
        raise UsageError("usulan_status_unknown", param="status", status=status)
    gate.authorise(ws.actor, "records.read", Scope(region=code) if code else None)
    with ws.transaction() as db:
        found = store.find(db, status=status)
    shown = [p for p in found if code is None or regions.contains(code, p.desa_code)]
    rows = pa.table({
        "id": pa.array([p.id for p in shown], pa.int64()),
        "kind": pa.array([p.kind for p in shown], pa.string()),
        "reason": pa.array([p.reason for p in shown], pa.string()),
        "release": pa.array([p.release for p in shown], pa.string()),
        "desa_code": pa.array([p.desa_code for p in shown], pa.string()),
        "family_id": pa.array([p.family_id for p in shown], pa.string()),
        "status": pa.array([p.status for p in shown], pa.string()),
        "created_by": pa.array([p.created_by for p in shown], pa.string()),
        "created_at": pa.array([p.created_at for p in shown], pa.timestamp("s", tz="UTC")),
        "taken_up_in": pa.array([p.taken_up_in for p in shown], pa.string()),
    })  # fmt: skip
    return ProposalList(code, rows)


def _masked_detail(detail: dict[str, Any]) -> dict[str, Any]:
    out = dict(detail)
    if "kk_number" in out:
        out["kk_number"] = masking.mask(out["kk_number"], "kk_number")
    if "address" in out:
        out["address"] = masking.mask(out["address"], "address")
    out["members"] = [
        {k: (masking.mask(v, k) if k in ("name", "nik", "birth_date") else v)
         for k, v in m.items()}
        for m in detail.get("members", [])
    ]  # fmt: skip
    if not detail.get("members"):
        out.pop("members")
    return out


@gate.personal_data("usulan.read")
def show_proposal(ws: Workspace, proposal_id: int, *, unmask: bool = False) -> ProposalView:
    """Return one proposal with its history and evidence.

    Needs ``records.read`` on its desa (``personal_data.read`` with ``unmask``); one audit
    row. An unknown id raises :class:`rpkd.errors.NotFound` (``usulan_unknown``).
    """
    with ws.transaction() as db:
        proposal = store.get(db, proposal_id)
    scopes = [Scope(region=proposal.desa_code)]
    gate.authorise_records(ws, scopes, unmask=unmask)
    gate.audit_records(ws, "usulan.read", release=proposal.release, scopes=scopes, records=1,
                       unmask=unmask, parameters={"proposal": proposal_id})  # fmt: skip
    return ProposalView(proposal if unmask else _masked(proposal), unmask)


def _check_step(ws: Workspace, proposal: Proposal) -> tuple[Status, str]:
    """Check that the actor may take the proposal's next step; return (status on accept,
    the step's name)."""
    actor = ws.actor.username
    if proposal.status == "submitted":
        gate.authorise(ws.actor, "records.read", Scope(region=proposal.kecamatan_code))
        step = "kecamatan"
    elif proposal.status == "kecamatan_accepted":
        release = open_release(ws.path, proposal.release)
        gate.authorise(ws.actor, "release.manage", Scope(region=release.region))
        step = "secretariat"
    else:
        raise InvalidInput("usulan_closed", param="proposal_id", proposal_id=proposal.id,
                           status=proposal.status)  # fmt: skip
    if actor in {e.actor for e in proposal.events}:
        raise Forbidden("usulan_four_eyes", param="proposal_id", proposal_id=proposal.id,
                        user=actor)  # fmt: skip
    return ("kecamatan_accepted" if step == "kecamatan" else "accepted"), step


def review_proposal(ws: Workspace, proposal_id: int, decision: str, note: str = "") -> ProposalView:
    """Accept or reject a proposal at its next step, with a reason (required to reject).

    A ``submitted`` proposal is reviewed by the kecamatan (``records.read`` on its kecamatan),
    a ``kecamatan_accepted`` one by the secretariat (``release.manage`` on the release's
    district); whoever filed it or took an earlier step may not (four eyes).
    """
    from rpkd.workflows.realisation_work import typed_text

    with ws.transaction() as db:
        proposal = store.get(db, proposal_id)
    if decision not in ("accept", "reject"):
        raise UsageError("usulan_decision_unknown", param="decision", decision=decision)
    accepted, step = _check_step(ws, proposal)
    note = typed_text(ws, note, "note", "web.usulan.note")
    if decision == "reject" and not note:
        raise InvalidInput("usulan_note_required", param="note")
    status: Status = accepted if decision == "accept" else "rejected"
    with ws.atomic():  # the step and its audit row: both kept or neither
        with ws.transaction() as db:
            store.advance(db, proposal_id, status=status, step=STEPS[(step, decision)],
                          actor=ws.actor.username, note=note.strip())  # fmt: skip
            proposal = store.get(db, proposal_id)
        gate.audit(ws, "usulan.review", release=proposal.release,
                   scopes=[Scope(region=proposal.desa_code)],
                   parameters={"proposal": proposal_id, "step": step, "decision": decision})  # fmt: skip
    return ProposalView(_masked(proposal), unmasked=False)


def _masked(proposal: Proposal) -> Proposal:
    """Return ``proposal`` with its personal data masked."""
    return replace(proposal, detail=_masked_detail(proposal.detail))


@gate.personal_data("usulan.evidence")
def evidence_file(ws: Workspace, proposal_id: int, evidence_id: int) -> EvidenceFile:
    """Return an evidence file of a proposal to send; needs ``personal_data.read`` on its desa
    (evidence shows people: a death certificate, a KK); one audit row."""
    with ws.transaction() as db:
        proposal = store.get(db, proposal_id)
    scopes = [Scope(region=proposal.desa_code)]
    item = next((e for e in proposal.evidence if e.id == evidence_id), None)
    if item is None:
        raise NotFound("usulan_evidence_unknown", param="evidence_id", evidence_id=evidence_id)
    gate.authorise_records(ws, scopes, unmask=True)
    gate.audit_records(ws, "usulan.evidence", release=proposal.release, scopes=scopes,
                       records=1, unmask=True,
                       parameters={"proposal": proposal_id, "evidence": evidence_id})  # fmt: skip
    return EvidenceFile(evidence_dir(ws, proposal_id) / item.stored, item.filename,
                        item.media_type)  # fmt: skip


NOTICE_DAYS = 14
"""A proposer is told of a decision on their proposal for this many days after it."""


@source("desa.proposals")
def proposal_notices(ws: Workspace, today: date) -> tuple[Notification, ...]:
    """The proposals waiting for the user's review step, and for a proposer the decisions on
    their proposals of the last :data:`NOTICE_DAYS` days (rejected: ``returned``; accepted by
    the kecamatan or the secretariat: ``review``, to look at)."""
    with ws.transaction() as db:
        found = store.find(db)
    waiting = [p for p in found if p.status in ("submitted", "kecamatan_accepted")
               and ProposalView(p, unmasked=False).reviewable(ws)]  # fmt: skip
    since = today - timedelta(days=NOTICE_DAYS)
    decided = [p for p in found if p.created_by == ws.actor.username and p.events
               and p.events[-1].step != "submitted" and p.events[-1].actor != p.created_by
               and p.events[-1].at.date() >= since]  # fmt: skip
    rejected = [p for p in decided if p.status == "rejected"]
    moved = [p for p in decided if p.status != "rejected"]
    notices = []
    if waiting:
        notices.append(Notification("desa.proposals", "review", "notice_usulan_review",
                                    {"count": len(waiting)}, "/usulan", count=len(waiting)))  # fmt: skip
    if rejected:
        notices.append(Notification("desa.proposals", "returned", "notice_usulan_rejected",
                                    {"count": len(rejected)}, "/usulan", count=len(rejected)))  # fmt: skip
    if moved:
        notices.append(Notification("desa.proposals", "review", "notice_usulan_decided",
                                    {"count": len(moved)}, "/usulan", count=len(moved)))  # fmt: skip
    return tuple(notices)
