"""*Rilis data*: the releases (list, detail, changes between two), and uploading a new one.

An upload (several CSV/XLSX/Parquet files, or one zip) starts a background import job
(:func:`rpkd.workflows.start_import`); the job's page shows a progress bar that HTMX polls
(without JavaScript the page refreshes itself), then the new release, or the findings that
refused it (file, row, field, value, message in the page's language) with links to the full
report. The body of an upload is read only after the route table admitted the user's role and
:func:`rpkd.workflows.upload_form` admitted the user and the size the request announces.
Release names may be any name ``rpkd release import`` accepts (``new`` too), so the pages of
one release sit under ``/releases/{name}`` and the upload is ``POST /releases``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rpkd import locale
from rpkd.errors import Forbidden, InvalidInput, NotFound, UsageError
from rpkd.locale import Lang
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.comparison import compare_releases
from rpkd.workflows.jobs import (
    ImportJob,
    Upload,
    UploadForm,
    import_job,
    import_job_report,
    list_import_jobs,
    start_import,
    upload_form,
)
from rpkd.workflows.releases import list_releases, show_release
from rpkd.workflows.workspace import Workspace

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("name", "region", "reference_date")
_FIELD_OF = {"reference-date": "reference_date", "source_dir": "files"}
_SLACK = 1 << 20  # multipart headers and the form's small fields, beyond the files' bytes
FAMILIES_SHOWN = 500
"""The diff page lists at most this many changed families (the counts cover all)."""


def _job_url(job: ImportJob) -> str:
    return f"/releases/{job.release}/imports/{job.id}"


def _release_rows(ws: Workspace) -> list[dict[str, Any]]:
    """The list's rows: name, region, reference date, families, persons, warnings, when, who."""
    rows = []
    for release in list_releases(ws).releases:
        manifest = release.manifest
        rows.append(
            {
                "name": release.name,
                "region": release.region,
                "reference_date": release.reference_date,
                "families": manifest["rows"].get("families"),
                "persons": manifest["rows"].get("persons"),
                "warnings": sum(manifest.get("warnings", {}).values()),
                "created_at": _when(manifest.get("created_at")),
                "created_by": manifest.get("created_by"),
            }
        )
    return list(reversed(rows))


def _when(text: object) -> datetime | None:
    """Return a manifest's ``created_at`` (ISO 8601, UTC) as a time, None if missing."""
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _may_upload(ws: Workspace) -> UploadForm | None:
    try:
        return upload_form(ws)
    except Forbidden:
        return None


def _upload_context(
    form: UploadForm,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    job: ImportJob | None = None,
) -> dict[str, Any]:
    return {
        "upload": form,
        "form": values or {"name": "", "region": form.region or "", "reference_date": ""},
        "errors": errors or {},
        "job": job,
        "findings": None,
        "limit_mb": form.max_bytes // (1 << 20),
    }


def _list_context(ws: Workspace, form: UploadForm | None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "releases": _release_rows(ws),
        "jobs": list_import_jobs(ws, limit=10).jobs if form is not None else (),
    }
    context.update(_upload_context(form) if form is not None else {"upload": None})
    return context


@router.get("/releases")
def releases_page(request: Request, ws: RequestWorkspace) -> Response:
    """Every release the user may read, newest first; the upload form and the user's latest
    uploads for those who may import."""
    return pages.render(request, "rilis/index.html", _list_context(ws, _may_upload(ws)))


def _form_errors(error: Exception, lang: Lang) -> dict[str, str]:
    assert isinstance(error, InvalidInput | UsageError | Forbidden)
    if isinstance(error, Forbidden):  # the region chosen is outside the user's grant
        return {"region": error.message(lang)}
    param = _FIELD_OF.get(error.param or "", error.param or "files")
    field = param if param in (*FORM_FIELDS, "files") else "files"
    return {field: error.message(lang)}


async def _upload_answer(
    request: Request,
    ws: Workspace,
    form: UploadForm,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int,
) -> Response:
    """The upload panel again, with the errors by field: HTMX swaps it in place (so 200), a
    plain form post gets the whole page with the error status."""
    if pages.is_htmx(request):
        context = _upload_context(form, values, errors)
        return pages.render(request, "rilis/_upload.html", context)
    context = await run_in_threadpool(_list_context, ws, form)
    context.update(_upload_context(form, values, errors))
    return pages.render(request, "rilis/index.html", context, status_code=status_code)


@router.post("/releases")
async def release_upload(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Start importing uploaded files (or one zip) as a new release in the background.

    The form is read only once the user may import (403 otherwise) and the announced size is
    within ``upload_max_mb`` (413 otherwise): nothing of a refused upload is stored.
    """
    form = await run_in_threadpool(upload_form, ws)
    length = request.headers.get("content-length", "")
    empty = {"name": "", "region": form.region or "", "reference_date": ""}
    if not length.isdigit():
        errors = {"files": InvalidInput("upload_length_required", param="files").message(lang)}
        return await _upload_answer(request, ws, form, empty, errors, 411)
    if int(length) > form.max_bytes + _SLACK:
        too_large = InvalidInput("upload_too_large", param="files", limit=form.max_bytes >> 20)
        return await _upload_answer(
            request, ws, form, empty, {"files": too_large.message(lang)}, 413
        )
    data = await request.form(max_files=1000, max_fields=20)
    try:
        values = {k: str(data.get(k) or "").strip() for k in FORM_FIELDS}
        files = [
            Upload(item.filename or "", item.file)
            for item in data.getlist("files")
            if isinstance(item, UploadFile) and item.filename
        ]
        try:
            job = await run_in_threadpool(
                start_import,
                ws,
                files,
                values["name"],
                region=values["region"] or None,
                reference_date=values["reference_date"] or None,
            )
        except (InvalidInput, UsageError, Forbidden) as error:
            status = 403 if isinstance(error, Forbidden) else 422
            return await _upload_answer(
                request, ws, form, values, _form_errors(error, lang), status
            )
    finally:
        await data.close()
    if not pages.is_htmx(request):
        return RedirectResponse(_job_url(job), status_code=303)
    return pages.render(
        request,
        "rilis/_upload.html",
        _upload_context(form, job=job),
        headers={"HX-Push-Url": _job_url(job)},
    )


@router.get("/releases/{name}")
def release_page(request: Request, ws: RequestWorkspace, lang: Language, name: str) -> Response:
    """One release: facts of its manifest, rows by kind, warnings by rule, source files."""
    details = show_release(ws, name)
    manifest = details.manifest
    others = [r.name for r in list_releases(ws).releases if r.name != name]
    kinds = [
        {**row, "kind": locale.label(f"release.kind.{row['kind']}", lang)}
        for row in details.to_arrow().to_pylist()
    ]
    warnings = details.warnings().to_pylist()  # rule, count: each rule's sentence is shown
    context = {
        "name": name,
        "against": "",
        "details": details,
        "manifest": manifest,
        "others": others,
        "created_at": _when(manifest.get("created_at")),
        "warnings_total": sum(manifest.get("warnings", {}).values()),
        "summary": pages.data_table(
            kinds,
            lang,
            columns=("kind", "rows", "files", "sha256"),
            cells={"rows": "integer"},
            labels="release.",
        ),
        "warnings": pages.data_table(
            [
                {"rule": pages.capitalised(locale.message(r["rule"], lang)), "count": r["count"]}
                for r in warnings
            ],
            lang,
            columns=("rule", "count"),
            cells={"count": "integer"},
            labels="release.",
        ),
        "warning_codes": [r["rule"] for r in warnings],
        "sources": pages.data_table(details.sources(), lang, labels="release."),
    }
    return pages.render(request, "rilis/detail.html", context)


@router.get("/releases/{name}/diff")
def release_diff(
    request: Request, ws: RequestWorkspace, lang: Language, name: str, against: str = ""
) -> Response:
    """What changed from release ``against`` to release ``name``: counts for all readers, the
    changed families for those who may read records (the workflow decides and audits)."""
    others = [r.name for r in list_releases(ws).releases if r.name != name]
    if not against:
        show_release(ws, name)  # 404 or 403 before offering a choice
        context: dict[str, Any] = {
            "name": name,
            "against": "",
            "others": others,
            "comparison": None,
        }
        return pages.render(request, "rilis/diff.html", context)
    comparison = compare_releases(ws, against, name)
    counts = pages.data_table(
        [
            {"change": locale.label(f"release.change.{k}", lang), "families": v}
            for k, v in comparison.counts.items()
        ],
        lang,
        columns=("change", "families"),
        cells={"families": "integer"},
        labels="release.",
    )
    families = pages.data_table(
        comparison.families,
        lang,
        cells={"desil_old": "integer", "desil_new": "integer"},
        labels="web.releases.diff.",
        limit=FAMILIES_SHOWN,
    )
    context = {
        "name": name,
        "against": against,
        "others": others,
        "comparison": comparison,
        "counts": counts,
        "families": families,
    }
    return pages.render(request, "rilis/diff.html", context)


def _job(ws: Workspace, name: str, job_id: str) -> ImportJob:
    job = import_job(ws, job_id)
    if job.release != name:
        raise NotFound("import_job_missing", param="job", job=job_id[:40])
    return job


@router.get("/releases/{name}/imports/{job_id}")
def job_page(
    request: Request, ws: RequestWorkspace, lang: Language, name: str, job_id: str
) -> Response:
    """An import job: its progress (HTMX polls this part), then the release or the findings."""
    job = _job(ws, name, job_id)
    findings = pages.data_table(
        job.finding_rows(lang),
        lang,
        columns=("file", "row", "field", "value", "message"),
        cells={"row": "integer", "value": "text"},
        labels="release.report.",
    )
    context = {"job": job, "findings": findings}
    template = "rilis/_job.html" if pages.is_htmx(request) else "rilis/job.html"
    return pages.render(request, template, context)


@router.get("/releases/{name}/imports/{job_id}/findings.{fmt}")
def job_report(ws: RequestWorkspace, name: str, job_id: str, fmt: str) -> Response:
    """The findings report (CSV or XLSX) of a refused import job."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound("import_report_missing", param="format", job=job_id[:40], format=fmt[:8])
    chosen: Literal["csv", "xlsx"] = "csv" if fmt == "csv" else "xlsx"
    _job(ws, name, job_id)
    report = import_job_report(ws, job_id, chosen)
    return FileResponse(
        report.path,
        media_type=report.media_type,
        filename=f"{name}-findings.{fmt}",
    )
