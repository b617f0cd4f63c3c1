"""Two imports of one release name started together: one wins, the other is refused by code."""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_kit import copy, run, snapshot, start

from rpkd.errors import InvalidInput
from rpkd.releases.catalog import list_releases, load
from rpkd.releases.importer import sha256


@pytest.mark.slow
def test_one_of_two_imports_of_one_name_wins(tmp_path: Path) -> None:
    source, workspace = tmp_path / "src", tmp_path / "ws"
    synth = run("synth", "--region", "62.03", "--out", str(source), "--families", "200")
    assert synth.returncode == 0, synth.stderr
    made = run("plan", "init", "--kit", "kapuas", "-w", str(workspace))  # the database exists
    assert made.returncode == 0, made.stderr
    second_source = copy(source, tmp_path / "src-2")
    args = ("--name", "r1", "-w", str(workspace), "--lang", "en", "--reference-date", "2025-03-01")
    processes = [start("release", "import", str(s), *args) for s in (source, second_source)]
    ended = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    codes = sorted(code for code, _, _ in ended)
    assert codes == [0, 1], ended
    (refused,) = [err for code, _, err in ended if code == 1]
    expected = InvalidInput("release_exists", param="name", name="r1").message("en")
    assert expected in " ".join(refused.split()), refused
    assert [r.name for r in list_releases(workspace)] == ["r1"]
    release = load(workspace / "releases" / "r1")  # the winner's release, whole
    assert release.manifest["rows"]["families"] == 200
    for name, digest in release.manifest["outputs"].items():
        assert sha256(release.path / name) == digest, name
    shown = run("release", "show", "r1", "-w", str(workspace), "-f", "json")
    assert shown.returncode == 0, shown.stderr
    assert not snapshot(workspace).leftovers()
