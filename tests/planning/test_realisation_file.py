"""Reading realisation files: CSV, XLSX and Parquet, Indonesian or English columns, findings."""

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
    assert (rows[1].budget_spent, rows[1].beneficiaries) == (1.02e9, 60)
    assert {(f.row, f.field, f.rule) for f in findings} == {
        (4, "kind", "code_list"),
        (5, "beneficiaries", "integer"),
        (5, "quarter", "range"),
    }


def test_xlsx_and_parquet_with_english_columns(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
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
    with pytest.raises(InvalidInput):
        read_realisations(tmp_path / "r.json")
