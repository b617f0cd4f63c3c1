"""``rpkd workspace backup DIR`` and ``rpkd workspace restore DIR [--force]`` (admin).

Both call one workflow (:mod:`rpkd.workflows.backups`) and print what was written; see
``docs/operations.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd import locale
from rpkd.cli import common

workspace_app = typer.Typer(help="Cadangan dan pemulihan ruang kerja.", no_args_is_help=True)


def _show(rows: list[dict[str, object]], title: str, fmt: str, lang: locale.Lang) -> None:
    if fmt != "table":
        return
    view = [{f"backup.{k}": v for k, v in row.items()} for row in rows]
    common.emit(view, "table", lang, title=locale.label(title, lang))


@workspace_app.command("backup")
def backup(
    folder: Annotated[Path, typer.Argument(help="Folder cadangan baru (atau kosong).")],
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Cadangkan ruang kerja: rilis, hasil turunan, parameter, unggahan dan basis data."""
    out = common.output_format(fmt)
    from rpkd.workflows import backups as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.backup_workspace(ws, folder)
    if out != "table":
        common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
    _show(result.to_arrow().to_pylist(), "backup.title", out, ws.lang)


@workspace_app.command("restore")
def restore(
    folder: Annotated[Path, typer.Argument(help="Folder cadangan (berisi manifest.json).")],
    force: Annotated[
        bool, typer.Option("--force", help="Timpa ruang kerja yang sudah berisi data.")
    ] = False,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Pulihkan ruang kerja dari cadangan: semua berkas diperiksa dulu, semua atau tidak sama sekali."""
    out = common.output_format(fmt)
    from rpkd.workflows import backups as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.restore_workspace(ws, folder, force=force)
    if out != "table":
        common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
    _show(result.to_arrow().to_pylist(), "restore.title", out, ws.lang)


def register(app: typer.Typer) -> None:
    """Add the ``workspace`` group to the ``rpkd`` command."""
    app.add_typer(workspace_app, name="workspace")
