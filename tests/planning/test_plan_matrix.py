"""The RPKD matrices through XLSX: the writer (rpkd.reports.plan_matrix) and the reader
(rpkd.planning.matrix_import) round-trip in both languages; layout; findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from rpkd.locale import Lang
from rpkd.planning.matrix_import import read_plan_matrix
from rpkd.planning.model import Plan
from rpkd.reports.plan_matrix import write_plan_matrix

PROGRAMMES, INDICATORS = "Matriks Program", "Matriks Indikator"


@pytest.mark.parametrize(("written", "read"), [("id", "id"), ("en", "id"), ("id", "en")])
def test_round_trip(tmp_path: Path, plan: Plan, written: Lang, read: Lang) -> None:
    path = write_plan_matrix(plan, tmp_path / "rpkd.xlsx", written)
    again, findings = read_plan_matrix(path, read)
    assert again == plan
    assert {f.code for f in findings} == {"plan_target_missing"}  # targets left to the TKPKD
    assert all(f.severity == "warning" for f in findings)


def test_layout_has_merged_group_headers(tmp_path: Path, plan: Plan) -> None:
    book = load_workbook(write_plan_matrix(plan, tmp_path / "rpkd.xlsx"))
    assert book.sheetnames == ["Rencana", "Referensi", PROGRAMMES, INDICATORS, "Komitmen Mitra"]
    sheet = book[PROGRAMMES]
    assert sheet["A1"].value == f"MATRIKS PROGRAM DAN KEGIATAN {plan.name.upper()}"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    # group header row 3 over the header row 4: Strategi, Program, Kegiatan, Lokasi, budget years
    assert {"B3:C3", "E3:F3", "G3:H3", "L3:N3", "Q3:U3"} <= merged
    assert sheet["A4"].value == "No" and sheet["B4"].value == "Kode"
    assert sheet["Q3"].value == "Anggaran Indikatif (Rp)"
    assert [c.value for c in sheet[4][16:21]] == ["2025", "2026", "2027", "2028", "2029"]
    rtlh = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[6] == "K0501"]
    assert [r[15] for r in rtlh] == ["APBD", "Baznas"]  # one row per funding source
    assert rtlh[0][16:18] == (1.5e9, 1.7e9)
    indicators = book[INDICATORS]
    assert indicators["J3"].value == "Kondisi Awal" and indicators["J4"].value == "Tahun"
    assert indicators["H5"].value == "Semakin rendah semakin baik"  # P0: lower is better


def test_english_workbook(tmp_path: Path, plan: Plan) -> None:
    book = load_workbook(write_plan_matrix(plan, tmp_path / "rpkd.xlsx", "en"))
    assert book.sheetnames[2:4] == ["Programme matrix", "Indicator matrix"]
    assert book["Programme matrix"]["Q3"].value == "Indicative budget (Rp)"
    assert book["Indicator matrix"]["H5"].value == "Lower is better"


def test_bad_rows_give_findings_and_no_plan(tmp_path: Path, plan: Plan) -> None:
    path = write_plan_matrix(plan, tmp_path / "rpkd.xlsx")
    book = load_workbook(path)
    sheet = book[PROGRAMMES]
    rtlh_row = next(r[0].row for r in sheet.iter_rows(min_row=5) if r[6].value == "K0501")
    sheet.cell(rtlh_row, 17).value = "satu miliar"  # budget 2025 not a number
    sheet.cell(rtlh_row, 12).value = "62.03.01, 63.01.01"  # a kecamatan outside Kapuas
    indicators = book[INDICATORS]
    indicators.cell(5, 8).value = "naik"  # unknown polarity
    book.save(path)
    result, findings = read_plan_matrix(path)
    assert result is None
    found = {(f.sheet, f.row, f.field, f.code) for f in findings}
    assert (PROGRAMMES, rtlh_row, "Anggaran Indikatif (Rp)/2025", "matrix_number") in found
    assert (INDICATORS, 5, "Polaritas", "matrix_choice") in found
    choice = next(f for f in findings if f.code == "matrix_choice")
    assert choice.value == "naik" and "Semakin tinggi semakin baik" in choice.params["allowed"]
    sheet.cell(rtlh_row, 17).value = 1.5e9
    indicators.cell(5, 8).value = "lower"  # codes are accepted as well as words
    book.save(path)
    result, findings = read_plan_matrix(path)
    assert result is None
    assert [(f.sheet, f.row, f.code, f.value) for f in findings if f.is_error] == [
        (PROGRAMMES, rtlh_row, "plan_region_scope", "63.01.01")
    ]


def test_a_missing_sheet_is_a_finding(tmp_path: Path, plan: Plan) -> None:
    path = write_plan_matrix(plan, tmp_path / "rpkd.xlsx")
    book = load_workbook(path)
    del book["Referensi"]
    book.save(path)
    result, findings = read_plan_matrix(path, "en")
    assert result is None
    assert [(f.code, f.params["sheet"]) for f in findings] == [
        ("matrix_sheet_missing", "Reference")
    ]
