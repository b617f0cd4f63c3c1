"""``rpkd --help`` and usage errors answer without loading the engine, statistics or documents.

A structural check, not a timing one (issue 13: every command took about 2 s to start): after
importing the command line and registering every command, none of the heavy libraries is
loaded. Command modules import their workflows inside the command bodies.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

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


SURVEY_UNNEEDED = (
    "scipy",
    "sqlalchemy",
    "openpyxl",
    "xlsxwriter",
    "splink",
    "pyspark",
    "altair",
    "docx",
    "fastapi",
    "jinja2",
)
"""Libraries ``rpkd survey estimate --format json`` does not need (issue 18: scipy.stats alone
took a second of the command's four; the logit interval's t quantile is
:mod:`rpkd.survey.student_t`, so not even ``scipy.special`` is loaded)."""


def test_survey_estimate_loads_only_what_it_needs(tmp_path: Path) -> None:
    data = Path(__file__).parents[1] / "golden" / "survey" / "households.csv"
    argv = ["rpkd", "survey", "estimate", str(data), "--welfare", "expenditure_per_capita"]
    argv += ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--by", "kecamatan"]
    argv += ["--line", "600000", "--format", "json"]
    probe = (
        "import json, sys\n"
        "from rpkd.cli import main\n"
        f"sys.argv = {argv!r}\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"loaded = sorted(m for m in {SURVEY_UNNEEDED!r} if m in sys.modules)\n"
        "print('\\n' + json.dumps({'loaded': loaded}))"
    )
    env = {**os.environ, "RPKD_WORKSPACE": str(tmp_path / "workspace")}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    output, _, last = done.stdout.rstrip().rpartition("\n")
    assert json.loads(output)[0]["measure"] == "fgt0"
    assert json.loads(last) == {"loaded": []}
