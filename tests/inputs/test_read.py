"""The one input reader on hand-written files as offices save them.

Every file is written byte by byte in the test, so what is read is exactly what Excel (in an
Indonesian or English Windows) or an agency's export would hand over.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from rpkd import inputs
from rpkd.errors import InvalidInput

SURVEY_ID = (
    "Rumah tangga;Bobot;Pengeluaran;Catatan\r\n"
    "H1;120,5;1.250.000,50;Müller – ß\r\n"
    "H2;99;650.000;\r\n"
)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _rows(table: inputs.InputTable) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = table.table.to_pylist()
    return rows


def test_semicolon_windows_1252_decimal_comma(tmp_path: Path) -> None:
    path = _write(tmp_path / "survey.csv", SURVEY_ID, "cp1252")
    table = inputs.read(path, required=("rumah tangga", "bobot", "pengeluaran"))
    layout = table.layout
    assert (layout.format, layout.encoding, layout.delimiter, layout.header_row) == (
        "csv",
        "cp1252",
        ";",
        1,
    )
    assert table.table.column_names == ["_row", "rumah tangga", "bobot", "pengeluaran", "Catatan"]
    assert _rows(table)[0]["Catatan"] == "Müller – ß"
    assert table.numbers("bobot").to_pylist() == [120.5, 99.0]
    # 650.000 alone could be either; the column's 1.250.000,50 says: decimal comma
    assert table.numbers("pengeluaran").to_pylist() == [1250000.5, 650000.0]


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "tab"), ("|", "pipe"), (",", "comma")])
def test_delimiters(tmp_path: Path, delimiter: str, name: str) -> None:
    text = delimiter.join(["area", "direct", "variance"]) + "\n"
    text += delimiter.join(["62.03.01", "0.25", "0.0012"]) + "\n"
    text += delimiter.join(["62.03.02", '"1,234.5"', "3e-4"]) + "\n"
    table = inputs.read(_write(tmp_path / f"{name}.csv", text), required=("area", "direct"))
    assert table.layout.delimiter == delimiter
    assert table.numbers("direct").to_pylist() == [0.25, 1234.5]
    assert table.numbers("variance").to_pylist() == [0.0012, 0.0003]
    assert table.table["_row"].to_pylist() == [1, 2]


def test_utf8_bom_and_case_of_headers(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.csv", "\ufeffNIK,Nama\n6203011205800001,Budi Śantoso\n")
    table = inputs.read(path, required=("nik", "nama"))
    assert table.layout.encoding == "utf-8-sig"
    assert _rows(table) == [{"_row": 1, "nik": "6203011205800001", "nama": "Budi Śantoso"}]


def test_title_rows_above_the_header_in_csv(tmp_path: Path) -> None:
    text = "DAFTAR KPM PKH TAHAP 3\nKabupaten Kapuas\n\nNO,NIK,NAMA\n1,6203014703820002,SITI\n"
    table = inputs.read(_write(tmp_path / "kpm.csv", text), headers=("no", "nik", "nama"))
    assert table.layout.header_row == 4
    assert _rows(table) == [{"_row": 1, "no": "1", "nik": "6203014703820002", "nama": "SITI"}]


def test_title_rows_without_known_headers(tmp_path: Path) -> None:
    """With no header named, the header is the first row as wide as the data."""
    text = "Laporan triwulan\nkecamatan;p0\n62.03.01;0,12\n62.03.02;0,08\n"
    table = inputs.read(_write(tmp_path / "t.csv", text))
    assert table.layout.header_row == 2
    assert table.numbers("p0").to_pylist() == [0.12, 0.08]


def _book(path: Path) -> Path:
    book = Workbook()
    cover = book.active
    cover.title = "Sampul"
    cover.append(["Data keluarga Kabupaten Kapuas"])
    sheet = book.create_sheet("Keluarga")
    sheet.append(["DATA TERPADU SOSIAL EKONOMI NASIONAL"])
    sheet.append([])
    sheet.append(["ID KELUARGA", "JUMLAH ART", "TANGGAL", "PERKOTAAN"])
    sheet.append(["F1", 3.0, datetime(2025, 7, 1), True])
    sheet.append([None, None, None, None])
    sheet.append(["F2", 2.5, "2025-07-02", False])
    other = book.create_sheet("Catatan")
    other.append(["catatan", "isi"])
    other.append(["sumber", "SIKS-NG"])
    book.save(path)
    return path


def test_xlsx_title_rows_and_the_best_sheet(tmp_path: Path) -> None:
    table = inputs.read(_book(tmp_path / "keluarga.xlsx"), required=("id keluarga", "jumlah art"))
    layout = table.layout
    assert (layout.format, layout.sheet, layout.header_row) == ("xlsx", "Keluarga", 3)
    # the empty sheet row is skipped but counted: F2 is the third data row
    assert _rows(table) == [
        {
            "_row": 1,
            "id keluarga": "F1",
            "jumlah art": "3",
            "TANGGAL": "2025-07-01",
            "PERKOTAAN": "true",
        },
        {
            "_row": 3,
            "id keluarga": "F2",
            "jumlah art": "2.5",
            "TANGGAL": "2025-07-02",
            "PERKOTAAN": "false",
        },
    ]
    assert table.numbers("jumlah art").to_pylist() == [3.0, 2.5]


def test_xlsx_sheet_by_name(tmp_path: Path) -> None:
    path = _book(tmp_path / "keluarga.xlsx")
    table = inputs.read(path, sheet="Catatan")
    assert _rows(table) == [{"_row": 1, "catatan": "sumber", "isi": "SIKS-NG"}]
    with pytest.raises(InvalidInput) as info:
        inputs.read(path, sheet="Data")
    (finding,) = info.value.findings
    assert (finding.code, finding.params["sheets"]) == (
        "sheet_missing",
        ["Sampul", "Keluarga", "Catatan"],
    )


def test_parquet_any_types_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "areas.parquet"
    pq.write_table(
        pa.table({"area": ["A", "B"], "n": pa.array([3, 4], pa.int64()), "w": [0.5, 1.25]}), path
    )
    table = inputs.read(path, required=("area", "n"))
    assert table.layout.format == "parquet"
    assert _rows(table) == [
        {"_row": 1, "area": "A", "n": "3", "w": "0.5"},
        {"_row": 2, "area": "B", "n": "4", "w": "1.25"},
    ]
    assert table.numbers("w").to_pylist() == [0.5, 1.25]


def test_parquet_numbers_as_stored_refuse_what_text_refuses(tmp_path: Path) -> None:
    # Read without parsing text: the values of the file, and the same findings as the text
    # ``0.1``, ``nan``, empty, ``inf`` would give (see the CSV test below).
    path = tmp_path / "n.parquet"
    direct = pa.array([0.1, float("nan"), None, float("inf"), 1e-300], pa.float64())
    big = pa.array([1, 2**53 + 1, 3, 4, -5], pa.int64())
    pq.write_table(pa.table({"area": list("ABCDE"), "direct": direct, "n": big}), path)
    table = inputs.read(path)
    assert table.table.column("direct").to_pylist()[:2] == ["0.1", "nan"]
    assert table.numbers("n").to_pylist() == [1.0, float(2**53), 3.0, 4.0, -5.0]
    with pytest.raises(InvalidInput) as info:
        table.numbers("direct")
    found = [(f.code, f.file, f.row, f.field, f.value) for f in info.value.findings]
    assert found == [
        ("not_number", "n.parquet", 2, "direct", "nan"),
        ("required_missing", "n.parquet", 3, "direct", None),
        ("not_number", "n.parquet", 4, "direct", "inf"),
    ]
    with pytest.raises(InvalidInput) as optional:
        table.numbers("direct", required=False)
    assert [f.row for f in optional.value.findings] == [2, 4]
    pq.write_table(pa.table({"direct": [0.1, 1e-300], "n": pa.array([7, 8], pa.int32())}), path)
    assert inputs.read(path).numbers("direct").to_pylist() == [0.1, 1e-300]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("zero.csv", b""),
        ("header.csv", b"area;direct\r\n"),
        ("blank.csv", b"\n\n  \n"),
        ("zero.parquet", None),
        ("empty.xlsx", None),
    ],
)
def test_empty_files_are_a_finding(tmp_path: Path, name: str, content: bytes | None) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    elif name.endswith(".parquet"):
        pq.write_table(pa.table({"area": pa.array([], pa.string())}), path)
    else:
        Workbook().save(path)
    with pytest.raises(InvalidInput) as info:
        inputs.read(path)
    assert info.value.code == "input_invalid"
    assert [(f.code, f.file, f.row) for f in info.value.findings] == [("file_empty", name, None)]


def test_ragged_row_names_its_row(tmp_path: Path) -> None:
    text = "area,direct\nA,0.1\nB,0.2,extra\nC\nD,0.4\n"
    with pytest.raises(InvalidInput) as info:
        inputs.read(_write(tmp_path / "r.csv", text))
    found = [(f.code, f.row, f.params["fields"], f.params["expected"]) for f in info.value.findings]
    assert found == [("row_ragged", 2, 3, 2), ("row_ragged", 3, 1, 2)]


def test_missing_and_duplicated_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "area,Area,note,note\nA,B,x,y\n")
    with pytest.raises(InvalidInput) as info:
        inputs.read(path, required=("area", "weight"))
    found = [(f.code, f.field) for f in info.value.findings]
    assert found == [("column_duplicate", "area"), ("column_missing", "weight")]
    # unknown headers written twice are kept apart
    assert inputs.read(path).table.column_names == ["_row", "area", "Area", "note", "note (2)"]


def test_not_a_number_names_file_row_field_and_value(tmp_path: Path) -> None:
    text = "area;direct\nA;0,1\nB;dua\nC;\nD;inf\n"
    table = inputs.read(_write(tmp_path / "n.csv", text, "cp1252"))
    with pytest.raises(InvalidInput) as info:
        table.numbers("direct")
    found = [(f.code, f.file, f.row, f.field, f.value) for f in info.value.findings]
    assert found == [
        ("not_number", "n.csv", 2, "direct", "dua"),
        ("required_missing", "n.csv", 3, "direct", None),
        ("not_number", "n.csv", 4, "direct", "inf"),
    ]
    with pytest.raises(InvalidInput) as optional:
        table.numbers("direct", required=False)
    assert [f.row for f in optional.value.findings] == [2, 4]


def test_a_file_that_is_not_there_or_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as missing:
        inputs.read(tmp_path / "none.csv")
    assert missing.value.code == "file_missing"
    with pytest.raises(InvalidInput) as fmt:
        inputs.read(_write(tmp_path / "data.json", "{}"))
    assert (fmt.value.code, fmt.value.params["file"]) == ("file_format", "data.json")
    with pytest.raises(InvalidInput) as broken:
        inputs.read(_write(tmp_path / "broken.xlsx", "not a zip"))
    assert [f.code for f in broken.value.findings] == ["file_unreadable"]
    binary = tmp_path / "renamed.csv"  # a workbook saved under a .csv name
    binary.write_bytes(b"PK\x03\x04\x00\x00\x08\x00" * 8)
    with pytest.raises(InvalidInput) as unreadable:
        inputs.read(binary)
    assert [(f.code, f.params) for f in unreadable.value.findings] == [
        ("file_unreadable", {"format": "csv"})
    ]


def test_stage_streams_with_progress(tmp_path: Path) -> None:
    lines = ["id;value"] + [f"R{i};{i},5" for i in range(1, 2001)]
    path = _write(tmp_path / "big.csv", "\n".join(lines) + "\n", "cp1252")
    seen: list[int] = []
    staged = inputs.stage(path, tmp_path / "big.parquet", advance=seen.append)
    assert staged.rows == 2000 and staged.columns == ("id", "value") and not staged.findings
    assert seen[-1] == path.stat().st_size and staged.layout.size == path.stat().st_size
    table = pq.read_table(staged.path)
    assert table["_row"].to_pylist() == list(range(1, 2001))
    assert not list(tmp_path.glob(".*utf8*"))  # the re-encoded copy is removed
