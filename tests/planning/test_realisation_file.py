"""Reading realisation files through rpkd.inputs: CSV (any delimiter, decimal comma), XLSX and
Parquet, Indonesian or English columns, findings naming file, row (1 = first data row), field."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from rpkd.errors import InvalidInput
from rpkd.planning.realisation_file import read_realisations


def test_csv_with_findings(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "jenis,kode,tahun,triwulan,nilai,se,anggaran_realisasi,penerima,bukti\n"
        "indikator,P0,2025,2,5.1,0.3,,,Susenas\n"
        'kegiatan,K0501,2025,2,,,"1020000000",60,BAST\n'
        "program,P01,2025,2,1,,,,\n"
        "kegiatan,K0501,2025,5,1,,,2.5,\n",
        encoding="utf-8",
    )
    rows, findings = read_realisations(path)
    assert [(r.kind, r.code, r.quarter) for r in rows] == [
        ("indicator", "P0", 2),
        ("activity", "K0501", 2),
    ]
    assert rows[0].estimate is not None and rows[0].estimate.se == 0.3
    assert (rows[1].budget_spent, rows[1].beneficiaries, rows[1].row) == (1.02e9, 60, 2)
    assert {(f.row, f.field, f.code, f.value) for f in findings} == {
        (3, "kind", "realisation_kind", "program"),
        (4, "beneficiaries", "realisation_integer", "2.5"),
        (4, "quarter", "quarter_invalid", "5"),
    }
    assert all(f.file == "r.csv" for f in findings)


def test_semicolon_csv_in_windows_1252_with_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        "Realisasi triwulan II – Dinas Perkim\n\n"
        "Jenis;Kode;Tahun;Triwulan;Nilai;Anggaran_Realisasi;Bukti\n"
        "kegiatan;K0501;2025;2;60;1.020.000.000,50;BAST Rp 1,02 M\n".encode("cp1252")
    )
    (row,), findings = read_realisations(path)
    assert (row.code, row.value, row.budget_spent) == ("K0501", 60.0, 1_020_000_000.5)
    assert row.evidence == "BAST Rp 1,02 M" and findings == ()


def test_text_in_a_number_column_names_row_field_and_value(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "jenis,kode,tahun,triwulan,nilai\nindikator,P0,2025,2,lima\nindikator,P1,,2,1\n",
        encoding="utf-8",
    )
    _, findings = read_realisations(path)
    assert {(f.row, f.field, f.code, f.value) for f in findings} == {
        (1, "value", "not_number", "lima"),
        (2, "year", "realisation_year_missing", None),
    }


def test_xlsx_and_parquet_with_english_columns(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["kind", "code", "year", "quarter", "value"])
    sheet.append(["indicator", "JKN", 2025, 4, 97.5])
    book.save(tmp_path / "r.xlsx")
    pq.write_table(
        pa.table(
            {
                "kind": ["activity"],
                "code": ["K0101"],
                "year": [2025],
                "quarter": [1],
                "budget_spent": [1.0e8],
            }
        ),
        tmp_path / "r.parquet",
    )
    (xlsx,), _ = read_realisations(tmp_path / "r.xlsx")
    (parquet,), _ = read_realisations(tmp_path / "r.parquet")
    assert (xlsx.code, xlsx.value) == ("JKN", 97.5)
    assert (parquet.kind, parquet.budget_spent) == ("activity", 1.0e8)


def test_unreadable_files_are_refused_by_code(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_realisations(tmp_path / "r.json")
    assert caught.value.code == "file_format"
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InvalidInput) as caught:
        read_realisations(tmp_path / "empty.csv")
    assert caught.value.code == "input_invalid"
    (tmp_path / "short.csv").write_text("jenis,kode\nindikator,P0\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_realisations(tmp_path / "short.csv")
    assert {(f.code, f.field) for f in caught.value.findings} == {
        ("column_missing", "year"),
        ("column_missing", "quarter"),
    }
