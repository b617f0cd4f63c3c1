"""``rpkd report``: the district's documents (DESIGN.md §7).

``rpkd report rpkd|lp2kd|triwulan|rakor --release NAME [--year Y] [--quarter Q]
[--to docx,pdf,xlsx] --out DIR [--workspace W] [--as USER] [--format table|json|csv]
[--lang id|en]`` writes the RPKD (Bab I–VI), the annual implementation report, the quarterly
extreme-poverty report or the rakor pack as DOCX (editable), PDF (LibreOffice, from the same
DOCX) and the XLSX annex matrices into DIR, and prints the files written. No personal data;
small cells suppressed (threshold in the kit's ``documents`` parameters). Notes on parts the
data could not fill go to standard error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd.cli import common


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report)


def report(
    kind: Annotated[
        str, typer.Argument(metavar="rpkd|lp2kd|triwulan|rakor", help="Dokumen yang dibuat.")
    ],
    release: Annotated[str, typer.Option("--release", help="Nama rilis.")],
    out: Annotated[Path, typer.Option("--out", help="Folder keluaran.")],
    year: Annotated[
        int | None, typer.Option("--year", help="Tahun laporan (default: tahun rilis).")
    ] = None,
    quarter: Annotated[
        int | None, typer.Option("--quarter", help="Triwulan 1–4 (default: 4; triwulan berjalan).")
    ] = None,
    to: Annotated[str, typer.Option("--to", help="docx,pdf,xlsx")] = "docx,pdf,xlsx",
    workspace: common.WorkspaceOpt = None,
    actor: common.AsOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    engine: common.EngineOpt = None,
) -> None:
    """Dokumen daerah: RPKD, laporan tahunan, laporan triwulanan, bahan rakor (DOCX, PDF, XLSX)."""
    output = common.output_format(fmt)
    from rpkd.workflows import documents as wf

    with common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws:
        result = wf.make_report(
            ws, kind.strip().lower(), release, year=year, quarter=quarter, to=to.split(","), out=out
        )
    common.findings(result.findings, ws.lang)
    table = result.to_arrow()
    if output == "table":  # headers from the catalogue (doc.format, doc.file, doc.bytes)
        table = table.rename_columns(["doc.format", "doc.file", "doc.bytes"])
    common.emit(
        table,
        output,
        ws.lang,
        title=result.document.cover.title,
        cells={"doc.bytes": "integer"},
        json_data=result.to_json(),
    )
