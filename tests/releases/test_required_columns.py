"""Every required column of every source kind: a file without it is refused, naming file and column.

The bug a new user found (issue 18): ``rpkd release import`` accepted a persons file without a
``nik`` column, because the schema marked a column ``required`` only when every value must be
filled, and NIK may be empty for some persons (a warning), so the whole column counted as
optional. The schema now says ``present`` for such columns. The lists below are written by hand
from the data dictionary (docs/data-dictionary.md), not read from the schema, so a column
silently made optional again fails here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import FAMILIES, FAMILIES_HEADER, PERSONS, PERSONS_HEADER, TODAY, found, run_import
from rpkd.errors import InvalidInput
from rpkd.locale import render
from rpkd.releases.catalog import list_releases
from rpkd.settings import Settings
from rpkd.workflows import releases as wf
from rpkd.workflows.workspace import Workspace

SURVEY_HEADER = [
    "household_id",
    "desa_code",
    "stratum",
    "psu",
    "weight",
    "household_size",
    "expenditure_per_capita",
    "urban",
]
SURVEY = [
    ["H1", "62.03.01.1006", "S1", "B1", "120.5", "4", "650000", "false"],
    ["H2", "62.03.01.1006", "S1", "B2", "120.5", "3", "820000", "true"],
]
VILLAGES_HEADER = ["desa_code", "households", "has_puskesmas"]
VILLAGES = [["62.03.01.1006", "310", "true"], ["62.03.02.1001", "145", "false"]]
LIST_HEADER = ["nik", "name", "birth_date", "desa_code", "year", "amount"]
LIST = [["6203011205800001", "Budi Santoso", "1980-05-12", "62.03.01.1006", "2025", "750000"]]

FILES = {
    "families": ("families", FAMILIES_HEADER, FAMILIES),
    "persons": ("persons", PERSONS_HEADER, PERSONS),
    "survey": ("survey", SURVEY_HEADER, SURVEY),
    "villages": ("villages", VILLAGES_HEADER, VILLAGES),
    "beneficiaries": ("beneficiaries_pkh", LIST_HEADER, LIST),
}
REQUIRED = {
    "families": ("family_id", "desa_code", "family_size", "urban"),
    "persons": ("person_id", "family_id", "nik", "name", "sex", "birth_date", "relation"),
    "survey": tuple(SURVEY_HEADER),
    "villages": ("desa_code",),
    # programme and record are filled by the importer (file name, row number)
    "beneficiaries": ("year", "name", "desa_code"),
}
CASES = [(kind, column) for kind, columns in REQUIRED.items() for column in columns]


def _write(folder: Path, kind: str, fmt: str, drop: str | None = None) -> str:
    stem, header, rows = FILES[kind]
    keep = [i for i, h in enumerate(header) if h != drop]
    names = [header[i] for i in keep]
    values = [[row[i] for i in keep] for row in rows]
    path = folder / f"{stem}.{fmt}"
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([names, *values])
    elif fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["DATA TERPADU KABUPATEN KAPUAS"])  # a title row, as exports have
        for line in [names, *values]:
            sheet.append(line)
        book.save(path)
    else:
        table = pa.table({n: [v[i] for v in values] for i, n in enumerate(names)})
        pq.write_table(table, path)
    return path.name


def _folder(tmp_path: Path, kind: str, fmt: str, drop: str) -> tuple[Path, str]:
    """A valid folder of every kind, the file of ``kind`` in ``fmt`` without column ``drop``."""
    folder = tmp_path / "source"
    folder.mkdir()
    for other in FILES:
        if other != kind:
            _write(folder, other, "csv")
    return folder, _write(folder, kind, fmt, drop)


def _nothing_created(workspace: Path) -> None:
    releases = workspace / "releases"
    assert list_releases(workspace) == ()
    assert not list(releases.iterdir()) if releases.exists() else True


def test_the_full_folder_is_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "source"
    folder.mkdir()
    for kind in FILES:
        _write(folder, kind, "csv")
    result = run_import(folder, tmp_path / "ws")
    assert result.ok, result.findings.to_pylist()
    assert result.release is not None
    assert set(result.release.manifest["kinds"]) == set(FILES)


@pytest.mark.parametrize(("kind", "column"), CASES)
def test_missing_required_column_is_refused(tmp_path: Path, kind: str, column: str) -> None:
    folder, name = _folder(tmp_path, kind, "csv", column)
    result = run_import(folder, tmp_path / "ws")
    assert not result.ok
    assert found(result, "column_missing") == [(name, None, column)]
    _nothing_created(tmp_path / "ws")


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
@pytest.mark.parametrize(
    ("kind", "column"),
    [
        ("families", "family_size"),
        ("persons", "nik"),
        ("survey", "weight"),
        ("villages", "desa_code"),
        ("beneficiaries", "name"),
    ],
)
def test_missing_column_in_workbooks_and_parquet(
    tmp_path: Path, kind: str, column: str, fmt: str
) -> None:
    folder, name = _folder(tmp_path, kind, fmt, column)
    result = run_import(folder, tmp_path / "ws")
    assert not result.ok
    assert found(result, "column_missing") == [(name, None, column)]
    _nothing_created(tmp_path / "ws")


@pytest.mark.parametrize(
    ("kind", "column", "file"),
    [
        ("persons", "nik", "persons.csv"),
        ("families", "urban", "families.csv"),
        ("survey", "psu", "survey.csv"),
        ("villages", "desa_code", "villages.csv"),
        ("beneficiaries", "year", "beneficiaries_pkh.csv"),
    ],
)
def test_import_workflow_names_file_and_column(
    tmp_path: Path, kind: str, column: str, file: str
) -> None:
    folder, _ = _folder(tmp_path, kind, "csv", column)
    settings = Settings(workspace=tmp_path / "ws")
    with Workspace(settings) as ws, pytest.raises(InvalidInput) as refused:
        wf.import_release(ws, folder, "r1", reference_date=TODAY)
    assert refused.value.code == "release_refused"
    (missing,) = [f for f in refused.value.findings if f.code == "column_missing"]
    assert (missing.file, missing.field, missing.severity) == (file, column, "error")
    assert render(missing, "en") == f"{file}, field {column}: required column {column} is missing"
    assert render(missing, "id") == f"{file}, kolom {column}: kolom wajib {column} tidak ada"
    _nothing_created(tmp_path / "ws")
