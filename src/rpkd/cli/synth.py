"""``rpkd synth``: write a realistic synthetic district (DESIGN.md §7)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpkd import locale
from rpkd.cli import common

if TYPE_CHECKING:
    from rpkd.workflows.synth import SynthResult

# How each calibrated quantity is read: shares as percent, counts whole.
_CELLS: Mapping[str, common.Cell] = {
    "families": "integer",
    "persons_per_family": "number",
    "urban_share": "percent",
    "headcount": "percent",
    "extreme": "percent",
    "gini": "number",
}


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to ``app``."""

    @app.command("synth")
    def synth(
        region: Annotated[
            str,
            typer.Option(
                "--region",
                help="Kode wilayah Kemendagri (mis. 62.03), atau 00 / ID untuk seluruh Indonesia.",
            ),
        ],
        out: Annotated[Path, typer.Option("--out", help="Folder keluaran.")],
        families: Annotated[
            int | None,
            typer.Option("--families", help="Jumlah keluarga (default: sesuai wilayah)."),
        ] = None,
        seed: Annotated[
            int, typer.Option("--seed", help="Benih acak (hasil sama untuk benih sama).")
        ] = 1,
        file_format: Annotated[str, typer.Option("--format", "-f", help="csv | parquet")] = "csv",
        workspace: common.WorkspaceOpt = None,
        lang: common.LangOpt = None,
    ) -> None:
        """Buat kabupaten sintetis: registri, survei, desa, daftar penerima dan kebenarannya."""
        from rpkd.workflows import synth as wf

        with common.workspace(workspace, lang=lang) as ws, common.progress(ws.lang) as progress:
            result = wf.synthesize_district(
                ws, region, out, families=families, seed=seed, fmt=file_format, progress=progress
            )
        show(result, ws.lang)


def show(result: SynthResult, lang: locale.Lang) -> None:
    """Print what was written (on standard error) and the calibration table (standard output)."""
    common.note(
        locale.message(
            "synth_written",
            lang,
            region=result.region,
            name=result.region_name,
            families=result.families,
            persons=result.persons,
            out=str(result.out),
        )
    )
    rows: list[dict[str, Any]] = [
        {
            "synth.quantity": locale.label(f"synth.{row['name']}", lang),
            "synth.target": common.cell(row["target"], lang, _CELLS.get(row["name"])),
            "synth.achieved": common.cell(row["achieved"], lang, _CELLS.get(row["name"])),
        }
        for row in result.to_arrow().to_pylist()
    ]
    common.emit(rows, "table", lang, title=locale.label("synth.calibration", lang))
