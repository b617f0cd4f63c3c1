"""The RPKD matrices in XLSX, as the documents lay them out, and back.

Sheets (Indonesian headers, two header rows with merged group cells as in RPKD/Renstra
matrices: "Data capaian pada tahun awal", "Target" per year, "Unit kerja penanggung jawab",
"Lokasi"):

- ``Rencana``: name, region, period, zero-extreme-poverty target year (key/value rows);
- ``Referensi``: pillars, strategies, OPD and partners (kind, code, name, note);
- ``Matriks Program``: strategy → programme → activity → output indicators → OPD → location →
  indicative budget by year, one row per activity and funding source;
- ``Matriks Indikator``: indicator, level, unit, polarity, source, baseline, target per year,
  final condition;
- ``Komitmen Mitra``: partner commitments.

:mod:`rpkd.planning.matrix_import` reads them back; columns that are derived (names beside
codes, the output-indicator list, the final condition) are written for the reader and ignored
on import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from rpkd.planning.model import (
    FUNDING_SOURCES,
    Activity,
    Plan,
)

PLAN_SHEET, REFERENCE_SHEET = "Rencana", "Referensi"
PROGRAMME_SHEET, INDICATOR_SHEET, COMMITMENT_SHEET = (
    "Matriks Program",
    "Matriks Indikator",
    "Komitmen Mitra",
)

SOURCE_LABELS = {
    "apbd": "APBD",
    "apbn_dak": "APBN/DAK",
    "dana_desa": "Dana Desa",
    "csr": "CSR",
    "baznas": "Baznas",
    "other": "Lainnya",
}
PARTNER_LABELS = {
    "csr": "CSR",
    "university": "Perguruan Tinggi",
    "religious": "Lembaga Keagamaan",
    "baznas": "Baznas",
    "community": "Komunitas",
    "other": "Lainnya",
}
POLARITY_LABELS = {"higher": "Semakin tinggi semakin baik", "lower": "Semakin rendah semakin baik"}
LEVEL_LABELS = {"outcome": "Outcome", "output": "Output"}
KIND_LABELS = {"pillar": "Pilar", "strategy": "Strategi", "agency": "OPD", "partner": "Mitra"}
PLAN_KEYS = {
    "name": "Nama Rencana",
    "region": "Kode Wilayah",
    "start_year": "Tahun Awal",
    "end_year": "Tahun Akhir",
    "extreme_poverty_target_year": "Tahun Target Nol Kemiskinan Ekstrem",
    "extreme_poverty_indicator": "Kode Indikator Kemiskinan Ekstrem",
    "description": "Uraian",
}
BUDGET_GROUP, TARGET_GROUP, BASELINE_GROUP = "Anggaran Indikatif (Rp)", "Target", "Kondisi Awal"

# (group header, sub header) of each fixed column; sub None means the group spans two rows.
PROGRAMME_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("No", None),
    ("Strategi", "Kode"),
    ("Strategi", "Uraian"),
    ("Pilar", None),
    ("Program", "Kode"),
    ("Program", "Nama"),
    ("Kegiatan", "Kode"),
    ("Kegiatan", "Nama"),
    ("Indikator Keluaran", None),
    ("OPD Penanggung Jawab", None),
    ("Mitra", None),
    ("Lokasi Fokus", "Kecamatan/Desa"),
    ("Lokasi Fokus", "Rilis By Name"),
    ("Lokasi Fokus", "Filter Sasaran"),
    ("Kelompok Sasaran", None),
    ("Sumber Dana", None),
)
INDICATOR_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("No", None),
    ("Kode", None),
    ("Indikator", None),
    ("Tingkat", None),
    ("Program", None),
    ("Kegiatan", None),
    ("Satuan", None),
    ("Polaritas", None),
    ("Sumber Data", None),
    (BASELINE_GROUP, "Tahun"),
    (BASELINE_GROUP, "Nilai"),
)


def _header(
    sheet: Any, columns: list[tuple[str, str | None]], title: str, fmt: dict[str, Any]
) -> None:
    width = len(columns)
    sheet.merge_range(0, 0, 0, width - 1, title, fmt["title"])
    start = 0
    while start < width:
        group, sub = columns[start]
        end = start
        while (
            sub is not None
            and end + 1 < width
            and columns[end + 1][0] == group
            and columns[end + 1][1] is not None
        ):
            end += 1
        if sub is None:
            sheet.merge_range(1, start, 2, start, group, fmt["head"])
        else:
            if end > start:
                sheet.merge_range(1, start, 1, end, group, fmt["head"])
            else:
                sheet.write(1, start, group, fmt["head"])
            for col in range(start, end + 1):
                sheet.write(2, col, columns[col][1], fmt["head"])
        start = end + 1
    sheet.freeze_panes(3, 0)


def write_plan_xlsx(plan: Plan, path: Path) -> None:
    """Write the plan's matrices to an XLSX workbook at ``path``."""
    book = xlsxwriter.Workbook(str(path))
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 12}),
        "head": book.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "border": 1,
                "bg_color": "#DDEBF7",
            }
        ),
        "money": book.add_format({"num_format": "#,##0"}),
    }
    try:
        _write_plan_sheet(book.add_worksheet(PLAN_SHEET), plan, fmt)
        _write_reference(book.add_worksheet(REFERENCE_SHEET), plan, fmt)
        _write_programmes(book.add_worksheet(PROGRAMME_SHEET), plan, fmt)
        _write_indicators(book.add_worksheet(INDICATOR_SHEET), plan, fmt)
        _write_commitments(book.add_worksheet(COMMITMENT_SHEET), plan, fmt)
    finally:
        book.close()


def _write_plan_sheet(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    sheet.write(0, 0, "RENCANA PENANGGULANGAN KEMISKINAN DAERAH", fmt["title"])
    sheet.write_row(1, 0, ["Butir", "Nilai"], fmt["head"])
    for row, (key, label) in enumerate(PLAN_KEYS.items(), start=2):
        sheet.write(row, 0, label)
        value = getattr(plan, key)
        sheet.write(row, 1, "" if value is None else value)
    sheet.set_column(0, 0, 38)
    sheet.set_column(1, 1, 60)


def _write_reference(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    sheet.write(0, 0, "REFERENSI: PILAR, STRATEGI, OPD, MITRA", fmt["title"])
    sheet.write_row(1, 0, ["Jenis", "Kode", "Nama", "Keterangan"], fmt["head"])
    rows: list[list[str]] = (
        [[KIND_LABELS["pillar"], p.code, p.name, ""] for p in plan.pillars]
        + [
            [KIND_LABELS["strategy"], s.code, s.name, "Nasional" if s.national else "Lokal"]
            for s in plan.strategies
        ]
        + [[KIND_LABELS["agency"], a.code, a.name, ""] for a in plan.agencies]
        + [[KIND_LABELS["partner"], p.code, p.name, PARTNER_LABELS[p.kind]] for p in plan.partners]
    )
    for index, values in enumerate(rows, start=2):
        sheet.write_row(index, 0, values)
    sheet.set_column(2, 2, 70)


def _write_programmes(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    columns = [*PROGRAMME_COLUMNS, *((BUDGET_GROUP, str(y)) for y in plan.years)]
    _header(sheet, columns, f"MATRIKS PROGRAM DAN KEGIATAN {plan.name.upper()}", fmt)
    strategies = {s.code: s.name for s in plan.strategies}
    row, number = 3, 0
    for programme in plan.programmes:
        lines: list[tuple[Activity | None, str | None]] = []
        members: tuple[Activity | None, ...] = programme.activities or (None,)
        for activity in members:
            sources = (
                sorted({b.source for b in activity.budgets}, key=FUNDING_SOURCES.index)
                if activity
                else []
            )
            lines += [(activity, s) for s in sources] or [(activity, None)]
        for activity, source in lines:
            number += 1
            outputs = ", ".join(
                i.code for i in plan.indicators if activity and i.activity == activity.code
            )
            values: list[Any] = [
                number,
                programme.strategy,
                strategies.get(programme.strategy, ""),
                programme.pillar or "",
                programme.code,
                programme.name,
                activity.code if activity else "",
                activity.name if activity else "",
                outputs,
                activity.agency if activity else programme.agency,
                ", ".join(activity.partners) if activity else "",
                ", ".join(activity.regions) if activity else "",
                (activity.release or "") if activity else "",
                (activity.release_filter or "") if activity else "",
                activity.target_group if activity else "",
                SOURCE_LABELS[source] if source else "",
            ]
            sheet.write_row(row, 0, values)
            if activity and source:
                for offset, year in enumerate(plan.years):
                    amount = sum(
                        b.amount for b in activity.budgets if b.year == year and b.source == source
                    )
                    if any(b.year == year and b.source == source for b in activity.budgets):
                        sheet.write_number(
                            row, len(PROGRAMME_COLUMNS) + offset, amount, fmt["money"]
                        )
            row += 1
    sheet.set_column(5, 7, 36)


def _write_indicators(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    columns = [
        *INDICATOR_COLUMNS,
        *((TARGET_GROUP, str(y)) for y in plan.years),
        ("Kondisi Akhir", None),
    ]
    _header(sheet, columns, f"MATRIKS INDIKATOR {plan.name.upper()}", fmt)
    for index, indicator in enumerate(plan.indicators, start=1):
        values: list[Any] = [
            index,
            indicator.code,
            indicator.name,
            LEVEL_LABELS[indicator.level],
            indicator.programme or "",
            indicator.activity or "",
            indicator.unit,
            POLARITY_LABELS[indicator.polarity],
            indicator.source,
            "" if indicator.baseline_year is None else indicator.baseline_year,
            "" if indicator.baseline_value is None else indicator.baseline_value,
            *("" if indicator.target(y) is None else indicator.target(y) for y in plan.years),
            "" if indicator.target(plan.end_year) is None else indicator.target(plan.end_year),
        ]
        sheet.write_row(index + 2, 0, values)
    sheet.set_column(2, 2, 45)
    sheet.set_column(8, 8, 40)


def _write_commitments(sheet: Any, plan: Plan, fmt: dict[str, Any]) -> None:
    sheet.write(0, 0, "KOMITMEN MITRA", fmt["title"])
    sheet.write_row(1, 0, ["Mitra", "Kegiatan", "Tahun", "Uraian", "Nilai (Rp)"], fmt["head"])
    for index, c in enumerate(plan.commitments, start=2):
        sheet.write_row(
            index,
            0,
            [
                c.partner,
                c.activity or "",
                c.year,
                c.description,
                "" if c.amount is None else c.amount,
            ],
        )
