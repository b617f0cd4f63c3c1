"""The dashboard as data: figures, targets, path to zero, map, lagging items and freshness.

Expected values come from outside the workflow: weighted shares of the release's survey and
logit intervals computed here with NumPy and SciPy, the weighted least-squares projection of
two points worked by hand, and the poverty map and monitoring workflows themselves (whose
numbers the dashboard must repeat, not recompute differently).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.stats import norm, t

from rpkd.errors import Forbidden
from rpkd.settings import Settings
from rpkd.synth import synthesize
from rpkd.workflows import overview, plan_view, release_view
from rpkd.workflows.access import add_user
from rpkd.workflows.monitoring import evaluate, monitor
from rpkd.workflows.overview import Dashboard, dashboard
from rpkd.workflows.plan import init_plan
from rpkd.workflows.poverty import poverty_figures
from rpkd.workflows.realisations import add_realisation, verify_realisation
from rpkd.workflows.release_view import ReleasePart
from rpkd.workflows.releases import import_release
from rpkd.workflows.sae import map_release
from rpkd.workflows.workspace import Workspace

KE_2026 = (0.45, 0.12)  # percent and its SE: a made-up second year for the path to zero


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dashboard")


@pytest.fixture(scope="module")
def workspace(root: Path) -> Iterator[Workspace]:
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=1500, seed=5)
        import_release(ws, root / "synth", "r0", reference_date="2025-03-01")
        import_release(ws, root / "synth", "r1", reference_date="2025-09-01")
        init_plan(ws)
        yield ws


def _verified(ws: Workspace, code: str, year: int, value: float, se: float | None = None) -> None:
    added = add_realisation(ws, "indicator", code, year, 4, value=value, se=se)
    verify_realisation(ws, added.items[0].id)


@pytest.fixture(scope="module")
def board(workspace: Workspace) -> Dashboard:
    figures = poverty_figures(workspace, "r1")
    extreme = figures.estimates.find("fgt0", line=figures.lines["extreme"].value)
    _verified(workspace, "KE", 2025, 100 * extreme.estimate, 100 * (extreme.se or 0))
    _verified(workspace, "KE", 2026, *KE_2026)
    _verified(workspace, "JKN", 2025, 50.0)  # target 98%: achievement 51%, a red band
    return dashboard(workspace)


def _survey(ws: Workspace) -> tuple[np.ndarray, np.ndarray, int]:
    survey = pq.read_table(ws.path / "releases" / "r1" / "survey.parquet")
    y = survey.column("expenditure_per_capita").to_numpy()
    persons = survey.column("weight").to_numpy() * survey.column("household_size").to_numpy()
    psus = len(set(zip(survey.column("stratum").to_pylist(), survey.column("psu").to_pylist(),
                       strict=True)))  # fmt: skip
    df = psus - len(set(survey.column("stratum").to_pylist()))
    return y, persons, df


def test_defaults_are_the_newest_release_and_its_reference_year(board: Dashboard) -> None:
    assert (board.release, board.year, str(board.reference_date)) == ("r1", 2025, "2025-09-01")
    assert board.plan == "RPKD Kabupaten Kapuas 2025-2029" and board.target_year == 2027


def test_headcounts_are_weighted_shares_of_poor_persons(
    workspace: Workspace, board: Dashboard
) -> None:
    y, persons, df = _survey(workspace)
    z, extreme = board.lines["poverty"], board.lines["extreme"]
    assert (z, extreme) == (623954.0, 391000.0)  # the kit's lines for 62.03 in 2025
    for key, line in (("p0", z), ("extreme", extreme)):
        figure = board.headline(key)
        p = persons[y < line].sum() / persons.sum()
        assert figure.estimate == pytest.approx(p, rel=1e-12)
        half = t.ppf(0.975, df) * figure.se / (p * (1 - p))  # logit interval (R svyciprop)
        centre = math.log(p / (1 - p))
        expit = [1 / (1 + math.exp(-(centre + s * half))) for s in (-1, 1)]
        assert (figure.ci_low, figure.ci_high) == pytest.approx(expit, rel=1e-10)
    gap = np.clip((z - y) / z, 0, None) * (y < z)
    assert board.headline("p1").estimate == pytest.approx((persons * gap).sum() / persons.sum())
    assert board.headline("p2").estimate == pytest.approx((persons * gap**2).sum() / persons.sum())
    assert board.headline("poor").estimate == pytest.approx(persons[y < z].sum(), rel=1e-9)


def test_figures_equal_those_of_poverty_figures(workspace: Workspace, board: Dashboard) -> None:
    figures = poverty_figures(workspace, "r1")
    for h in board.headlines:
        row = figures.estimates.find(h.measure, line=h.line)
        assert (h.estimate, h.se, h.ci_low, h.ci_high, h.n) == (
            row.estimate, row.se, row.ci_low, row.ci_high, row.n)  # fmt: skip


def test_targets_of_the_year_as_fractions_with_a_verdict_from_the_interval(
    board: Dashboard,
) -> None:
    p0 = board.headline("p0")
    assert (p0.indicator, p0.unit, p0.target) == ("P0", "persen", pytest.approx(0.05))
    assert p0.ci_low is not None and p0.ci_high is not None
    expected = "met" if p0.ci_high <= 0.05 else "not_met" if p0.ci_low > 0.05 else "undecided"
    assert p0.against_target == expected
    p1 = board.headline("p1")
    assert (p1.indicator, p1.target, p1.against_target) == ("P1", None, None)  # no 2025 target
    codes = {(f.code, f.params.get("indicator")) for f in board.findings}
    assert ("dashboard_target_missing", "P1") in codes
    extreme = board.headline("extreme")
    assert extreme.indicator == "KE"
    assert extreme.realisation == pytest.approx(extreme.estimate)  # filled from the estimate
    assert board.headline("poor").indicator is None


def test_path_to_zero_repeats_evaluate_in_fractions(workspace: Workspace, board: Dashboard) -> None:
    path = board.path
    assert path is not None and path.projection is not None
    extreme = board.headline("extreme")
    assert [(p.year, p.source) for p in path.points] == [(2025, "realisation"),
                                                         (2026, "realisation")]  # fmt: skip
    assert path.points[0].value == pytest.approx(extreme.estimate)
    assert path.points[1].value == pytest.approx(KE_2026[0] / 100)
    projected = evaluate(workspace).path_to_zero
    assert projected is not None
    for name in ("projected", "projected_low", "projected_high", "last_value"):
        assert getattr(path.projection, name) == pytest.approx(getattr(projected, name) / 100)
    assert path.projection.on_track == projected.on_track
    # Two points with known SEs: the WLS line passes through both; Var = x0' (X'WX)^-1 x0.
    x = np.array([-1.0, 0.0])
    ses = np.array([100 * (extreme.se or 0), KE_2026[1]])
    design = np.column_stack([np.ones(2), x])
    cov = np.linalg.inv(design.T @ (design / ses[:, None] ** 2))
    values = [100 * extreme.estimate, KE_2026[0]]
    for year in (2026, 2027):
        x0 = np.array([1.0, year - 2026])
        centre = values[1] + (values[1] - values[0]) * (year - 2026)
        spread = math.sqrt(x0 @ cov @ x0)
        trend = next(p for p in path.trend if p.year == year)
        assert trend.value == pytest.approx(centre / 100)
        if year > 2026:
            z = norm.ppf(0.975)
            assert (trend.low, trend.high) == pytest.approx(
                [(centre - z * spread) / 100, (centre + z * spread) / 100])  # fmt: skip
    assert [p.year for p in path.trend] == [2025, 2026, 2027]
    assert (path.target_year, path.target) == (2027, 0.0)


def test_map_is_the_kit_methods_map_with_the_kit_threshold(
    workspace: Workspace, board: Dashboard
) -> None:
    """The Beranda's map is ``rpkd map``'s by the kit's ``[map] method`` (EBP in the shipped
    kit)."""
    mapped = map_release(workspace, "r1", level="kecamatan", measure="fgt0")
    assert board.map is not None
    assert (board.map.level, board.map.method, board.map.cv_threshold) == ("kecamatan", "ebp", 0.25)
    assert len(board.map.areas) == 17
    for area, row in zip(board.map.areas, mapped.map.areas, strict=True):
        assert (area.code, area.estimate, area.rmse, area.cv) == (
            row.area, row.estimate, row.rmse, row.cv)  # fmt: skip
        if area.cv is not None:
            assert area.reliable == (area.cv <= 0.25)
        if area.estimate is not None and area.rmse is not None:  # ±1.96 RMSE cut to [0, 1]
            half = 1.959963984540054 * area.rmse
            assert area.ci_low == pytest.approx(max(area.estimate - half, 0.0))
            assert area.ci_high == pytest.approx(min(area.estimate + half, 1.0))


def test_lagging_items_are_the_red_rows_of_monitor(workspace: Workspace, board: Dashboard) -> None:
    expected = [r.code for r in monitor(workspace, 2025).table.rows if r.lagging]
    assert [r.code for r in board.lagging] == expected
    assert "JKN" in expected


def test_freshness_lists_every_readable_release_newest_first(board: Dashboard) -> None:
    assert [(r.name, str(r.reference_date), r.shown) for r in board.releases] == [
        ("r1", "2025-09-01", True), ("r0", "2025-03-01", False)]  # fmt: skip
    assert board.releases[0].rows["families"] == 1500
    assert "survey" in board.releases[0].kinds


def test_json_and_arrow_forms(board: Dashboard) -> None:
    data = board.to_json("en")
    assert set(data) >= {"release", "year", "headlines", "path_to_zero", "map", "lagging",
                         "releases", "findings"}  # fmt: skip
    assert data["headlines"][0]["key"] == "p0"
    assert all(f["message"] for f in data["findings"])
    assert board.to_arrow().column("key").to_pylist() == ["p0", "p1", "p2", "extreme", "poor"]
    tables = board.tables()
    assert tables["map"].num_rows == 17 and tables["releases"].num_rows == 2
    assert tables["trend"].column("year").to_pylist() == [2025, 2026, 2027]


def test_a_release_part_survives_its_json_form(workspace: Workspace) -> None:
    from rpkd.releases.catalog import open_release

    part = release_view._compute_release_part(workspace, open_release(workspace.path, "r1"))
    assert ReleasePart.from_json(part.to_json()) == part


def test_kept_results_change_only_with_their_inputs(
    workspace: Workspace, board: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = list((workspace.path / "releases" / "r1" / "derived" / "dashboard").glob("*.json"))
    assert len(stored) == 1

    def fail(*_args: object) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr(release_view, "_compute_release_part", fail)
    monkeypatch.setattr(plan_view, "_compute_plan_part", fail)
    assert dashboard(workspace) == board  # both parts kept in memory
    overview.clear_cache()
    monkeypatch.undo()
    monkeypatch.setattr(release_view, "_compute_release_part", fail)
    again = dashboard(workspace)  # the release part read back from derived/, the plan part made
    assert again.headlines == board.headlines and again.map == board.map
    _verified(workspace, "P0", 2025, 4.0)  # a newer verified realisation: a new plan state
    changed = dashboard(workspace)
    assert changed.headline("p0").realisation == pytest.approx(0.04)


def test_without_a_plan_targets_are_absent_and_a_finding_says_why(root: Path) -> None:
    folder = root / "bare"
    shutil.copytree(root / "ws" / "releases" / "r1", folder / "releases" / "r1",
                    ignore=shutil.ignore_patterns("derived"))  # fmt: skip
    with Workspace(Settings(workspace=folder)) as ws:
        board = dashboard(ws)
    assert board.plan is None and board.path is None and board.lagging == ()
    assert all(h.target is None for h in board.headlines) and len(board.headlines) == 5
    assert [f.code for f in board.findings[:2]] == ["dashboard_no_plan", "plan_none"]
    because = "Target rencana tidak ditampilkan; sebabnya: belum ada rencana; jalankan:"
    assert board.notes("id")[0].startswith(because)  # the note and its cause: one sentence


def test_scope_decides_which_releases_and_parts_a_user_sees(root: Path) -> None:
    folder = root / "users"
    shutil.copytree(root / "ws" / "releases" / "r1", folder / "releases" / "r1",
                    ignore=shutil.ignore_patterns("derived"))  # fmt: skip
    with Workspace(Settings(workspace=folder)) as ws:
        add_user(ws, "admin", "a-long-password-1", role="admin")
    with Workspace(Settings(workspace=folder), actor="admin") as ws:
        add_user(ws, "pemirsa", "a-long-password-2", role="viewer", region="62.03")
        add_user(ws, "camat", "a-long-password-3", role="area_operator", region="62.03.01")
        add_user(ws, "luar", "a-long-password-4", role="viewer", region="62.11")
    with Workspace(Settings(workspace=folder), actor="pemirsa") as ws:
        board = dashboard(ws)
        assert board.release == "r1" and board.headline("p0").estimate > 0
        assert any(f.code == "dashboard_no_plan" for f in board.findings)
    with Workspace(Settings(workspace=folder), actor="camat") as ws:
        board = dashboard(ws)  # a kecamatan operator may not read the district's aggregates
        assert (board.release, board.headlines, board.releases) == (None, (), ())
        assert board.findings[0].code == "dashboard_area_only"  # but its own area's
        assert board.area is not None and board.area.area.code == "62.03.01"
        assert board.notes("en")[0].startswith("The district's figures, map and targets are not")
        assert not any(n.endswith(":") or "monitor.read" in n for n in board.notes("id"))
    with Workspace(Settings(workspace=folder), actor="luar") as ws, pytest.raises(Forbidden):
        dashboard(ws, "r1")


def test_charts_are_built_once_per_dashboard_and_language(workspace: Workspace) -> None:
    board = dashboard(workspace)
    charts = board.charts("id", boundaries="/maps/boundaries/{region}/{depth}")
    assert set(charts) == {"headline", "path", "map", "cv_map"}
    assert dashboard(workspace).charts("id", boundaries="/maps/boundaries/{region}/{depth}") is (
        charts
    )
    assert board.charts("en", boundaries="/maps/boundaries/{region}/{depth}") is not charts
    inline = board.charts("id")  # for a document: the boundaries inside the specification
    assert "boundaries" in inline["map"]["datasets"]
    assert "boundaries" not in charts["map"]["datasets"]
