"""Coordination meetings (rakor) of the TKPKD: agenda, attendance, decisions and their follow-up.

The values are frozen; the form readers (:func:`read_meeting`, :func:`read_agenda_item`,
:func:`read_attendee`, :func:`read_decision`, :func:`read_follow_up`) return a value or the
findings by form field (``field`` is the field's key, the ``field`` parameter its label as the
form shows it); :func:`overdue` and :func:`carried` are pure. The store functions below them
read and write :mod:`rpkd.planning.meeting_tables`.

A decision is tracked from meeting to meeting: a meeting shows the decisions of earlier meetings
still open or in progress (:func:`carried`), those past their due date on the meeting's day
marked overdue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rpkd.errors import NotFound
from rpkd.findings import Finding
from rpkd.inputs import typed
from rpkd.planning.meeting_tables import (
    AgendaItemRow,
    AttendeeRow,
    DecisionRow,
    FollowUpRow,
    MeetingRow,
)
from rpkd.planning.model import Plan
from rpkd.store import utcnow

Status = Literal["open", "in_progress", "done", "dropped"]
OwnerKind = Literal["agency", "partner"]
STATUSES: tuple[Status, ...] = get_args(Status)
OPEN: frozenset[str] = frozenset({"open", "in_progress"})
"""The statuses of a decision still to be carried out."""


@dataclass(frozen=True)
class FollowUp:
    """One follow-up of a decision: the status it moved to, a note, when, by whom, where."""

    status: Status
    note: str
    by: str
    on: date
    meeting: int | None


@dataclass(frozen=True)
class Decision:
    """A decision: what, who owns it (an OPD or a partner), by when, its status, its history."""

    id: int
    meeting: int
    meeting_on: date
    text: str
    owner_kind: OwnerKind
    owner: str
    due_on: date
    status: Status
    follow_ups: tuple[FollowUp, ...] = ()

    @property
    def open(self) -> bool:
        """Whether the decision is still to be carried out (open or in progress)."""
        return self.status in OPEN


@dataclass(frozen=True)
class AgendaItem:
    title: str
    presenter: str = ""


@dataclass(frozen=True)
class Attendee:
    """Someone present: an official acting publicly (name, institution, role), no NIK."""

    name: str
    institution: str
    role: str = ""


@dataclass(frozen=True)
class Meeting:
    """A rakor with its agenda, attendance and the decisions taken in it."""

    id: int
    title: str
    held_on: date
    place: str
    agenda: tuple[AgendaItem, ...] = ()
    attendees: tuple[Attendee, ...] = ()
    decisions: tuple[Decision, ...] = ()


def overdue(decision: Decision, on: date) -> bool:
    """Return whether ``decision`` is still open on ``on`` after its due date.

    Examples
    --------
    >>> d = Decision(1, 1, date(2026, 1, 5), "x", "agency", "DINSOS", date(2026, 2, 1), "open")
    >>> overdue(d, date(2026, 2, 2)), overdue(d, date(2026, 2, 1))
    (True, False)
    """
    return decision.open and decision.due_on < on


def carried(decisions: Sequence[Decision], meeting: Meeting) -> tuple[Decision, ...]:
    """Return the open decisions of meetings held before ``meeting`` (earliest due first)."""
    earlier = [
        d
        for d in decisions
        if d.open
        and d.meeting != meeting.id
        and (d.meeting_on, d.meeting) < (meeting.held_on, meeting.id)
    ]
    return tuple(sorted(earlier, key=lambda d: (d.due_on, d.id)))


# --- form readers ---------------------------------------------------------------------------


class _Form:
    """Reads text fields of a form, collecting a finding per field that breaks a rule."""

    def __init__(self, values: Mapping[str, str], labels: Mapping[str, str]) -> None:
        self.values = values
        self.labels = labels
        self.findings: list[Finding] = []

    def fail(self, key: str, code: str, **params: object) -> None:
        value = self.values.get(key)
        self.findings.append(
            Finding(
                code,
                "error",
                {"field": self.labels.get(key, key), **params},
                field=key,
                value=value or None,
            )
        )

    def text(self, key: str, *, required: bool = False, longest: int = 2000) -> str:
        value = typed.clean(str(self.values.get(key) or ""))
        if required and not value:
            self.fail(key, "matrix_required")
        elif typed.has_control(value):
            self.fail(key, "form_text_control")
        elif len(value) > longest:
            self.fail(key, "rakor_too_long", longest=longest)
        return value

    def day(self, key: str) -> date | None:
        value = self.text(key, required=True)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(key, "rakor_date_invalid")
            return None

    def status(self, key: str) -> Status | None:
        value = self.text(key) or "open"
        for status in STATUSES:
            if status == value:
                return status
        self.fail(key, "rakor_status_unknown", allowed=", ".join(STATUSES))
        return None


@dataclass(frozen=True)
class MeetingForm:
    """A new meeting as read from its form."""

    title: str
    held_on: date
    place: str


def read_meeting(
    values: Mapping[str, str], labels: Mapping[str, str]
) -> tuple[MeetingForm | None, tuple[Finding, ...]]:
    """Return a meeting (``title``, ``held_on`` as YYYY-MM-DD, ``place``) or the findings."""
    form = _Form(values, labels)
    title = form.text("title", required=True, longest=200)
    held_on = form.day("held_on")
    place = form.text("place")
    if form.findings or held_on is None:
        return None, tuple(form.findings)
    return MeetingForm(title, held_on, place), ()


def read_agenda_item(
    values: Mapping[str, str], labels: Mapping[str, str]
) -> tuple[AgendaItem | None, tuple[Finding, ...]]:
    """Return an agenda item (``title``, ``presenter``) or the findings."""
    form = _Form(values, labels)
    item = AgendaItem(form.text("title", required=True), form.text("presenter", longest=200))
    return (None, tuple(form.findings)) if form.findings else (item, ())


def read_attendee(
    values: Mapping[str, str], labels: Mapping[str, str]
) -> tuple[Attendee | None, tuple[Finding, ...]]:
    """Return an attendee (``name``, ``institution``, ``role``) or the findings."""
    form = _Form(values, labels)
    person = Attendee(
        form.text("name", required=True, longest=200),
        form.text("institution", required=True, longest=200),
        form.text("role", longest=200),
    )
    return (None, tuple(form.findings)) if form.findings else (person, ())


@dataclass(frozen=True)
class DecisionForm:
    """A new decision as read from its form."""

    text: str
    owner_kind: OwnerKind
    owner: str
    due_on: date


def owners(plan: Plan) -> tuple[tuple[str, str], ...]:
    """Return every possible owner of a decision as (``agency:DINSOS``, name), OPD first."""
    return (
        *((f"agency:{a.code}", a.name) for a in plan.agencies),
        *((f"partner:{p.code}", p.name) for p in plan.partners),
    )


def read_decision(
    values: Mapping[str, str], labels: Mapping[str, str], plan: Plan
) -> tuple[DecisionForm | None, tuple[Finding, ...]]:
    """Return a decision (``text``, ``owner`` as ``agency:CODE`` or ``partner:CODE`` of the
    plan, ``due_on``) or the findings."""
    form = _Form(values, labels)
    text = form.text("text", required=True)
    owner = form.text("owner", required=True)
    due_on = form.day("due_on")
    if owner and owner not in dict(owners(plan)):
        form.fail("owner", "rakor_owner_unknown", owner=owner)
    if form.findings or due_on is None:
        return None, tuple(form.findings)
    kind, code = owner.split(":", 1)
    return DecisionForm(text, "agency" if kind == "agency" else "partner", code, due_on), ()


def read_follow_up(
    values: Mapping[str, str], labels: Mapping[str, str]
) -> tuple[tuple[Status, str] | None, tuple[Finding, ...]]:
    """Return a follow-up's status and note (``status``, ``note``) or the findings."""
    form = _Form(values, labels)
    status = form.status("status")
    note = form.text("note")
    if form.findings or status is None:
        return None, tuple(form.findings)
    return (status, note), ()


# --- store ---------------------------------------------------------------------------------


def _decision(row: DecisionRow, held_on: date) -> Decision:
    return Decision(
        id=row.id,
        meeting=row.meeting_id,
        meeting_on=held_on,
        text=row.text,
        owner_kind="agency" if row.owner_kind == "agency" else "partner",
        owner=row.owner,
        due_on=row.due_on,
        status=_status(row.status),
        follow_ups=tuple(
            FollowUp(_status(f.status), f.note, f.created_by, f.created_at.date(), f.meeting_id)
            for f in row.follow_ups
        ),
    )


def _status(text: str) -> Status:
    return next(s for s in STATUSES if s == text)


def _meeting(row: MeetingRow) -> Meeting:
    return Meeting(
        id=row.id,
        title=row.title,
        held_on=row.held_on,
        place=row.place,
        agenda=tuple(AgendaItem(a.title, a.presenter) for a in row.agenda),
        attendees=tuple(Attendee(a.name, a.institution, a.role) for a in row.attendees),
        decisions=tuple(_decision(d, row.held_on) for d in row.decisions),
    )


def _rows(session: Session) -> list[MeetingRow]:
    query = (
        select(MeetingRow)
        .options(
            selectinload(MeetingRow.agenda),
            selectinload(MeetingRow.attendees),
            selectinload(MeetingRow.decisions).selectinload(DecisionRow.follow_ups),
        )
        .order_by(MeetingRow.held_on, MeetingRow.id)
    )
    return list(session.scalars(query))


def meetings(session: Session) -> tuple[Meeting, ...]:
    """Return every meeting, oldest first, with its agenda, attendance and decisions."""
    return tuple(_meeting(r) for r in _rows(session))


def meeting_row(session: Session, meeting_id: int) -> MeetingRow:
    """Return the meeting ``meeting_id``; raise ``rakor_meeting_unknown``."""
    row = session.get(MeetingRow, meeting_id)
    if row is None:
        raise NotFound("rakor_meeting_unknown", param="meeting", meeting=meeting_id)
    return row


def add_meeting(session: Session, form: MeetingForm, by: str) -> int:
    """Store a new meeting and return its id."""
    row = MeetingRow(
        title=form.title,
        held_on=form.held_on,
        place=form.place,
        created_by=by,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row.id


def add_agenda_item(session: Session, meeting_id: int, item: AgendaItem) -> None:
    """Append an agenda item to meeting ``meeting_id``."""
    row = meeting_row(session, meeting_id)
    row.agenda.append(
        AgendaItemRow(position=len(row.agenda), title=item.title, presenter=item.presenter)
    )
    session.flush()


def add_attendee(session: Session, meeting_id: int, person: Attendee) -> None:
    """Append an attendee to meeting ``meeting_id``."""
    row = meeting_row(session, meeting_id)
    row.attendees.append(
        AttendeeRow(
            position=len(row.attendees),
            name=person.name,
            institution=person.institution,
            role=person.role,
        )
    )
    session.flush()


def add_decision(session: Session, meeting_id: int, form: DecisionForm, by: str) -> int:
    """Append an open decision to meeting ``meeting_id`` and return its id."""
    row = meeting_row(session, meeting_id)
    decision = DecisionRow(
        position=len(row.decisions),
        text=form.text,
        owner_kind=form.owner_kind,
        owner=form.owner,
        due_on=form.due_on,
        status="open",
        created_by=by,
        created_at=utcnow(),
    )
    row.decisions.append(decision)
    session.flush()
    return decision.id


def decision_row(session: Session, decision_id: int) -> DecisionRow:
    """Return the decision ``decision_id``; raise ``rakor_decision_unknown``."""
    row = session.get(DecisionRow, decision_id)
    if row is None:
        raise NotFound("rakor_decision_unknown", param="decision", decision=decision_id)
    return row


def follow_up(
    session: Session,
    decision_id: int,
    status: Status,
    note: str,
    by: str,
    meeting_id: int | None,
) -> None:
    """Record a follow-up of decision ``decision_id`` (a new row) and set its status."""
    row = decision_row(session, decision_id)
    if meeting_id is not None:
        meeting_row(session, meeting_id)
    row.follow_ups.append(
        FollowUpRow(
            status=status, note=note, created_by=by, created_at=utcnow(), meeting_id=meeting_id
        )
    )
    row.status = status
    session.flush()
