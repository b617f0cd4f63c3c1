"""Use cases of the coordination meetings (rakor): meetings with agenda, attendance and
decisions, the decisions' follow-up from meeting to meeting, and the rakor pack.

Reading needs ``plan.read`` on the plan's region (an agency's or a partner's grant reads as that
agency or partner, :func:`rpkd.workflows.plan_edit.read_scope`); recording needs ``plan.edit``
(the secretariat). A form that breaks a rule raises :class:`rpkd.errors.InvalidInput`
(``rakor_invalid``) carrying one finding per field, nothing written; each change writes one
audit row. :func:`rakor_pack` sets the dashboard's headline figures and lagging indicators
(:func:`rpkd.workflows.overview.dashboard`) beside the open decisions, for print::

    with Workspace.open("rpkd-workspace", actor="analis") as ws:
        created = create_meeting(ws, {"title": "Rakor TKPKD I", "held_on": "2026-03-10"})
        add_decision(ws, created.id, {"text": "Data RTLH", "owner": "agency:PERKIM",
                                      "due_on": "2026-04-30"})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import locale
from rpkd.access.roles import Scope, allowed
from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.workflows import gate
from rpkd.workflows.plan_edit import readable_plan
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rpkd.planning.meetings import Decision, Meeting
    from rpkd.planning.model import Plan
    from rpkd.workflows.overview import Dashboard
    from rpkd.workflows.workspace import Workspace

FIELDS = {
    "meeting": ("title", "held_on", "place"),
    "agenda": ("title", "presenter"),
    "attendee": ("name", "institution", "role"),
    "decision": ("text", "owner", "due_on"),
    "follow_up": ("status", "note"),
}
"""The fields of each form of the rakor page (labels ``web.rakor.field.<form>.<field>``)."""


def _labels(form: str, lang: locale.Lang) -> dict[str, str]:
    return {f: locale.label(f"web.rakor.field.{form}.{f}", lang) for f in FIELDS[form]}


def _refused(found: tuple[Finding, ...]) -> InvalidInput:
    return InvalidInput("rakor_invalid", param=found[0].field, count=len(found), findings=found)


def _owner_names(plan: Plan) -> dict[str, str]:
    from rpkd.planning.meetings import owners

    return {key.split(":", 1)[1]: name for key, name in owners(plan)}


def decision_row(decision: Decision, names: Mapping[str, str], on: date) -> dict[str, Any]:
    """Return a decision as a row: meeting, text, owner (name), due date, status, overdue."""
    from rpkd.planning.meetings import overdue

    return {
        "decision": decision.id,
        "meeting": decision.meeting,
        "meeting_on": decision.meeting_on,
        "text": decision.text,
        "owner_kind": decision.owner_kind,
        "owner": decision.owner,
        "owner_name": names.get(decision.owner, decision.owner),
        "due_on": decision.due_on,
        "status": decision.status,
        "overdue": overdue(decision, on),
        "last_note": decision.follow_ups[-1].note if decision.follow_ups else "",
    }


@dataclass(frozen=True)
class MeetingList:
    """Every meeting (newest first) and the decisions still open on ``on``."""

    meetings: tuple[Meeting, ...]
    open_decisions: tuple[dict[str, Any], ...]
    on: date
    may_edit: bool

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "meeting": m.id,
                "title": m.title,
                "held_on": m.held_on,
                "place": m.place,
                "agenda": len(m.agenda),
                "attendees": len(m.attendees),
                "decisions": len(m.decisions),
                "open": sum(d.open for d in m.decisions),
            }
            for m in self.meetings
        ]

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows())

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows())


def _all(ws: Workspace) -> tuple[Meeting, ...]:
    from rpkd.planning import meetings as store

    with ws.transaction() as db:
        return store.meetings(db)


def list_meetings(ws: Workspace, *, on: date | None = None) -> MeetingList:
    """Return every meeting, newest first, and every open decision (overdue on ``on``,
    default today)."""
    plan = readable_plan(ws)
    day = on or date.today()
    found = _all(ws)
    names = _owner_names(plan)
    open_rows = sorted(
        (decision_row(d, names, day) for m in found for d in m.decisions if d.open),
        key=lambda r: (r["due_on"], r["decision"]),
    )
    return MeetingList(
        meetings=tuple(reversed(found)),
        open_decisions=tuple(open_rows),
        on=day,
        may_edit=allowed(ws.actor.grants, "plan.edit", Scope(region=plan.region)),
    )


@dataclass(frozen=True)
class MeetingView:
    """One meeting: its agenda, attendance and decisions, and the decisions of earlier meetings
    still open (``carried``; overdue on the meeting's day marked)."""

    meeting: Meeting
    decisions: tuple[dict[str, Any], ...]
    carried: tuple[dict[str, Any], ...]
    owners: tuple[tuple[str, str], ...]
    may_edit: bool

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([*self.carried, *self.decisions])

    def to_json(self) -> list[dict[str, Any]]:
        return records([*self.carried, *self.decisions])


def _view(ws: Workspace, meeting_id: int, plan: Plan) -> MeetingView:
    from rpkd.errors import NotFound
    from rpkd.planning.meetings import carried, owners

    found = _all(ws)
    meeting = next((m for m in found if m.id == meeting_id), None)
    if meeting is None:
        raise NotFound("rakor_meeting_unknown", param="meeting", meeting=meeting_id)
    names = _owner_names(plan)
    every = [d for m in found for d in m.decisions]
    return MeetingView(
        meeting=meeting,
        decisions=tuple(decision_row(d, names, meeting.held_on) for d in meeting.decisions),
        carried=tuple(decision_row(d, names, meeting.held_on) for d in carried(every, meeting)),
        owners=owners(plan),
        may_edit=allowed(ws.actor.grants, "plan.edit", Scope(region=plan.region)),
    )


def meeting_view(ws: Workspace, meeting_id: int) -> MeetingView:
    """Return meeting ``meeting_id`` with the open decisions of earlier meetings."""
    return _view(ws, meeting_id, readable_plan(ws))


@dataclass(frozen=True)
class MeetingChanged:
    """One change recorded: what (``meeting.create``, ``agenda.add``, ``attendee.add``,
    ``decision.add``, ``decision.follow_up``), in which meeting, the new item's id."""

    change: str
    meeting: int | None
    id: int

    def row(self) -> dict[str, Any]:
        return {"change": self.change, "meeting": self.meeting, "id": self.id}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.row()])

    def to_json(self) -> list[dict[str, Any]]:
        return [self.row()]


def _editable(ws: Workspace) -> Plan:
    from rpkd.workflows.plan import stored_plan

    return stored_plan(ws, None, "plan.edit")


def _kept(ws: Workspace, plan: Plan, write: Callable[[Session], MeetingChanged]) -> MeetingChanged:
    """Run ``write`` and append its audit row in one transaction (:meth:`Workspace.atomic`):
    both kept or neither."""
    with ws.atomic():
        with ws.transaction() as db:
            change = write(db)
        gate.audit(
            ws,
            f"rakor.{change.change}",
            scopes=(Scope(region=plan.region),),
            records=1,
            parameters={"meeting": change.meeting, "id": change.id},
        )
    return change


def create_meeting(ws: Workspace, values: Mapping[str, str]) -> MeetingChanged:
    """Record a meeting from its form (``title``, ``held_on`` YYYY-MM-DD, ``place``)."""
    from rpkd.planning import meetings as store

    plan = _editable(ws)
    form, found = store.read_meeting(values, _labels("meeting", ws.lang))
    if form is None:
        raise _refused(found)

    def write(db: Session) -> MeetingChanged:
        meeting_id = store.add_meeting(db, form, ws.actor.username)
        return MeetingChanged("meeting.create", meeting_id, meeting_id)

    return _kept(ws, plan, write)


def add_agenda(ws: Workspace, meeting_id: int, values: Mapping[str, str]) -> MeetingChanged:
    """Add an agenda item (``title``, ``presenter``) to meeting ``meeting_id``."""
    from rpkd.planning import meetings as store

    plan = _editable(ws)
    with ws.transaction() as db:
        store.meeting_row(db, meeting_id)
    item, found = store.read_agenda_item(values, _labels("agenda", ws.lang))
    if item is None:
        raise _refused(found)

    def write(db: Session) -> MeetingChanged:
        store.add_agenda_item(db, meeting_id, item)
        return MeetingChanged("agenda.add", meeting_id, meeting_id)

    return _kept(ws, plan, write)


def add_attendee(ws: Workspace, meeting_id: int, values: Mapping[str, str]) -> MeetingChanged:
    """Add an attendee (``name``, ``institution``, ``role``) to meeting ``meeting_id``."""
    from rpkd.planning import meetings as store

    plan = _editable(ws)
    with ws.transaction() as db:
        store.meeting_row(db, meeting_id)
    person, found = store.read_attendee(values, _labels("attendee", ws.lang))
    if person is None:
        raise _refused(found)

    def write(db: Session) -> MeetingChanged:
        store.add_attendee(db, meeting_id, person)
        return MeetingChanged("attendee.add", meeting_id, meeting_id)

    return _kept(ws, plan, write)


def add_decision(ws: Workspace, meeting_id: int, values: Mapping[str, str]) -> MeetingChanged:
    """Add an open decision (``text``, ``owner`` ``agency:CODE`` or ``partner:CODE`` of the
    plan, ``due_on``) to meeting ``meeting_id``."""
    from rpkd.planning import meetings as store

    plan = _editable(ws)
    with ws.transaction() as db:
        store.meeting_row(db, meeting_id)
    form, found = store.read_decision(values, _labels("decision", ws.lang), plan)
    if form is None:
        raise _refused(found)

    def write(db: Session) -> MeetingChanged:
        decision_id = store.add_decision(db, meeting_id, form, ws.actor.username)
        return MeetingChanged("decision.add", meeting_id, decision_id)

    return _kept(ws, plan, write)


def follow_up_decision(
    ws: Workspace, decision_id: int, values: Mapping[str, str], *, meeting_id: int | None = None
) -> MeetingChanged:
    """Record a follow-up of decision ``decision_id`` (``status``: open, in_progress, done,
    dropped; ``note``), at meeting ``meeting_id`` when given; the history is kept."""
    from rpkd.planning import meetings as store

    plan = _editable(ws)
    with ws.transaction() as db:
        store.decision_row(db, decision_id)
    read, found = store.read_follow_up(values, _labels("follow_up", ws.lang))
    if read is None:
        raise _refused(found)
    status, note = read

    def write(db: Session) -> MeetingChanged:
        store.follow_up(db, decision_id, status, note, ws.actor.username, meeting_id)
        return MeetingChanged("decision.follow_up", meeting_id, decision_id)

    return _kept(ws, plan, write)


@dataclass(frozen=True)
class RakorPack:
    """What a rakor is given on one printed page: the headline figures and the lagging
    indicators of the dashboard, the decisions still open (earlier meetings' and this one's)."""

    view: MeetingView
    dashboard: Dashboard
    findings: tuple[Finding, ...] = field(default=())

    @property
    def open_decisions(self) -> tuple[dict[str, Any], ...]:
        own = tuple(d for d in self.view.decisions if d["status"] in ("open", "in_progress"))
        return (*self.view.carried, *own)

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(list(self.open_decisions))

    def to_json(self) -> dict[str, Any]:
        board = self.dashboard.to_json()
        return {
            "meeting": {
                "id": self.view.meeting.id,
                "title": self.view.meeting.title,
                "held_on": self.view.meeting.held_on.isoformat(),
                "place": self.view.meeting.place,
            },
            "headlines": board.get("headlines", []),
            "lagging": board.get("lagging", []),
            "open_decisions": records(list(self.open_decisions)),
        }


def rakor_pack(ws: Workspace, meeting_id: int, *, release: str | None = None) -> RakorPack:
    """Return the rakor pack of meeting ``meeting_id``: the dashboard of ``release`` (default:
    the newest the user may read) for the meeting's year, and the open decisions."""
    from rpkd.workflows.overview import dashboard

    view = _view(ws, meeting_id, readable_plan(ws))
    board = dashboard(ws, release, year=view.meeting.held_on.year)
    return RakorPack(view, board, tuple(board.findings))
