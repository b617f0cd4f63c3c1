"""*Realisasi*: quarterly realisations with evidence, verified by the secretariat.

``GET /realisations?year=&quarter=`` shows the quarter as the user works on it
(:func:`rpkd.workflows.realisation_work.realisation_desk`): the deadline, the user's activities
and indicators with their latest version, the form to submit a new version with evidence files,
what waits for the user's review, who has not reported yet and every version of the quarter.
Submitting, verifying and returning post a form and come back to the page (303); a refused
form comes back with its error (422). Evidence files are downloaded from
``/realisations/evidence/{id}`` by those who may submit or verify their subject (audited).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from rpkd import locale
from rpkd.errors import Forbidden, InvalidInput, NotFound, UsageError
from rpkd.locale import Lang
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows import form_values
from rpkd.workflows.jobs import Upload
from rpkd.workflows.realisation_work import (
    MAX_FILES,
    RealisationDesk,
    evidence_limits,
    realisation_desk,
    realisation_evidence_file,
    submit_realisation,
)
from rpkd.workflows.realisations import reject_realisation, verify_realisation
from rpkd.workflows.workspace import Workspace

router = APIRouter(include_in_schema=False)

NUMBERS = ("value", "budget_spent", "beneficiaries")


def number(
    form: FormData, name: str, lang: Lang, *, labels: str = "web.realisasi.", whole: bool = False
) -> float | None:
    """Return a number field of a form, None when empty, read by the one rule of typed numbers
    (:func:`rpkd.workflows.form_values.number`: ``1.234.567``, ``1.234,5`` and what a browser's
    number input sends; ``inf``, ``nan`` and fractions where ``whole`` refused)."""
    field = locale.label(f"{labels}{name}", lang)
    return form_values.number(str(form.get(name) or ""), param=name, field=field, whole=whole)


def period(value: str | None) -> int | None:
    """Return a year or quarter of a query (None when absent or not a number)."""
    return int(value) if value and value.isdigit() else None


def _desk(ws: Workspace, year: int | None, quarter: int | None) -> RealisationDesk | None:
    try:
        return realisation_desk(ws, year, quarter)
    except NotFound as missing:
        if missing.code != "plan_none":
            raise
        return None


def _context(
    ws: Workspace, desk: RealisationDesk | None, errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None, saved: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    rules = evidence_limits(ws)
    return {
        "desk": desk,
        "errors": errors or {},
        "form": form or {},
        "saved": saved,
        "evidence_hint": {
            "count": MAX_FILES,
            "limit": rules.max_bytes >> 20,
            "kinds": ", ".join(rules.kinds),
        },
        "accept": ",".join(f".{k}" for k in rules.kinds),
    }


def _here(desk: RealisationDesk | None, year: int | None, quarter: int | None) -> str:
    if desk is not None:
        return f"/realisations?year={desk.year}&quarter={desk.quarter}"
    if year and quarter:
        return f"/realisations?year={year}&quarter={quarter}"
    return "/realisations"


@router.get("/realisations")
def realisations_page(
    request: Request,
    ws: RequestWorkspace,
    year: str | None = None,
    quarter: str | None = None,
    saved: str | None = None,
) -> Response:
    """The quarter's desk of the signed-in user."""
    desk = _desk(ws, period(year), period(quarter))
    return pages.render(request, "realisasi/index.html", _context(ws, desk, saved=saved))


async def _refused(
    request: Request, ws: Workspace, error: Exception, lang: Lang, values: dict[str, str]
) -> Response:
    assert isinstance(error, InvalidInput | UsageError | Forbidden)
    year, quarter = period(values.get("year")), period(values.get("quarter"))
    try:
        desk = await run_in_threadpool(_desk, ws, year, quarter)
    except InvalidInput:
        desk = await run_in_threadpool(_desk, ws, None, None)
    errors = {error.param or "form": error.message(lang)}
    context = await run_in_threadpool(_context, ws, desk, errors, values)
    status = 403 if isinstance(error, Forbidden) else 422
    return pages.render(request, "realisasi/index.html", context, status_code=status)


@router.post("/realisations")
async def realisation_submit(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Submit a new version of a realisation with its evidence files; back to the quarter
    (a body over the evidence limit was refused as it arrived: :mod:`rpkd.web.limits`)."""
    data = await request.form(max_files=MAX_FILES + 1, max_fields=20)
    values = {k: str(v) for k, v in data.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        kind, _, code = values.get("subject", "").partition(":")
        if kind not in ("activity", "indicator") or not code:
            raise InvalidInput("web_realisasi_subject_missing", param="subject")
        year, quarter = period(values.get("year")), period(values.get("quarter"))
        if year is None or quarter is None:
            raise InvalidInput("quarter_invalid", param="quarter", quarter=values.get("quarter"))
        amounts = {n: number(data, n, lang, whole=n == "beneficiaries") for n in NUMBERS}
        files = [
            Upload(item.filename or "", item.file)
            for item in data.getlist("evidence")
            if isinstance(item, UploadFile) and item.filename
        ]
        beneficiaries = amounts["beneficiaries"]
        (item,) = (
            await run_in_threadpool(
                lambda: submit_realisation(
                    ws,
                    "activity" if kind == "activity" else "indicator",
                    code,
                    year,
                    quarter,
                    value=amounts["value"],
                    budget_spent=amounts["budget_spent"],
                    beneficiaries=round(beneficiaries) if beneficiaries is not None else None,
                    note=values.get("note", ""),
                    files=files,
                )
            )
        ).items
    except (InvalidInput, UsageError, Forbidden) as error:
        return await _refused(request, ws, error, lang, values)
    finally:
        await data.close()
    target = f"/realisations?year={item.year}&quarter={item.quarter}&saved=v{item.version}"
    return RedirectResponse(target, status_code=303)


def _back(request: Request, realisation_id: int, kind: str) -> RedirectResponse:
    back = pages.safe_next(request.query_params.get("next"), "/realisations")
    joiner = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{joiner}saved={kind}{realisation_id}", status_code=303)


@router.post("/realisations/{realisation_id}/verify")
def realisation_verify(request: Request, ws: RequestWorkspace, realisation_id: int) -> Response:
    """Verify a submitted version (secretariat; never one's own)."""
    verify_realisation(ws, realisation_id)
    return _back(request, realisation_id, "ok")


@router.post("/realisations/{realisation_id}/return")
async def realisation_return(
    request: Request, ws: RequestWorkspace, lang: Language, realisation_id: int
) -> Response:
    """Return a submitted version to its reporter with a reason."""
    data = await request.form(max_files=0, max_fields=5)
    reason = str(data.get("reason") or "").strip()
    try:
        await run_in_threadpool(reject_realisation, ws, realisation_id, reason)
    except (InvalidInput, UsageError, Forbidden) as error:
        if isinstance(error, Forbidden) and error.code != "four_eyes":
            raise
        back = pages.safe_next(request.query_params.get("next"), "/realisations")
        query = dict(p.split("=", 1) for p in back.partition("?")[2].split("&") if "=" in p)
        return await _refused(request, ws, error, lang, query)
    return _back(request, realisation_id, "back")


@router.get("/realisations/evidence/{evidence_id}")
def realisation_evidence(ws: RequestWorkspace, evidence_id: int) -> Response:
    """Download an evidence file (those who may submit or verify its subject; audited)."""
    found = realisation_evidence_file(ws, evidence_id)
    return FileResponse(
        found.path,
        media_type=found.media_type,
        filename=found.filename,
        content_disposition_type="attachment",
    )
