"""``rpkd plan|monitor|evaluate``: the RPKD, its yearly action plan, performance, evaluation.

``register`` also adds ``rpkd realisation`` (:mod:`rpkd.cli.realisation`) and ``rpkd user|audit``
(:mod:`rpkd.cli.access`), so the CLI lists one module for the whole issue.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from rpkd.access import audit, users
from rpkd.access.roles import require
from rpkd.cli import common
from rpkd.cli.access import AsOpt
from rpkd.errors import InvalidInput, RpkdError, UsageError
from rpkd.planning import monitoring, realisations
from rpkd.planning.action_plan import action_plan
from rpkd.planning.evaluation import targets_over_time
from rpkd.planning.kit import starter_plan
from rpkd.planning.matrix_import import read_plan_xlsx
from rpkd.planning.matrix_xlsx import write_plan_xlsx
from rpkd.planning.model import Finding
from rpkd.planning.path_to_zero import TrendMethod
from rpkd.planning.performance import band_scheme
from rpkd.planning.store import PlanRejected, load_plan, plan_names, save_plan
from rpkd.settings import Lang, Settings
from rpkd.store import open_database, session

plan_app = typer.Typer(
    help="Rencana Penanggulangan Kemiskinan Daerah (RPKD).", no_args_is_help=True
)

PlanOpt = Annotated[
    str | None, typer.Option("--plan", help="Nama rencana (jika ada lebih dari satu).")
]
BandsOpt = Annotated[
    str | None,
    typer.Option("--bands", help="Skema pita kinerja: permendagri_86_2017 | lkjip_enam."),
]

FINDING_HEADERS = {
    "sheet": "Lembar",
    "row": "Baris",
    "field": "Kolom",
    "value": "Nilai",
    "rule": "Aturan",
    "message": "Pesan",
    "severity": "Tingkat",
}
PERFORMANCE_HEADERS = {
    "kind": "Jenis",
    "code": "Kode",
    "name": "Uraian",
    "agency": "OPD",
    "unit": "Satuan",
    "polarity": "Polaritas",
    "target": "Target",
    "realisation": "Realisasi",
    "achievement": "Capaian (%)",
    "achievement_low": "Capaian bawah",
    "achievement_high": "Capaian atas",
    "band": "Kategori",
    "band_en": "Category",
    "light": "Lampu",
    "lagging": "Tertinggal",
}
YEAR_HEADERS = {
    "code": "Kode",
    "name": "Indikator",
    "year": "Tahun",
    "target": "Target",
    "realisation": "Realisasi",
    "achievement": "Capaian (%)",
    "band": "Kategori",
    "light": "Lampu",
}
PATH_HEADERS = {"item": "Butir", "value": "Nilai"}
RAT_HEADERS = {
    "year": "Tahun",
    "strategy": "Strategi",
    "pillar": "Pilar",
    "programme_code": "Kode Program",
    "programme": "Program",
    "activity_code": "Kode Kegiatan",
    "activity": "Kegiatan",
    "agency": "OPD",
    "location": "Lokasi",
    "target_group": "Sasaran",
    "partners": "Mitra",
    "apbd": "APBD",
    "apbn_dak": "APBN/DAK",
    "dana_desa": "Dana Desa",
    "csr": "CSR",
    "baznas": "Baznas",
    "other": "Lainnya",
    "budget_total": "Jumlah",
    "output_targets": "Target Keluaran",
}


LIGHTS = {"green": "hijau", "yellow": "kuning", "red": "merah"}
KINDS = {"indicator": "indikator", "activity": "kegiatan"}
PATH_ITEMS = {
    "method": "metode tren",
    "target": "target",
    "target_year": "tahun target",
    "last_year": "tahun pengamatan terakhir",
    "last_value": "nilai terakhir",
    "realised_annual_change": "perubahan tahunan terealisasi",
    "required_annual_change": "perubahan tahunan yang diperlukan",
    "projected": "proyeksi pada tahun target",
    "projected_se": "galat baku proyeksi",
    "projected_low": "batas bawah proyeksi",
    "projected_high": "batas atas proyeksi",
    "year_reaching_target": "tahun tren mencapai target",
    "on_track": "sesuai jalur",
    "probability_on_track": "peluang sesuai jalur",
    "confidence": "tingkat kepercayaan",
}
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
)


def localised(lang: str, headers: dict[str, str]) -> dict[str, str] | None:
    """Return the Indonesian column headers for ``lang`` id (English keys otherwise)."""
    return headers if lang == "id" else None


def _performance_rows(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Return the compact terminal view: the band and light in the user's language."""
    out = []
    for row in rows:
        view = {k: row[k] for k in PERFORMANCE_TABLE}
        if lang == "en":
            view["band"] = row["band_en"]
        else:
            view["kind"] = KINDS[row["kind"]]
            view["lagging"] = "ya" if row["lagging"] else "tidak"
            if row["light"] is not None:
                view["light"] = LIGHTS[row["light"]]
        out.append(view)
    return out


def emit_findings(
    findings: tuple[Finding, ...], fmt: common.Format, lang: Lang, report: Path | None
) -> None:
    """Print the findings (row, field, value, rule, message) and write them to ``report``."""
    rows = [{k: v for k, v in asdict(f).items()} for f in findings]
    if report is not None:
        with report.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(FINDING_HEADERS), lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: r[k] for k in FINDING_HEADERS} for r in rows)
    common.emit(
        [{k: r[k] for k in FINDING_HEADERS} for r in rows],
        fmt,
        title=common.say(lang, "Temuan", "Findings"),
        headers=localised(lang, FINDING_HEADERS),
    )


def open_workspace(workspace: Path | None, lang: str | None) -> tuple[Settings, Engine]:
    """Return the settings and the migrated application database of a workspace."""
    settings = common.settings(workspace, lang=lang)
    return settings, open_database(settings)


@plan_app.command("init")
def plan_init(
    kit: Annotated[str, typer.Option("--kit", help="Kit parameter (kapuas).")] = "kapuas",
    target_year: Annotated[
        int | None,
        typer.Option(
            "--target-year", help="Tahun target nol kemiskinan ekstrem (default dari kit)."
        ),
    ] = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Buat rencana awal dari kit (pilar, strategi, program prioritas, indikator)."""
    out = common.output_format(fmt)
    settings, engine = open_workspace(workspace, lang)
    plan = starter_plan(kit, target_year=target_year, workspace=settings.workspace)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "plan.edit", user=name)
        if plan.name in plan_names(db):
            raise InvalidInput(
                "plan_exists",
                f"rencana {plan.name!r} sudah ada; ubah lewat rpkd plan export/import",
                param="kit",
            )
        save_plan(db, plan)
        audit.record(
            db,
            name,
            "plan.init",
            records=len(plan.indicators),
            parameters={
                "kit": kit,
                "plan": plan.name,
                "target_year": plan.extreme_poverty_target_year,
            },
        )
    engine.dispose()
    common.emit(
        [
            {
                "plan": plan.name,
                "region": plan.region,
                "period": f"{plan.start_year}-{plan.end_year}",
                "extreme_poverty_target_year": plan.extreme_poverty_target_year,
                "indicators": len(plan.indicators),
                "programmes": len(plan.programmes),
                "warnings": len(plan.findings),
            }
        ],
        out,
        title=common.say(settings.lang, "Rencana dibuat", "Plan created"),
    )


@plan_app.command("export")
def plan_export(
    file: Annotated[Path, typer.Argument(help="Berkas XLSX tujuan.")],
    plan_name: PlanOpt = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Ekspor matriks program dan indikator ke XLSX."""
    out = common.output_format(fmt)
    if file.suffix.lower() != ".xlsx":
        raise UsageError("format", "berkas ekspor harus .xlsx", param="file")
    settings, engine = open_workspace(workspace, lang)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "plan.read", user=name)
        plan = load_plan(db, plan_name)
        write_plan_xlsx(plan, file)
        audit.record(
            db,
            name,
            "plan.export",
            records=len(plan.indicators),
            parameters={"plan": plan.name, "file": file.name},
        )
    engine.dispose()
    common.emit(
        [
            {
                "plan": plan.name,
                "file": str(file),
                "programmes": len(plan.programmes),
                "activities": len(plan.activities()),
                "indicators": len(plan.indicators),
            }
        ],
        out,
        title=common.say(settings.lang, "Matriks RPKD diekspor", "RPKD matrices exported"),
    )


@plan_app.command("import")
def plan_import(
    file: Annotated[Path, typer.Argument(help="Berkas XLSX matriks RPKD.")],
    findings_report: Annotated[
        Path | None, typer.Option("--findings", help="Tulis laporan temuan (CSV).")
    ] = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Impor matriks RPKD dari XLSX: semua atau tidak sama sekali."""
    out = common.output_format(fmt)
    settings, engine = open_workspace(workspace, lang)
    if not file.is_file():
        raise InvalidInput("file_missing", f"{file} tidak ada", param="file")
    plan, found = read_plan_xlsx(file)
    try:
        if plan is None:
            raise PlanRejected(tuple(f for f in found if f.severity == "error"))
        with session(engine) as db:
            name, grants = users.acting(db, actor)
            require(grants, "plan.edit", user=name)
            save_plan(db, plan)
            audit.record(
                db,
                name,
                "plan.import",
                records=len(plan.indicators),
                parameters={"plan": plan.name, "file": file.name},
            )
    except PlanRejected as exc:
        emit_findings(exc.findings, out, settings.lang, findings_report)
        raise InvalidInput(exc.code, f"{file.name}: {exc.message}", param=exc.param) from exc
    finally:
        engine.dispose()
    emit_findings(found, out, settings.lang, findings_report)


@plan_app.command("rat")
def plan_rat(
    year: Annotated[int, typer.Option("--year", help="Tahun RAT.")],
    plan_name: PlanOpt = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Rencana Aksi Tahunan (RAT) dari RPKD untuk satu tahun."""
    out = common.output_format(fmt)
    settings, engine = open_workspace(workspace, lang)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "plan.read", user=name)
        plan = load_plan(db, plan_name)
    engine.dispose()
    common.emit(
        action_plan(plan, year).to_arrow(),
        out,
        title=common.say(
            settings.lang, f"Rencana Aksi Tahunan {year}", f"Annual action plan {year}"
        ),
        headers=localised(settings.lang, RAT_HEADERS),
    )


def monitor(
    year: Annotated[int, typer.Option("--year", help="Tahun.")],
    quarter: Annotated[int, typer.Option("--quarter", help="Triwulan 1-4.")] = 4,
    bands: BandsOpt = None,
    plan_name: PlanOpt = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tabel kinerja triwulanan: target, realisasi, capaian, kategori, lampu."""
    out = common.output_format(fmt)
    if quarter not in (1, 2, 3, 4):
        raise UsageError("quarter_invalid", "--quarter harus 1, 2, 3 atau 4", param="quarter")
    settings, engine = open_workspace(workspace, lang)
    scheme = band_scheme(bands, workspace=settings.workspace)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "monitor.read", user=name)
        plan = load_plan(db, plan_name)
        items = realisations.history(db, plan.name)
    engine.dispose()
    table = monitoring.monitor(plan, items, year, quarter, scheme).to_arrow()
    rows = _performance_rows(table.to_pylist(), settings.lang) if out == "table" else table
    common.emit(
        rows,
        out,
        title=common.say(
            settings.lang,
            f"Kinerja {plan.name}, {year} triwulan {quarter}",
            f"Performance {plan.name}, {year} quarter {quarter}",
        ),
        headers=localised(settings.lang, PERFORMANCE_HEADERS),
    )


def evaluate(
    method: Annotated[
        str, typer.Option("--method", help="Tren jalur nol: linear | loglinear.")
    ] = "linear",
    bands: BandsOpt = None,
    plan_name: PlanOpt = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Evaluasi: target vs realisasi per tahun dan jalur menuju nol kemiskinan ekstrem.

    JSON: objek {"targets": [...], "path_to_zero": {...} atau null, "findings": [...]}; CSV:
    baris target vs realisasi saja.
    """
    out = common.output_format(fmt)
    if method not in ("linear", "loglinear"):
        raise UsageError("method", "--method harus linear atau loglinear", param="method")
    trend: TrendMethod = "loglinear" if method == "loglinear" else "linear"
    settings, engine = open_workspace(workspace, lang)
    scheme = band_scheme(bands, workspace=settings.workspace)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "monitor.read", user=name)
        plan = load_plan(db, plan_name)
        items = realisations.history(db, plan.name)
    engine.dispose()
    realised = {
        key: r.value for key, r in monitoring.yearly(plan, items).items() if r.value is not None
    }
    targets = targets_over_time(plan.indicators, realised, plan.years, scheme).to_arrow()
    path: dict[str, Any] | None = None
    problem: str | None = None
    try:
        result = monitoring.extreme_poverty_path(plan, items, method=trend)
        path = {k: v for k, v in vars(result).items() if k != "findings"}
        problem = "; ".join(f.message for f in result.findings) or None
    except RpkdError as exc:
        problem = exc.message
    if out == "json":
        sys.stdout.write(
            json.dumps(
                {
                    "targets": common.records(targets),
                    "path_to_zero": path,
                    "findings": [problem] if problem else [],
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
        return
    common.emit(
        targets,
        out,
        title=common.say(settings.lang, "Target dan realisasi", "Target and realisation"),
        headers=localised(settings.lang, YEAR_HEADERS),
    )
    if out == "table":
        rows = [
            {"item": PATH_ITEMS[k] if settings.lang == "id" else k, "value": v}
            for k, v in (path or {}).items()
        ]
        if problem:
            rows.append({"item": common.say(settings.lang, "catatan", "note"), "value": problem})
        common.emit(
            rows,
            out,
            title=common.say(
                settings.lang, "Jalur menuju nol kemiskinan ekstrem", "Path to zero extreme poverty"
            ),
            headers=localised(settings.lang, PATH_HEADERS),
        )


def register(app: typer.Typer) -> None:
    """Add ``plan``, ``realisation``, ``monitor`` and ``evaluate`` (and ``user``, ``audit``)."""
    from rpkd.cli import access, realisation

    app.add_typer(plan_app, name="plan")
    app.add_typer(realisation.realisation_app, name="realisation")
    app.command("monitor")(monitor)
    app.command("evaluate")(evaluate)
    access.register(app)
