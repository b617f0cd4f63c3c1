"""``rpkd --help`` and usage errors answer without loading the engine, statistics or documents.

A structural check, not a timing one (issue 13: every command took about 2 s to start): after
importing the command line and registering every command, none of the heavy libraries is
loaded. Command modules import their workflows inside the command bodies.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import rpkd.cli

HEAVY = ("ibis", "duckdb", "pyspark", "sqlalchemy", "scipy", "openpyxl", "xlsxwriter", "splink")
CLI_MODULES = sorted(
    f"rpkd.cli.{m.name}" for m in pkgutil.iter_modules(rpkd.cli.__path__) if not m.ispkg
)


def _loaded_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the heavy libraries it left in sys.modules."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_registering_every_command_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import rpkd.cli as cli\ncli._register()")
    assert loaded == [], f"rpkd --help loads {loaded}"


@pytest.mark.parametrize("module", CLI_MODULES)
def test_each_command_module_is_light(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    assert loaded == [], f"{module} loads {loaded} at import"
