"""Bad-input corpus of the release import (families, persons, survey, villages, lists).

Each case breaks one thing in a good synthetic file and runs the one door,
:func:`rpkd.workflows.releases.import_release`. A refused import must name the rule, file, row
and field, in Indonesian and English, and leave no release (no folder, nothing listed); a
repaired one must store the repaired value. The table of kinds is ``docs/bad-input.md``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from corpus_sources import FILE_OF, REFERENCE_DATE, Registry, Sheet, synthesise, utf8
from openpyxl import Workbook

from rpkd.errors import InvalidInput
from rpkd.locale import render
from rpkd.settings import Settings
from rpkd.workflows import releases as wf
from rpkd.workflows.workspace import Workspace

Files = dict[str, bytes]
Where = tuple[str, str, int | None, str | None]  # code, file, row, field


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return synthesise(tmp_path_factory.mktemp("corpus-synth"))


def base(reg: Registry, kind: str, sheet: Sheet | None = None, data: bytes | None = None) -> Files:
    """Return the files of a release holding ``kind`` (persons come with their families)."""
    files = {FILE_OF[kind]: data if data is not None else utf8(sheet or reg.sheet(kind))}
    if kind == "persons":
        files[FILE_OF["families"]] = utf8(reg.sheet("families"))
    return files


def changed(kind: str, row: int, field: str, value: str) -> Callable[[Registry], Files]:
    def make(reg: Registry) -> Files:
        sheet = reg.sheet(kind)
        sheet.set(row, field, value)
        return base(reg, kind, sheet)

    return make


Cells = dict[tuple[int, str], object]


def workbook(sheet: Sheet, cells: Cells, merge: str | None = None) -> bytes:
    """Return ``sheet`` as XLSX bytes, with ``cells`` (data row, column) -> value set."""
    import io

    book = Workbook()
    ws = book.active
    ws.append(sheet.header)
    for row in sheet.rows:
        ws.append(row)
    for (row, name), value in cells.items():
        ws.cell(row + 1, sheet.column(name) + 1).value = value
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx(
    kind: str, cells: Callable[[Sheet], Cells], merge: str | None = None
) -> Callable[[Registry], Files]:
    """Return the maker of ``kind`` as an XLSX workbook whose ``cells`` (of the good sheet) are set."""

    def make(reg: Registry) -> Files:
        files = base(reg, kind)
        del files[FILE_OF[kind]]
        sheet = reg.sheet(kind)
        files[FILE_OF[kind].replace(".csv", ".xlsx")] = workbook(sheet, cells(sheet), merge)
        return files

    return make


# --- how each kind is made -------------------------------------------------------------------


def missing_column(reg: Registry) -> Files:
    sheet = reg.sheet("persons")
    at = sheet.column("nik")
    sheet.header.pop(at)
    for row in sheet.rows:
        row.pop(at)
    return base(reg, "persons", sheet)


def duplicate_header(reg: Registry) -> Files:
    sheet = reg.sheet("persons")
    sheet.header.append("NIK")
    for row in sheet.rows:
        row.append(row[sheet.column("nik")])
    return base(reg, "persons", sheet)


def ragged(reg: Registry) -> Files:
    sheet = reg.sheet("families")
    sheet.rows[1].append("extra")
    return base(reg, "families", sheet)


def mixed_delimiter(reg: Registry) -> Files:
    sheet = reg.sheet("villages")
    lines = [",".join(sheet.header)] + [";".join(r) for r in sheet.rows]
    return base(reg, "villages", data="\r\n".join(lines).encode())


def duplicate_row_key(reg: Registry) -> Files:
    sheet = reg.sheet("families")
    sheet.set(2, "family_id", sheet.get(1, "family_id"))
    return base(reg, "families", sheet)


def duplicate_nik(reg: Registry) -> Files:
    sheet = reg.sheet("persons")
    sheet.set(2, "nik", sheet.get(1, "nik"))
    return base(reg, "persons", sheet)


def psu_two_strata(reg: Registry) -> Files:
    sheet = reg.sheet("survey")
    sheet.set(2, "psu", sheet.get(1, "psu"))
    sheet.set(2, "stratum", sheet.get(1, "stratum") + "9")
    return base(reg, "survey", sheet)


def duplicate_desa(reg: Registry) -> Files:
    sheet = reg.sheet("villages")
    sheet.rows.append(list(sheet.rows[0]))
    return base(reg, "villages", sheet)


def workbook_under_csv_name(reg: Registry) -> Files:
    return base(reg, "families", data=workbook(reg.sheet("families"), {}))


REFUSED: dict[str, tuple[Callable[[Registry], Files], Where]] = {
    "missing_required_column": (missing_column, ("column_missing", "persons.csv", None, "nik")),
    "duplicate_header": (duplicate_header, ("column_duplicate", "persons.csv", None, "nik")),
    "ragged_rows": (ragged, ("row_ragged", "families.csv", 2, None)),
    "wrong_delimiter_mixed": (mixed_delimiter, ("row_ragged", "villages.csv", 1, None)),
    "empty_file": (
        lambda r: base(r, "families", data=b""),
        ("file_empty", "families.csv", None, None),
    ),
    "header_only": (
        lambda r: base(r, "families", Sheet(r.families.header, [])),
        ("file_empty", "families.csv", None, None),
    ),
    "binary_under_csv_name": (
        workbook_under_csv_name,
        ("file_unreadable", "families.csv", None, None),
    ),
    "nik_scientific": (
        changed("persons", 1, "nik", "6.20301E+15"),
        ("nik_malformed", "persons.csv", 1, "nik"),
    ),
    "nik_digit_lost": (
        changed("persons", 2, "nik", "620301251074001"),
        ("nik_malformed", "persons.csv", 2, "nik"),
    ),
    "region_code_zeros_lost": (
        changed("families", 1, "desa_code", "62.3.1.1006"),
        ("desa_malformed", "families.csv", 1, "desa_code"),
    ),
    "date_excel_serial_text": (
        changed("persons", 1, "birth_date", "27266"),
        ("not_date", "persons.csv", 1, "birth_date"),
    ),
    "date_dd_slash_mm_yyyy": (
        changed("persons", 1, "birth_date", "25/08/1974"),
        ("not_date", "persons.csv", 1, "birth_date"),
    ),
    "date_mm_dash_dd_yy": (
        changed("persons", 1, "birth_date", "08-25-74"),
        ("not_date", "persons.csv", 1, "birth_date"),
    ),
    "date_month_name": (
        changed("persons", 1, "birth_date", "25 Agustus 1974"),
        ("not_date", "persons.csv", 1, "birth_date"),
    ),
    "date_in_future": (
        changed("persons", 3, "birth_date", "2030-01-01"),
        ("birth_future", "persons.csv", 3, "birth_date"),
    ),
    "duplicate_nik": (duplicate_nik, ("nik_duplicate", "persons.csv", 1, "nik")),
    "duplicate_family_id": (duplicate_row_key, ("key_duplicate", "families.csv", 1, "family_id")),
    "person_without_family": (
        changed("persons", 1, "family_id", "99999999999999999"),
        ("family_missing", "persons.csv", 1, "family_id"),
    ),
    "unknown_enum_value": (
        changed("persons", 2, "sex", "X"),
        ("code_unknown", "persons.csv", 2, "sex"),
    ),
    "negative_weight": (
        changed("survey", 3, "weight", "-1"),
        ("weight_not_positive", "survey.csv", 3, "weight"),
    ),
    "psu_in_two_strata": (psu_two_strata, ("psu_strata", "survey.csv", 1, "psu")),
    "desa_of_another_district": (
        changed("villages", 1, "desa_code", "63.01.01.2001"),
        ("desa_outside", "villages.csv", 1, "desa_code"),
    ),
    "text_in_number": (
        changed("villages", 1, "households", "banyak"),
        ("not_number", "villages.csv", 1, "households"),
    ),
    "share_above_one": (
        changed("villages", 1, "share_pln", "1,7"),
        ("out_of_range", "villages.csv", 1, "share_pln"),
    ),
    "list_amount_negative": (
        changed("beneficiaries", 1, "amount", "-900000"),
        ("out_of_range", "beneficiaries_pkh.csv", 1, "amount"),
    ),
    "nik_with_spaces": (
        changed("persons", 2, "nik", "6203 0125 0874 0001"),
        ("nik_malformed", "persons.csv", 2, "nik"),
    ),
    "number_with_unit": (
        changed("survey", 2, "household_size", "3 orang"),
        ("not_number", "survey.csv", 2, "household_size"),
    ),
    "death_before_birth": (
        changed("persons", 1, "death_date", "1950-01-01"),
        ("death_before_birth", "persons.csv", 1, "death_date"),
    ),
    "duplicate_desa_in_villages": (
        duplicate_desa,
        ("key_duplicate", "villages.csv", 1, "desa_code"),
    ),
    "list_desa_of_another_district": (
        changed("beneficiaries", 2, "desa_code", "63.01.01.2001"),
        ("desa_outside", "beneficiaries_pkh.csv", 2, "desa_code"),
    ),
    "xlsx_error_value": (
        xlsx("families", lambda _s: {(2, "family_size"): "#N/A"}),
        ("not_number", "families.xlsx", 2, "family_size"),
    ),
    "xlsx_formula_without_value": (
        xlsx("families", lambda _s: {(1, "family_size"): "=2+1"}),
        ("cell_formula", "families.xlsx", 1, "family_size"),
    ),
    "xlsx_merged_cells": (
        xlsx("villages", lambda _s: {}, merge="A2:A3"),
        ("cell_merged", "villages.xlsx", 2, "desa_code"),
    ),
    "xlsx_date_serial_number": (
        xlsx("persons", lambda _s: {(1, "birth_date"): 27266}),
        ("not_date", "persons.xlsx", 1, "birth_date"),
    ),
}


@dataclass(frozen=True)
class Outcome:
    error: InvalidInput | None
    release: Path
    listed: int


@pytest.fixture
def importing(tmp_path: Path) -> Iterator[Callable[[Files], Outcome]]:
    def run(files: Files) -> Outcome:
        source = tmp_path / "source"
        source.mkdir()
        for name, data in files.items():
            (source / name).write_bytes(data)
        with Workspace(Settings(workspace=tmp_path / "ws", engine="duckdb")) as ws:
            error = None
            try:
                wf.import_release(ws, source, "r1", reference_date=REFERENCE_DATE)
            except InvalidInput as exc:
                error = exc
            listed = len(wf.list_releases(ws).releases)
        return Outcome(error, tmp_path / "ws" / "releases" / "r1", listed)

    yield run


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused(
    kind: str, registry: Registry, importing: Callable[[Files], Outcome], tmp_path: Path
) -> None:
    make, (code, file, row, field) = REFUSED[kind]
    outcome = importing(make(registry))
    assert outcome.error is not None, f"{kind} was imported"
    assert outcome.error.code == "release_refused"
    at = [f for f in outcome.error.findings if f.code == code]
    assert [(f.file, f.row, f.field) for f in at][:1] == [(file, row, field)], [
        (f.code, f.file, f.row, f.field) for f in outcome.error.findings
    ]
    said = {lang: render(at[0], lang) for lang in ("id", "en")}
    assert file in said["id"] and file in said["en"] and said["id"] != said["en"]
    assert not outcome.release.exists() and outcome.listed == 0
    releases = tmp_path / "ws" / "releases"
    assert not releases.exists() or not any(releases.iterdir())


def _persons(reg: Registry, name: str) -> Files:
    sheet = reg.sheet("persons")
    sheet.set(1, "name", name)
    return base(reg, "persons", sheet)


def stored(release: Path, kind: str, column: str) -> list[object]:
    return pq.read_table(release / f"{kind}.parquet", columns=[column]).column(0).to_pylist()


Check = Callable[[Registry, Path], None]


def _first(kind: str, column: str, expected: object) -> Check:
    def check(_reg: Registry, release: Path) -> None:
        assert stored(release, kind, column)[0] == expected

    return check


def _encoded(encoding: str, bom: bytes = b"") -> Callable[[Registry], Files]:
    def make(reg: Registry) -> Files:
        sheet = reg.sheet("persons")
        sheet.set(1, "name", "Désirée Ñoño")
        files = base(reg, "persons", sheet)
        files["persons.csv"] = bom + sheet.text().encode(encoding)
        return files

    return make


def _zero_width(reg: Registry) -> Files:
    sheet = reg.sheet("persons")
    sheet.set(1, "nik", "\u200b" + sheet.get(1, "nik") + "\u200d")
    return base(reg, "persons", sheet)


def _first_as(kind: str, column: str, typed: Callable[[str], object] = str) -> Check:
    """Check that the first row of ``column`` is stored as in the good file."""

    def check(reg: Registry, release: Path) -> None:
        assert stored(release, kind, column)[0] == typed(reg.sheet(kind).get(1, column))

    return check


def _thousands(reg: Registry) -> Files:
    sheet = reg.sheet("survey")
    for i in range(1, len(sheet.rows) + 1):
        sheet.set(i, "expenditure_per_capita", "1.234.567")
    return base(reg, "survey", sheet)


def _semicolon(reg: Registry) -> Files:
    return {"families.csv": utf8(reg.sheet("families"), ";")}


REPAIRED: dict[str, tuple[Callable[[Registry], Files], Check]] = {
    "encoding_windows_1252": (_encoded("cp1252"), _first("persons", "name", "Désirée Ñoño")),
    "encoding_latin_1": (_encoded("latin-1"), _first("persons", "name", "Désirée Ñoño")),
    "encoding_utf16_bom": (
        _encoded("utf-16-le", codecs.BOM_UTF16_LE),
        _first("persons", "name", "Désirée Ñoño"),
    ),
    "delimiter_semicolon": (_semicolon, _first("families", "family_size", 3)),
    "thousands_separators": (_thousands, _first("survey", "expenditure_per_capita", 1234567.0)),
    "decimal_comma": (changed("survey", 1, "weight", "1,5"), _first("survey", "weight", 1.5)),
    "trailing_spaces": (changed("persons", 1, "sex", "L   "), _first("persons", "sex", "L")),
    "non_breaking_space": (
        changed("persons", 1, "relation", "\u00a0kepala_keluarga\u00a0"),
        _first("persons", "relation", "kepala_keluarga"),
    ),
    "zero_width_characters": (_zero_width, _first_as("persons", "nik")),
    "csv_injection_as_text": (
        lambda r: _persons(r, '=HYPERLINK("http://x.invalid","klik")'),
        _first("persons", "name", '=HYPERLINK("http://x.invalid","klik")'),
    ),
    "xlsx_nik_as_number": (
        xlsx("persons", lambda s: {(1, "nik"): int(s.get(1, "nik"))}),
        _first_as("persons", "nik"),
    ),
    "xlsx_date_cell": (
        xlsx("persons", lambda s: {(1, "birth_date"): date.fromisoformat(s.get(1, "birth_date"))}),
        _first_as("persons", "birth_date", date.fromisoformat),
    ),
}


@pytest.mark.parametrize("kind", sorted(REPAIRED))
def test_repaired(kind: str, registry: Registry, importing: Callable[[Files], Outcome]) -> None:
    make, check = REPAIRED[kind]
    outcome = importing(make(registry))
    assert outcome.error is None, [(f.code, f.file, f.row, f.field) for f in outcome.error.findings]
    assert outcome.listed == 1
    check(registry, outcome.release)
