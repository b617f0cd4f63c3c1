"""All or nothing: an import killed with SIGKILL at any moment leaves no release behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FAMILIES_HEADER, PERSONS_HEADER, run_import, write_csv
from rpkd.releases.catalog import list_releases

_SCRIPT = """
import sys
from datetime import date
from pathlib import Path
from rpkd import engine as eng
from rpkd.releases import importer
from rpkd.releases.catalog import releases_dir
engine = eng.connect()
with importer.prepare(
    Path(sys.argv[1]), "big", releases_dir(Path(sys.argv[2])), engine,
    reference_date=date(2025, 7, 1),
) as candidate:
    candidate.commit()
"""


def _larger(folder: Path, families: int) -> None:
    fam = [[f"F{i}", "", "62.03.01.1006", "", "1", "true", "5"] for i in range(families)]
    per = [
        [f"P{i}", f"F{i}", "", f"Warga {i}", "L", "1980-01-01", "kepala_keluarga", ""]
        for i in range(families)
    ]
    write_csv(folder / "families.csv", FAMILIES_HEADER, fam)
    write_csv(folder / "persons.csv", PERSONS_HEADER, per)


@pytest.mark.slow
def test_sigkill_leaves_no_release(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    _larger(source, 60_000)
    workspace = tmp_path / "ws"
    releases = workspace / "releases"
    process = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(source), str(workspace)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(releases.glob(".tmp-big-*")):
        time.sleep(0.01)
    assert list(releases.glob(".tmp-big-*")), "the import never created its temporary folder"
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert list_releases(workspace) == ()
    assert not (releases / "big").exists()
    result = run_import(source, workspace, "big")
    assert result.ok, result.findings.slice(0, 5).to_pylist()
    assert [r.name for r in list_releases(workspace)] == ["big"]
    assert not list(releases.glob(".tmp-*"))
