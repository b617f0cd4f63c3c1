"""``rpkd survey estimate`` and ``rpkd mpi``: design-based poverty, inequality and MPI estimates.

Both print the DESIGN.md §7 estimates table (whole population first, then each domain): in the
terminal as an officer reads it (percent for headcounts, ×100 for P1 and P2, rupiah, region
names), with ``--format json|csv`` in fractions under the contract's keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rpkd import locale
from rpkd.cli import common

if TYPE_CHECKING:
    from rpkd.workflows.estimates import SurveyEstimates

DataArg = Annotated[Path, typer.Argument(help="Data: CSV, XLSX atau Parquet.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", help="Simpan juga ke FILE.xlsx.")]
LonelyOpt = Annotated[str, typer.Option("--lonely-psu", help="fail | adjust | certainty | remove")]


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


def _render(result: SurveyEstimates, fmt: common.Format, lang: locale.Lang) -> None:
    from rpkd.reports.estimates import view

    if fmt == "table":
        title = locale.label(f"estimates.title.{result.kind}", lang)
        common.emit(view(result.to_arrow(), lang), fmt, lang, title=title)
    elif fmt == "json":
        common.emit_json(result.to_json())
    else:
        common.emit(result.to_arrow(), fmt, lang)
    common.findings(result.findings, lang)


def survey_estimate(
    data: DataArg,
    welfare: Annotated[str, typer.Option("--welfare", help="Kolom pengeluaran per kapita.")],
    weight: Annotated[str, typer.Option("--weight", help="Kolom penimbang.")],
    strata: Annotated[str | None, typer.Option("--strata", help="Kolom strata.")] = None,
    psu: Annotated[
        list[str] | None, typer.Option("--psu", help="Kolom PSU per tahap: a,b.")
    ] = None,
    fpc: Annotated[
        list[str] | None, typer.Option("--fpc", help="Kolom fpc per tahap: a,b.")
    ] = None,
    size: Annotated[
        str | None, typer.Option("--size", help="Jumlah ART (estimasi penduduk).")
    ] = None,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="Garis kemiskinan: angka atau kolom.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Kolom domain.")] = None,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", help="fgt0|fgt1|fgt2|mean|gini|qsr")
    ] = None,
    lonely_psu: LonelyOpt = "fail",
    ci: Annotated[
        str | None,
        typer.Option("--ci", help="Selang kepercayaan proporsi: logit (default) | beta | wald."),
    ] = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    output: OutputOpt = None,
    engine_name: common.EngineOpt = None,
    workspace: common.WorkspaceOpt = None,
) -> None:
    """Estimasi kemiskinan (FGT) dan ketimpangan berbasis desain survei, dengan galat baku."""
    out = common.output_format(fmt)
    from rpkd.workflows import estimates as wf

    with common.workspace(workspace, lang=lang, engine=engine_name) as ws:
        result = wf.survey_estimate(
            ws,
            data,
            welfare=welfare,
            weight=weight,
            strata=strata,
            psu=_split(psu),
            fpc=_split(fpc),
            size=size,
            lines=_split(line),
            by=by,
            measures=_split(measure),
            lonely_psu=lonely_psu,
            ci=ci,
            output=output,
        )
    _render(result, out, ws.lang)


def mpi_command(
    data: DataArg,
    indicator: Annotated[
        list[str], typer.Option("--indicator", help="KOLOM=BOBOT (1 = terdeprivasi).")
    ],
    cutoff: Annotated[float, typer.Option("--cutoff", help="Batas k, misalnya 0.3333.")],
    weight: Annotated[str | None, typer.Option("--weight", help="Kolom penimbang.")] = None,
    strata: Annotated[str | None, typer.Option("--strata", help="Kolom strata.")] = None,
    psu: Annotated[str | None, typer.Option("--psu", help="Kolom PSU.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Kolom domain.")] = None,
    lonely_psu: LonelyOpt = "fail",
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    output: OutputOpt = None,
    engine_name: common.EngineOpt = None,
    workspace: common.WorkspaceOpt = None,
) -> None:
    """Kemiskinan multidimensi Alkire-Foster (H, A, M0, kontribusi indikator) dengan galat baku."""
    out = common.output_format(fmt)
    from rpkd.workflows import estimates as wf

    with common.workspace(workspace, lang=lang, engine=engine_name) as ws:
        result = wf.multidimensional_poverty(
            ws,
            data,
            indicators=indicator,
            cutoff=cutoff,
            weight=weight,
            strata=strata,
            psu=psu,
            by=by,
            lonely_psu=lonely_psu,
            output=output,
        )
    _render(result, out, ws.lang)


def register(app: typer.Typer) -> None:
    """Add ``survey estimate`` and ``mpi`` to the app."""
    survey = typer.Typer(
        name="survey", help="Estimasi dari sampel survei (Susenas).", no_args_is_help=True
    )
    survey.command("estimate")(survey_estimate)
    app.add_typer(survey, name="survey")
    app.command("mpi")(mpi_command)
