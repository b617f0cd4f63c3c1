"""``rpkd realisation add|import|verify|reject|list``: quarterly realisations and their review."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from rpkd.access import users
from rpkd.access.roles import require
from rpkd.cli import common
from rpkd.cli.access import AsOpt
from rpkd.cli.plan import PlanOpt, emit_findings, localised, open_workspace
from rpkd.errors import InvalidInput, RpkdError, UsageError
from rpkd.planning import realisations
from rpkd.planning.model import Finding
from rpkd.planning.performance import Estimate
from rpkd.planning.realisation_file import read_realisations
from rpkd.planning.store import PlanRejected, load_plan
from rpkd.store import session

realisation_app = typer.Typer(
    help="Realisasi triwulanan: isi, impor, verifikasi.", no_args_is_help=True
)

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


def _realisation_rows(items: list[dict[str, Any]], fmt: common.Format) -> list[dict[str, Any]]:
    return items if fmt != "table" else [{k: i[k] for k in REALISATION_TABLE} for i in items]


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
    settings, engine = open_workspace(workspace, lang)
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
        headers=localised(settings.lang, REALISATION_HEADERS),
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
    settings, engine = open_workspace(workspace, lang)
    if not file.is_file():
        raise InvalidInput("file_missing", f"{file} tidak ada", param="file")
    rows, found = read_realisations(file)
    added: list[dict[str, Any]] = []
    problems = list(found)
    try:
        with session(engine) as db:
            name, grants = users.acting(db, actor)
            stored = load_plan(db, plan_name) if not problems else None
            for row in rows if not problems else ():
                try:
                    with db.begin_nested():
                        item = realisations.submit(
                            db,
                            row.kind,
                            row.code,
                            row.year,
                            row.quarter,
                            user=name,
                            grants=grants,
                            value=row.value,
                            estimate=row.estimate,
                            budget_spent=row.budget_spent,
                            beneficiaries=row.beneficiaries,
                            evidence=row.evidence,
                            plan=stored,
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
        emit_findings(exc.findings, out, settings.lang, findings_report)
        raise InvalidInput(
            "realisations_invalid",
            f"{file.name}: {len(exc.findings)} temuan; tidak ada yang diimpor",
            param="file",
        ) from exc
    engine.dispose()
    common.emit(
        _realisation_rows(added, out), out, headers=localised(settings.lang, REALISATION_HEADERS)
    )


def _review(
    realisation_id: int,
    decision: Literal["verified", "rejected"],
    reason: str | None,
    actor: str | None,
    workspace: Path | None,
    fmt: str,
    lang: str | None,
) -> None:
    out = common.output_format(fmt)
    settings, engine = open_workspace(workspace, lang)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        item = realisations.review(
            db,
            realisation_id,
            decision,
            user=name,
            grants=grants,
            reason=reason,
        )
    engine.dispose()
    common.emit(
        _realisation_rows([asdict(item)], out),
        out,
        headers=localised(settings.lang, REALISATION_HEADERS),
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
    settings, engine = open_workspace(workspace, lang)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "monitor.read", user=name)
        items = realisations.history(db, plan_name)
    engine.dispose()
    common.emit(
        _realisation_rows([asdict(i) for i in items], out),
        out,
        headers=localised(settings.lang, REALISATION_HEADERS),
    )
