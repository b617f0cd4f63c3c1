"""``rpkd demo`` end to end on a small synthetic Kapuas."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from rpkd.cli import _register, app
from rpkd.settings import Settings
from rpkd.workflows.demo import RELEASE, run_demo


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = tmp_path_factory.mktemp("demo")
    run_demo(Settings(workspace=workspace), families=2500, seed=3)
    return workspace


def _records(workspace: Path, stem: str) -> list[dict[str, object]]:
    return json.loads((workspace / "demo" / "hasil" / f"{stem}.json").read_text(encoding="utf-8"))


def test_poverty_rate_is_the_weighted_share_of_poor_persons(demo_workspace: Path) -> None:
    survey = pq.read_table(demo_workspace / "releases" / RELEASE / "survey.parquet")
    y = survey.column("expenditure_per_capita").to_numpy()
    persons = survey.column("weight").to_numpy() * survey.column("household_size").to_numpy()
    rows = _records(demo_workspace, "kemiskinan")
    for row in rows:
        if row["measure"] == "fgt0" and row["domain"] is None:
            line = float(str(row["line"]))
            expected = persons[y < line].sum() / persons.sum()
            assert row["estimate"] == pytest.approx(expected, rel=1e-12)
            assert row["se"] is not None and float(str(row["se"])) > 0
    # Kalimantan Tengah 2024 line and the USD 2.15 PPP 2017 extreme line (params kit).
    assert {float(str(r["line"])) for r in rows if r["measure"] == "fgt0"} == {623954.0, 391000.0}


def test_plan_indicators_are_filled_from_the_estimates(demo_workspace: Path) -> None:
    p0 = next(
        r
        for r in _records(demo_workspace, "kemiskinan")
        if r["measure"] == "fgt0" and r["domain"] is None and float(str(r["line"])) == 623954.0
    )
    performance = {r["code"]: r for r in _records(demo_workspace, "kinerja")}
    assert performance["P0"]["realisation"] == pytest.approx(100 * float(str(p0["estimate"])))


def test_profile_covers_every_kecamatan(demo_workspace: Path) -> None:
    codes = {r["code"] for r in _records(demo_workspace, "profil") if r["level"] == "kecamatan"}
    assert len(codes) == 17


def test_map_has_every_kecamatan_with_finite_mse(demo_workspace: Path) -> None:
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(demo_workspace / "demo" / "hasil" / "peta" / "estimates.csv")
    rows = table.to_pylist()
    assert len(rows) == 17
    assert all(r["mse"] is not None and np.isfinite(r["mse"]) for r in rows)


def test_second_run_reuses_the_release(demo_workspace: Path) -> None:
    _register()
    result = CliRunner().invoke(app, ["demo", "--workspace", str(demo_workspace)])
    assert result.exit_code == 0, result.output
    assert "dipakai ulang" in result.output
    assert np.isfinite(len(_records(demo_workspace, "kinerja")))
