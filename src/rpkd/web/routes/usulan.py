"""Usulan & Sanggahan: a desa's proposals and objections, their review, the correction file.

The desa operator files a sanggahan on a listed family or proposes a missing one (with
evidence files); the kecamatan operator and then the secretariat accept or reject each with a
reason; the secretariat downloads the accepted changes as a correction in the registry's import
format and marks what the next release took up. Every rule and every check is in the workflows
(:mod:`rpkd.workflows.usulan`, :mod:`rpkd.workflows.corrections`); names are masked there.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rpkd import locale
from rpkd.errors import InvalidInput, RpkdError, UsageError
from rpkd.locale import Lang
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.corrections import desa_choices, export_corrections, take_up_release
from rpkd.workflows.jobs import Upload
from rpkd.workflows.releases import list_releases
from rpkd.workflows.usulan import (
    OBJECTIONS,
    Member,
    NewFamily,
    evidence_file,
    list_proposals,
    object_to_family,
    propose_family,
    review_proposal,
    show_proposal,
)
from rpkd.workflows.workspace import Workspace

router = APIRouter(include_in_schema=False)

MEMBER_ROWS = 6
"""Member rows the form to propose a family offers (empty ones are ignored)."""
MAX_FILES = 5
RELATIONS = ("kepala_keluarga", "istri_suami", "anak", "menantu", "cucu", "orang_tua_mertua",
             "famili_lain", "lainnya")  # fmt: skip


def _errors(error: RpkdError, lang: Lang) -> dict[str, str]:
    text = error.message(lang)
    details = [locale.render(f, lang) for f in error.findings[:5]]
    return {error.param or "note": "; ".join([text, *details])}


def _release_names(ws: Workspace) -> list[str]:
    """Return the releases the user may read, the newest import first."""
    rows = sorted(list_releases(ws).rows(), key=lambda r: str(r.get("created_at") or ""))
    return [str(r["name"]) for r in reversed(rows)]


def _list_page(
    request: Request,
    ws: Workspace,
    lang: Lang,
    area: str | None,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    taken: Any = None,
    status_code: int = 200,
) -> Response:
    result = list_proposals(ws, area=area)
    rows = result.rows.to_pylist()
    secretariat = any(g.role in ("admin", "analyst") for g in ws.actor.grants)
    desa = result.area if result.area and result.area.count(".") == 3 else None
    context = {
        "rows": rows,
        "area": result.area,
        "desa": desa,
        "secretariat": secretariat,
        "releases": _release_names(ws) if secretariat else [],
        "notice": notice,
        "errors": errors or {},
        "taken": taken.to_json() if taken is not None else None,
        "taken_releases": (taken.old, taken.new) if taken is not None else None,
    }
    return pages.render(request, "usulan/index.html", context, status_code=status_code)


@router.get("/usulan")
def proposals_page(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    area: str | None = None,
) -> Response:
    """The proposals of an area with their status (a desa operator: its own desa)."""
    return _list_page(request, ws, lang, area)


def _form_page(
    request: Request,
    ws: Workspace,
    desa: str,
    kind: str,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    chosen = "add" if kind == "add" else "object"
    choices = desa_choices(ws, desa) if chosen == "object" else None
    release = choices.release if choices else desa_choices(ws, desa).release
    context = {
        "desa": desa,
        "kind": chosen,
        "release": release,
        "families": choices.families.to_pylist() if choices else [],
        "reasons": OBJECTIONS,
        "relations": RELATIONS,
        "member_rows": MEMBER_ROWS,
        "form": form or {},
        "errors": errors or {},
    }
    return pages.render(request, "usulan/new.html", context, status_code=status_code)


@router.get("/usulan/new")
def proposal_form(
    request: Request, ws: RequestWorkspace, desa: str, kind: str = "object"
) -> Response:
    """The form to object to a listed family (``kind=object``) or propose one (``add``)."""
    return _form_page(request, ws, desa, kind)


def _members(values: dict[str, str]) -> tuple[Member, ...]:
    found = []
    for n in range(MEMBER_ROWS):
        row = {k: values.get(f"m{n}_{k}", "").strip()
               for k in ("name", "nik", "sex", "birth_date", "relation")}  # fmt: skip
        if row["name"]:
            found.append(Member(**row))
    return tuple(found)


@router.post("/usulan")
async def proposal_file(request: Request, ws: RequestWorkspace, lang: Language,
                        desa: str) -> Response:  # fmt: skip
    """File a sanggahan or an usulan with its evidence; field errors re-render the form."""
    data = await request.form(max_files=MAX_FILES, max_fields=80)
    try:
        values = {k: str(v) for k, v in data.items() if isinstance(v, str)}
        files = [Upload(item.filename or "", item.file) for item in data.getlist("evidence")
                 if isinstance(item, UploadFile) and item.filename]  # fmt: skip
        kind = values.get("kind", "object")
        try:
            if kind == "add":
                family = NewFamily(values.get("kk_number", ""), values.get("address", ""),
                                   values.get("urban") == "true", _members(values))  # fmt: skip
                view = await run_in_threadpool(
                    propose_family, ws, values.get("release", ""), desa, family,
                    values.get("note", ""), evidence=files)  # fmt: skip
            else:
                view = await run_in_threadpool(
                    object_to_family, ws, values.get("release", ""), desa,
                    values.get("family_id", ""), values.get("reason", ""),
                    values.get("note", ""), moved_to=values.get("moved_to") or None,
                    duplicate_of=values.get("duplicate_of") or None, evidence=files)  # fmt: skip
        except (InvalidInput, UsageError) as error:
            return await run_in_threadpool(_form_page, request, ws, desa, kind, form=values,
                                           errors=_errors(error, lang), status_code=422)  # fmt: skip
    finally:
        await data.close()
    return RedirectResponse(f"/usulan/{view.proposal.id}?filed=1", status_code=303)


def _detail_page(
    request: Request,
    ws: Workspace,
    proposal_id: int,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = show_proposal(ws, proposal_id)
    context = {
        "p": view.proposal,
        "reviewable": view.reviewable(ws),
        "notice": notice,
        "errors": errors or {},
    }
    return pages.render(request, "usulan/detail.html", context, status_code=status_code)


@router.get("/usulan/{proposal_id}")
def proposal_page(
    request: Request, ws: RequestWorkspace, lang: Language, proposal_id: int, filed: int = 0
) -> Response:
    """One proposal: what it says, its evidence, its history and the review form."""
    notice = locale.message("web_usulan_filed", lang, id=proposal_id) if filed else None
    return _detail_page(request, ws, proposal_id, notice=notice)


@router.post("/usulan/{proposal_id}/review")
async def proposal_review(
    request: Request, ws: RequestWorkspace, lang: Language, proposal_id: int
) -> Response:
    """Accept or reject the proposal at its next step (the workflow checks who may)."""
    data = await request.form(max_fields=10)
    decision, note = str(data.get("decision") or ""), str(data.get("note") or "")
    try:
        await run_in_threadpool(review_proposal, ws, proposal_id, decision, note)
    except (InvalidInput, UsageError) as error:
        if error.code == "usulan_unknown":
            raise
        return await run_in_threadpool(_detail_page, request, ws, proposal_id,
                                       errors=_errors(error, lang), status_code=422)  # fmt: skip
    return RedirectResponse(f"/usulan/{proposal_id}", status_code=303)


@router.get("/usulan/{proposal_id}/evidence/{evidence_id}")
def proposal_evidence(ws: RequestWorkspace, proposal_id: int, evidence_id: int) -> Response:
    """Send one evidence file (audited by the workflow)."""
    sent = evidence_file(ws, proposal_id, evidence_id)
    return FileResponse(sent.path, media_type=sent.media_type, filename=sent.filename)


@router.post("/usulan/corrections")
async def corrections_download(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Write the correction of a release and send it as a zip (families, persons, usulan)."""
    data = await request.form(max_fields=10)
    release = str(data.get("release") or "")
    try:
        written = await run_in_threadpool(export_corrections, ws, release)
    except (InvalidInput, UsageError) as error:
        return await run_in_threadpool(_list_page, request, ws, lang, None,
                                       errors={"release": error.message(lang)},
                                       status_code=422)  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in written.files():
            archive.write(path, path.name)
    name = f"koreksi-{written.release}.zip"
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.post("/usulan/take-up")
async def corrections_take_up(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Mark the proposals of the older release that the newer one took up."""
    data = await request.form(max_fields=10)
    old, new = str(data.get("old") or ""), str(data.get("new") or "")
    try:
        taken = await run_in_threadpool(take_up_release, ws, old, new)
    except (InvalidInput, UsageError) as error:
        return await run_in_threadpool(_list_page, request, ws, lang, None,
                                       errors={"take_up": error.message(lang)},
                                       status_code=422)  # fmt: skip
    notice = locale.message("web_usulan_taken", lang, count=taken.taken_up,
                            total=taken.rows.num_rows, release=taken.new)  # fmt: skip
    return await run_in_threadpool(_list_page, request, ws, lang, None, notice=notice, taken=taken)
