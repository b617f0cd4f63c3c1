"""``rpkd map``: the poverty map of a release by kecamatan or desa (direct, Fay–Herriot, EBP).

``rpkd map --release R --level kecamatan|desa --measure fgt0|fgt1|fgt2 --method direct|fh|ebp
[--benchmark/--no-benchmark] [--workspace W] [--format table|json|csv] [--lang id|en]
[--out DIR]`` writes the estimates table and the choropleth (SVG, PNG, GeoJSON) and prints the
table; the findings of the estimation, the reliability count and where the files are go to
standard error. Areas with a CV above the kit's threshold (BPS: 25%) are flagged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd.cli import common


def register(app: typer.Typer) -> None:
    """Add the ``map`` command to ``app``."""
    app.command("map")(map_)


def map_(
    release: Annotated[str, typer.Option("--release", help="Nama rilis.")],
    level: Annotated[str, typer.Option("--level", help="kecamatan | desa")] = "kecamatan",
    measure: Annotated[str, typer.Option("--measure", help="fgt0 | fgt1 | fgt2")] = "fgt0",
    method: Annotated[
        str | None,
        typer.Option("--method", help="direct | fh | ebp (default: kit, \\[map] method)."),
    ] = None,
    benchmark: Annotated[
        bool,
        typer.Option(
            "--benchmark/--no-benchmark", help="Sesuaikan (rasio) ke estimasi langsung kabupaten."
        ),
    ] = True,
    line: Annotated[
        float | None, typer.Option("--line", help="Garis kemiskinan (Rp/kapita/bulan).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Benih acak EBP.")] = 1,
    bootstrap: Annotated[
        int | None, typer.Option("--bootstrap", help="Replikasi bootstrap MSE EBP.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder keluaran.")] = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    engine: common.EngineOpt = None,
) -> None:
    """Peta kemiskinan per kecamatan/desa: estimasi langsung, Fay–Herriot atau EBP."""
    output = common.output_format(fmt)
    from rpkd.workflows import sae as wf

    with common.workspace(workspace, lang=lang, engine=engine) as ws:
        result = wf.map_release(
            ws,
            release,
            level=level,
            measure=measure,
            method=method,
            line=line,
            benchmark=benchmark,
            seed=seed,
            bootstrap=bootstrap,
            out=out,
        )
    common.findings(result.findings, ws.lang)
    if output != "table":
        common.emit(result.to_arrow(), output, ws.lang, json_data=result.to_json())
        return
    from rpkd.reports import small_area

    common.emit(
        small_area.map_view(result.map, result.cv_threshold, ws.lang),
        output,
        ws.lang,
        title=small_area.map_title(result.map, ws.lang),
    )
