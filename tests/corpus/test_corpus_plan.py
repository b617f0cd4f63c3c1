"""Bad-input corpus of the plan matrices (XLSX, :func:`rpkd.workflows.plan.import_plan`).

The good workbook is the Kapuas starter plan as ``rpkd plan export`` writes it, from another
workspace; each case changes cells of sheet ``Matriks Indikator`` (row 5: indicator P0, row 6:
P1; column K the baseline value, L..P the targets 2025..2029) or the file itself. A refused
import names sheet, row and field and saves no plan.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rpkd.errors import InvalidInput, NotFound
from rpkd.locale import render
from rpkd.settings import Settings
from rpkd.workflows import plan as wf
from rpkd.workflows.workspace import Workspace

INDICATORS = "Matriks Indikator"
TARGET_2026 = "Target/2026"


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus-plan")
    with Workspace(Settings(workspace=folder / "ws")) as ws:
        wf.init_plan(ws, kit="kapuas")
        wf.export_plan(ws, folder / "plan.xlsx")
    return folder / "plan.xlsx"


def cells(values: dict[str, object], merge: str | None = None) -> Callable[[Path, Path], None]:
    """Return a maker that sets ``values`` (cell -> value) of the indicator sheet."""

    def make(source: Path, target: Path) -> None:
        book = load_workbook(source)
        sheet = book[INDICATORS]
        for ref, value in values.items():
            sheet[ref] = value
        if merge:
            sheet.merge_cells(merge)
        book.save(target)

    return make


def without_sheet(source: Path, target: Path) -> None:
    book = load_workbook(source)
    del book[INDICATORS]
    book.save(target)


def raw(data: bytes) -> Callable[[Path, Path], None]:
    def make(_source: Path, target: Path) -> None:
        target.write_bytes(data)

    return make


Where = tuple[str, str | None, int | None, str | None]  # code, sheet, row, field

REFUSED: dict[str, tuple[Callable[[Path, Path], None], Where]] = {
    "text_in_number": (cells({"M5": "lima"}), ("matrix_number", INDICATORS, 5, TARGET_2026)),
    "error_value_na": (cells({"M5": "#N/A"}), ("matrix_number", INDICATORS, 5, TARGET_2026)),
    "infinity": (cells({"M5": "inf"}), ("matrix_number", INDICATORS, 5, TARGET_2026)),
    "number_beyond_float": (cells({"M5": "1e400"}), ("matrix_number", INDICATORS, 5, TARGET_2026)),
    "formula_without_value": (
        cells({"M5": "=L5-0.2"}),
        ("cell_formula", INDICATORS, 5, TARGET_2026),
    ),
    "merged_cells": (cells({}, merge="B5:B6"), ("matrix_required", INDICATORS, 6, "Kode")),
    "unknown_enum_value": (cells({"H5": "naik"}), ("matrix_choice", INDICATORS, 5, "Polaritas")),
    "year_as_date_text": (
        cells({"J5": "01/01/2024"}),
        ("matrix_number", INDICATORS, 5, "Kondisi Awal/Tahun"),
    ),
    "missing_sheet": (without_sheet, ("matrix_sheet_missing", INDICATORS, None, None)),
    "empty_file": (raw(b""), ("file_unreadable", None, None, None)),
    "csv_under_xlsx_name": (raw(b"Kode,Nilai\nP0,5\n"), ("file_unreadable", None, None, None)),
}


def _import(ws: Workspace, file: Path) -> InvalidInput | None:
    try:
        wf.import_plan(ws, file)
    except InvalidInput as exc:
        return exc
    return None


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_plan_refused(kind: str, good: Path, tmp_path: Path) -> None:
    make, (code, sheet, row, field) = REFUSED[kind]
    file = tmp_path / "rencana.xlsx"
    make(good, file)
    with Workspace(Settings(workspace=tmp_path / "ws")) as ws:
        error = _import(ws, file)
        with pytest.raises(NotFound):
            wf.stored_plan(ws, None)  # nothing saved
    assert error is not None and error.code == "matrix_invalid"
    at = [f for f in error.findings if f.code == code]
    assert [(f.sheet, f.row, f.field) for f in at][:1] == [(sheet, row, field)], [
        (f.code, f.sheet, f.row, f.field) for f in error.findings
    ]
    said = {lang: render(at[0], lang) for lang in ("id", "en")}
    assert file.name in said["id"] and file.name in said["en"] and said["id"] != said["en"]


REPAIRED: dict[str, tuple[dict[str, object], float]] = {
    "decimal_comma": ({"M5": "4,8"}, 4.8),
    "thousands_and_decimal_comma": ({"M5": "1.234,5"}, 1234.5),
    "thousands_separators": ({"M5": "1.234.567"}, 1234567.0),
    "non_breaking_spaces": ({"M5": "\u00a04.8\u00a0"}, 4.8),
}


@pytest.mark.parametrize("kind", sorted(REPAIRED))
def test_plan_repaired(kind: str, good: Path, tmp_path: Path) -> None:
    values, expected = REPAIRED[kind]
    file = tmp_path / "rencana.xlsx"
    cells(values)(good, file)
    with Workspace(Settings(workspace=tmp_path / "ws")) as ws:
        error = _import(ws, file)
        assert error is None, [(f.code, f.sheet, f.row, f.field) for f in error.findings]
        plan = wf.stored_plan(ws, None)
    p0 = next(i for i in plan.indicators if i.code == "P0")
    assert p0.target(2026) == expected
