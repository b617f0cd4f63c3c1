"""The console script's exit codes, seen from a shell (a subprocess, not Typer's runner)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RPKD = str(Path(sys.executable).with_name("rpkd"))


def test_rejected_import_exits_1(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "families.csv").write_text(
        "family_id,desa_code\nF1,99.99.99.9999\n", encoding="utf-8"
    )
    done = subprocess.run(
        [RPKD, "release", "import", str(source), "--name", "r", "--workspace", str(tmp_path / "w")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert not (tmp_path / "w" / "releases" / "r").exists()


def test_success_exits_0() -> None:
    done = subprocess.run([RPKD, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
