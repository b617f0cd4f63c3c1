"""One suite, every engine: the same import gives the same findings on DuckDB and Spark."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import PERSONS, PERSONS_HEADER, write_csv
from rpkd import engine as eng
from rpkd.releases.importer import import_release
from rpkd.settings import Settings


@pytest.mark.slow
def test_same_findings_and_release_on_every_engine(
    source: Path, tmp_path: Path, engine: eng.Engine
) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    rows = [list(r) for r in PERSONS]
    rows[0][2] = "123"  # hand-derived: nik_malformed at row 1; P6 (row 6) deceased
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    bad = import_release(source, "bad", settings, today=date(2025, 7, 1), engine=engine)
    found = [(r["file"], r["row"], r["field"], r["rule"]) for r in bad.findings.to_pylist()]
    assert found == [
        ("persons.csv", 1, "nik", "nik_malformed"),
        ("persons.csv", 6, "death_date", "deceased"),
    ]
    write_csv(source / "persons.csv", PERSONS_HEADER, PERSONS)
    good = import_release(source, "good", settings, today=date(2025, 7, 1), engine=engine)
    assert good.release is not None and good.release.manifest["engine"] == engine.name
    families = pq.read_table(good.release.path_of("families"))
    assert families["desa_code"].to_pylist() == ["62.03.01.1006", "62.03.02.1001"]
