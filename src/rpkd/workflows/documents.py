"""Use case ``rpkd report``: the district's documents from a release and the stored plan.

:func:`make_report` writes the RPKD (Bab I–VI), the annual implementation report (LP2KD), the
quarterly extreme-poverty report (triwulan) or the rakor pack as an editable DOCX, a PDF of the
same DOCX (LibreOffice) and the XLSX annex matrices. It gathers every figure from the other
workflows (:mod:`rpkd.workflows.document_evidence`), builds the document as data
(:func:`rpkd.reports.documents.build`) and renders it.

Documents are aggregates: the acting user needs ``aggregate.read`` on the release's region
(a viewer may make them), no by-name record is read into a document, small counts of families
are suppressed (threshold ``[disclosure].min_families`` of the kit's ``documents``, default
10), and the export is audited (``document.export``: kind, release, period and files).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.access.roles import Scope
from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.workflows import gate
from rpkd.workflows.results import plain

if TYPE_CHECKING:
    from rpkd.reports.documents.model import Document
    from rpkd.workflows.workspace import Workspace

KINDS: tuple[str, ...] = ("rpkd", "lp2kd", "triwulan", "rakor")
"""The documents ``rpkd report`` writes."""
FORMATS: tuple[str, ...] = ("docx", "pdf", "xlsx")
"""The files it may write (``--to``)."""
MEDIA_TYPES: Mapping[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ReportFile:
    """One file written: its format, path and size in bytes."""

    format: str
    path: Path
    bytes: int


@dataclass(frozen=True)
class ReportFiles:
    """The files of one document, the document itself (as data) and what it could not say."""

    kind: str
    release: str
    year: int
    quarter: int
    files: tuple[ReportFile, ...]
    document: Document = field(repr=False)
    findings: tuple[Finding, ...] = ()
    seconds: Mapping[str, float] = field(default_factory=dict)

    def path(self, fmt: str) -> Path:
        """Return the file written in ``fmt``; raise ``KeyError`` if it was not asked for."""
        return next(f.path for f in self.files if f.format == fmt)

    @property
    def suppressed(self) -> int:
        """The number of table cells hidden by disclosure control."""
        return sum(len(t.hidden) for t in self.document.tables())

    def to_arrow(self) -> pa.Table:
        """Return one row per file: ``format``, ``file``, ``bytes``."""
        return pa.table(
            {
                "format": [f.format for f in self.files],
                "file": [str(f.path) for f in self.files],
                "bytes": pa.array([f.bytes for f in self.files], pa.int64()),
            }
        )

    def to_json(self) -> dict[str, Any]:
        """Return the files, the headings, counts of tables, figures and suppressed cells, the
        findings and the seconds each stage took."""
        return dict(
            plain(
                {
                    "kind": self.kind,
                    "release": self.release,
                    "year": self.year,
                    "quarter": self.quarter,
                    "files": [
                        {"format": f.format, "file": str(f.path), "bytes": f.bytes}
                        for f in self.files
                    ],
                    "headings": [text for level, text in self.document.headings() if level == 1],
                    "tables": len(self.document.tables()),
                    "figures": len(self.document.figures()),
                    "suppressed": self.suppressed,
                    "findings": [f.to_json() for f in self.findings],
                    "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                }
            )
        )


def _choices(kind: str, to: Sequence[str], quarter: int | None) -> tuple[str, tuple[str, ...]]:
    if kind not in KINDS:
        raise UsageError("choice_invalid", param="kind", flag="KIND", value=kind, allowed=KINDS)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in to if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(
            "choice_invalid", param="to", flag="--to", value=",".join(to), allowed=FORMATS
        )
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise UsageError("quarter_invalid", param="quarter", quarter=quarter)
    return kind, formats


def file_stem(kind: str, release: str, year: int, quarter: int) -> str:
    """Return the files' name without suffix: ``rpkd-<release>-<year>`` (triwulan: ``-q<q>``).

    Examples
    --------
    >>> file_stem("triwulan", "kapuas-demo", 2025, 3)
    'triwulan-kapuas-demo-2025-q3'
    """
    tail = f"-q{quarter}" if kind == "triwulan" else ""
    return f"{kind}-{release}-{year}{tail}"


def make_report(
    ws: Workspace,
    kind: str,
    release: str,
    *,
    year: int | None = None,
    quarter: int | None = None,
    to: Sequence[str] = FORMATS,
    out: Path,
    today: date | None = None,
) -> ReportFiles:
    """Write document ``kind`` (:data:`KINDS`) of ``release`` to the folder ``out`` in the
    formats ``to`` (:data:`FORMATS`) and return what was written.

    ``year`` defaults to the release's reference year; ``quarter`` to 4 (the triwulan report:
    the current quarter when ``year`` is this year). ``today`` is the date the document says it
    was made (default: today).
    """
    from rpkd.releases.catalog import open_release
    from rpkd.releases.importer import clean_stale, staging_name
    from rpkd.reports import documents
    from rpkd.reports.documents.annex import write_annex
    from rpkd.workflows.document_evidence import gather

    chosen, formats = _choices(kind, to, quarter)
    opened = open_release(ws.path, release)
    scope = Scope(region=opened.region)
    gate.authorise(ws.actor, "aggregate.read", scope)
    made_on = today or date.today()
    chosen_year = year or opened.reference_date.year
    if quarter is None:
        current = chosen == "triwulan" and chosen_year == made_on.year
        quarter = (made_on.month - 1) // 3 + 1 if current else 4
    seconds: dict[str, float] = {}
    started = time.monotonic()
    ev, found = gather(ws, opened, chosen, chosen_year, quarter, made_on, seconds)
    seconds["gather"] = time.monotonic() - started - seconds.get("scenario", 0.0)
    document = documents.build(ev, ws.lang)
    stem = file_stem(chosen, opened.name, chosen_year, quarter)
    # Written into a hidden folder inside ``out`` and each file renamed into place, so that a
    # killed run leaves no half-written file (only a `.tmp-*` folder, removed by the next run).
    staging = out / staging_name(stem)
    staging.mkdir(parents=True)
    clean_stale(out)
    try:
        written = _render(document, staging, stem, formats, seconds)
        if "xlsx" in formats:
            started = time.monotonic()
            written["xlsx"] = write_annex(ev, staging / f"{stem}.xlsx", ws.lang)
            seconds["xlsx"] = time.monotonic() - started
        paths = {f: written[f].replace(out / written[f].name) for f in formats}
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = tuple(ReportFile(f, paths[f], paths[f].stat().st_size) for f in formats)
    gate.audit(
        ws,
        "document.export",
        release=opened.name,
        scopes=(scope,),
        parameters={
            "kind": chosen,
            "year": chosen_year,
            "quarter": quarter,
            "files": [p.name for p in paths.values()],
        },
    )
    return ReportFiles(
        chosen, opened.name, chosen_year, quarter, files, document, tuple(found), seconds
    )


def _render(
    document: Document, out: Path, stem: str, formats: tuple[str, ...], seconds: dict[str, float]
) -> dict[str, Path]:
    """Write the DOCX (and the PDF from it, whose pagination fills the DOCX's contents)."""
    import tempfile

    from rpkd.reports.documents import pdf, word

    paths: dict[str, Path] = {}
    if "docx" not in formats and "pdf" not in formats:
        return paths
    started = time.monotonic()
    images = word.figure_images(document)
    seconds["charts"] = time.monotonic() - started
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rpkd-doc-") as scratch:
        draft = word.write_docx(document, Path(scratch) / f"{stem}.docx", images=images)
        seconds["docx"] = time.monotonic() - started
        pages = None
        if "pdf" in formats:
            started = time.monotonic()
            pdf_path = out / f"{stem}.pdf"
            converted = pdf.convert(draft, pdf_path)
            paths["pdf"] = pdf_path
            seconds["pdf"] = time.monotonic() - started
            pages = _paginated(document, converted.indexes)
        if "docx" in formats:
            started = time.monotonic()
            paths["docx"] = word.write_docx(
                document, out / f"{stem}.docx", pages=pages, images=images
            )
            seconds["docx"] += time.monotonic() - started
    return paths


def _paginated(document: Document, indexes: Any) -> Any:
    """Return the document's contents with the pages LibreOffice gave each entry."""
    from dataclasses import replace

    from rpkd.reports.documents import pdf, word

    entries = word.contents(document)

    def paged(lines: tuple[word.Entry, ...]) -> tuple[word.Entry, ...]:
        pages = pdf.pages_of([e.text for e in lines], indexes)
        return tuple(replace(e, page=p) for e, p in zip(lines, pages, strict=True))

    return word.Contents(paged(entries.headings), paged(entries.tables), paged(entries.figures))
