"""``rpkd plan|monitor|evaluate``: the RPKD, its yearly action plan, performance, evaluation.

``register`` also adds ``rpkd realisation`` (:mod:`rpkd.cli.realisation`) and ``rpkd user|audit``
(:mod:`rpkd.cli.access`); both are imported one way, from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from rpkd import locale
from rpkd.cli import access, common, realisation
from rpkd.cli.realisation import FindingsOpt, PlanOpt, emit_findings, show
from rpkd.errors import InvalidInput
from rpkd.locale import Lang

plan_app = typer.Typer(
    help="Rencana Penanggulangan Kemiskinan Daerah (RPKD).", no_args_is_help=True
)

BandsOpt = Annotated[
    str | None,
    typer.Option("--bands", help="Skema pita kinerja: permendagri_86_2017 | lkjip_enam."),
]
ReleasesOpt = Annotated[
    str | None,
    typer.Option(
        "--releases",
        help="Rilis berurutan R1,R2[,…]: dekomposisi perubahan P0 dan perpindahan desil 1-2.",
    ),
]

PERFORMANCE_TABLE = (
    "kind",
    "code",
    "name",
    "agency",
    "target",
    "realisation",
    "achievement",
    "band",
    "light",
    "lagging",
    "status",
)
YEAR_TABLE = ("code", "name", "year", "target", "realisation", "achievement", "band", "light")
CHANGE_TABLE = (
    "from",
    "to",
    "method",
    "initial",
    "final",
    "change",
    "growth",
    "redistribution",
    "residual",
)
DESIL_TABLE = (
    "from",
    "to",
    "moved_out",
    "moved_in",
    "stayed",
    "left_registry",
    "entered_registry",
)
PERCENT: dict[str, common.Cell] = {
    k: "percent" for k in ("initial", "final", "change", "growth", "redistribution", "residual")
}


@plan_app.command("init")
def plan_init(
    kit: Annotated[str, typer.Option("--kit", help="Kit parameter (kapuas).")] = "kapuas",
    target_year: Annotated[
        int | None,
        typer.Option(
            "--target-year", help="Tahun target nol kemiskinan ekstrem (default dari kit)."
        ),
    ] = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Buat rencana awal dari kit (pilar, strategi, program prioritas, indikator)."""
    out = common.output_format(fmt)
    from rpkd.workflows import plan as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.init_plan(ws, kit=kit, target_year=target_year)
    rows = result.to_json()
    show(
        out,
        ws.lang,
        data=result.to_arrow(),
        json_data=rows,
        rows=rows,
        columns=list(rows[0]),
        title=locale.label("plan.title.created", ws.lang),
    )


@plan_app.command("export")
def plan_export(
    file: Annotated[Path, typer.Argument(help="Berkas XLSX tujuan.")],
    plan_name: PlanOpt = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Ekspor matriks program dan indikator ke XLSX."""
    out = common.output_format(fmt)
    from rpkd.workflows import plan as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.export_plan(ws, file, plan=plan_name)
    rows = result.to_json()
    show(
        out,
        ws.lang,
        data=result.to_arrow(),
        json_data=rows,
        rows=rows,
        columns=list(rows[0]),
        title=locale.label("plan.title.exported", ws.lang),
    )


@plan_app.command("import")
def plan_import(
    file: Annotated[Path, typer.Argument(help="Berkas XLSX matriks RPKD.")],
    findings_report: FindingsOpt = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Impor matriks RPKD dari XLSX: semua atau tidak sama sekali."""
    out = common.output_format(fmt)
    from rpkd.workflows import plan as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        try:
            result = wf.import_plan(ws, file, findings_report=findings_report)
        except InvalidInput as exc:
            if exc.code == "matrix_invalid":
                emit_findings(exc.findings, out, ws.lang)
            raise
    emit_findings(result.findings, out, ws.lang)


@plan_app.command("rat")
def plan_rat(
    year: Annotated[int, typer.Option("--year", help="Tahun RAT.")],
    plan_name: PlanOpt = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Rencana Aksi Tahunan (RAT) dari RPKD untuk satu tahun."""
    out = common.output_format(fmt)
    from rpkd.workflows import plan as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.action_plan(ws, year, plan=plan_name)
    table = result.to_arrow()
    money: dict[str, common.Cell] = {
        k: "rupiah"
        for k in ("apbd", "apbn_dak", "dana_desa", "csr", "baznas", "other", "budget_total")
    }
    show(
        out,
        ws.lang,
        data=table,
        json_data=result.to_json(),
        rows=table.to_pylist(),
        columns=table.column_names,
        cells=money,
        title=locale.message("plan_title_rat", ws.lang, year=year),
    )


def monitor(
    year: Annotated[int, typer.Option("--year", help="Tahun.")],
    quarter: Annotated[int, typer.Option("--quarter", help="Triwulan 1-4.")] = 4,
    bands: BandsOpt = None,
    plan_name: PlanOpt = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tabel kinerja triwulanan: target, realisasi, capaian, kategori, lampu, status."""
    out = common.output_format(fmt)
    from rpkd.workflows import monitoring as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.monitor(ws, year, quarter=quarter, bands=bands, plan=plan_name)
    table = result.to_arrow()
    rows = table.to_pylist()
    if ws.lang == "en":
        rows = [{**r, "band": r["band_en"]} for r in rows]
    title = locale.message(
        "plan_title_performance", ws.lang, plan=result.plan, year=year, quarter=quarter
    )
    show(
        out,
        ws.lang,
        data=table,
        json_data=result.to_json(),
        rows=rows,
        columns=PERFORMANCE_TABLE,
        title=title,
        words={"kind": "plan.kind", "light": "plan.light", "status": "plan.status"},
    )
    if out == "table":
        common.note(locale.message("monitor_summary", ws.lang, **result.counts()))


def _path_value(item: str, value: Any, lang: Lang) -> Any:
    """Return a value of the path to zero as the officer reads it (years as years, shares in %)."""
    if item in ("target_year", "last_year"):
        return str(value)
    if item == "year_reaching_target" and value is not None:
        return locale.number(value, lang, 1).replace(".", "") if lang == "id" else f"{value:.1f}"
    if item in ("probability_on_track", "confidence") and value is not None:
        return locale.percent(value, lang, 1)
    return value


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def evaluate(
    method: Annotated[
        str, typer.Option("--method", help="Tren jalur nol: linear | loglinear.")
    ] = "linear",
    bands: BandsOpt = None,
    releases: ReleasesOpt = None,
    plan_name: PlanOpt = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Evaluasi: target vs realisasi per tahun dan jalur menuju nol kemiskinan ekstrem.

    JSON: objek {"targets": [...], "path_to_zero": {...} atau null, "findings": [...],
    "releases", "poverty_change", "desil_transitions"}; CSV: baris target vs realisasi saja.
    """
    out = common.output_format(fmt)
    from rpkd.workflows import monitoring as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.evaluate(
            ws, method=method, bands=bands, plan=plan_name, releases=_split(releases)
        )
    table = result.to_arrow()
    show(
        out,
        ws.lang,
        data=table,
        json_data=result.to_json(ws.lang),
        rows=table.to_pylist(),
        columns=YEAR_TABLE,
        words={"light": "plan.light"},
        title=locale.label("plan.title.targets", ws.lang),
    )
    if out != "table":
        return
    path = [
        {"item": locale.label(f"plan.path.{k}", ws.lang), "value": _path_value(k, v, ws.lang)}
        for k, v in result.path_items().items()
    ]
    change = [r for c in result.poverty_changes for r in c.rows()]
    moved = [c.row() for c in result.desil_changes]
    tables: tuple[tuple[str, list[dict[str, Any]], Sequence[str], bool], ...] = (
        ("plan.title.path", path, ("item", "value"), False),
        ("plan.title.poverty_change", change, CHANGE_TABLE, True),
        ("plan.title.desil", moved, DESIL_TABLE, False),
    )
    for title, rows, columns, shares in tables:
        if rows:
            show(
                out,
                ws.lang,
                data=rows,
                json_data=None,
                rows=rows,
                columns=columns,
                title=locale.label(title, ws.lang),
                cells=PERCENT if shares else None,
                words={"method": "plan.method"},
            )
    for sentence in result.to_json(ws.lang)["findings"]:
        common.note(f"{locale.label('note', ws.lang)}: {sentence}")


def register(app: typer.Typer) -> None:
    """Add ``plan``, ``realisation``, ``monitor`` and ``evaluate`` (and ``user``, ``audit``)."""
    app.add_typer(plan_app, name="plan")
    realisation.register(app)
    app.command("monitor")(monitor)
    app.command("evaluate")(evaluate)
    access.register(app)
