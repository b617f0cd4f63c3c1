"""Sources as agencies send them: Excel CSVs (BOM, Windows-1252, semicolons), XLSX with title
rows, Parquet, and mapping files for Indonesian headers (docs/examples/mapping-siks-ng.toml)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from conftest import (
    FAMILIES,
    FAMILIES_HEADER,
    PERSONS,
    PERSONS_HEADER,
    Imported,
    found,
    run_import,
    write_csv,
)
from rpkd.errors import InvalidInput
from rpkd.releases.mapping import load_mapping
from rpkd.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "mapping-siks-ng.toml"


def import_release(source: Path, name: str, settings: Settings, **kw: object) -> Imported:
    return run_import(source, settings.workspace, name, **kw)  # type: ignore[arg-type]


def _names(result: Imported) -> list[str]:
    assert result.release is not None
    names: list[str] = pq.read_table(result.release.path_of("persons"))["name"].to_pylist()
    return names


def test_utf8_bom_with_semicolons(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[0][3] = "Budi Śantoso"
    write_csv(source / "persons.csv", PERSONS_HEADER, rows, encoding="utf-8-sig", delimiter=";")
    result = import_release(source, "bom", settings)
    assert result.ok, result.findings.to_pylist()
    assert _names(result)[0] == "Budi Śantoso"
    described = {s["file"]: s for s in result.release.manifest["sources"]}  # type: ignore[union-attr]
    assert described["persons.csv"]["encoding"] == "utf-8-sig"
    assert described["persons.csv"]["delimiter"] == ";"


def test_windows_1252(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[1][3] = "Siti Aminah Müller – ß"
    write_csv(source / "persons.csv", PERSONS_HEADER, rows, encoding="cp1252")
    result = import_release(source, "w1252", settings)
    assert result.ok, result.findings.to_pylist()
    assert _names(result)[1] == "Siti Aminah Müller – ß"


def _siks_ng(folder: Path) -> None:
    """Write a SIKS-NG-style export: XLSX families with title rows, CSV persons, a PKH list."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Keluarga"
    sheet.append(["DATA TERPADU SOSIAL EKONOMI NASIONAL"])
    sheet.append(["Kabupaten Kapuas, Triwulan III 2025"])
    sheet.append([])
    sheet.append(
        ["ID KELUARGA", "NO KK", "KODE DESA", "ALAMAT", "JUMLAH ART", "PERKOTAAN", "DESIL"]
    )
    sheet.append(["F1", "6203010101200001", "6203011006", "Jl. Cilik Riwut 1", 3, "YA", 1])
    sheet.append(["F2", "6203020202200002", "62.03.02.1001", "Jl. Pemuda 2", 2.0, "TIDAK", 4])
    sheet.append([None, None, None, None, None, None, None])
    book.save(folder / "DATA KELUARGA.xlsx")
    header = [
        "ID ART",
        "ID KELUARGA",
        "NIK",
        "NAMA",
        "JENIS KELAMIN",
        "TGL LAHIR",
        "HUBUNGAN DENGAN KK",
        "TGL MENINGGAL",
    ]
    sex = {"L": "LAKI-LAKI", "P": "Perempuan"}
    relation = {
        "kepala_keluarga": "KEPALA KELUARGA",
        "istri_suami": "ISTRI/SUAMI",
        "anak": "ANAK",
        "orang_tua_mertua": "ORANG TUA/MERTUA",
    }

    def dmy(iso: str) -> str:
        return datetime.strptime(iso, "%Y-%m-%d").strftime("%d/%m/%Y") if iso else ""

    rows = [
        [p[0], p[1], p[2], p[3], sex[p[4]], dmy(p[5]), relation[p[6]], dmy(p[7])] for p in PERSONS
    ]
    write_csv(folder / "DATA ART.csv", header, rows, encoding="cp1252", delimiter=";")
    with (folder / "KPM PKH 2025.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["DAFTAR KPM PKH TAHAP 3"])
        writer.writerow(
            ["NO", "TAHUN", "NIK", "NAMA PENERIMA", "TGL LAHIR", "KODE DESA", "NILAI BANTUAN"]
        )
        writer.writerow(
            ["1", "2025", "6203014703820002", "SITI AMINAH", "07-03-1982", "6203011006", "750000"]
        )


def test_example_mapping_with_xlsx_title_rows(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "siks"
    folder.mkdir()
    _siks_ng(folder)
    result = import_release(folder, "siks", settings, mapping=EXAMPLE)
    assert result.ok, result.findings.to_pylist()
    release = result.release
    assert release is not None and release.kinds == ("families", "persons", "beneficiaries")
    families = pq.read_table(release.path_of("families")).to_pylist()
    assert [
        (f["family_id"], f["desa_code"], f["family_size"], f["urban"], f["desil"]) for f in families
    ] == [
        ("F1", "62.03.01.1006", 3, True, 1),
        ("F2", "62.03.02.1001", 2, False, 4),
    ]
    persons = pq.read_table(release.path_of("persons"))
    assert persons["sex"].to_pylist() == ["L", "P", "P", "L", "P", "L"]
    assert persons["birth_date"][1].as_py() == date(1982, 3, 7)
    assert persons["relation"][0].as_py() == "kepala_keluarga"
    lists = pq.read_table(release.path_of("beneficiaries")).to_pylist()
    assert (
        lists[0]["programme"] == "pkh"
        and lists[0]["record"] == "1"
        and lists[0]["amount"] == 750000.0
    )
    sources = {s["file"]: s for s in release.manifest["sources"]}
    assert sources["DATA KELUARGA.xlsx"]["header_row"] == 4
    assert sources["DATA KELUARGA.xlsx"]["sheet"] == "Keluarga"
    assert sources["KPM PKH 2025.csv"]["header_row"] == 2
    assert release.manifest["mapping"]["file"] == EXAMPLE.name


def test_mapping_header_row_in_error_report_rows(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "siks"
    folder.mkdir()
    _siks_ng(folder)
    book_rows = (folder / "DATA ART.csv").read_text(encoding="cp1252").splitlines()
    book_rows[1] = book_rows[1].replace("LAKI-LAKI", "PRIA")  # data row 1 of the persons file
    (folder / "DATA ART.csv").write_text("\n".join(book_rows) + "\n", encoding="cp1252")
    result = import_release(folder, "siks", settings, mapping=EXAMPLE)
    wrong = [
        (r["file"], r["row"], r["field"], r["code"])
        for r in result.findings.to_pylist()
        if r["severity"] == "error"
    ]
    assert ("DATA ART.csv", 1, "sex", "code_unknown") in wrong


def test_parquet_source(source: Path, settings: Settings) -> None:
    table = pa.table({h: [r[i] for r in FAMILIES] for i, h in enumerate(FAMILIES_HEADER)})
    table = table.set_column(4, "family_size", pa.array([3, 2], pa.int64()))
    table = table.set_column(5, "urban", pa.array([True, False]))
    pq.write_table(table, source / "families.parquet")
    (source / "families.csv").unlink()
    result = import_release(source, "pq", settings)
    assert result.ok, result.findings.to_pylist()


def test_two_files_of_one_kind_are_ambiguous(source: Path, settings: Settings) -> None:
    write_csv(source / "families.xlsx", FAMILIES_HEADER, FAMILIES)
    with pytest.raises(InvalidInput) as info:
        import_release(source, "amb", settings)
    assert info.value.code == "file_ambiguous"
    assert info.value.params == {"kind": "families", "files": ["families.csv", "families.xlsx"]}


def test_folder_without_sources(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput) as info:
        import_release(tmp_path / "empty", "none", settings)
    assert info.value.code == "source_empty"
    with pytest.raises(InvalidInput) as missing:
        import_release(tmp_path / "nowhere", "none", settings)
    assert missing.value.code == "source_missing"


def test_mapping_errors_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('[persons.columns]\n"NIK" = "nomor_induk"\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as column:
        load_mapping(bad)
    assert column.value.code == "mapping_column_unknown"
    assert column.value.params["column"] == "nomor_induk"
    bad.write_text("[keluarga]\nfile = 'x.csv'\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as kind:
        load_mapping(bad)
    assert (kind.value.code, kind.value.params["kinds"]) == ("mapping_kind_unknown", ["keluarga"])
    bad.write_text("[persons]\ndate_format = '%d/%m'\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as fmt:
        load_mapping(bad)
    assert fmt.value.code == "mapping_date_format"
    bad.write_text("[persons\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as toml:
        load_mapping(bad)
    assert (toml.value.code, toml.value.params["line"]) == ("mapping_unreadable", 1)
    with pytest.raises(InvalidInput) as gone:
        load_mapping(tmp_path / "none.toml")
    assert gone.value.code == "mapping_missing"
    mapping = load_mapping(EXAMPLE)
    assert mapping.of("persons").canonical(" jenis  kelamin ") == "sex"
    assert mapping.of("persons").values["sex"]["LAKI-LAKI"] == "L"


def test_ragged_row_is_reported_with_its_row(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[2].append("extra")
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    result = import_release(source, "ragged", settings)
    assert not result.ok
    shown = [(r["file"], r["row"], r["code"]) for r in result.findings.to_pylist()]
    assert shown == [("persons.csv", 3, "row_ragged")]


def test_numbers_with_decimal_comma_and_thousands(source: Path, settings: Settings) -> None:
    """A semicolon Windows-1252 survey as Excel writes it in Indonesian: decimal commas and
    grouped thousands; the weight column votes comma (``120,5``), so ``1.200`` is 1200."""
    header = [
        "household_id",
        "desa_code",
        "stratum",
        "psu",
        "weight",
        "household_size",
        "expenditure_per_capita",
        "urban",
    ]
    rows = [
        ["H1", "62.03.01.1006", "S1", "B1", "120,5", "4", "1.250.000,50", "tidak"],
        ["H2", "62.03.01.1006", "S1", "B1", "1.200", "3", "650.000", "ya"],
        ["H3", "62.03.01.1007", "S1", "B2", "0,75", "3", "dua juta", "ya"],
    ]
    write_csv(source / "survey.csv", header, rows, encoding="cp1252", delimiter=";")
    result = import_release(source, "comma", settings)
    assert found(result, "not_number") == [("survey.csv", 3, "expenditure_per_capita")]
    rows[2][6] = "2.000.000"
    write_csv(source / "survey.csv", header, rows, encoding="cp1252", delimiter=";")
    result = import_release(source, "comma2", settings)
    assert result.release is not None
    survey = pq.read_table(result.release.path_of("survey"))
    assert survey["weight"].to_pylist() == [120.5, 1200.0, 0.75]
    assert survey["expenditure_per_capita"].to_pylist() == [1250000.5, 650000.0, 2000000.0]


def test_numbers_with_decimal_dot_and_thousands_commas(source: Path, settings: Settings) -> None:
    header = [
        "household_id",
        "desa_code",
        "stratum",
        "psu",
        "weight",
        "household_size",
        "expenditure_per_capita",
        "urban",
    ]
    rows = [
        ["H1", "62.03.01.1006", "S1", "B1", "120.5", "4", "1,250,000.50", "false"],
        ["H2", "62.03.01.1006", "S1", "B1", "99", "3", "650,000", "true"],
    ]
    write_csv(source / "survey.csv", header, rows, delimiter="\t")
    result = import_release(source, "dot", settings)
    assert result.release is not None
    survey = pq.read_table(result.release.path_of("survey"))
    assert survey["weight"].to_pylist() == [120.5, 99.0]
    assert survey["expenditure_per_capita"].to_pylist() == [1250000.5, 650000.0]
