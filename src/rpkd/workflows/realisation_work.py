"""Use cases of the *Realisasi* page: a quarter's desk, submitting with evidence, evidence files.

:func:`realisation_desk` gives the acting user one quarter of the plan as they work on it: the
activities and indicators they report on with their latest version, the deadline (kit
``monitoring``: ``deadline_days`` after the quarter ends), the subjects nobody has reported yet,
the versions waiting for their review (never their own: four eyes) and the history of the
quarter, every version kept. :func:`submit_realisation` records a new version with its evidence
files (checked and stored beside the database, :mod:`rpkd.planning.evidence`);
:func:`realisation_evidence_file` hands one back to a user who may submit or verify its subject, and audits
the download. Verifying and returning are :func:`rpkd.workflows.realisations.verify_realisation`
and :func:`~rpkd.workflows.realisations.reject_realisation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.access.roles import Action, Scope, allowed
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.workflows import gate
from rpkd.workflows.realisations import SCHEMA, Realisations, submit_version
from rpkd.workflows.results import plain, records

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rpkd.planning.deadlines import Subject
    from rpkd.planning.evidence import EvidenceRules
    from rpkd.planning.model import Plan
    from rpkd.planning.realisations import Realisation, SubjectKind
    from rpkd.workflows.jobs import Upload
    from rpkd.workflows.workspace import Actor, Workspace


@dataclass(frozen=True)
class Evidence:
    """An evidence file of a realisation version (``realisation_id``) or a partner's report
    version (``report_id``)."""

    id: int
    realisation_id: int | None
    report_id: int | None
    filename: str
    kind: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class DeskItem:
    """A subject the user may report on, with its latest version of the quarter (if any)."""

    kind: SubjectKind
    code: str
    name: str
    agency: str | None
    unit: str | None
    latest: Realisation | None

    @property
    def state(self) -> str:
        """``not_reported``, ``submitted``, ``verified`` or ``rejected`` (returned)."""
        return self.latest.status if self.latest is not None else "not_reported"


@dataclass(frozen=True)
class RealisationDesk:
    """One quarter of the plan as the acting user works on it."""

    plan: str
    year: int
    quarter: int
    deadline: date
    overdue: bool
    items: tuple[DeskItem, ...]
    to_review: tuple[Realisation, ...]
    missing: tuple[Subject, ...]
    history: tuple[Realisation, ...]
    evidence: tuple[Evidence, ...]
    can_review: bool
    years: tuple[int, ...]

    def evidence_of(self, realisation_id: int) -> tuple[Evidence, ...]:
        """The evidence files of one version."""
        return tuple(e for e in self.evidence if e.realisation_id == realisation_id)

    def to_arrow(self) -> pa.Table:
        """Return the history of the quarter (every version the user may see), oldest first."""
        return pa.Table.from_pylist([asdict(i) for i in self.history], schema=SCHEMA)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "year": self.year,
            "quarter": self.quarter,
            "deadline": self.deadline.isoformat(),
            "overdue": self.overdue,
            "items": [
                {
                    "kind": i.kind,
                    "code": i.code,
                    "name": i.name,
                    "agency": i.agency,
                    "state": i.state,
                    "latest_id": i.latest.id if i.latest else None,
                }
                for i in self.items
            ],
            "to_review": [r.id for r in self.to_review],
            "missing": [plain(asdict(s)) for s in self.missing],
            "history": records(self.to_arrow()),
            "evidence": [plain(asdict(e)) for e in self.evidence],
        }


def may_act(actor: Actor, plan: Plan, kind: SubjectKind, code: str, action: Action) -> bool:
    """Return whether ``actor`` may do ``action`` on any scope of a subject of ``plan``."""
    from rpkd.planning.realisations import subject_scopes

    return any(allowed(actor.grants, action, s) for s in subject_scopes(plan, kind, code))


def evidence_value(row: Any) -> Evidence:
    """Return an evidence row (:class:`rpkd.planning.work_tables.EvidenceRow`) as a value."""
    return Evidence(
        row.id,
        row.realisation_id,
        row.report_id,
        row.filename,
        row.kind,
        row.size,
        row.sha256,
        row.uploaded_by,
        row.uploaded_at,
    )


def _evidence_of(db: Session, ids: Sequence[int]) -> tuple[Evidence, ...]:
    from sqlalchemy import select

    from rpkd.planning.work_tables import EvidenceRow

    if not ids:
        return ()
    query = select(EvidenceRow).where(EvidenceRow.realisation_id.in_(ids)).order_by(EvidenceRow.id)
    return tuple(evidence_value(r) for r in db.scalars(query))


def reporting_deadline(ws: Workspace, year: int, quarter: int) -> date:
    """Return the day the quarter's realisations are due (kit ``monitoring``)."""
    from rpkd.planning.deadlines import deadline, reporting_days

    return deadline(year, quarter, reporting_days(ws.kit.document("monitoring")))


def quarter_of(plan: Plan, year: int | None, quarter: int | None, today: date) -> tuple[int, int]:
    """Return the chosen year and quarter, by default the last quarter ended by ``today``
    (its year held within the plan's period); refuse a year outside the plan."""
    from rpkd.planning.deadlines import current_quarter

    now_year, now_quarter = current_quarter(today)
    chosen_year = year if year is not None else min(max(now_year, plan.start_year), plan.end_year)
    chosen_quarter = quarter if quarter is not None else now_quarter
    if chosen_year not in plan.years:
        raise InvalidInput(
            "plan_year_outside",
            param="year",
            year=chosen_year,
            start=plan.start_year,
            end=plan.end_year,
        )
    if chosen_quarter not in (1, 2, 3, 4):
        raise InvalidInput("quarter_invalid", param="quarter", quarter=chosen_quarter)
    return chosen_year, chosen_quarter


def realisation_desk(
    ws: Workspace,
    year: int | None = None,
    quarter: int | None = None,
    *,
    plan: str | None = None,
    today: date | None = None,
) -> RealisationDesk:
    """Return the quarter ``year``/``quarter`` (default: the last quarter ended by ``today``,
    within the plan's period) as the acting user works on it.

    The user sees the subjects they may submit (``realisation.submit`` on the subject's OPD,
    region or partner) or review (``realisation.verify``); a user who may do neither on any
    subject gets an empty desk, not a refusal.
    """
    from rpkd.planning import deadlines, realisations
    from rpkd.planning.store import load_plan

    actor = ws.actor
    with ws.transaction() as db:
        stored = load_plan(db, plan)
        history = realisations.history(db, stored.name)
    year, quarter = quarter_of(stored, year, quarter, today or date.today())
    units = {i.code: i.unit for i in stored.indicators}
    submits: set[tuple[str, str]] = set()
    reviews: set[tuple[str, str]] = set()
    for subject in deadlines.subjects(stored) + _secretariat_subjects(stored):
        key = (subject.kind, subject.code)
        if may_act(actor, stored, subject.kind, subject.code, "realisation.submit"):
            submits.add(key)
        if may_act(actor, stored, subject.kind, subject.code, "realisation.verify"):
            reviews.add(key)
    of_quarter = [r for r in history if r.year == year and r.quarter == quarter]
    visible = [r for r in of_quarter if (r.subject_kind, r.subject_code) in submits | reviews]
    latest: dict[tuple[str, str], Realisation] = {}
    for item in visible:
        latest[(item.subject_kind, item.subject_code)] = item
    items = tuple(
        DeskItem(s.kind, s.code, s.name, s.agency, units.get(s.code) if s.kind == "indicator"
                 else None, latest.get((s.kind, s.code)))
        for s in deadlines.subjects(stored) + _secretariat_subjects(stored)
        if (s.kind, s.code) in submits
    )  # fmt: skip
    to_review = tuple(
        r
        for r in visible
        if r.status == "submitted"
        and (r.subject_kind, r.subject_code) in reviews
        and r.submitted_by != actor.username
    )
    shown = [s for s in deadlines.subjects(stored) if (s.kind, s.code) in submits | reviews]
    missing = deadlines.missing(shown, history, year, quarter)
    with ws.transaction() as db:
        evidence = _evidence_of(db, [r.id for r in visible])
    due = reporting_deadline(ws, year, quarter)
    return RealisationDesk(
        stored.name,
        year,
        quarter,
        due,
        (today or date.today()) > due,
        items,
        to_review,
        missing,
        tuple(visible),
        evidence,
        bool(reviews),
        stored.years,
    )


def _secretariat_subjects(plan: Plan) -> tuple[Subject, ...]:
    """The outcome indicators of no programme (BPS figures), reported by the secretariat."""
    from rpkd.planning.deadlines import Subject

    return tuple(
        Subject("indicator", i.code, i.name, None)
        for i in plan.indicators
        if i.activity is None and i.programme is None
    )


def _store_files(ws: Workspace, files: Sequence[Upload], rules: EvidenceRules) -> list[Any]:
    from rpkd.planning import evidence

    folder = ws.path / evidence.FOLDER
    written: list[Any] = []
    try:
        for upload in files:
            written.append(evidence.store(folder, upload.filename, upload.stream, rules))
    except BaseException:
        for item in written:
            evidence.remove(folder, item.stored)
        raise
    return written


def attach_evidence(
    ws: Workspace,
    db: Session,
    written: Sequence[Any],
    *,
    realisation_id: int | None = None,
    report_id: int | None = None,
) -> None:
    """Record stored evidence files (:func:`rpkd.planning.evidence.store`) of one version."""
    from rpkd.planning.work_tables import EvidenceRow
    from rpkd.store import utcnow

    for item in written:
        db.add(
            EvidenceRow(
                realisation_id=realisation_id,
                report_id=report_id,
                filename=item.filename,
                stored=item.stored,
                kind=item.kind,
                size=item.size,
                sha256=item.sha256,
                uploaded_by=ws.actor.username,
                uploaded_at=utcnow(),
            )
        )
    db.flush()


def evidence_limits(ws: Workspace) -> EvidenceRules:
    """Return the kinds and the largest size of evidence files (kit ``monitoring``)."""
    from rpkd.planning.evidence import evidence_rules

    return evidence_rules(ws.kit.document("monitoring"))


MAX_FILES = 5
"""Evidence files one submission may carry."""


def stored_evidence(ws: Workspace, files: Sequence[Upload]) -> list[Any]:
    """Check and write uploaded evidence files into the workspace (kit ``monitoring`` rules);
    all or none: a refused file removes those already written."""
    given = [f for f in files if f.filename]
    if len(given) > MAX_FILES:
        raise InvalidInput("realisation_evidence_too_many", param="evidence", limit=MAX_FILES)
    return _store_files(ws, given, evidence_limits(ws))


def discard_evidence(ws: Workspace, written: Sequence[Any]) -> None:
    """Remove stored evidence files whose version could not be recorded."""
    from rpkd.planning import evidence

    for item in written:
        evidence.remove(ws.path / evidence.FOLDER, item.stored)


def typed_text(ws: Workspace, value: str, param: str, label: str, *, line: bool = False) -> str:
    """Return a note, reason or name typed into a form, checked by the one rule of typed text
    (:func:`rpkd.inputs.typed.text`; ``line``: one line of at most
    :data:`~rpkd.inputs.typed.LINE_LIMIT` characters), its field named in ``ws.lang``."""
    from rpkd import locale
    from rpkd.inputs import typed

    field = locale.label(label, ws.lang)
    limit = typed.LINE_LIMIT if line else typed.NOTE_LIMIT
    return typed.text(value, param=param, field=field, limit=limit, lines=not line)


def submit_realisation(
    ws: Workspace,
    kind: SubjectKind,
    code: str,
    year: int,
    quarter: int,
    *,
    value: float | None = None,
    budget_spent: float | None = None,
    beneficiaries: int | None = None,
    note: str = "",
    files: Sequence[Upload] = (),
    plan: str | None = None,
) -> Realisations:
    """Submit a new version of a quarter's realisation with its evidence files.

    The files are checked (kind, size, content) and stored before the version is recorded;
    if anything is refused, nothing is kept. One audit row names the version and its files,
    written in the version's transaction (:meth:`Workspace.atomic`).
    """
    from rpkd.planning.store import load_plan
    from rpkd.workflows.realisations import _authorise_subject

    actor = ws.actor
    note = typed_text(ws, note, "note", "web.realisasi.note")
    with ws.transaction() as db:
        stored = load_plan(db, plan)
    scope = _authorise_subject(actor, stored, kind, code, "realisation.submit")
    written = stored_evidence(ws, files)

    def attach(db: Session, version: Realisation) -> None:
        attach_evidence(ws, db, written, realisation_id=version.id)

    try:
        with ws.atomic():  # the version, its files and its audit rows: all kept or none
            item = submit_version(ws, stored, scope, (kind, code, year, quarter), value=value,
                                  budget_spent=budget_spent, beneficiaries=beneficiaries,
                                  evidence=note.strip(), attach=attach)  # fmt: skip
            if written:
                gate.audit(
                    ws,
                    "realisation.evidence.upload",
                    scopes=(scope,),
                    records=len(written),
                    parameters={"id": item.id, "files": [w.filename for w in written]},
                )
    except BaseException:
        discard_evidence(ws, written)
        raise
    return Realisations((item,))


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file handed back: where it is, the name to offer, its media type."""

    path: Path
    filename: str
    media_type: str
    evidence: Evidence

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([asdict(self.evidence)])

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = plain(asdict(self.evidence))
        return found


def realisation_evidence_file(ws: Workspace, evidence_id: int) -> EvidenceFile:
    """Return evidence file ``evidence_id`` to a user who may submit or verify its subject (a
    partner's report: the partner or the secretariat); audited as
    ``realisation.evidence.download``."""
    from rpkd.planning import evidence, realisations
    from rpkd.planning.work_tables import EvidenceRow

    actor = ws.actor
    with ws.transaction() as db:
        row = db.get(EvidenceRow, evidence_id)
        if row is None:
            raise NotFound("realisation_evidence_unknown", param="id", id=evidence_id)
        found, stored_name = evidence_value(row), row.stored
        if row.realisation_id is not None:
            plan, item = realisations.find(db, row.realisation_id)
            scopes = realisations.subject_scopes(plan, item.subject_kind, item.subject_code)
        else:
            from rpkd.workflows.partners import report_scopes

            scopes = report_scopes(db, row.report_id or 0)
    permitted = _permitted_scope(actor, scopes)
    gate.audit(
        ws,
        "realisation.evidence.download",
        scopes=(permitted,),
        records=1,
        parameters={"evidence": found.id, "file": found.filename},
    )
    return EvidenceFile(
        ws.path / evidence.FOLDER / stored_name,
        found.filename,
        evidence.MEDIA_TYPES.get(found.kind, "application/octet-stream"),
        found,
    )


def _permitted_scope(actor: Actor, scopes: Sequence[Scope]) -> Scope:
    actions: tuple[Action, ...] = ("realisation.submit", "realisation.verify")
    for scope in scopes:
        if any(allowed(actor.grants, a, scope) for a in actions):
            return scope
    raise Forbidden(
        "forbidden",
        param="realisation.verify",
        user=actor.username,
        action="realisation.verify",
        scope=scopes[0].text() if scopes else "-",
    )
