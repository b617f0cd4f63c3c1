"""``rpkd sae``: small-area estimation commands (DESIGN.md §7).

``rpkd sae fh DATA --area COL --direct COL --variance COL [--covariate COL]...
[--categorical COL]... [--method reml|ml]``: Fay–Herriot EBLUPs with their MSEs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd import locale
from rpkd.cli import common


def register(app: typer.Typer) -> None:
    """Add the ``sae`` command group to ``app``."""
    group = typer.Typer(help="Estimasi area kecil (small-area estimation).", no_args_is_help=True)
    group.command("fh")(fh)
    app.add_typer(group, name="sae")


def fh(
    data: Annotated[
        Path, typer.Argument(help="Berkas CSV, XLSX atau Parquet: satu baris per area.")
    ],
    area: Annotated[str, typer.Option("--area", help="Kolom kode/nama area.")],
    direct: Annotated[
        str, typer.Option("--direct", help="Kolom estimasi langsung (kosong = tidak tersampel).")
    ],
    variance: Annotated[
        str, typer.Option("--variance", help="Kolom varians sampling estimasi langsung.")
    ],
    covariate: Annotated[
        list[str] | None, typer.Option("--covariate", help="Kovariat numerik (boleh berulang).")
    ] = None,
    categorical: Annotated[
        list[str] | None, typer.Option("--categorical", help="Kovariat kategorik (boleh berulang).")
    ] = None,
    method: Annotated[str, typer.Option("--method", help="reml (default) | ml")] = "reml",
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    workspace: common.WorkspaceOpt = None,
) -> None:
    """Fay–Herriot EBLUP per area dengan MSE (Prasad–Rao untuk REML, Datta–Lahiri untuk ML)."""
    out = common.output_format(fmt)
    from rpkd.workflows import estimates as wf

    with common.workspace(workspace, lang=lang) as ws:
        result = wf.fay_herriot_areas(
            ws,
            data,
            area=area,
            direct=direct,
            variance=variance,
            covariates=covariate or (),
            categorical=categorical or (),
            method=method,
        )
    common.findings(result.findings, ws.lang)
    if out != "table":
        common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
        return
    from rpkd.reports import small_area

    common.emit(
        small_area.coefficients_view(result.fit, ws.lang),
        out,
        ws.lang,
        title=locale.label("sae.coefficients", ws.lang),
    )
    common.emit(
        small_area.fay_herriot_view(result.fit, ws.lang),
        out,
        ws.lang,
        title=small_area.fay_herriot_title(result.fit, ws.lang),
    )
