"""``rpkd realisation add|import|verify|reject|list``: quarterly realisations and their review.

Also the options and rendering the planning commands share (``--plan``, findings reports,
tables labelled from the ``plan.*`` catalogue labels); :mod:`rpkd.cli.plan` imports them from
here, never the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpkd import locale
from rpkd.cli import common
from rpkd.errors import InvalidInput, UsageError
from rpkd.locale import Lang

if TYPE_CHECKING:
    import pyarrow as pa

    from rpkd.findings import Finding
    from rpkd.workflows.realisations import Realisations

realisation_app = typer.Typer(
    help="Realisasi triwulanan: isi, impor, verifikasi.", no_args_is_help=True
)

PlanOpt = Annotated[
    str | None, typer.Option("--plan", help="Nama rencana (jika ada lebih dari satu).")
]
FindingsOpt = Annotated[Path | None, typer.Option("--findings", help="Tulis laporan temuan (CSV).")]

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
"""The columns of a realisation shown in a terminal table (JSON and CSV hold every field)."""
AS_WRITTEN = frozenset(
    {"id", "year", "quarter", "version", "extreme_poverty_target_year", "row", "target_year"}
)
"""Columns holding years, quarters and ids: shown as written (2027, not 2.027)."""


def show(
    out: common.Format,
    lang: Lang,
    *,
    data: pa.Table | Sequence[Mapping[str, Any]],
    json_data: Any,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    title: str | None = None,
    cells: Mapping[str, common.Cell] | None = None,
    words: Mapping[str, str] | None = None,
) -> None:
    """Render a result: JSON and CSV as they are; a terminal table of ``columns`` of ``rows``
    headed by the ``plan.<column>`` labels, with coded values of the columns in ``words``
    turned into labels (``words={"light": "plan.light"}`` shows ``plan.light.green``) and
    years, quarters and ids (:data:`AS_WRITTEN`) shown as written, not as quantities."""
    if out != "table":
        common.emit(data, out, lang, json_data=json_data)
        return
    view = _Rows(f"plan.{c}" for c in columns)
    for row in rows:
        shown = {}
        for column in columns:
            value = row.get(column)
            prefix = (words or {}).get(column)
            if prefix is not None and isinstance(value, str):
                value = locale.label(f"{prefix}.{value}", lang)
            elif column in AS_WRITTEN and isinstance(value, int):
                value = str(value)
            shown[f"plan.{column}"] = value
        view.append(shown)
    kinds = {f"plan.{k}": v for k, v in (cells or {}).items()}
    common.emit(view, out, lang, title=title, cells=kinds)


class _Rows(list[dict[str, Any]]):
    """Rows of a terminal table that know their columns, so an empty table keeps its header."""

    def __init__(self, columns: Iterable[str]) -> None:
        super().__init__()
        self.column_names = list(columns)


def emit_findings(findings: Sequence[Finding], out: common.Format, lang: Lang) -> None:
    """Print an import's findings (sheet, row, field, value, rule, message, severity)."""
    from rpkd.reports.plan_matrix import FINDING_COLUMNS, finding_rows

    rows = finding_rows(findings, lang)
    show(
        out,
        lang,
        data=rows,
        json_data=rows,
        rows=rows,
        columns=FINDING_COLUMNS,
        title=locale.label("plan.title.findings", lang),
    )


def _realisations(result: Realisations, out: common.Format, lang: Lang) -> None:
    show(
        out,
        lang,
        data=result.to_arrow(),
        json_data=result.to_json(),
        rows=result.to_arrow().to_pylist(),
        columns=REALISATION_TABLE,
        words={"subject_kind": "plan.kind", "status": "plan.realisation_status"},
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
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Kirim realisasi triwulanan (menunggu verifikasi sekretariat)."""
    out = common.output_format(fmt)
    if (indicator is None) == (activity is None):
        raise UsageError("realisation_subject", param="indicator")
    from rpkd.workflows import realisations as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.add_realisation(
            ws,
            "indicator" if indicator else "activity",
            indicator or activity or "",
            year,
            quarter,
            value=value,
            se=se,
            ci_low=ci_low,
            ci_high=ci_high,
            budget_spent=budget_spent,
            beneficiaries=beneficiaries,
            evidence=evidence,
            plan=plan_name,
        )
    _realisations(result, out, ws.lang)


@realisation_app.command("import")
def realisation_import(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX atau Parquet.")],
    findings_report: FindingsOpt = None,
    plan_name: PlanOpt = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Impor realisasi dari berkas: semua atau tidak sama sekali."""
    out = common.output_format(fmt)
    from rpkd.workflows import realisations as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        try:
            result = wf.import_realisations(
                ws, file, plan=plan_name, findings_report=findings_report
            )
        except InvalidInput as exc:
            if exc.code == "realisations_invalid":
                emit_findings(exc.findings, out, ws.lang)
            raise
    _realisations(result, out, ws.lang)


@realisation_app.command("verify")
def realisation_verify(
    realisation_id: Annotated[int, typer.Argument(metavar="ID", help="ID realisasi.")],
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Verifikasi realisasi (sekretariat TKPKD)."""
    out = common.output_format(fmt)
    from rpkd.workflows import realisations as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.verify_realisation(ws, realisation_id)
    _realisations(result, out, ws.lang)


@realisation_app.command("reject")
def realisation_reject(
    realisation_id: Annotated[int, typer.Argument(metavar="ID", help="ID realisasi.")],
    reason: Annotated[str, typer.Option("--reason", help="Alasan penolakan.")],
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tolak realisasi dengan alasan (sekretariat TKPKD)."""
    out = common.output_format(fmt)
    from rpkd.workflows import realisations as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.reject_realisation(ws, realisation_id, reason)
    _realisations(result, out, ws.lang)


@realisation_app.command("list")
def realisation_list(
    plan_name: PlanOpt = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Riwayat realisasi (semua versi)."""
    out = common.output_format(fmt)
    from rpkd.workflows import realisations as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.list_realisations(ws, plan=plan_name)
    _realisations(result, out, ws.lang)


def register(app: typer.Typer) -> None:
    """Add the ``realisation`` group to the ``rpkd`` command."""
    app.add_typer(realisation_app, name="realisation")
