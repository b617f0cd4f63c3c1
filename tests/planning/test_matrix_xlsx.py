"""The RPKD matrices through XLSX: round trip, layout, findings."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from rpkd.planning.matrix_import import read_plan_xlsx
from rpkd.planning.matrix_xlsx import INDICATOR_SHEET, PROGRAMME_SHEET, write_plan_xlsx
from rpkd.planning.model import Plan


def test_round_trip(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "rpkd.xlsx"
    write_plan_xlsx(plan, path)
    again, findings = read_plan_xlsx(path)
    assert again == plan
    assert all(f.severity == "warning" for f in findings)  # targets the kit leaves to the TKPKD


def test_layout_has_merged_indonesian_headers(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "rpkd.xlsx"
    write_plan_xlsx(plan, path)
    book = load_workbook(path)
    sheet = book[PROGRAMME_SHEET]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A2:A3" in merged  # "No" spans both header rows
    budget = next(c for c in sheet[2] if c.value == "Anggaran Indikatif (Rp)")
    assert [c.value for c in sheet[3][budget.column - 1 : budget.column + 4]] == [
        "2025",
        "2026",
        "2027",
        "2028",
        "2029",
    ]
    rtlh = [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[6] == "K0501"]
    assert [r[15] for r in rtlh] == ["APBD", "Baznas"]  # one row per funding source
    assert rtlh[0][16:18] == (1.5e9, 1.7e9)
    indicators = book[INDICATOR_SHEET]
    assert indicators["J2"].value == "Kondisi Awal" and indicators["J3"].value == "Tahun"


def test_bad_rows_give_findings_and_no_plan(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "rpkd.xlsx"
    write_plan_xlsx(plan, path)
    book = load_workbook(path)
    sheet = book[PROGRAMME_SHEET]
    rtlh_row = next(r[0].row for r in sheet.iter_rows(min_row=4) if r[6].value == "K0501")
    sheet.cell(rtlh_row, 17).value = "satu miliar"  # budget 2025 not a number
    sheet.cell(rtlh_row, 12).value = "62.03.01, 63.01.01"  # a kecamatan outside Kapuas
    indicators = book[INDICATOR_SHEET]
    indicators.cell(4, 8).value = "naik"  # unknown polarity
    book.save(path)
    result, findings = read_plan_xlsx(path)
    assert result is None
    found = {(f.sheet, f.row, f.field, f.rule) for f in findings}
    assert (PROGRAMME_SHEET, rtlh_row, "Anggaran Indikatif (Rp)/2025", "number") in found
    assert (INDICATOR_SHEET, 4, "Polaritas", "code_list") in found
    sheet.cell(rtlh_row, 17).value = 1.5e9
    indicators.cell(4, 8).value = "lower"
    book.save(path)
    result, findings = read_plan_xlsx(path)
    assert result is None
    assert [(f.sheet, f.row, f.rule, f.value) for f in findings if f.severity == "error"] == [
        (PROGRAMME_SHEET, rtlh_row, "region_scope", "63.01.01")
    ]
