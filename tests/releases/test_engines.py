"""One suite, every engine: the same import gives the same findings on DuckDB and Spark."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import PERSONS, PERSONS_HEADER, run_import, write_csv
from rpkd import engine as eng


@pytest.mark.slow
def test_same_findings_and_release_on_every_engine(
    source: Path, tmp_path: Path, engine: eng.Engine
) -> None:
    workspace = tmp_path / "ws"
    rows = [list(r) for r in PERSONS]
    rows[0][2] = "123"  # hand-derived: nik_malformed at row 1; P6 (row 6) deceased
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    bad = run_import(source, workspace, "bad", engine=engine)
    found = [(r["file"], r["row"], r["field"], r["code"]) for r in bad.findings.to_pylist()]
    assert found == [
        ("persons.csv", 1, "nik", "nik_malformed"),
        ("persons.csv", 6, "death_date", "deceased"),
    ]
    write_csv(source / "persons.csv", PERSONS_HEADER, PERSONS)
    good = run_import(source, workspace, "good", engine=engine)
    assert good.release is not None and good.release.manifest["engine"] == engine.name
    families = pq.read_table(good.release.path_of("families"))
    assert families["desa_code"].to_pylist() == ["62.03.01.1006", "62.03.02.1001"]
