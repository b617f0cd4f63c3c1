"""``rpkd release import | list | show | diff`` (DESIGN.md §7): validated, immutable releases."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from rpkd import engine as eng
from rpkd.cli import common
from rpkd.errors import InvalidInput
from rpkd.releases import catalog
from rpkd.releases.diff import diff_releases
from rpkd.releases.importer import ImportResult, import_release
from rpkd.settings import Lang
from rpkd.workflows.profile import store_family_summary

_SHOWN = 10


def register(app: typer.Typer) -> None:
    """Add the ``release`` command group to ``app``."""
    group = typer.Typer(help="Rilis data: impor, daftar, rincian, perbedaan.", no_args_is_help=True)
    group.command("import")(import_)
    group.command("list")(list_)
    group.command("show")(show)
    group.command("diff")(diff)
    app.add_typer(group, name="release")


def _first_findings(result: ImportResult, lang: Lang, severity: str) -> list[str]:
    rows = [r for r in result.findings.to_pylist() if r["severity"] == severity][:_SHOWN]
    lines = []
    for r in rows:
        where = f"{r['file']}" + (
            f", {common.say(lang, 'baris', 'row')} {r['row']}" if r["row"] else ""
        )
        field = f", {r['field']}" if r["field"] else ""
        value = f" = {r['value']!r}" if r["value"] is not None else ""
        lines.append(f"  {where}{field}{value}: {r['message']} [{r['rule']}]")
    return lines


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
    lang: common.LangOpt = None,
    fmt: common.FormatOpt = "table",
    engine: common.EngineOpt = None,
    unmask_findings: Annotated[
        bool,
        typer.Option(
            "--unmask-findings", help="Tulis nilai PII lengkap di berkas temuan (petugas data)."
        ),
    ] = False,
) -> None:
    """Impor folder sumber sebagai rilis baru: semua atau tidak sama sekali."""
    out = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang, engine=engine)
    if mapping is not None and not mapping.is_file():
        raise InvalidInput("mapping_missing", f"{mapping} does not exist", param="mapping")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=common.stderr(),
        transient=True,
    ) as bar:
        task = bar.add_task(common.say(settings.lang, "impor", "import"), total=1)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        result = import_release(
            source_dir,
            name,
            settings,
            mapping=mapping,
            region=region,
            progress=progress,
            unmask_findings=unmask_findings,
        )
        unsaved = None
        if result.ok:  # the profile's per-family work, done once here rather than per profile
            bar.update(
                task, description=common.say(settings.lang, "ringkasan keluarga", "family summary")
            )
            try:
                store_family_summary(settings, name)
            except OSError as exc:  # the release stands; the first profile will store it
                unsaved = exc
    lang_ = settings.lang
    err = common.stderr()
    if unsaved is not None:
        err.print(
            common.say(
                lang_,
                f"ringkasan keluarga untuk profil tidak tersimpan ({unsaved.strerror}); "
                "rpkd profile akan membuatnya",
                f"the profile's family summary was not stored ({unsaved.strerror}); "
                "rpkd profile will build it",
            ),
            soft_wrap=True,
        )
    if not result.ok:
        lines = [
            common.say(
                lang_,
                f"Impor dibatalkan: {result.errors} galat, tidak ada rilis yang dibuat.",
                f"Import aborted: {result.errors} errors, no release was created.",
            ),
            common.say(lang_, "Laporan temuan:", "Findings report:"),
            *(f"  {p}" for p in result.report),
            common.say(lang_, "Temuan pertama:", "First findings:"),
            *_first_findings(result, lang_, "error"),
        ]
        common.error(escape("\n".join(lines)))
        raise typer.Exit(1)
    assert result.release is not None
    if result.warnings:
        err.print(
            common.say(
                lang_,
                f"{result.warnings} peringatan disimpan di rilis (rpkd release show {name})",
                f"{result.warnings} warnings kept in the release (rpkd release show {name})",
            ),
            soft_wrap=True,
        )
    common.emit(
        _summary(result.release.manifest, short=out == "table"),
        out,
        title=common.say(lang_, f"rilis {name}", f"release {name}"),
    )


def _summary(manifest: dict[str, Any], *, short: bool = False) -> list[dict[str, Any]]:
    """Return one row per kind; ``short`` abbreviates hashes for the terminal (json has them all)."""
    rows = []
    for kind, n in manifest["rows"].items():
        files = [s for s in manifest["sources"] if s["kind"] == kind]
        rows.append(
            {
                "release": manifest["name"],
                "kind": kind,
                "rows": n,
                "files": ", ".join(s["file"] for s in files),
                "sha256": (digest[:16] + "…")
                if short and (digest := manifest["outputs"].get(f"{kind}.parquet"))
                else manifest["outputs"].get(f"{kind}.parquet"),
            }
        )
    return rows


def list_(
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Daftar rilis di ruang kerja."""
    out = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang)
    rows = [
        {
            "name": r.name,
            "region": r.region,
            "kinds": ",".join(r.kinds),
            **{f"rows_{k}": r.manifest["rows"].get(k) for k in ("families", "persons")},
            "warnings": sum(r.manifest.get("warnings", {}).values()),
            "created_at": r.manifest.get("created_at"),
            "created_by": r.manifest.get("created_by"),
        }
        for r in catalog.list_releases(settings.workspace)
    ]
    if out == "table" and not rows:
        common.stderr().print(common.say(settings.lang, "Belum ada rilis.", "No releases yet."))
        return
    common.emit(rows, out, title=common.say(settings.lang, "Rilis", "Releases"))


def show(
    name: Annotated[str, typer.Argument(help="Nama rilis.")],
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Rincian rilis: jenis data, jumlah baris, peringatan per aturan, hash."""
    out = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang)
    release = catalog.open_release(settings.workspace, name)
    m = release.manifest
    if out == "json":
        sys.stdout.write(json.dumps(m, ensure_ascii=False, indent=2) + "\n")
        return
    common.emit(
        _summary(m, short=out == "table"),
        out,
        title=f"{name} · {m.get('region')} · {m.get('created_at')} · "
        f"{m.get('created_by')} · rpkd {m.get('rpkd_version')}",
    )
    if out == "table":
        warnings = [{"rule": k, "count": v} for k, v in m.get("warnings", {}).items()]
        if warnings:
            common.emit(warnings, out, title=common.say(settings.lang, "Peringatan", "Warnings"))
        sources = [
            {"file": s["file"], "sha256": s["sha256"], "encoding": s["encoding"]}
            for s in m["sources"]
        ]
        common.emit(sources, out, title=common.say(settings.lang, "Berkas sumber", "Source files"))


def diff(
    name1: Annotated[str, typer.Argument(help="Rilis lama.")],
    name2: Annotated[str, typer.Argument(help="Rilis baru.")],
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Perbedaan keluarga antara dua rilis: bertambah, berkurang, pindah desa, desil berubah.

    ``--format table`` shows the counts; ``csv`` and ``json`` give one row per changed family.
    """
    out = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang)
    old = catalog.open_release(settings.workspace, name1)
    new = catalog.open_release(settings.workspace, name2)
    engine = eng.connect(settings)
    try:
        result = diff_releases(engine, old, new)
    finally:
        eng.close(engine)
    if out == "table":
        common.emit(result.summary(), out, title=f"{name1} → {name2}")
        return
    common.emit(result.families, out)
