"""Rencana: the stored RPKD as tables (filtered by strategy and OPD), its editing (an activity,
an indicator's baseline and targets), the yearly action plan (RAT) and the XLSX matrices.

Every use case is a workflow of :mod:`rpkd.workflows.plan_edit` or :mod:`rpkd.workflows.plan`.
An edit form is the same URL as a part (HTMX, swapped into the editor panel) and as a whole
page (without JavaScript). A refused edit re-renders the form with a sentence under each field
(HTMX: 200, the part swapped in place; a plain post: the page with 422); a saved one goes back
to the plan with a notice.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rpkd import locale
from rpkd.errors import InvalidInput
from rpkd.locale import Lang
from rpkd.reports.plan_matrix import finding_rows
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.plan import export_plan, import_plan
from rpkd.workflows.plan_edit import (
    PlanForm,
    activity_form,
    browse_plan,
    field_messages,
    plan_year,
    remove_activity,
    save_activity,
    save_targets,
    targets_form,
)
from rpkd.workflows.workspace import Workspace

router = APIRouter(prefix="/plan", include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCES = ("apbd", "apbn_dak", "dana_desa", "csr", "baznas", "other")
"""The funding sources in the order of the plan matrix (rpkd.planning.model.FUNDING_SOURCES)."""


def _editor(form: PlanForm, kind: str, errors: dict[str, str], new: bool) -> dict[str, Any]:
    plan = form.plan
    return {
        "kind": kind,
        "new": new,
        "code": form.code,
        "values": form.values,
        "errors": errors,
        "years": plan.years,
        "sources": SOURCES,
        "programmes": [(p.code, p.name) for p in plan.programmes],
        "agencies": [(a.code, a.name) for a in plan.agencies],
    }


def _groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of :meth:`PlanBrowse.rows` under their programme, in plan order."""
    groups: list[dict[str, Any]] = []
    for row in rows:
        if not groups or groups[-1]["code"] != row["programme"]:
            groups.append(
                {
                    "code": row["programme"],
                    "name": row["programme_name"],
                    "strategy": row["strategy"],
                    "agency": row["programme_agency"],
                    "own": False,
                    "rows": [],
                }
            )
        group = groups[-1]
        if row["activity"] is not None:
            group["rows"].append(row)
        group["own"] = group["own"] or row["own"]
    return groups


def _page(
    request: Request,
    ws: Workspace,
    lang: Lang,
    *,
    strategy: str = "",
    agency: str = "",
    editor: dict[str, Any] | None = None,
    notice: str | None = None,
    findings: list[dict[str, Any]] | None = None,
    import_error: str | None = None,
    status_code: int = 200,
) -> Response:
    view = browse_plan(ws, strategy=strategy or None, agency=agency or None)
    plan = view.plan
    context = {
        "view": view,
        "plan": plan,
        "years": plan.years,
        "groups": _groups(view.rows()),
        "budget": view.budget_by_source(),
        "strategy_names": {s.code: s.name for s in plan.strategies},
        "agency_names": {a.code: a.name for a in plan.agencies},
        "filters": {"strategy": strategy, "agency": agency},
        "editor": editor,
        "notice": notice,
        "findings": findings,
        "import_error": import_error,
    }
    return pages.render(request, "rencana/index.html", context, status_code=status_code)


@router.get("")
def plan_page(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    strategy: str = "",
    agency: str = "",
    saved: str = "",
    removed: str = "",
    imported: str = "",
) -> Response:
    """The plan: strategies, programmes and activities, budget by source, indicators."""
    notice = None
    if saved:
        notice = locale.message("web_plan_saved", lang, code=saved)
    elif removed:
        notice = locale.message("web_plan_removed", lang, code=removed)
    elif imported:
        notice = locale.message("web_plan_imported", lang, file=imported)
    return _page(request, ws, lang, strategy=strategy, agency=agency, notice=notice)


def _form_answer(
    request: Request,
    ws: Workspace,
    lang: Lang,
    editor: dict[str, Any],
    status_code: int = 200,
) -> Response:
    """The editor as a part (HTMX; 200 so that HTMX swaps it) or within the whole page."""
    if pages.is_htmx(request):
        return pages.render(request, "rencana/_editor.html", {"editor": editor})
    return _page(request, ws, lang, editor=editor, status_code=status_code)


@router.get("/activities/new")
def activity_new(
    request: Request, ws: RequestWorkspace, lang: Language, programme: str = ""
) -> Response:
    """The form of a new activity (in ``programme`` when given)."""
    form = activity_form(ws)
    values = {**form.values, "programme": programme}
    editor = _editor(PlanForm(form.plan, None, values), "activity", {}, True)
    return _form_answer(request, ws, lang, editor)


@router.get("/activities/{activity}/edit")
def activity_edit(
    request: Request, ws: RequestWorkspace, lang: Language, activity: str
) -> Response:
    """The form of activity ``activity``."""
    form = activity_form(ws, activity)
    return _form_answer(request, ws, lang, _editor(form, "activity", {}, False))


def _saved(request: Request, target: str) -> Response:
    if pages.is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _values(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str) and k != "csrf_token"}


@router.post("/activities")
async def activity_save(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Save an activity (``new=1``: add it); refused: the form with its findings."""
    values = await _values(request)
    new = values.pop("new", "") == "1"
    try:
        changed = await run_in_threadpool(save_activity, ws, values, new=new)
    except InvalidInput as error:
        form = PlanForm(
            (await run_in_threadpool(activity_form, ws)).plan, values.get("code"), values
        )
        editor = _editor(form, "activity", _errors(error, lang), new)
        return await run_in_threadpool(_form_answer, request, ws, lang, editor, 422)
    return _saved(request, f"/plan?saved={changed.code}")


def _errors(error: InvalidInput, lang: Lang) -> dict[str, str]:
    if error.findings:
        return field_messages(error.findings, lang)
    return {"form": error.message(lang)}


@router.post("/activities/{activity}/remove")
def activity_remove(
    request: Request, ws: RequestWorkspace, lang: Language, activity: str
) -> Response:
    """Remove an activity; refused (an indicator or a realisation names it): the plan with
    the reason."""
    try:
        remove_activity(ws, activity)
    except InvalidInput as error:
        form = activity_form(ws, activity)
        editor = _editor(form, "activity", _errors(error, lang), False)
        return _form_answer(request, ws, lang, editor, 422)
    return _saved(request, f"/plan?removed={activity}")


@router.get("/indicators/{indicator}/edit")
def targets_edit(
    request: Request, ws: RequestWorkspace, lang: Language, indicator: str
) -> Response:
    """The baseline and yearly targets form of ``indicator``."""
    form = targets_form(ws, indicator)
    return _form_answer(request, ws, lang, _editor(form, "targets", {}, False))


@router.post("/indicators/{indicator}/targets")
async def targets_save(
    request: Request, ws: RequestWorkspace, lang: Language, indicator: str
) -> Response:
    """Save the baseline and yearly targets of ``indicator``; refused: the form again."""
    values = await _values(request)
    form = await run_in_threadpool(targets_form, ws, indicator)  # 404 for an unknown indicator
    try:
        await run_in_threadpool(save_targets, ws, indicator, values)
    except InvalidInput as error:
        editor = _editor(
            PlanForm(form.plan, indicator, values), "targets", _errors(error, lang), False
        )
        return await run_in_threadpool(_form_answer, request, ws, lang, editor, 422)
    return _saved(request, f"/plan?saved={indicator}")


@router.get("/rat")
def rat_page(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    """The yearly action plan (RAT) of ``year`` (default: the plan's first year)."""
    plan = browse_plan(ws).plan
    chosen = year if year in plan.years else plan.start_year
    rat = plan_year(ws, chosen)
    money = ("apbd", "apbn_dak", "dana_desa", "csr", "baznas", "other", "budget_total")
    rows = [{**r, **{m: round(r[m] / 1e6, 1) for m in money}} for r in rat.to_json()]
    table = pages.data_table(
        rows,
        lang,
        columns=(
            "strategy",
            "programme",
            "activity_code",
            "activity",
            "agency",
            "location",
            "target_group",
            "partners",
            *money,
            "output_targets",
        ),
        cells=dict.fromkeys(money, "number"),
        labels="web.rencana.rat.",
    )
    context = {"plan": plan, "year": chosen, "years": plan.years, "table": table}
    return pages.render(request, "rencana/rat.html", context)


@router.get("/export.xlsx")
def export(ws: RequestWorkspace) -> Response:
    """The plan matrices as XLSX, in the layout ``rpkd plan export`` writes and import reads."""
    with tempfile.TemporaryDirectory(prefix="rpkd-web-plan-") as scratch:
        path = Path(scratch) / "rpkd-matriks.xlsx"
        export_plan(ws, path)
        body = path.read_bytes()
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )


@router.post("/import")
async def import_page(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Import the plan matrices from an uploaded XLSX: all or nothing; refused: the findings
    by sheet, row and field."""
    data = await request.form(max_files=1, max_fields=4)
    try:
        upload = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            error = locale.message("web_plan_import_file", lang)
            return await run_in_threadpool(
                lambda: _page(request, ws, lang, import_error=error, status_code=422)
            )
        name = Path(upload.filename).name
        body = await upload.read()
    finally:
        await data.close()
    with tempfile.TemporaryDirectory(prefix="rpkd-web-plan-") as scratch:
        path = Path(scratch) / (name if name.lower().endswith(".xlsx") else f"{name}.xlsx")
        path.write_bytes(body)
        try:
            await run_in_threadpool(import_plan, ws, path)
        except InvalidInput as error:
            rows = finding_rows(error.findings, lang)
            message = error.message(lang)
            return await run_in_threadpool(
                lambda: _page(
                    request, ws, lang, findings=rows, import_error=message, status_code=422
                )
            )
    return RedirectResponse(f"/plan?imported={name}", status_code=303)
