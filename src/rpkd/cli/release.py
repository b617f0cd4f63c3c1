"""``rpkd release import | list | show | diff`` (DESIGN.md §7): validated, immutable releases.

Each command parses its options, calls one workflow of :mod:`rpkd.workflows.releases` and
renders the result: terminal tables with Indonesian (or ``--lang en``) labels and numbers, JSON
and CSV as the contract says.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpkd import locale
from rpkd.cli import common
from rpkd.locale import Lang

if TYPE_CHECKING:
    import pyarrow as pa


def register(app: typer.Typer) -> None:
    """Add the ``release`` command group to ``app``."""
    group = typer.Typer(help="Rilis data: impor, daftar, rincian, perbedaan.", no_args_is_help=True)
    group.command("import")(import_)
    group.command("list")(list_)
    group.command("show")(show)
    group.command("diff")(diff)
    app.add_typer(group, name="release")


def _labelled(table: pa.Table, lang: Lang, *, short: bool = False) -> list[dict[str, Any]]:
    """Return a result table's rows for the terminal: headers and kinds as labels, short hashes."""

    def shown(column: str, value: Any) -> Any:
        if column in ("kind", "change") and value is not None:
            return locale.label(f"release.{column}.{value}", lang)
        if column == "sha256" and short and value:
            return str(value)[:16] + "…"
        return value

    return [
        {locale.label(f"release.{c}", lang): shown(c, v) for c, v in row.items()}
        for row in table.to_pylist()
    ]


def import_(
    source_dir: Annotated[Path, typer.Argument(help="Folder berkas sumber (CSV, XLSX, Parquet).")],
    name: Annotated[str, typer.Option("--name", help="Nama rilis, mis. dtsen-2025q3.")],
    workspace: common.WorkspaceOpt = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="Berkas pemetaan TOML (judul kolom berbeda).")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Kode kabupaten/kota rilis, mis. 62.03.")
    ] = None,
    reference_date: Annotated[
        str | None,
        typer.Option(
            "--reference-date",
            help="Tanggal acuan data, YYYY-MM-DD (umur, kematian, garis kemiskinan; "
            "default: hari impor).",
        ),
    ] = None,
    lang: common.LangOpt = None,
    fmt: common.FormatOpt = "table",
    engine: common.EngineOpt = None,
    actor: common.AsOpt = None,
    unmask_findings: Annotated[
        bool,
        typer.Option(
            "--unmask-findings",
            help="Tulis nilai data pribadi lengkap di berkas temuan (perlu hak personal_data.read; "
            "dicatat di log audit).",
        ),
    ] = False,
) -> None:
    """Impor folder sumber sebagai rilis baru: semua atau tidak sama sekali."""
    out = common.output_format(fmt)
    from rpkd.workflows import releases as wf

    with (
        common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws,
        common.progress(ws.lang) as progress,
    ):
        result = wf.import_release(
            ws,
            source_dir,
            name,
            mapping=mapping,
            region=region,
            reference_date=reference_date,
            unmask_findings=unmask_findings,
            progress=progress,
        )
    common.findings(result.notes, ws.lang)
    table = result.to_arrow()
    title = f"{locale.label('release.title', ws.lang)} {name}"
    shown = _labelled(table, ws.lang, short=True) if out == "table" else table
    common.emit(shown, out, ws.lang, title=title, json_data=result.to_json())


def list_(
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    actor: common.AsOpt = None,
) -> None:
    """Daftar rilis di ruang kerja."""
    out = common.output_format(fmt)
    from rpkd.workflows import releases as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.list_releases(ws)
    if out == "table" and not result.releases:
        common.note(locale.message("releases_none", ws.lang))
        return
    table = result.to_arrow()
    shown = _labelled(table, ws.lang) if out == "table" else table
    common.emit(
        shown,
        out,
        ws.lang,
        title=locale.label("release.list_title", ws.lang),
        json_data=result.to_json(),
    )


def show(
    name: Annotated[str, typer.Argument(help="Nama rilis.")],
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    actor: common.AsOpt = None,
) -> None:
    """Rincian rilis: jenis data, jumlah baris, peringatan per aturan, hash."""
    out = common.output_format(fmt)
    from rpkd.workflows import releases as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.show_release(ws, name)
    if out != "table":
        common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
        return
    m = result.manifest
    reference = m.get("reference_date") or "–"
    title = (
        f"{name} · {m.get('region')} · {reference} · {m.get('created_at')} · "
        f"{m.get('created_by')} · rpkd {m.get('rpkd_version')}"
    )
    common.emit(_labelled(result.to_arrow(), ws.lang, short=True), out, ws.lang, title=title)
    warnings = result.warnings()
    if warnings.num_rows:
        common.emit(
            _labelled(warnings, ws.lang),
            out,
            ws.lang,
            title=locale.label("release.warnings_title", ws.lang),
        )
    common.emit(
        _labelled(result.sources(), ws.lang),
        out,
        ws.lang,
        title=locale.label("release.sources_title", ws.lang),
    )


def diff(
    name1: Annotated[str, typer.Argument(help="Rilis lama.")],
    name2: Annotated[str, typer.Argument(help="Rilis baru.")],
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    engine: common.EngineOpt = None,
    actor: common.AsOpt = None,
) -> None:
    """Perbedaan keluarga antara dua rilis: bertambah, berkurang, pindah desa, desil berubah.

    ``--format table`` menampilkan jumlahnya; ``csv`` dan ``json`` memberi satu baris per keluarga
    yang berubah.
    """
    out = common.output_format(fmt)
    from rpkd.workflows import releases as wf

    with common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws:
        result = wf.diff_releases(ws, name1, name2)
    if out == "table":
        common.emit(_labelled(result.summary(), ws.lang), out, ws.lang, title=f"{name1} → {name2}")
        return
    common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
