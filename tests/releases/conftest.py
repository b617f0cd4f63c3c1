"""Hand-built source folders: a tiny valid Kapuas registry that each test breaks in one place.

NIKs are derived by hand from the Dukcapil rule: kecamatan (6 digits), birth date DDMMYY with 40
added to DD for women, serial (4 digits).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest

from rpkd.settings import Settings

FAMILIES_HEADER = [
    "family_id",
    "kk_number",
    "desa_code",
    "address",
    "family_size",
    "urban",
    "desil",
]
FAMILIES = [
    ["F1", "6203010101200001", "62.03.01.1006", "Jl. Cilik Riwut 1", "3", "true", "1"],
    ["F2", "6203020202200002", "6203021001", "Jl. Pemuda 2", "2", "false", "4"],
]
PERSONS_HEADER = [
    "person_id",
    "family_id",
    "nik",
    "name",
    "sex",
    "birth_date",
    "relation",
    "death_date",
]
PERSONS = [
    # man born 1980-05-12 in kecamatan 62.03.01: 620301 120580 0001
    ["P1", "F1", "6203011205800001", "Budi Santoso", "L", "1980-05-12", "kepala_keluarga", ""],
    # woman born 1982-03-07: day 07 + 40 = 47 -> 620301 470382 0002
    ["P2", "F1", "6203014703820002", "Siti Aminah", "P", "1982-03-07", "istri_suami", ""],
    # girl born 2010-11-30: 30 + 40 = 70 -> 620301 701110 0003
    ["P3", "F1", "6203017011100003", "Rina", "P", "2010-11-30", "anak", ""],
    ["P4", "F2", "6203020101700004", "Ahmad", "L", "1970-01-01", "kepala_keluarga", ""],
    ["P5", "F2", "6203024102720005", "Aisyah", "P", "1972-02-01", "istri_suami", ""],
    # deceased father of Ahmad: listed and flagged, not counted in family_size
    ["P6", "F2", "6203021506400006", "Usman", "L", "1940-06-15", "orang_tua_mertua", "2024-01-05"],
]


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    folder.mkdir()
    write_csv(folder / "families.csv", FAMILIES_HEADER, FAMILIES)
    write_csv(folder / "persons.csv", PERSONS_HEADER, PERSONS)
    return folder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(workspace=tmp_path / "ws")
