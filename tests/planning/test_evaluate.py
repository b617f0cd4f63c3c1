"""``evaluate`` across releases: the P0 decomposition and desil 1–2 transitions, wired to the
kit's poverty lines at each release's reference date (hand-derived expectations)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner, Result

from rpkd.cli import plan as plan_cli
from rpkd.errors import UsageError
from rpkd.planning.model import Plan
from rpkd.planning.store import save_plan
from rpkd.workflows import monitoring
from rpkd.workflows.workspace import Workspace

OpenWorkspace = Callable[..., Workspace]

# Kalimantan Tengah (62) poverty line: 596,184 until 2024-02-29, then 623,954 (params kit).
Z1, Z2 = 596184.0, 623954.0


def _release(
    root: Path, name: str, on: str, ratios: Sequence[float] | None, desil: dict[str, int]
) -> None:
    """Write a release folder: a survey of welfare = ratio × the line, and registry families."""
    folder = root / "releases" / name
    folder.mkdir(parents=True)
    kinds = ["families"]
    line = Z1 if on < "2024-03-01" else Z2
    if ratios is not None:
        kinds.append("survey")
        pq.write_table(
            pa.table(
                {
                    "expenditure_per_capita": [r * line for r in ratios],
                    "weight": [1.0] * len(ratios),
                    "household_size": [2, 1, 1, 1],  # persons: weight × household size
                }
            ),
            folder / "survey.parquet",
        )
    pq.write_table(
        pa.table({"family_id": list(desil), "desil": list(desil.values())}),
        folder / "families.parquet",
    )
    manifest = {"name": name, "kinds": kinds, "region": "62.03", "reference_date": on}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def releases(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    _release(root, "r2023", "2023-09-01", [0.5, 0.8, 1.5, 3.0],
             {"a": 1, "b": 2, "c": 3, "d": 1, "e": 5, "f": 2})  # fmt: skip
    _release(root, "r2024", "2024-09-01", [0.9, 1.2, 1.5, 3.0],
             {"a": 1, "b": 4, "c": 2, "d": 2, "e": 6, "g": 1})  # fmt: skip
    _release(root, "r2025", "2025-03-01", None, {"a": 1})
    return root


def test_decomposition_and_transitions_between_releases(
    releases: Path, open_workspace: OpenWorkspace, plan: Plan
) -> None:
    ws = open_workspace()
    with ws.transaction() as db:
        save_plan(db, plan)
    result = monitoring.evaluate(ws, releases=("r2023", "r2024"))
    assert [(r.release, r.reference_date, r.poverty_line) for r in result.releases] == [
        ("r2023", date(2023, 9, 1), Z1),
        ("r2024", date(2024, 9, 1), Z2),
    ]
    datt, shapley = result.poverty_changes[0].decompositions
    # Welfare / line: before 0.5, 0.8, 1.5, 3 with persons 2, 1, 1, 1: P0 = 3/5 (mean 1.26 z);
    # after 0.9, 1.2, 1.5, 3 (deflated to the first line): P0 = 2/5 (mean 1.5 z).
    # P(mu2, L1): x 1.5/1.26 -> 0.595, 0.952, ... still 3/5 poor: growth 0.
    # P(mu1, L2): x 1.26/1.5 -> 0.756, 1.008, ... 2/5 poor: redistribution -0.2, residual 0.
    assert (datt.initial, datt.final, datt.change) == pytest.approx((0.6, 0.4, -0.2))
    assert (datt.growth, datt.redistribution, datt.residual) == pytest.approx((0.0, -0.2, 0.0))
    assert (datt.line, datt.mean_initial, datt.mean_final) == pytest.approx(
        (Z1, 1.26 * Z1, 1.5 * Z1)
    )
    assert (shapley.growth, shapley.redistribution) == pytest.approx((0.0, -0.2))
    assert result.desil_changes[0].transitions.summary() == {
        "moved_out": 1, "moved_in": 1, "stayed": 2, "left_registry": 1, "entered_registry": 1,
    }  # fmt: skip
    body = result.to_json("en")
    assert list(body)[:3] == ["targets", "path_to_zero", "findings"]  # the existing keys first
    assert [r["method"] for r in body["poverty_change"]] == ["datt_ravallion", "shapley"]
    assert (
        body["poverty_change"][0]["from"] == "r2023"
        and body["releases"][0]["reference_date"] == "2023-09-01"
    )
    assert body["desil_transitions"][0]["moved_out"] == 1


def test_a_release_without_a_survey_skips_the_decomposition_with_a_finding(
    releases: Path, open_workspace: OpenWorkspace, plan: Plan
) -> None:
    ws = open_workspace()
    with ws.transaction() as db:
        save_plan(db, plan)
    result = monitoring.evaluate(ws, releases=("r2023", "r2024", "r2025"))
    assert [(c.first, c.second) for c in result.poverty_changes] == [("r2023", "r2024")]
    assert [(c.first, c.second) for c in result.desil_changes] == [
        ("r2023", "r2024"),
        ("r2024", "r2025"),
    ]
    missing = [f for f in result.findings if f.code == "evaluate_survey_missing"]
    assert [dict(f.params) for f in missing] == [
        {"release": "r2025", "first": "r2024", "second": "r2025"}
    ]
    assert "r2025" in result.to_json("en")["findings"][-1]
    with pytest.raises(UsageError) as caught:
        monitoring.evaluate(ws, releases=("r2023",))
    assert caught.value.code == "evaluate_releases_few"


def test_without_releases_the_new_keys_are_empty(open_workspace: OpenWorkspace, plan: Plan) -> None:
    ws = open_workspace()
    with ws.transaction() as db:
        save_plan(db, plan)
    body = monitoring.evaluate(ws).to_json()
    assert body["path_to_zero"] is None
    assert body["findings"] == ["tren memerlukan minimal dua tahun pengamatan (ada 0)"]
    assert (body["releases"], body["poverty_change"], body["desil_transitions"]) == ([], [], [])


def test_the_command_takes_releases_and_adds_only_new_keys(
    releases: Path, database_url: str
) -> None:
    app = typer.Typer()
    plan_cli.register(app)
    env = {"RPKD_DATABASE_URL": database_url, "COLUMNS": "200"}

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, "--workspace", str(releases)], env=env)

    assert run("plan", "init").exit_code == 0
    done = run("evaluate", "--releases", "r2023, r2024", "--format", "json")
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    assert list(body) == [
        "targets", "path_to_zero", "findings", "releases", "poverty_change", "desil_transitions",
    ]  # fmt: skip
    assert [r["release"] for r in body["releases"]] == ["r2023", "r2024"]
    assert body["desil_transitions"][0]["transitions"][0] == {
        "desil_before": 1, "desil_after": 1, "n": 1,
    }  # fmt: skip
    table = run("evaluate", "--releases", "r2023,r2024", "--lang", "en")
    assert "Redistribution" in table.stdout and "Moved out of desil 1-2" in table.stdout
    one = run("evaluate", "--releases", "r2023")
    assert isinstance(one.exception, UsageError) and one.exception.exit_code == 2
