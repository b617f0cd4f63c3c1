"""Bounded memory: sources are staged batch by batch and findings stream from the engine to files.

Nothing here measures memory or time. Instead each test shows that the streaming path gives
exactly what a one-piece read gives: a CSV many times the reader's block size is staged in many
batches with the same rows as a one-block read, and imports to byte-identical release files;
findings are capped, counted, previewed and written to the report batch by batch, with the
expected rows derived by hand from the fixture.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from conftest import FAMILIES_HEADER, PERSONS, PERSONS_HEADER, TODAY, run_import, write_csv
from rpkd.errors import InvalidInput
from rpkd.inputs import delimited
from rpkd.releases import importer, sources, validate
from rpkd.releases.mapping import default
from rpkd.releases.sources import SourceFile
from rpkd.reports import xlsx
from rpkd.settings import Settings
from rpkd.workflows.releases import REPORT_COLUMNS, import_release
from rpkd.workflows.workspace import Workspace

FAMILIES_N = 1500
SMALL_BLOCK = 4096  # bytes: the families file below is ~20 times larger


def _registry(folder: Path) -> None:
    """A valid registry of 1500 one-person families; row 1000's address spans two lines; person
    row 1501 is a deceased child of F1200 (a warning; family_size counts the living only).

    NIKs by the Dukcapil rule: kecamatan 620301, birth date 010180 (men born 1980-01-01) or
    430201 (a woman born 2001-02-03: 03 + 40), serial = the person's number."""
    families = [
        [f"F{i}", "", "62.03.01.1006", f"Jl. Contoh {i}, RT {i % 9}", "1", "true", "5"]
        for i in range(1, FAMILIES_N + 1)
    ]
    families[999][3] = "Jl. Dua Baris\nRT 2, RW 3"
    persons = [
        [
            f"P{i}",
            f"F{i}",
            f"620301010180{i:04d}",
            f"Warga {i}",
            "L",
            "1980-01-01",
            "kepala_keluarga",
            "",
        ]
        for i in range(1, FAMILIES_N + 1)
    ]
    persons.append(
        [
            "P1501",
            "F1200",
            "6203014302011501",
            "Warga 1501",
            "P",
            "2001-02-03",
            "anak",
            "2024-01-05",
        ]
    )
    folder.mkdir()
    write_csv(folder / "families.csv", FAMILIES_HEADER, families)
    write_csv(folder / "persons.csv", PERSONS_HEADER, persons)


def _stage(path: Path, folder: Path) -> sources.Staged:
    folder.mkdir()
    return sources.stage(SourceFile("families", path), default(), folder, lambda _n: None)


def test_csv_larger_than_a_block_is_staged_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(tmp_path / "src")
    path = tmp_path / "src" / "families.csv"
    assert path.stat().st_size > 15 * SMALL_BLOCK
    whole = _stage(path, tmp_path / "one")
    monkeypatch.setattr(delimited, "BLOCK", SMALL_BLOCK)
    parts = _stage(path, tmp_path / "many")
    # one row group per batch the reader parsed
    assert pq.ParquetFile(whole.path).metadata.num_row_groups == 1
    assert pq.ParquetFile(parts.path).metadata.num_row_groups > 15
    one, many = pq.read_table(whole.path), pq.read_table(parts.path)
    assert many.equals(one)
    assert parts.rows == whole.rows == FAMILIES_N
    assert many["_row"].to_pylist() == list(range(1, FAMILIES_N + 1))
    assert many["address"][999].as_py() == "Jl. Dua Baris\nRT 2, RW 3"
    assert many["family_id"][FAMILIES_N - 1].as_py() == f"F{FAMILIES_N}"


def test_import_in_small_batches_gives_identical_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(tmp_path / "src")
    whole = run_import(tmp_path / "src", tmp_path / "a", "r")
    monkeypatch.setattr(delimited, "BLOCK", SMALL_BLOCK)
    monkeypatch.setattr(importer, "_STREAM_ROWS", 1)
    parts = run_import(tmp_path / "src", tmp_path / "b", "r")
    assert whole.release is not None and parts.release is not None
    releases = (whole.release, parts.release)
    assert whole.warnings == parts.warnings == 1
    assert parts.findings.equals(whole.findings)
    assert [(r["row"], r["code"]) for r in parts.findings.to_pylist()] == [(1501, "deceased")]
    # the same typed rows, compared by key: DuckDB plans the parser's IN lists as joins, which
    # do not keep source order once the staged file has several row groups
    for kind, key in (("families", "family_id"), ("persons", "person_id")):
        one, many = (pq.read_table(r.path_of(kind)).sort_by(key) for r in releases)
        assert many.equals(one)
    outputs = (parts.release.manifest["outputs"], whole.release.manifest["outputs"])
    assert outputs[0]["findings.parquet"] == outputs[1]["findings.parquet"]
    assert parts.release.manifest["rows"] == {"families": FAMILIES_N, "persons": FAMILIES_N + 1}


def _bad_niks(source: Path) -> None:
    """Persons rows 1-5 get malformed NIKs (5 errors); row 6 stays deceased (1 warning)."""
    rows = [list(r) for r in PERSONS]
    for i in range(5):
        rows[i][2] = f"123{i}"
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)


def _report_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _refused(source: Path, workspace: Path, name: str) -> InvalidInput:
    with Workspace(Settings(workspace=workspace)) as ws, pytest.raises(InvalidInput) as info:
        import_release(ws, source, name, reference_date=TODAY)
    return info.value


def test_findings_capped_counted_and_streamed_to_the_report(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bad_niks(source)
    monkeypatch.setattr(validate, "CAP", 2)  # rows kept per file, rule and field
    monkeypatch.setattr(importer, "PREVIEW", 2)
    monkeypatch.setattr(importer, "_STREAM_ROWS", 1)
    refused = _refused(source, tmp_path / "ws", "capped")
    assert refused.code == "release_refused"
    assert (refused.params["errors"], refused.params["warnings"]) == (5, 1)  # totals stay exact
    # preview: errors first, at most PREVIEW rows, masked ("1230" has 4 digits: all masked)
    assert [(f.row, f.code, f.value) for f in refused.findings] == [
        (1, "nik_malformed", "****"),
        (2, "nik_malformed", "****"),
    ]
    csv_path = Path(refused.params["report"][0])
    rows = _report_rows(csv_path)
    assert rows[0] == list(REPORT_COLUMNS)
    assert [(r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        ("1", "nik", "****", "nik_malformed"),
        ("2", "nik", "****", "nik_malformed"),
        ("6", "death_date", "2024-01-05", "deceased"),
    ]


def test_report_in_batches_equals_report_in_one_piece(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of one finding write the same CSV; the XLSX stops at Excel's sheet limit."""
    _bad_niks(source)
    whole = _refused(source, tmp_path / "a", "r")
    monkeypatch.setattr(importer, "_STREAM_ROWS", 1)
    monkeypatch.setattr(xlsx, "XLSX_MAX_ROWS", 4)  # the header and 3 findings
    parts = _refused(source, tmp_path / "b", "r")
    one, many = (Path(r.params["report"][0]) for r in (whole, parts))
    assert many.read_bytes() == one.read_bytes()
    assert len(_report_rows(many)) == 1 + 6  # header, 5 errors, 1 warning: every row
    sheet = load_workbook(parts.params["report"][1], read_only=True).active
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(cells) == 4
    assert cells[0] == [
        "berkas",
        "jenis data",
        "baris",
        "kolom",
        "nilai",
        "aturan",
        "tingkat",
        "pesan",
    ]
    assert cells[1][:6] == ["persons.csv", "persons", 1, "nik", "****", "nik_malformed"]
    assert cells[1][7] == "NIK harus 16 angka"
