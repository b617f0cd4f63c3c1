"""``rpkd priority``: the priority areas (kantong kemiskinan) of a release, with their certainty.

``rpkd priority --release R [--level kecamatan|desa] [--k N] [--method direct|fh|ebp]
[--draws B] [--seed S] [--benchmark/--no-benchmark] [--map FILE [--map-within KECAMATAN]]
[--workspace W] [--format table|json|csv] [--lang id|en]`` prints, for every estimated area, the probability that it is among the k
poorest by poverty rate and by number of poor, its rank interval, its class (Prioritas 1–3),
its desil 1–2 families and basic-service gaps; findings go to standard error. ``--map`` draws
the classes with place names, north arrow, scale bar, source and date (PNG or SVG).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd.cli import common


def register(app: typer.Typer) -> None:
    """Add the ``priority`` command to ``app``."""
    app.command("priority")(priority)


def priority(
    release: Annotated[str, typer.Option("--release", help="Nama rilis.")],
    level: Annotated[str, typer.Option("--level", help="kecamatan | desa")] = "desa",
    k: Annotated[
        int | None, typer.Option("--k", help="Jumlah area termiskin yang dicari (default: kit).")
    ] = None,
    method: Annotated[
        str | None,
        typer.Option("--method", help="direct | fh | ebp (default: kit, \\[map] method)."),
    ] = None,
    draws: Annotated[
        int | None, typer.Option("--draws", help="Jumlah tarikan acak (default: kit).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Benih acak (EBP dan tarikan).")] = 1,
    benchmark: Annotated[
        bool,
        typer.Option(
            "--benchmark/--no-benchmark", help="Sesuaikan (rasio) ke estimasi langsung kabupaten."
        ),
    ] = False,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="Tulis peta kelas prioritas (.png atau .svg).")
    ] = None,
    map_within: Annotated[
        str | None,
        typer.Option("--map-within", help="Kode kecamatan: peta desa kecamatan ini saja."),
    ] = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    engine: common.EngineOpt = None,
) -> None:
    """Kantong kemiskinan: peluang tiap area termasuk k termiskin, dengan kelas prioritas."""
    output = common.output_format(fmt)
    from rpkd.workflows import priority as wf

    with common.workspace(workspace, lang=lang, engine=engine) as ws:
        result = wf.priority_areas(
            ws,
            release,
            level=level,
            k=k,
            method=method,
            draws=draws,
            seed=seed,
            benchmark=benchmark,
            map_file=map_file,
            map_within=map_within,
        )
    common.findings(result.findings, ws.lang)
    if output != "table":
        common.emit(result.to_arrow(), output, ws.lang, json_data=result.to_json())
        return
    from rpkd.reports import priority as view

    common.emit(
        view.priority_view(result.to_arrow(), ws.lang),
        output,
        ws.lang,
        title=view.priority_title(result.level, result.k, result.method, ws.lang),
    )
