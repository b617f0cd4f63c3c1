"""``rpkd plan|realisation|monitor|evaluate``: the RPKD, quarterly realisations, performance."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from rpkd.access import audit, users
from rpkd.access.roles import require
from rpkd.cli import common
from rpkd.cli.access import AsOpt
from rpkd.errors import InvalidInput, RpkdError, UsageError
from rpkd.planning import monitoring, realisations
from rpkd.planning.action_plan import action_plan
from rpkd.planning.evaluation import targets_over_time
from rpkd.planning.kit import starter_plan
from rpkd.planning.matrix_xlsx import read_plan_xlsx, write_plan_xlsx
from rpkd.planning.model import Finding
from rpkd.planning.performance import Estimate, band_scheme
from rpkd.planning.realisation_file import read_realisations
from rpkd.planning.store import PlanRejected, load_plan, save_plan
from rpkd.settings import Settings
from rpkd.store import open_database, session

plan_app = typer.Typer(
    help="Rencana Penanggulangan Kemiskinan Daerah (RPKD).", no_args_is_help=True
)
realisation_app = typer.Typer(
    help="Realisasi triwulanan: isi, impor, verifikasi.", no_args_is_help=True
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
REALISATION_HEADERS = {
    "id": "ID",
    "subject_kind": "Jenis",
    "subject_code": "Kode",
    "year": "Tahun",
    "quarter": "Triwulan",
    "version": "Versi",
    "value": "Nilai",
    "se": "SE",
    "ci_low": "SK bawah",
    "ci_high": "SK atas",
    "budget_spent": "Anggaran terealisasi",
    "beneficiaries": "Penerima",
    "evidence": "Bukti",
    "status": "Status",
    "submitted_by": "Pengirim",
    "submitted_at": "Dikirim",
    "reviewed_by": "Pemeriksa",
    "reviewed_at": "Diperiksa",
    "reason": "Alasan",
}
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
REALISATION_TABLE = (
    "id",
    "subject_kind",
    "subject_code",
    "year",
    "quarter",
    "version",
    "value",
    "budget_spent",
    "beneficiaries",
    "status",
    "submitted_by",
    "reviewed_by",
)


def _headers(lang: str, headers: dict[str, str]) -> dict[str, str] | None:
    return headers if lang == "id" else None


def _performance_rows(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Return the compact terminal view: the band and light in the user's language."""
    out = []
    for row in rows:
        view = {k: row[k] for k in PERFORMANCE_TABLE}
        if lang == "en":
            view["band"] = row["band_en"]
        elif row["light"] is not None:
            view["light"] = LIGHTS[row["light"]]
        out.append(view)
    return out


def _realisation_rows(items: list[dict[str, Any]], fmt: common.Format) -> list[dict[str, Any]]:
    return items if fmt != "table" else [{k: i[k] for k in REALISATION_TABLE} for i in items]


def _findings(
    findings: tuple[Finding, ...], fmt: common.Format, lang: str, report: Path | None
) -> None:
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
        headers=_headers(lang, FINDING_HEADERS),
    )


def _open(workspace: Path | None, lang: str | None) -> tuple[Settings, Any]:
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
    settings, engine = _open(workspace, lang)
    plan = starter_plan(kit, target_year=target_year, workspace=settings.workspace)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "plan.edit", user=name)
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
    lang: common.LangOpt = None,
) -> None:
    """Ekspor matriks program dan indikator ke XLSX."""
    if file.suffix.lower() != ".xlsx":
        raise UsageError("format", "berkas ekspor harus .xlsx", param="file")
    settings, engine = _open(workspace, lang)
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
    common.stderr().print(common.say(settings.lang, f"Ditulis: {file}", f"Written: {file}"))


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
    settings, engine = _open(workspace, lang)
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
        _findings(exc.findings, out, settings.lang, findings_report)
        raise InvalidInput(exc.code, f"{file.name}: {exc.message}", param=exc.param) from exc
    finally:
        engine.dispose()
    _findings(found, out, settings.lang, findings_report)


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
    settings, engine = _open(workspace, lang)
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
        headers=_headers(settings.lang, RAT_HEADERS),
    )


@realisation_app.command("add")
def realisation_add(
    year: Annotated[int, typer.Option("--year", help="Tahun.")],
    quarter: Annotated[int, typer.Option("--quarter", help="Triwulan 1-4.")],
    indicator: Annotated[str | None, typer.Option("--indicator", help="Kode indikator.")] = None,
    activity: Annotated[str | None, typer.Option("--activity", help="Kode kegiatan.")] = None,
    value: Annotated[
        float | None, typer.Option("--value", help="Nilai (kumulatif tahun berjalan).")
    ] = None,
    se: Annotated[float | None, typer.Option("--se", help="Galat baku (estimasi).")] = None,
    ci_low: Annotated[
        float | None, typer.Option("--ci-low", help="Batas bawah selang kepercayaan.")
    ] = None,
    ci_high: Annotated[
        float | None, typer.Option("--ci-high", help="Batas atas selang kepercayaan.")
    ] = None,
    budget_spent: Annotated[
        float | None, typer.Option("--budget-spent", help="Anggaran terealisasi (Rp).")
    ] = None,
    beneficiaries: Annotated[
        int | None, typer.Option("--beneficiaries", help="Penerima manfaat terjangkau.")
    ] = None,
    evidence: Annotated[str, typer.Option("--evidence", help="Catatan bukti.")] = "",
    plan_name: PlanOpt = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Kirim realisasi triwulanan (menunggu verifikasi sekretariat)."""
    out = common.output_format(fmt)
    if (indicator is None) == (activity is None):
        raise UsageError(
            "subject", "sebutkan tepat satu: --indicator atau --activity", param="indicator"
        )
    settings, engine = _open(workspace, lang)
    estimate = (
        Estimate(value, se, ci_low, ci_high) if value is not None and se is not None else None
    )
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        item = realisations.submit(
            db,
            "indicator" if indicator else "activity",
            indicator or activity or "",
            year,
            quarter,
            user=name,
            grants=grants,
            value=value,
            estimate=estimate,
            budget_spent=budget_spent,
            beneficiaries=beneficiaries,
            evidence=evidence,
            plan_name=plan_name,
        )
    engine.dispose()
    common.emit(
        _realisation_rows([asdict(item)], out),
        out,
        headers=_headers(settings.lang, REALISATION_HEADERS),
    )


@realisation_app.command("import")
def realisation_import(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX atau Parquet.")],
    findings_report: Annotated[
        Path | None, typer.Option("--findings", help="Tulis laporan temuan (CSV).")
    ] = None,
    plan_name: PlanOpt = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Impor realisasi dari berkas: semua atau tidak sama sekali."""
    out = common.output_format(fmt)
    settings, engine = _open(workspace, lang)
    if not file.is_file():
        raise InvalidInput("file_missing", f"{file} tidak ada", param="file")
    rows, found = read_realisations(file)
    added: list[dict[str, Any]] = []
    problems = list(found)
    try:
        with session(engine) as db:
            name, grants = users.acting(db, actor)
            for row in rows if not problems else ():
                try:
                    with db.begin_nested():
                        item = realisations.submit(
                            db,
                            row.kind,
                            row.code,
                            row.year,
                            row.quarter,
                            user=name,  # type: ignore[arg-type]
                            grants=grants,
                            value=row.value,
                            estimate=row.estimate,
                            budget_spent=row.budget_spent,
                            beneficiaries=row.beneficiaries,
                            evidence=row.evidence,
                            plan_name=plan_name,
                        )
                    added.append(asdict(item))
                except RpkdError as exc:
                    problems.append(
                        Finding(row.row, exc.param or "", row.code, exc.code, exc.message)
                    )
            if problems:
                raise PlanRejected(tuple(problems))
    except PlanRejected as exc:
        engine.dispose()
        _findings(exc.findings, out, settings.lang, findings_report)
        raise InvalidInput(
            "realisations_invalid",
            f"{file.name}: {len(exc.findings)} temuan; tidak ada yang diimpor",
            param="file",
        ) from exc
    engine.dispose()
    common.emit(
        _realisation_rows(added, out), out, headers=_headers(settings.lang, REALISATION_HEADERS)
    )


def _review(
    realisation_id: int,
    decision: str,
    reason: str | None,
    actor: str | None,
    workspace: Path | None,
    fmt: str,
    lang: str | None,
) -> None:
    out = common.output_format(fmt)
    settings, engine = _open(workspace, lang)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        item = realisations.review(
            db,
            realisation_id,
            decision,
            user=name,
            grants=grants,  # type: ignore[arg-type]
            reason=reason,
        )
    engine.dispose()
    common.emit(
        _realisation_rows([asdict(item)], out),
        out,
        headers=_headers(settings.lang, REALISATION_HEADERS),
    )


@realisation_app.command("verify")
def realisation_verify(
    realisation_id: Annotated[int, typer.Argument(metavar="ID", help="ID realisasi.")],
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Verifikasi realisasi (sekretariat TKPKD)."""
    _review(realisation_id, "verified", None, actor, workspace, fmt, lang)


@realisation_app.command("reject")
def realisation_reject(
    realisation_id: Annotated[int, typer.Argument(metavar="ID", help="ID realisasi.")],
    reason: Annotated[str, typer.Option("--reason", help="Alasan penolakan.")],
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tolak realisasi dengan alasan (sekretariat TKPKD)."""
    _review(realisation_id, "rejected", reason, actor, workspace, fmt, lang)


@realisation_app.command("list")
def realisation_list(
    plan_name: PlanOpt = None,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Riwayat realisasi (semua versi)."""
    out = common.output_format(fmt)
    settings, engine = _open(workspace, lang)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "monitor.read", user=name)
        items = realisations.history(db, plan_name)
    engine.dispose()
    common.emit(
        _realisation_rows([asdict(i) for i in items], out),
        out,
        headers=_headers(settings.lang, REALISATION_HEADERS),
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
    settings, engine = _open(workspace, lang)
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
        headers=_headers(settings.lang, PERFORMANCE_HEADERS),
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
    settings, engine = _open(workspace, lang)
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
        result = monitoring.extreme_poverty_path(plan, items, method=method)  # type: ignore[arg-type]
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
        headers=_headers(settings.lang, YEAR_HEADERS),
    )
    if out == "table":
        rows = [{"item": k, "value": v} for k, v in (path or {}).items()]
        if problem:
            rows.append({"item": common.say(settings.lang, "catatan", "note"), "value": problem})
        common.emit(
            rows,
            out,
            title=common.say(
                settings.lang, "Jalur menuju nol kemiskinan ekstrem", "Path to zero extreme poverty"
            ),
            headers=_headers(settings.lang, PATH_HEADERS),
        )


def register(app: typer.Typer) -> None:
    """Add ``plan``, ``realisation``, ``monitor`` and ``evaluate`` (and ``user``, ``audit``)."""
    from rpkd.cli import access

    app.add_typer(plan_app, name="plan")
    app.add_typer(realisation_app, name="realisation")
    app.command("monitor")(monitor)
    app.command("evaluate")(evaluate)
    access.register(app)
