"""Rakor: the TKPKD's coordination meetings (agenda, attendance, decisions with owner, due date
and status), the decisions followed up from meeting to meeting, and the rakor pack to print.

Every use case is a workflow of :mod:`rpkd.workflows.meetings`. A form that breaks a rule
re-renders the meeting's page with a sentence under each field of that form (422); a recorded
change goes back to the meeting (303).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rpkd import locale
from rpkd.errors import InvalidInput
from rpkd.locale import Lang
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.web.routes.beranda import figure_text
from rpkd.workflows.meetings import (
    RakorPack,
    add_agenda,
    add_attendee,
    add_decision,
    create_meeting,
    follow_up_decision,
    list_meetings,
    meeting_view,
    rakor_pack,
)
from rpkd.workflows.plan_edit import field_messages
from rpkd.workflows.workspace import Workspace

router = APIRouter(prefix="/rakor", include_in_schema=False)

STATUSES = ("open", "in_progress", "done", "dropped")


def _errors(error: InvalidInput, lang: Lang) -> dict[str, str]:
    return field_messages(error.findings, lang) if error.findings else {"form": error.message(lang)}


def _list_page(
    request: Request,
    ws: Workspace,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    listing = list_meetings(ws)
    context = {
        "listing": listing,
        "values": values or {},
        "errors": errors or {},
    }
    return pages.render(request, "rakor/index.html", context, status_code=status_code)


@router.get("")
def rakor_page(request: Request, ws: RequestWorkspace) -> Response:
    """Every meeting, the decisions still open, and the form of a new meeting."""
    return _list_page(request, ws)


async def _values(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str) and k != "csrf_token"}


@router.post("")
async def meeting_create(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Record a new meeting; refused: the list with the form's findings."""
    values = await _values(request)
    try:
        created = await run_in_threadpool(create_meeting, ws, values)
    except InvalidInput as error:
        errors = _errors(error, lang)
        return await run_in_threadpool(
            lambda: _list_page(request, ws, values=values, errors=errors, status_code=422)
        )
    return RedirectResponse(f"/rakor/{created.id}", status_code=303)


def _meeting_page(
    request: Request,
    ws: Workspace,
    meeting_id: int,
    *,
    form: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    view = meeting_view(ws, meeting_id)
    context = {
        "view": view,
        "meeting": view.meeting,
        "statuses": STATUSES,
        "form": form,
        "values": values or {},
        "errors": errors or {},
        "notice": notice,
    }
    return pages.render(request, "rakor/meeting.html", context, status_code=status_code)


@router.get("/{meeting_id}")
def meeting_page(
    request: Request, ws: RequestWorkspace, lang: Language, meeting_id: int, saved: str = ""
) -> Response:
    """A meeting: agenda, attendance, its decisions and the open ones of earlier meetings."""
    notice = locale.message("web_rakor_saved", lang) if saved else None
    return _meeting_page(request, ws, meeting_id, notice=notice)


async def _record(
    request: Request,
    ws: Workspace,
    lang: Lang,
    meeting_id: int,
    form: str,
    call: Callable[[dict[str, str]], object],
    anchor: str,
) -> Response:
    values = await _values(request)
    try:
        await run_in_threadpool(call, values)
    except InvalidInput as error:
        errors = _errors(error, lang)
        return await run_in_threadpool(
            lambda: _meeting_page(
                request, ws, meeting_id, form=form, values=values, errors=errors, status_code=422
            )
        )
    return RedirectResponse(f"/rakor/{meeting_id}?saved=1#{anchor}", status_code=303)


@router.post("/{meeting_id}/agenda")
async def agenda_add(
    request: Request, ws: RequestWorkspace, lang: Language, meeting_id: int
) -> Response:
    """Add an agenda item."""
    return await _record(
        request, ws, lang, meeting_id, "agenda", lambda v: add_agenda(ws, meeting_id, v), "agenda"
    )


@router.post("/{meeting_id}/attendees")
async def attendee_add(
    request: Request, ws: RequestWorkspace, lang: Language, meeting_id: int
) -> Response:
    """Add an attendee (name, institution, role)."""
    return await _record(
        request,
        ws,
        lang,
        meeting_id,
        "attendee",
        lambda v: add_attendee(ws, meeting_id, v),
        "attendance",
    )


@router.post("/{meeting_id}/decisions")
async def decision_add(
    request: Request, ws: RequestWorkspace, lang: Language, meeting_id: int
) -> Response:
    """Add a decision with its owner and due date."""
    return await _record(
        request,
        ws,
        lang,
        meeting_id,
        "decision",
        lambda v: add_decision(ws, meeting_id, v),
        "decisions",
    )


@router.post("/{meeting_id}/decisions/{decision_id}/follow-up")
async def decision_follow_up(
    request: Request, ws: RequestWorkspace, lang: Language, meeting_id: int, decision_id: int
) -> Response:
    """Record a follow-up of a decision (its new status and a note) at this meeting."""
    return await _record(
        request,
        ws,
        lang,
        meeting_id,
        f"follow_up:{decision_id}",
        lambda v: follow_up_decision(ws, decision_id, v, meeting_id=meeting_id),
        "decisions",
    )


def _headlines(pack: RakorPack, lang: Lang) -> list[dict[str, str]]:
    return [
        {
            "indicator": locale.label(f"web.dashboard.figure.{h.key}", lang),
            "estimate": figure_text(h.key, h.estimate, lang),
            "ci": f"{figure_text(h.key, h.ci_low, lang)} – {figure_text(h.key, h.ci_high, lang)}",
            "target": figure_text(h.key, h.target, lang),
        }
        for h in pack.dashboard.headlines
    ]


@router.get("/{meeting_id}/pack")
def pack_page(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    meeting_id: int,
    release: Annotated[str | None, Query()] = None,
) -> Response:
    """The rakor pack on one page, ready to print: figures, lagging indicators, open decisions."""
    pack = rakor_pack(ws, meeting_id, release=release or None)
    lagging = pages.data_table(
        pack.dashboard.tables()["lagging"],
        lang,
        labels="web.dashboard.col.",
        columns=("code", "name", "agency", "target", "realisation", "achievement", "band"),
        cells={"achievement": "number"},
    )
    context = {
        "pack": pack,
        "meeting": pack.view.meeting,
        "headlines": _headlines(pack, lang),
        "lagging": lagging,
        "decisions": pack.open_decisions,
        "notes": pack.dashboard.notes(lang),
    }
    return pages.render(request, "rakor/pack.html", context)
