"""Dokumen: the district's documents (RPKD, annual report, quarterly report, rakor pack) to
download as DOCX, PDF or the XLSX annex (:func:`rpkd.workflows.documents.make_report`).

The page lists the releases the user may read and a form per download; the download makes
the document in a scratch folder and sends the one file asked for. Documents are aggregates:
any role that may read the release's region (``aggregate.read``) may download them, small
cells suppressed; each download writes its own audit row (``document.export``), as the
workflow does for the command line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.documents import FORMATS, KINDS, MEDIA_TYPES, make_report
from rpkd.workflows.releases import list_releases

router = APIRouter(include_in_schema=False)

Kind = Literal["rpkd", "lp2kd", "triwulan", "rakor"]
Format = Literal["docx", "pdf", "xlsx"]


@router.get("/documents")
def documents(request: Request, ws: RequestWorkspace, lang: Language) -> HTMLResponse:
    """The documents the user may download, for each release they may read."""
    releases = sorted(list_releases(ws).releases, key=lambda r: r.reference_date, reverse=True)
    return pages.render(
        request,
        "dokumen/index.html",
        {
            "kinds": KINDS,
            "formats": FORMATS,
            "releases": [
                {"name": r.name, "date": r.reference_date, "region": r.region} for r in releases
            ],
        },
    )


@router.get("/documents/download")
def download(
    ws: RequestWorkspace,
    lang: Language,
    release: Annotated[str, Query(min_length=1)],
    kind: Annotated[Kind, Query()] = "rakor",
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    format: Annotated[Format, Query()] = "pdf",
) -> Response:
    """One file of one document of ``release``."""
    with tempfile.TemporaryDirectory(prefix="rpkd-web-doc-") as scratch:
        made = make_report(
            ws, kind, release, year=year, quarter=quarter, to=(format,), out=Path(scratch)
        )
        path = made.path(format)
        body = path.read_bytes()
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )
