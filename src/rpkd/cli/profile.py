"""``rpkd profile``: the registry poverty profile of a release (DESIGN.md §7, RPKD chapter III).

``rpkd profile --release NAME [--level kabupaten|kecamatan|desa] [--engine duckdb|spark]
[--workspace W] [--public/--no-public] [--format table|json|csv] [--lang id|en] [--output F.xlsx]``

JSON and CSV give the long table (level, code, name, indicator, value, denominator, share,
suppressed), sorted by level, code and indicator, identical on every engine. The table shows
each topic with its indicators named and shares in percent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd import locale
from rpkd.cli import common


def register(app: typer.Typer) -> None:
    """Add the ``profile`` command to ``app``."""
    app.command("profile")(profile)


def profile(
    release: Annotated[str, typer.Option("--release", help="Nama rilis.")],
    level: Annotated[
        str | None, typer.Option("--level", help="kabupaten | kecamatan | desa (default: semua)")
    ] = None,
    engine: common.EngineOpt = None,
    workspace: common.WorkspaceOpt = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public/--no-public", help="Sembunyikan sel kecil (default) untuk publikasi."
        ),
    ] = True,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Tulis juga buku kerja XLSX.")
    ] = None,
) -> None:
    """Profil kemiskinan registri: desil, karakteristik keluarga desil 1–4, kelompok rentan."""
    out = common.output_format(fmt)
    from rpkd.reports import profile_workbook as reading
    from rpkd.workflows import profile as wf

    chosen = common.choice(level, wf.LEVELS, "--level")
    levels = (chosen,) if chosen else wf.LEVELS
    with common.workspace(workspace, lang=lang, engine=engine) as ws:
        report = wf.profile_release(ws, release, levels=levels, public=public, workbook=output)
    common.findings(report.findings, ws.lang)
    if out != "table":
        common.emit(report.to_arrow(), out, ws.lang, json_data=report.to_json())
        return
    for topic in wf.TOPICS:
        title = locale.label(f"profile.sheet.{topic}", ws.lang)
        table = reading.reading_table(report.topic(topic), ws.lang)
        common.emit(table, "table", ws.lang, title=title, cells=reading.READING_CELLS)
