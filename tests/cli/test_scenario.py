"""``rpkd scenario run|compare|save|list`` and ``rpkd optimise`` in-process: the DESIGN.md §7
JSON shapes, tables an officer reads in both languages, exit codes 1 (invalid scenario) and 2
(usage)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "simulation"))

from simulation_fixture import fresh, scenario_district

import rpkd.cli
from rpkd.errors import RpkdError

SCENARIO = """
name = "Sembako plus"
[[programme]]
programme = "sembako"
uptake = 0.9
[[programme]]
code = "topup"
rule = "desil <= 2"
top_up_to = "extreme"
"""


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scenario_district(tmp_path_factory)


@pytest.fixture
def workspace(district: Path, tmp_path: Path) -> str:
    return str(fresh(district, tmp_path).workspace)


def invoke(*args: str) -> tuple[int, str, str]:
    rpkd.cli._register()
    result = CliRunner().invoke(rpkd.cli.app, list(args), catch_exceptions=True,
                                env={"COLUMNS": "200"})  # fmt: skip
    if isinstance(result.exception, RpkdError):
        return result.exception.exit_code, result.stdout, result.exception.code
    return result.exit_code, result.stdout, ""


def scenario_file(folder: Path, text: str = SCENARIO, name: str = "s.toml") -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def as_json(out: str) -> Any:
    return json.loads(out)


def test_run_prints_the_contract_and_an_officer_s_table(workspace: str, tmp_path: Path) -> None:
    path = scenario_file(tmp_path)
    code, out, _ = invoke("scenario", "run", path, "--release", "r1", "--draws", "5",
                          "--year", "2026", "--format", "json", "-w", workspace)  # fmt: skip
    assert code == 0
    data = as_json(out)
    assert list(data) == ["scenario", "years"]
    assert [list(y) for y in data["years"]] == [
        ["year", "cost", "families_reached", "persons_reached", "estimates"]] * 2  # fmt: skip
    code, out, _ = invoke("scenario", "run", path, "--release", "r1", "--draws", "5",
                          "--year", "2026", "-w", workspace)  # fmt: skip
    assert code == 0
    assert "Skenario Sembako plus" in out and "selisih" in out and "Rp" in out
    assert "keluarga desil 1 tak terjangkau" in out
    code, out, _ = invoke("scenario", "run", path, "--release", "r1", "--draws", "5",
                          "--year", "2026", "--lang", "en", "-w", workspace)  # fmt: skip
    assert "difference" in out and "families reached" in out


def test_run_shows_the_registry_by_desa_and_desil(workspace: str, tmp_path: Path) -> None:
    code, out, _ = invoke("scenario", "run", scenario_file(tmp_path), "--release", "r1",
                          "--draws", "3", "--year", "2025", "--show", "reach", "--format",
                          "csv", "-w", workspace)  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["year", "desa_code", "desil", "families", "persons",
                             "families_reached", "persons_reached", "cost",
                             "families_left_out"]  # fmt: skip
    assert all(r["desa_code"].startswith("62.03.") for r in rows)


def test_compare_save_and_list(workspace: str, tmp_path: Path) -> None:
    a = scenario_file(tmp_path)
    b = scenario_file(tmp_path, SCENARIO.replace("Sembako plus", "Sembako saja").split(
        "[[programme]]\ncode")[0], "b.toml")  # fmt: skip
    code, out, _ = invoke("scenario", "compare", a, b, "--release", "r1", "--draws", "3",
                          "--year", "2025", "--format", "json", "-w", workspace)  # fmt: skip
    assert code == 0
    assert [d["scenario"] for d in as_json(out)] == ["Sembako plus", "Sembako saja"]
    code, out, _ = invoke("scenario", "save", a, "--chosen", "-w", workspace)
    assert code == 0 and "Sembako plus" in out
    code, out, _ = invoke("scenario", "list", "--format", "json", "-w", workspace)
    assert [(s["name"], s["chosen"]) for s in as_json(out)] == [("Sembako plus", True)]
    code, out, _ = invoke("scenario", "run", "Sembako plus", "--release", "r1", "--draws", "3",
                          "--year", "2025", "--format", "json", "-w", workspace)  # fmt: skip
    assert code == 0 and as_json(out)["scenario"] == "Sembako plus"


def test_optimise_prints_the_contract(workspace: str) -> None:
    code, out, _ = invoke("optimise", "--release", "r1", "--objective", "p0", "--target",
                          "0.02", "--draws", "4", "--points", "2", "--format", "json", "-w",
                          workspace)  # fmt: skip
    assert code == 0
    data = as_json(out)
    assert list(data) == ["objective", "target", "year", "budget", "allocation", "frontier"]
    code, out, _ = invoke("optimise", "--release", "r1", "--draws", "4", "--points", "2",
                          "-w", workspace)  # fmt: skip
    assert code == 0 and "Anggaran terkecil" in out and "Kurva anggaran" in out


def test_exit_codes(workspace: str, tmp_path: Path) -> None:
    bad = scenario_file(tmp_path, SCENARIO.replace("desil <= 2", "income < 2"), "bad.toml")
    code, _, error = invoke("scenario", "run", bad, "--release", "r1", "-w", workspace)
    assert (code, error) == (1, "scenario_invalid")
    code, _, error = invoke("optimise", "--release", "r1", "--objective", "wealth", "-w",
                            workspace)  # fmt: skip
    assert (code, error) == (2, "choice_invalid")
    code, _, error = invoke("scenario", "run", scenario_file(tmp_path), "--release", "r1",
                            "--show", "everything", "-w", workspace)  # fmt: skip
    assert (code, error) == (2, "choice_invalid")
    code, _, error = invoke("scenario", "run", "no such scenario", "--release", "r1", "-w",
                            workspace)  # fmt: skip
    assert (code, error) == (1, "scenario_missing")
