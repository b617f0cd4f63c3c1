"""A new user's first command, in a fresh virtual environment (issue 13, item 9).

The README's first command installs ``rpkd`` with some extras only; with such an install every
usage error once printed a traceback ending in ``ModuleNotFoundError: No module named 'click'``
and exited 1 (CI installed more and hid it). This test builds a fresh venv (no system site
packages), installs exactly the README's extras from this checkout, and runs each usage-error
path as a shell would: exit code 2 (0 for ``--version`` and ``--help``), one line of message,
no traceback. pip uses this machine's index configuration and its wheel cache; it does not
byte-compile the packages (the few commands compile what they import, a fraction of it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def readme_extras() -> str:
    """Return the extras of the README's first ``pip install -e '.[...]'`` command."""
    found = re.search(r"pip install -e '\.\[([a-z,]+)\]'", (ROOT / "README.md").read_text())
    assert found, "the README no longer shows its pip install command"
    return found.group(1)


@dataclass(frozen=True)
class Venv:
    """A fresh virtual environment with rpkd installed as the README says."""

    path: Path

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RPKD_")}
        env["COLUMNS"] = "200"
        return subprocess.run(
            [str(self.path / "bin" / "rpkd"), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=cwd,
            env=env,
            timeout=120,
        )


@pytest.fixture(scope="session")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """Build the venv once per session: ``python -m venv`` then the README's install."""
    path = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    assert "include-system-site-packages = false" in (path / "pyvenv.cfg").read_text()
    install = subprocess.run(
        [
            str(path / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",  # byte-compiling every installed module took 40% of the install
            "-e",
            f"{ROOT}[{readme_extras()}]",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return Venv(path)


def test_the_readme_installs_what_the_demo_and_its_web_app_need() -> None:
    assert set(readme_extras().split(",")) == {"linkage", "reports", "web"}


def test_rpkd_never_imports_the_separate_click_package() -> None:
    # typer >= 0.27.2 vendors click: an install without click (the web extra's uvicorn brings
    # it, the others do not) must still parse every command and report every usage error.
    sources = (ROOT / "src" / "rpkd").rglob("*.py")
    assert not [p for p in sources if re.search(r"^\s*(import|from) click\b", p.read_text(), re.M)]


USAGE_ERRORS: dict[str, Sequence[str]] = {
    "bad flag": ("synth", "--region", "62.03", "--out", "d", "--bogus"),
    "bad value": ("synth", "--region", "62.03", "--out", "d", "--seed", "abc"),
    "bad choice": ("synth", "--region", "62.03", "--out", "d", "--format", "xlsx"),
    "missing option": ("synth", "--out", "d"),
    "mistyped command": ("synht",),
    "mistyped subcommand": ("release", "lst"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_errors_exit_2_with_one_line(fresh: Venv, tmp_path: Path, case: str) -> None:
    done = fresh.run(*USAGE_ERRORS[case], cwd=tmp_path)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Galat: "), done.stderr
    english = fresh.run(*USAGE_ERRORS[case], "--lang", "en", cwd=tmp_path)
    assert english.returncode == 2 and english.stderr.startswith("Error: "), english.stderr


def test_plain_rpkd_shows_the_help_and_exits_2(fresh: Venv, tmp_path: Path) -> None:
    done = fresh.run(cwd=tmp_path)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == 2
    assert "Penggunaan: rpkd [OPSI] PERINTAH" in done.stdout + done.stderr


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("synth", "--help")])
def test_version_and_help_exit_0(fresh: Venv, tmp_path: Path, args: tuple[str, ...]) -> None:
    done = fresh.run(*args, cwd=tmp_path)
    assert done.returncode == 0 and not done.stderr, done.stderr
    if args == ("--version",):
        assert re.fullmatch(r"rpkd \d+\.\d+\.\d+\S*\n", done.stdout), done.stdout
    else:
        assert "Penggunaan: rpkd" in done.stdout
