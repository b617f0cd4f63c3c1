"""Import: a valid folder becomes an immutable release; each kind of bad data blocks it.

Expected findings are derived by hand from the fixture rows in conftest.py (row = 1-based data
row of the source file). These tests drive the domain importer; the workflow (report files,
audit, permissions) is tested in test_workflow.py.
"""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

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
from rpkd.errors import InvalidInput, NotFound, UsageError
from rpkd.releases.catalog import list_releases, open_release
from rpkd.settings import Settings


def _run(source: Path, settings: Settings, name: str = "r1", **kw: object) -> Imported:
    return run_import(source, settings.workspace, name, **kw)  # type: ignore[arg-type]


_found = found


def _assert_nothing_created(settings: Settings) -> None:
    releases = settings.workspace / "releases"
    assert not [p for p in releases.iterdir()] if releases.exists() else True
    assert list_releases(settings.workspace) == ()


def test_valid_folder_becomes_release(source: Path, settings: Settings) -> None:
    result = _run(source, settings)
    assert result.ok and result.errors == 0
    release = open_release(settings.workspace, "r1")
    assert release.kinds == ("families", "persons")
    assert release.region == "62.03"
    m = release.manifest
    assert m["rows"] == {"families": 2, "persons": 6}
    assert m["schema_version"] == 2 and m["name"] == "r1"
    assert m["reference_date"] == "2025-07-01" and release.reference_date == date(2025, 7, 1)
    assert m["created_at"].endswith("Z") and m["created_by"]
    expected = hashlib.sha256((source / "persons.csv").read_bytes()).hexdigest()
    assert [s["sha256"] for s in m["sources"] if s["file"] == "persons.csv"] == [expected]
    for name, digest in m["outputs"].items():
        assert hashlib.sha256((release.path / name).read_bytes()).hexdigest() == digest
    # one deceased person (P6, row 6): a warning, counted in the manifest
    assert m["warnings"] == {"deceased": 1} and m["deceased"] == 1
    assert _found(result, "deceased") == [("persons.csv", 6, "death_date")]
    families = pq.read_table(release.path_of("families"))
    assert families.schema.field("family_size").type == pa.int64()
    assert families.schema.field("urban").type == pa.bool_()
    # plain desa code 6203021001 is stored dotted
    assert families["desa_code"].to_pylist() == ["62.03.01.1006", "62.03.02.1001"]
    persons = pq.read_table(release.path_of("persons"))
    assert persons.schema.field("birth_date").type == pa.date32()
    assert persons["birth_date"][0].as_py() == date(1980, 5, 12)
    assert pq.read_table(release.path / "findings.parquet").num_rows == 1
    for item in release.path.iterdir():
        assert not item.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    with pytest.raises(NotFound):
        release.path_of("survey")


def test_existing_name_is_an_error(source: Path, settings: Settings) -> None:
    assert _run(source, settings).ok
    with pytest.raises(InvalidInput) as info:
        _run(source, settings)
    assert (info.value.code, info.value.params, info.value.exit_code) == (
        "release_exists",
        {"name": "r1"},
        1,
    )


def test_bad_name_is_a_usage_error(source: Path, settings: Settings) -> None:
    with pytest.raises(UsageError) as info:
        _run(source, settings, name="../evil")
    assert (info.value.code, info.value.params) == ("release_name", {"name": "../evil"})


@pytest.mark.parametrize("content", [b"", ",".join(PERSONS_HEADER).encode() + b"\n"])
def test_empty_file(source: Path, settings: Settings, content: bytes) -> None:
    (source / "persons.csv").write_bytes(content)  # 0 bytes, or a header only
    result = _run(source, settings)
    assert not result.ok
    assert _found(result, "file_empty") == [("persons.csv", None, None)]
    _assert_nothing_created(settings)


def test_persons_without_nik_column_is_an_error(source: Path, settings: Settings) -> None:
    header = [h for h in PERSONS_HEADER if h != "nik"]
    write_csv(source / "persons.csv", header, [r[:2] + r[3:] for r in PERSONS])
    result = _run(source, settings)
    assert not result.ok
    assert _found(result, "column_missing") == [("persons.csv", None, "nik")]


def test_empty_nik_is_a_warning(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[2][2] = ""  # Rina has no NIK yet
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    result = _run(source, settings)
    assert result.ok and result.warnings == 2  # nik_empty and the deceased P6
    assert _found(result, "nik_empty") == [("persons.csv", 3, "nik")]
    assert result.release is not None
    assert result.release.manifest["warnings"] == {"deceased": 1, "nik_empty": 1}


def test_reference_date_decides_ages_and_births(source: Path, settings: Settings) -> None:
    # On 2009-01-01 Rina (born 2010-11-30, row 3) is not born yet; on 2061-01-01 Usman (born
    # 1940-06-15, row 6) would be over 120.
    early = _run(source, settings, "early", reference_date=date(2009, 1, 1))
    assert _found(early, "birth_future") == [("persons.csv", 3, "birth_date")]
    late = _run(source, settings, "late", reference_date=date(2061, 1, 1))
    assert _found(late, "age_impossible") == [("persons.csv", 6, "birth_date")]
    assert not early.ok and not late.ok


def test_missing_column(source: Path, settings: Settings) -> None:
    header = [h for h in FAMILIES_HEADER if h != "family_size"]
    write_csv(source / "families.csv", header, [r[:4] + r[5:] for r in FAMILIES])
    result = _run(source, settings)
    assert not result.ok
    assert _found(result, "column_missing") == [("families.csv", None, "family_size")]
    _assert_nothing_created(settings)


def test_text_in_number_column(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in FAMILIES]
    rows[1][4] = "dua"
    write_csv(source / "families.csv", FAMILIES_HEADER, rows)
    result = _run(source, settings)
    assert not result.ok
    assert _found(result, "not_number") == [("families.csv", 2, "family_size")]
    (row,) = [r for r in result.findings.to_pylist() if r["code"] == "not_number"]
    assert (row["value"], row["severity"], row["kind"]) == ("dua", "error", "families")
    _assert_nothing_created(settings)


def test_bad_nik(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[2][2] = "62030170111000"  # 14 digits
    rows[3][2] = "6203020101709999"[:-1] + "X"
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    result = _run(source, settings)
    assert not result.ok
    assert _found(result, "nik_malformed") == [("persons.csv", 3, "nik"), ("persons.csv", 4, "nik")]
    values = [r["value"] for r in result.findings.to_pylist() if r["code"] == "nik_malformed"]
    # masked by default, one format everywhere (rpkd.access.masking): digits kept, 4 and 4
    assert values == ["6203******1000", "6203*******0999"]
    unmasked = _run(source, settings, name="r2", unmask=True)
    assert "62030170111000" in [r["value"] for r in unmasked.findings.to_pylist()]


def test_nik_birth_part_and_moves(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[1][2] = "6203010703820002"  # woman written without +40: mismatch with sex P
    rows[0][2] = "6203021205800001"  # issued in 62.03.02, family lives in 62.03.01: moved
    rows[2][2] = "9903017011100003"  # no kecamatan 99.03.01
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    result = _run(source, settings)
    assert _found(result, "nik_birth_mismatch") == [("persons.csv", 2, "nik")]
    assert _found(result, "nik_moved") == [("persons.csv", 1, "nik")]
    assert _found(result, "nik_region_unknown") == [("persons.csv", 3, "nik")]
    assert {r["severity"] for r in result.findings.to_pylist() if r["code"] == "nik_moved"} == {
        "warning"
    }


def test_unknown_region(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in FAMILIES]
    rows[0][2] = "62.03.99.9999"  # well formed, not a desa
    rows[1][2] = (
        "62.04.01.1003"  # a real desa of Kabupaten Barito Selatan? no: 62.04 is outside 62.03
    )
    write_csv(source / "families.csv", FAMILIES_HEADER, rows)
    result = _run(source, settings, region="62.03")
    assert _found(result, "desa_unknown") == [("families.csv", 1, "desa_code")]
    assert _found(result, "desa_outside") == [("families.csv", 2, "desa_code")]
    assert not result.ok
    _assert_nothing_created(settings)


def test_duplicate_nik(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[4][2] = rows[1][2]  # P5 (family F2) gets P2's NIK (family F1)
    rows.append(
        ["P7", "F1", rows[0][2], "Budi S", "L", "1980-05-12", "anak", ""]
    )  # P1's NIK again, same family
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    result = _run(source, settings)
    assert not result.ok
    assert _found(result, "nik_in_two_families") == [
        ("persons.csv", 2, "nik"),
        ("persons.csv", 5, "nik"),
    ]
    assert _found(result, "nik_duplicate") == [("persons.csv", 1, "nik"), ("persons.csv", 7, "nik")]
    _assert_nothing_created(settings)


def test_negative_expenditure(source: Path, settings: Settings) -> None:
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
    write_csv(
        source / "survey.csv",
        header,
        [
            ["H1", "62.03.01.1006", "S1", "B1", "120.5", "4", "650000", "false"],
            ["H2", "62.03.01.1006", "S1", "B1", "120.5", "3", "-15000", "false"],
            ["H3", "62.03.01.1007", "S1", "B2", "0", "3", "900000", "true"],
        ],
    )
    result = _run(source, settings)
    assert not result.ok
    assert _found(result, "out_of_range") == [("survey.csv", 2, "expenditure_per_capita")]
    assert _found(result, "weight_not_positive") == [("survey.csv", 3, "weight")]
    _assert_nothing_created(settings)


def test_family_structure(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[3][6] = "anak"  # F2 loses its head
    rows[1][6] = "kepala_keluarga"  # F1 gets two heads
    rows.append(["P8", "F9", "6203011205800008", "Anon", "L", "1980-05-12", "kepala_keluarga", ""])
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    fam = [list(r) for r in FAMILIES]
    fam[0][4] = "4"  # F1 has 3 living persons
    write_csv(source / "families.csv", FAMILIES_HEADER, fam)
    result = _run(source, settings)
    assert _found(result, "head_missing") == [("persons.csv", 4, "family_id")]
    assert _found(result, "head_multiple") == [
        ("persons.csv", 1, "family_id"),
        ("persons.csv", 2, "family_id"),
    ]
    assert _found(result, "family_missing") == [("persons.csv", 7, "family_id")]
    assert _found(result, "family_size_mismatch") == [("families.csv", 1, "family_size")]


def test_codes_dates_and_ages(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in PERSONS]
    rows[0][4] = "laki"  # not a code
    rows[1][5] = "1982-02-30"  # no such date
    rows[2][5] = "2030-11-30"  # in the future (NIK 701130 keeps the birth part consistent)
    rows[2][2] = "6203017011300003"
    rows[5][5] = "1900-06-15"  # 125 years old on 2025-07-01
    rows[5][2] = "6203021506000006"
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    result = _run(source, settings)
    assert _found(result, "code_unknown") == [("persons.csv", 1, "sex")]
    assert _found(result, "not_date") == [("persons.csv", 2, "birth_date")]
    assert _found(result, "birth_future") == [("persons.csv", 3, "birth_date")]
    assert _found(result, "age_impossible") == [("persons.csv", 6, "birth_date")]


def test_key_and_row_duplicates(source: Path, settings: Settings) -> None:
    rows = [list(r) for r in FAMILIES] + [list(FAMILIES[1])]
    write_csv(source / "families.csv", FAMILIES_HEADER, rows)
    result = _run(source, settings)
    assert _found(result, "key_duplicate") == [
        ("families.csv", 2, "family_id"),
        ("families.csv", 3, "family_id"),
    ]
    assert _found(result, "row_duplicate") == [("families.csv", 2, None), ("families.csv", 3, None)]


def test_beneficiary_identity_problems_are_warnings(source: Path, settings: Settings) -> None:
    header = ["nik", "name", "birth_date", "desa_code", "year", "amount"]
    write_csv(
        source / "beneficiaries_pkh.csv",
        header,
        [
            ["6203011205800001", "Budi Santoso", "1980-05-12", "62.03.01.1006", "2025", "750000"],
            ["12345", "Siti", "01-01-1982", "62.03.01.1006", "2025", "750000"],
            ["6203011205800001", "", "1980-01-01", "62.03.01.1006", "2025", "750000"],
        ],
    )
    result = _run(source, settings)
    assert result.ok
    assert _found(result, "nik_malformed") == [("beneficiaries_pkh.csv", 2, "nik")]
    assert _found(result, "nik_duplicate") == [
        ("beneficiaries_pkh.csv", 1, "nik"),
        ("beneficiaries_pkh.csv", 3, "nik"),
    ]
    assert _found(result, "required_missing") == [("beneficiaries_pkh.csv", 3, "name")]
    # 01-01-1982 (DD-MM-YYYY, as lists write it) and 1980-01-01 are both 1 January
    assert _found(result, "birth_date_placeholder") == [
        ("beneficiaries_pkh.csv", 2, "birth_date"),
        ("beneficiaries_pkh.csv", 3, "birth_date"),
    ]
    lists = pq.read_table(result.release.path_of("beneficiaries"))  # type: ignore[union-attr]
    assert lists["programme"].to_pylist() == ["pkh"] * 3
    assert lists["record"].to_pylist() == ["1", "2", "3"]
    assert result.release.manifest["programmes"] == ["pkh"]  # type: ignore[union-attr]


def test_beneficiary_amount_and_desa_are_errors(source: Path, settings: Settings) -> None:
    header = ["nik", "name", "desa_code", "year", "amount"]
    write_csv(
        source / "beneficiaries_blt_dd.csv",
        header,
        [
            ["6203011205800001", "Budi", "62.03.01.1006", "2025", "300.000,-"],
            ["6203011205800001", "Budi", "62.03.01.9999", "dua ribu", "300000"],
        ],
    )
    result = _run(source, settings)
    assert not result.ok
    assert _found(result, "not_number") == [
        ("beneficiaries_blt_dd.csv", 1, "amount"),
        ("beneficiaries_blt_dd.csv", 2, "year"),
    ]
    assert _found(result, "desa_unknown") == [("beneficiaries_blt_dd.csv", 2, "desa_code")]


def test_ignores_truth_and_synth_json(source: Path, settings: Settings) -> None:
    (source / "truth").mkdir()
    write_csv(source / "truth" / "links_pkh.csv", ["record", "person_id"], [["1", "P1"]])
    (source / "synth.json").write_text(json.dumps({"seed": 1}), encoding="utf-8")
    assert _run(source, settings).release.kinds == ("families", "persons")  # type: ignore[union-attr]


def test_stale_temp_folder_is_not_a_release_and_is_cleaned(
    source: Path, settings: Settings
) -> None:
    releases = settings.workspace / "releases"
    stale = releases / ".tmp-r1-999999999-abcd"
    stale.mkdir(parents=True)
    (stale / "families.parquet").write_bytes(b"partial")
    assert list_releases(settings.workspace) == ()
    assert _run(source, settings).ok
    assert not stale.exists()
    assert [r.name for r in list_releases(settings.workspace)] == ["r1"]


def test_progress_is_reported_by_stage(source: Path, settings: Settings) -> None:
    seen: list[tuple[str, int, int]] = []
    _run(source, settings, progress=lambda what, done, total: seen.append((what, done, total)))
    stages = list(dict.fromkeys(s for s, _, _ in seen))
    assert stages == ["import.read", "import.validate", "import.write"]
    for stage in stages:  # each stage ends complete
        last = [(d, t) for s, d, t in seen if s == stage][-1]
        assert last[0] == last[1]
    assert all(0 <= d <= t for _, d, t in seen)
