"""Coordination meetings through the workflows: recording, rules per field, decisions tracked
from meeting to meeting (overdue on the meeting's day), the pack, permissions; SQLite and
PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_refusal import REFUSAL, audit_refused, seen

from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.planning.meetings import Decision, Meeting, carried, overdue
from rpkd.settings import Settings
from rpkd.workflows import init_plan, list_audit
from rpkd.workflows.meetings import (
    add_agenda,
    add_attendee,
    add_decision,
    create_meeting,
    follow_up_decision,
    list_meetings,
    meeting_view,
    rakor_pack,
)
from rpkd.workflows.workspace import Actor, Workspace


def _open(path: Path, url: str, user: str | None = None, *grants: Grant) -> Workspace:
    ws = Workspace(Settings(workspace=path, database_url=url))
    if user is not None:
        ws.__dict__["actor"] = Actor(user, grants)
    return ws


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    """A workspace with the Kapuas starter plan, acting as an analyst of the secretariat."""
    with _open(tmp_path / "ws", database_url) as local:
        init_plan(local)
    with _open(tmp_path / "ws", database_url, "analis", Grant("analyst")) as analyst:
        yield analyst


def _as(ws: Workspace, user: str, *grants: Grant) -> Workspace:
    return _open(ws.path, str(ws.settings.database_url), user, *grants)


def _decision(meeting: int, held: date, due: date, status: str = "open") -> Decision:
    return Decision(meeting * 10, meeting, held, "x", "agency", "DINSOS", due, status)  # type: ignore[arg-type]


def test_overdue_and_carried_by_hand() -> None:
    first = _decision(1, date(2026, 1, 10), date(2026, 2, 1))
    done = _decision(2, date(2026, 1, 10), date(2026, 2, 1), "done")
    later = _decision(3, date(2026, 4, 1), date(2026, 5, 1))
    meeting = Meeting(3, "Rakor II", date(2026, 4, 1), "")
    assert overdue(first, date(2026, 2, 2)) and not overdue(first, date(2026, 2, 1))
    assert not overdue(done, date(2026, 3, 1))
    assert carried([later, done, first], meeting) == (first,)


def test_a_meeting_with_agenda_attendance_and_decisions(ws: Workspace) -> None:
    created = create_meeting(
        ws, {"title": "Rakor TKPKD I", "held_on": "2026-01-10", "place": "Bappeda"}
    )
    add_agenda(ws, created.id, {"title": "Capaian triwulan IV", "presenter": "Bappeda"})
    add_attendee(ws, created.id, {"name": "Ir. Budi", "institution": "Dinsos", "role": "Kadis"})
    added = add_decision(
        ws,
        created.id,
        {
            "text": "Validasi data RTLH",
            "owner": "agency:PERKIM",
            "due_on": "2026-02-01",
        },
    )
    view = meeting_view(ws, created.id)
    assert view.meeting.agenda[0].title == "Capaian triwulan IV"
    assert view.meeting.attendees[0].institution == "Dinsos"
    [row] = view.decisions
    assert (row["decision"], row["owner"], row["status"], row["overdue"]) == (
        added.id, "PERKIM", "open", False,
    )  # fmt: skip
    actions = [e["action"] for e in list_audit(_as(ws, "root", Grant("admin"))).to_json()]
    assert [a for a in actions if a.startswith("rakor.")] == [
        "rakor.meeting.create",
        "rakor.agenda.add",
        "rakor.attendee.add",
        "rakor.decision.add",
    ]


def test_each_field_that_breaks_a_rule_is_named_and_nothing_is_written(ws: Workspace) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_meeting(ws, {"title": "", "held_on": "10/01/2026"})
    assert {(f.field, f.code) for f in refused.value.findings} == {
        ("title", "matrix_required"),
        ("held_on", "rakor_date_invalid"),
    }
    assert list_meetings(ws).meetings == ()
    meeting = create_meeting(ws, {"title": "Rakor", "held_on": "2026-01-10"}).id
    with pytest.raises(InvalidInput) as refused:
        add_decision(ws, meeting, {"text": "x", "owner": "agency:NOPE", "due_on": ""})
    assert {(f.field, f.code) for f in refused.value.findings} == {
        ("owner", "rakor_owner_unknown"),
        ("due_on", "matrix_required"),
    }
    with pytest.raises(InvalidInput) as refused:
        add_attendee(ws, meeting, {"name": "Budi"})
    assert [(f.field, f.code) for f in refused.value.findings] == [
        ("institution", "matrix_required")
    ]
    assert meeting_view(ws, meeting).decisions == ()
    with pytest.raises(NotFound):
        add_agenda(ws, 999, {"title": "x"})
    with pytest.raises(NotFound):
        follow_up_decision(ws, 999, {"status": "done"})


def test_open_decisions_are_carried_to_the_next_meeting_until_done(ws: Workspace) -> None:
    first = create_meeting(ws, {"title": "Rakor I", "held_on": "2026-01-10"}).id
    late = add_decision(
        ws, first, {"text": "Data RTLH", "owner": "agency:PERKIM", "due_on": "2026-02-01"}
    ).id
    kept = add_decision(
        ws, first, {"text": "Bedah rumah", "owner": "partner:BAZNAS", "due_on": "2026-06-30"}
    ).id
    second = create_meeting(ws, {"title": "Rakor II", "held_on": "2026-04-01"}).id
    view = meeting_view(ws, second)
    assert [(d["decision"], d["overdue"]) for d in view.carried] == [(late, True), (kept, False)]
    follow_up_decision(ws, late, {"status": "done", "note": "selesai"}, meeting_id=second)
    follow_up_decision(ws, kept, {"status": "in_progress", "note": "50 unit"}, meeting_id=second)
    with pytest.raises(InvalidInput) as wrong:
        follow_up_decision(ws, kept, {"status": "finished"})
    assert wrong.value.findings[0].code == "rakor_status_unknown"
    third = create_meeting(ws, {"title": "Rakor III", "held_on": "2026-07-15"}).id
    carried_rows = meeting_view(ws, third).carried
    assert [(d["decision"], d["status"], d["overdue"], d["last_note"]) for d in carried_rows] == [
        (kept, "in_progress", True, "50 unit")
    ]
    listing = list_meetings(ws, on=date(2026, 3, 1))
    assert [m.id for m in listing.meetings] == [third, second, first]
    assert [(d["decision"], d["overdue"]) for d in listing.open_decisions] == [(kept, False)]


def test_the_pack_has_the_open_decisions_and_the_dashboard(ws: Workspace) -> None:
    first = create_meeting(ws, {"title": "Rakor I", "held_on": "2026-01-10"}).id
    add_decision(ws, first, {"text": "Data", "owner": "agency:DINSOS", "due_on": "2026-02-01"})
    second = create_meeting(ws, {"title": "Rakor II", "held_on": "2026-04-01"}).id
    add_decision(ws, second, {"text": "Baru", "owner": "agency:DINSOS", "due_on": "2026-05-01"})
    pack = rakor_pack(ws, second)
    assert [d["text"] for d in pack.open_decisions] == ["Data", "Baru"]
    assert pack.dashboard.release is None  # the workspace holds no release
    payload = pack.to_json()
    assert payload["meeting"]["held_on"] == "2026-04-01"
    assert [d["overdue"] for d in payload["open_decisions"]] == [True, False]


def test_who_reads_and_who_records(ws: Workspace) -> None:
    meeting = create_meeting(ws, {"title": "Rakor I", "held_on": "2026-01-10"}).id
    agency = _as(ws, "dinsos", Grant("agency_operator", agency="DINSOS"))
    assert not meeting_view(agency, meeting).may_edit
    with pytest.raises(Forbidden):
        add_agenda(agency, meeting, {"title": "x"})
    desa = _as(ws, "desa", Grant("area_operator", region="62.03.01.1006"))
    with pytest.raises(Forbidden):
        list_meetings(desa)
    assert list_meetings(ws).may_edit


def test_a_refused_audit_row_keeps_none_of_the_writes(ws: Workspace) -> None:
    meeting = create_meeting(ws, {"title": "Rakor I", "held_on": "2026-01-10"}).id
    decision = add_decision(
        ws, meeting, {"text": "Data", "owner": "agency:DINSOS", "due_on": "2026-02-01"}
    ).id
    writes = [
        lambda: create_meeting(ws, {"title": "Rakor II", "held_on": "2026-04-01"}),
        lambda: add_agenda(ws, meeting, {"title": "Capaian", "presenter": "Bappeda"}),
        lambda: add_attendee(ws, meeting, {"name": "Budi", "institution": "Dinsos"}),
        lambda: add_decision(
            ws, meeting, {"text": "Baru", "owner": "agency:DINSOS", "due_on": "2026-05-01"}
        ),
        lambda: follow_up_decision(ws, decision, {"status": "done", "note": "selesai"}),
    ]
    before = seen(ws)
    with audit_refused(ws):
        for write in writes:
            with pytest.raises(DBAPIError, match=REFUSAL):
                write()
    assert seen(ws) == before
