"""``rpkd link``: link a beneficiary list to a release's persons (DESIGN.md §7).

``rpkd link LIST --release NAME [--workspace W] [--upper P] [--lower P] [--decisions FILE]
[--unmask-review] [--as USER] [--format table|json|csv] [--lang id|en]``. JSON and CSV give
one record per list row (record, person_id, match_probability, method); the table shows counts
only, never names or NIKs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd import locale
from rpkd.cli import common


def register(app: typer.Typer) -> None:
    """Add the ``link`` command to ``app``."""
    app.command("link")(link)


def link(
    list_file: Annotated[
        Path, typer.Argument(metavar="LIST", help="Daftar penerima: CSV, XLSX atau Parquet.")
    ],
    release: Annotated[str, typer.Option("--release", help="Nama rilis registri.")],
    workspace: common.WorkspaceOpt = None,
    upper: Annotated[
        float | None,
        typer.Option("--upper", help="Ambang atas peluang cocok (default linkage.toml: 0.95)."),
    ] = None,
    lower: Annotated[
        float | None,
        typer.Option("--lower", help="Ambang bawah; di antaranya: pemeriksaan (default 0.50)."),
    ] = None,
    decisions: Annotated[
        Path | None,
        typer.Option("--decisions", help="review.csv yang kolom decision-nya sudah diisi."),
    ] = None,
    unmask_review: Annotated[
        bool,
        typer.Option(
            "--unmask-review",
            help="Tulis review.csv tanpa penyamaran data pribadi (perlu izin personal_data.read).",
        ),
    ] = False,
    actor: common.AsOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tautkan daftar penerima program ke individu dalam registri (NIK, lalu probabilistik)."""
    out = common.output_format(fmt)
    from rpkd.workflows import link as wf

    with common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws:
        outcome = wf.link_list(
            ws, list_file, release, upper=upper, lower=lower, decisions=decisions,
            unmask=unmask_review,
        )  # fmt: skip
    common.findings(outcome.findings, ws.lang)
    if out != "table":
        common.emit(outcome.to_arrow(), out, ws.lang, json_data=outcome.to_json())
        return
    counts = outcome.counts()
    rows = [
        {"link.column.result": locale.label(f"link.result.{key}", ws.lang),
         "link.column.rows": counts[key]}
        for key in wf.SUMMARY
    ]  # fmt: skip
    title = locale.message("link_title", ws.lang, rows=counts["rows"], release=outcome.release)
    common.emit(rows, "table", ws.lang, title=title)
    common.note(locale.message("link_written", ws.lang, folder=str(outcome.folder)))
