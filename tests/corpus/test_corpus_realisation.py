"""Bad-input corpus of realisation files (:func:`rpkd.workflows.realisations.import_realisations`).

The good file reports indicator P0 and the budget spent on programme P01's activities of the
Kapuas starter plan; each case breaks one thing. A refused file names file, row and field, and
no realisation is saved.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from corpus_sources import Sheet
from openpyxl import Workbook

from rpkd.errors import InvalidInput
from rpkd.locale import render
from rpkd.settings import Settings
from rpkd.workflows import plan, realisations
from rpkd.workflows.workspace import Workspace

HEADER = ["jenis", "kode", "tahun", "triwulan", "nilai", "anggaran_realisasi", "bukti"]
ROWS = [
    ["indikator", "P0", "2025", "2", "5.1", "", "Susenas Maret 2025"],
    ["indikator", "P1", "2025", "2", "0.8", "", "Susenas Maret 2025"],
]


def good() -> Sheet:
    return Sheet(list(HEADER), [list(r) for r in ROWS])


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace(Settings(workspace=tmp_path / "ws")) as workspace:
        plan.init_plan(workspace, kit="kapuas")
        yield workspace


Make = Callable[[Path], Path]


def csv(sheet: Sheet, *, encoding: str = "utf-8", bom: bytes = b"") -> Make:
    def make(folder: Path) -> Path:
        path = folder / "realisasi.csv"
        path.write_bytes(bom + sheet.text().encode(encoding))
        return path

    return make


def data(raw: bytes, name: str = "realisasi.csv") -> Make:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(raw)
        return path

    return make


def cell(row: int, field: str, value: str) -> Make:
    sheet = good()
    sheet.set(row, field, value)
    return csv(sheet)


def without(field: str) -> Make:
    sheet = good()
    at = sheet.column(field)
    sheet.header.pop(at)
    for r in sheet.rows:
        r.pop(at)
    return csv(sheet)


def twice(field: str) -> Make:
    sheet = good()
    sheet.header.append(field.upper())
    for r in sheet.rows:
        r.append(r[sheet.column(field)])
    return csv(sheet)


def ragged() -> Make:
    sheet = good()
    sheet.rows[1] = sheet.rows[1][:3]
    return csv(sheet)


def workbook(cells: dict[str, object]) -> Make:
    def make(folder: Path) -> Path:
        book = Workbook()
        sheet = book.active
        sheet.append(HEADER)
        for r in ROWS:
            sheet.append(r)
        for ref, value in cells.items():
            sheet[ref] = value
        path = folder / "realisasi.xlsx"
        out = io.BytesIO()
        book.save(out)
        path.write_bytes(out.getvalue())
        return path

    return make


Where = tuple[str, int | None, str | None]  # code, row, field

REFUSED: dict[str, tuple[Make, Where]] = {
    "missing_required_column": (without("triwulan"), ("column_missing", None, "quarter")),
    "duplicate_header": (twice("kode"), ("column_duplicate", None, "code")),
    "ragged_rows": (ragged(), ("row_ragged", 2, None)),
    "empty_file": (data(b""), ("file_empty", None, None)),
    "header_only": (csv(Sheet(list(HEADER), [])), ("file_empty", None, None)),
    "text_in_number": (cell(1, "nilai", "lima"), ("not_number", 1, "value")),
    "number_beyond_float": (cell(1, "nilai", "1e400"), ("not_number", 1, "value")),
    "quarter_out_of_range": (cell(2, "triwulan", "5"), ("quarter_invalid", 2, "quarter")),
    "unknown_enum_value": (cell(1, "jenis", "program"), ("realisation_kind", 1, "kind")),
    "year_as_date_text": (cell(1, "tahun", "01/07/2025"), ("not_number", 1, "year")),
    "year_in_future": (cell(1, "tahun", "2099"), ("plan_year_outside", 1, "year")),
    "unknown_code": (cell(2, "kode", "P9"), ("plan_indicator_unknown", 2, "code")),
    "negative_budget": (
        cell(1, "anggaran_realisasi", "-5000000"),
        ("realisation_negative", 1, "budget_spent"),
    ),
    "xlsx_formula_without_value": (
        workbook({"E2": "=1+4"}),
        ("cell_formula", 1, "value"),
    ),
    "xlsx_error_value": (workbook({"E3": "#N/A"}), ("not_number", 2, "value")),
}


def _run(ws: Workspace, path: Path) -> InvalidInput | None:
    try:
        realisations.import_realisations(ws, path)
    except InvalidInput as exc:
        return exc
    return None


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_realisation_refused(kind: str, ws: Workspace, tmp_path: Path) -> None:
    make, (code, row, field) = REFUSED[kind]
    path = make(tmp_path)
    error = _run(ws, path)
    assert error is not None, f"{kind} was imported"
    assert realisations.list_realisations(ws).items == ()
    assert error.code == "realisations_invalid"
    at = [f for f in error.findings if f.code == code]
    assert [(f.file, f.row, f.field) for f in at][:1] == [(path.name, row, field)], [
        (f.code, f.file, f.row, f.field) for f in error.findings
    ]
    said = {lang: render(at[0], lang) for lang in ("id", "en")}
    assert path.name in said["id"] and path.name in said["en"] and said["id"] != said["en"]


def _encoded(encoding: str, bom: bytes = b"") -> Make:
    sheet = good()
    sheet.set(1, "bukti", "Survei Sosial Ekonomi Nasional – Maret")
    return csv(sheet, encoding=encoding, bom=bom)


def _semicolon_comma() -> Make:
    sheet = good()
    sheet.set(1, "nilai", "5,1")
    sheet.set(2, "nilai", "0,8")
    return data(sheet.text(";").encode())


REPAIRED: dict[str, tuple[Make, float]] = {
    "encoding_windows_1252": (_encoded("cp1252"), 5.1),
    "encoding_utf16_bom": (_encoded("utf-16-le", codecs.BOM_UTF16_LE), 5.1),
    "semicolon_decimal_comma": (_semicolon_comma(), 5.1),
    "zero_width_in_code": (cell(1, "kode", "P0\u200b"), 5.1),
    "non_breaking_space": (cell(1, "nilai", "\u00a05.1\u00a0"), 5.1),
}


@pytest.mark.parametrize("kind", sorted(REPAIRED))
def test_realisation_repaired(kind: str, ws: Workspace, tmp_path: Path) -> None:
    make, expected = REPAIRED[kind]
    error = _run(ws, make(tmp_path))
    assert error is None, [(f.code, f.row, f.field) for f in error.findings]
    saved = {(r.subject_code, r.value) for r in realisations.list_realisations(ws).items}
    assert ("P0", expected) in saved
