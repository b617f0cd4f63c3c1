"""A disk that fills up during ``rpkd release import``: a coded error, nothing left behind.

The workspace lives on a small tmpfs (mounting needs root: skipped, with the reason, otherwise).
The workspace's database is created first; the filesystem is then shrunk to leave too little
room for the release, and the import must fail with ``disk_full`` leaving the files and the
database's rows exactly as before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_kit import run, snapshot

from rpkd.errors import InvalidInput

ROOM = 300 * 1024
"""Free bytes left on the filesystem for the import (its staged files need several times more)."""


def _mount(point: Path, size: int) -> subprocess.CompletedProcess[str]:
    options = f"size={size}"
    args = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)]
    if os.path.ismount(point):
        args = ["mount", "-o", f"remount,{options}", str(point)]
    return subprocess.run(args, capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs mounted at a temporary folder (unmounted afterwards)."""
    point = tmp_path / "disk"
    point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a size-limited tmpfs needs root and mount(8)")
    mounted = _mount(point, 4 << 20)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a size-limited tmpfs is not permitted here: {mounted.stderr}")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=True)


@pytest.mark.slow
def test_a_full_disk_gives_a_coded_error_and_leaves_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    source, workspace = tmp_path / "src", small_disk / "ws"
    synth = run("synth", "--region", "62.03", "--out", str(source), "--families", "3000")
    assert synth.returncode == 0, synth.stderr
    made = run("plan", "init", "--kit", "kapuas", "-w", str(workspace))
    assert made.returncode == 0, made.stderr
    used = shutil.disk_usage(small_disk).used
    assert _mount(small_disk, used + ROOM).returncode == 0
    before = snapshot(workspace)
    args = ("release", "import", str(source), "--name", "r1", "-w", str(workspace))
    full = run(*args, "--lang", "en")
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    expected = InvalidInput("disk_full").message("en")
    assert expected in " ".join(full.stderr.split())
    after = snapshot(workspace)
    assert (after.files, after.rows, after.audit) == (before.files, before.rows, before.audit)
    assert not (workspace / "releases" / "r1").exists()
    assert _mount(small_disk, 64 << 20).returncode == 0  # room again: the same import succeeds
    done = run(*args)
    assert done.returncode == 0, done.stderr
