"""Hand-built source folders: a tiny valid Kapuas registry that each test breaks in one place.

NIKs are derived by hand from the Dukcapil rule: kecamatan (6 digits), birth date DDMMYY with 40
added to DD for women, serial (4 digits).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.releases import importer
from rpkd.releases.catalog import Release, releases_dir
from rpkd.releases.mapping import load_mapping
from rpkd.settings import Settings
from rpkd.workflows.workspace import Workspace

TODAY = date(2025, 7, 1)

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


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace (no users: the local admin acts), closed afterwards."""
    with Workspace(Settings(workspace=tmp_path / "ws")) as workspace:
        yield workspace


@dataclass(frozen=True)
class Imported:
    """What the domain import found: the release (None when refused) and a findings preview."""

    release: Release | None
    findings: pa.Table
    errors: int
    warnings: int
    region: str | None

    @property
    def ok(self) -> bool:
        return self.release is not None


def run_import(
    source: Path,
    workspace: Path,
    name: str = "r1",
    *,
    engine: eng.Engine | None = None,
    mapping: Path | None = None,
    **kw: Any,
) -> Imported:
    """Import ``source`` with :func:`rpkd.releases.importer.prepare`, committing when it is ok."""
    own = engine is None
    engine = engine or eng.connect(Settings(engine="duckdb"))
    kw.setdefault("reference_date", TODAY)
    try:
        with importer.prepare(
            source,
            name,
            releases_dir(workspace),
            engine,
            mapping=load_mapping(mapping) if mapping else None,
            **kw,
        ) as candidate:
            preview = candidate.preview()
            release = candidate.commit() if candidate.ok else None
        return Imported(release, preview, candidate.errors, candidate.warnings, candidate.region)
    finally:
        if own:
            eng.close(engine)


def found(result: Imported, rule: str) -> list[tuple[str, int | None, str | None]]:
    """Return (file, row, field) of every previewed finding of ``rule``, in report order."""
    rows = result.findings.to_pylist()
    return [(r["file"], r["row"], r["field"]) for r in rows if r["code"] == rule]
