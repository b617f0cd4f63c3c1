"""*Mitra*: partners' commitments against the plan, their quarterly reports, and the plan's
budget by source.

``GET /partners?year=&quarter=`` shows the commitments the user may report on or review
(:func:`rpkd.workflows.partners.partner_desk`), the form to register a commitment (a partner
user: for its own partner), each commitment's report of the quarter with its history, the
reports waiting for the secretariat, and the plan's budget of the year with every source side
by side (:func:`rpkd.workflows.partners.budget_by_source`, for those who may read the whole
plan). Forms post and come back to the page (303); a refused form comes back with its error.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rpkd.errors import Forbidden, InvalidInput, NotFound, UsageError
from rpkd.locale import Lang
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.web.routes.realisasi import number, period
from rpkd.workflows.jobs import Upload
from rpkd.workflows.partners import (
    BudgetBySource,
    PartnerDesk,
    budget_by_source,
    partner_desk,
    register_commitment,
    report_commitment,
    review_commitment_report,
)
from rpkd.workflows.realisation_work import MAX_FILES, evidence_limits
from rpkd.workflows.workspace import Workspace

router = APIRouter(include_in_schema=False)

MITRA = "web.mitra."
"""The labels of the commitment form's fields."""

FIELDS = ("partner", "programme", "activity", "lokus", "target_group", "description", "amount",
          "start_year", "end_year")  # fmt: skip


def _desk(ws: Workspace, year: int | None, quarter: int | None) -> PartnerDesk | None:
    try:
        return partner_desk(ws, year, quarter)
    except NotFound as missing:
        if missing.code != "plan_none":
            raise
        return None


def _budget(ws: Workspace, year: int) -> BudgetBySource | None:
    try:
        return budget_by_source(ws, year)
    except Forbidden:  # an agency's or a partner's grant does not cover the whole plan
        return None


def _context(
    ws: Workspace, desk: PartnerDesk | None, errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None, saved: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    rules = evidence_limits(ws)
    return {
        "desk": desk,
        "budget": _budget(ws, desk.year) if desk is not None else None,
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


@router.get("/partners")
def partners_page(
    request: Request,
    ws: RequestWorkspace,
    year: str | None = None,
    quarter: str | None = None,
    saved: str | None = None,
) -> Response:
    """The partners' commitments and reports of the quarter, and the budget by source."""
    desk = _desk(ws, period(year), period(quarter))
    return pages.render(request, "mitra/index.html", _context(ws, desk, saved=saved))


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
    return pages.render(request, "mitra/index.html", context, status_code=status)


def _whole(value: float | None) -> int:
    return round(value) if value is not None else 0


@router.post("/partners/commitments")
async def commitment_register(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Register a partner's commitment; back to the page."""
    data = await request.form(max_files=0, max_fields=20)
    values = {k: str(v).strip() for k, v in data.items() if isinstance(v, str)}
    values.pop("csrf_token", None)
    try:
        amount = number(data, "amount", lang, labels=MITRA)
        if amount is None:
            raise InvalidInput("commitment_amount_missing", param="amount")
        lokus = tuple(
            p.strip() for p in values.get("lokus", "").replace(";", ",").split(",") if p.strip()
        )
        await run_in_threadpool(
            lambda: register_commitment(
                ws,
                values.get("partner", ""),
                values.get("programme", ""),
                description=values.get("description", ""),
                amount=amount,
                start_year=_whole(number(data, "start_year", lang, labels=MITRA, whole=True)),
                end_year=_whole(number(data, "end_year", lang, labels=MITRA, whole=True)),
                activity=values.get("activity") or None,
                lokus=lokus,
                target_group=values.get("target_group", ""),
            )
        )
    except (InvalidInput, UsageError, Forbidden) as error:
        return await _refused(request, ws, error, lang, values)
    back = f"/partners?year={values.get('year', '')}&quarter={values.get('quarter', '')}"
    return RedirectResponse(f"{back}&saved=commitment", status_code=303)


@router.post("/partners/commitments/{commitment_id}/reports")
async def commitment_report(
    request: Request, ws: RequestWorkspace, lang: Language, commitment_id: int
) -> Response:
    """Report on a commitment for a quarter, with evidence files; back to the page (a body
    over the evidence limit was refused as it arrived: :mod:`rpkd.web.limits`)."""
    data = await request.form(max_files=MAX_FILES + 1, max_fields=20)
    values = {k: str(v).strip() for k, v in data.items() if isinstance(v, str)}
    values.pop("csrf_token", None)
    try:
        spent = number(data, "budget_spent", lang)
        reached = number(data, "beneficiaries", lang, whole=True)
        files = [
            Upload(item.filename or "", item.file)
            for item in data.getlist("evidence")
            if isinstance(item, UploadFile) and item.filename
        ]
        (item,) = (
            await run_in_threadpool(
                lambda: report_commitment(
                    ws,
                    commitment_id,
                    period(values.get("year")) or 0,
                    period(values.get("quarter")) or 0,
                    budget_spent=spent,
                    beneficiaries=round(reached) if reached is not None else None,
                    note=values.get("note", ""),
                    files=files,
                )
            )
        ).items
    except (InvalidInput, UsageError, Forbidden) as error:
        return await _refused(request, ws, error, lang, values)
    finally:
        await data.close()
    target = f"/partners?year={item.year}&quarter={item.quarter}&saved=report"
    return RedirectResponse(target, status_code=303)


def _back(request: Request, kind: str) -> RedirectResponse:
    back = pages.safe_next(request.query_params.get("next"), "/partners")
    joiner = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{joiner}saved={kind}", status_code=303)


@router.post("/partners/reports/{report_id}/verify")
def report_verify(request: Request, ws: RequestWorkspace, report_id: int) -> Response:
    """Verify a partner's report version (secretariat; never one's own)."""
    review_commitment_report(ws, report_id, "verified")
    return _back(request, "verified")


@router.post("/partners/reports/{report_id}/return")
async def report_return(
    request: Request, ws: RequestWorkspace, lang: Language, report_id: int
) -> Response:
    """Return a partner's report version with a reason."""
    data = await request.form(max_files=0, max_fields=5)
    reason = str(data.get("reason") or "").strip()
    try:
        await run_in_threadpool(
            lambda: review_commitment_report(ws, report_id, "rejected", reason=reason)
        )
    except InvalidInput as error:
        return await _refused(request, ws, error, lang, {})
    return _back(request, "returned")
