"""The scenario workflows on a synthetic Kapuas: contracts, measured errors, the plan's budgets.

* ``run_scenario``'s JSON is DESIGN.md §7's; its base-year baseline is the release's own poverty
  figures (``poverty_figures``, checked against R survey elsewhere), estimate and SE;
* the targeting errors it draws from are those ``accuracy_report`` measures (survey basis), or
  against the synthetic truth;
* a package naming a plan activity is capped by the activity's budget lines; saved scenarios
  keep that link, and the chosen mark;
* ``optimise_budget`` answers DESIGN.md §7's shape with a curve that costs more to go lower;
* permissions: aggregates of the release's region to run, ``plan.edit`` to save.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "simulation"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_refusal import REFUSAL, audit_refused, seen
from simulation_fixture import fresh, scenario_district

from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, InvalidInput, UsageError
from rpkd.settings import Settings
from rpkd.workflows import init_plan
from rpkd.workflows.accuracy import accuracy_report
from rpkd.workflows.poverty import poverty_figures
from rpkd.workflows.scenarios import (
    compare_scenarios,
    list_scenarios,
    optimise_budget,
    run_scenario,
    save_scenario,
)
from rpkd.workflows.workspace import Actor, Workspace

ESTIMATE_KEYS = ["measure", "indicator", "line", "by", "domain", "estimate", "se", "ci_low",
                 "ci_high", "n", "population"]  # fmt: skip
SEMBAKO = """
name = "Sembako plus"
[macro]
growth = 0.02
[[programme]]
programme = "sembako"
uptake = 0.9
[[programme]]
code = "topup"
rule = "desil <= 2"
top_up_to = "extreme"
budget = 2_000_000_000
"""
LINKED = """
name = "BLT ekstrem"
description = "Top-up of desil 1 to the extreme line, paid from activity A1"
[[programme]]
code = "blt_ekstrem"
rule = "desil = 1"
top_up_to = "extreme"
activity = "A1"
"""


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scenario_district(tmp_path_factory)


@pytest.fixture
def ws(district: Path, tmp_path: Path) -> Iterator[Workspace]:
    with Workspace(fresh(district, tmp_path)) as workspace:
        yield workspace


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scenario_answers_the_contract_year_by_year(ws: Workspace, tmp_path: Path) -> None:
    result = run_scenario(ws, write(tmp_path, "s.toml", SEMBAKO), "r1", draws=20)
    data = result.to_json()
    assert list(data) == ["scenario", "years"] and data["scenario"] == "Sembako plus"
    assert [y["year"] for y in data["years"]] == [2025, 2026, 2027]  # to the plan's 2027
    for year in data["years"]:
        assert list(year) == ["year", "cost", "families_reached", "persons_reached", "estimates"]
        assert year["cost"] > 0 and year["families_reached"] > 0
        assert all(list(r) == ESTIMATE_KEYS for r in year["estimates"])
        indicators = {r["indicator"] for r in year["estimates"]}
        assert indicators == {"baseline", "scenario", "difference"}
    assert result.to_arrow().column_names == ["year", *ESTIMATE_KEYS]


def test_the_base_year_baseline_is_the_release_s_poverty_figures(
    ws: Workspace, tmp_path: Path
) -> None:
    result = run_scenario(ws, write(tmp_path, "s.toml", SEMBAKO), "r1", draws=5, year=2025)
    figures = poverty_figures(ws, "r1")
    rows = [r for r in result.years[0].outcome.estimates.rows if r.indicator == "baseline"]
    assert len(rows) == 9
    for r in rows:
        expected = figures.estimates.find(r.measure, line=r.line)
        assert r.estimate == pytest.approx(expected.estimate, rel=1e-10)
        assert r.se == pytest.approx(expected.se, rel=1e-8)
        assert (r.ci_low, r.ci_high) == pytest.approx((expected.ci_low, expected.ci_high))


def test_the_errors_drawn_are_those_accuracy_measures(district: Path, ws: Workspace,
                                                      tmp_path: Path) -> None:  # fmt: skip
    path = write(tmp_path, "s.toml", SEMBAKO)
    result = run_scenario(ws, path, "r1", draws=5, year=2025)
    measured = accuracy_report(ws, "r1").to_json()[0]
    rate = next(r for r in result.errors.rates if (r.target, r.cutoff) == ("poor", 4))
    assert result.errors.basis == "survey"
    assert rate.exclusion == pytest.approx(measured["exclusion"], rel=1e-12)
    assert rate.inclusion == pytest.approx(measured["inclusion"], rel=1e-12)
    truth = district / "synth" / "truth"
    against = run_scenario(ws, path, "r1", draws=5, year=2025, truth=truth)
    assert against.errors.basis == "truth"
    true_rates = accuracy_report(ws, "r1", truth=truth).to_json()[0]
    rate = next(r for r in against.errors.rates if (r.target, r.cutoff) == ("poor", 4))
    assert rate.exclusion == pytest.approx(true_rates["exclusion"], rel=1e-12)
    assert rate.inclusion == pytest.approx(true_rates["inclusion"], rel=1e-12)


def test_compared_scenarios_share_the_draws(ws: Workspace, tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", SEMBAKO)
    b = write(tmp_path, "b.toml", SEMBAKO.replace("Sembako plus", "Tanpa top-up")
              .replace("budget = 2_000_000_000", "budget = 0"))  # fmt: skip
    both = compare_scenarios(ws, [a, b], "r1", draws=10)
    data = both.to_json()
    assert [d["scenario"] for d in data] == ["Sembako plus", "Tanpa top-up"]
    base = [[r for r in d["years"][-1]["estimates"] if r["indicator"] == "baseline"] for d in data]
    assert base[0] == base[1]
    alone = run_scenario(ws, a, "r1", draws=10).to_json()
    assert alone == data[0]
    assert both.readable("id").column_names[-2:] == ["Sembako plus", "Tanpa top-up"]


def test_a_linked_package_is_capped_by_the_activity_budget(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path, "linked.toml", LINKED)
    saved = save_scenario(ws, path, chosen=True)
    assert (saved.name, saved.plan, saved.chosen) == ("BLT ekstrem", "RPKD Kabupaten Kapuas 2025-2029",
                                                      True)  # fmt: skip
    assert dict(saved.links) == {"blt_ekstrem": "A1"}
    listed = list_scenarios(ws)
    assert listed.chosen() == saved
    result = run_scenario(ws, "BLT ekstrem", "r1", draws=10)
    costs = {y.year: y.reach.cost for y in result.years}
    assert costs[2025] == 0.0  # no budget line in 2025
    assert 0 < costs[2026] <= 15e6 and 0 < costs[2027] <= 20e6
    unlinked = run_scenario(ws, write(tmp_path, "free.toml", LINKED.replace('activity = "A1"', "")),
                            "r1", draws=10)  # fmt: skip
    assert unlinked.years[-1].reach.cost > costs[2027]  # the cap binds


def test_an_unknown_activity_is_refused_with_its_finding(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", LINKED.replace('"A1"', '"A9"'))
    with pytest.raises(InvalidInput) as error:
        save_scenario(ws, path)
    assert [(f.code, f.field, f.value) for f in error.value.findings] == [
        ("scenario_activity_unknown", "activity", "A9")]  # fmt: skip
    with pytest.raises(InvalidInput):
        run_scenario(ws, path, "r1", draws=2)


def test_the_optimiser_answers_the_contract(ws: Workspace) -> None:
    result = optimise_budget(ws, "r1", objective="p0", target=0.02, draws=8, points=3)
    data = result.to_json()
    assert list(data) == ["objective", "target", "year", "budget", "allocation", "frontier"]
    assert (data["objective"], data["target"], data["year"]) == ("p0", 0.02, 2027)
    assert all(list(a) == ["programme", "kecamatan", "budget", "families"]
               for a in data["allocation"])  # fmt: skip
    assert data["budget"] == pytest.approx(sum(a["budget"] for a in data["allocation"]))
    budgets = [p["budget"] for p in data["frontier"]]
    levels = [p["level"] for p in data["frontier"]]
    assert budgets == sorted(budgets) and levels == sorted(levels, reverse=True)
    assert budgets[0] == 0.0
    with pytest.raises(UsageError):
        optimise_budget(ws, "r1", objective="richness")
    with pytest.raises(UsageError):
        optimise_budget(ws, "r1", target=1.5)


def test_years_before_the_release_are_refused(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as error:
        run_scenario(ws, write(tmp_path, "s.toml", SEMBAKO), "r1", year=2024)
    assert error.value.code == "scenario_year_before"


def test_running_needs_the_region_s_aggregates_and_saving_the_plan(
    ws: Workspace, tmp_path: Path
) -> None:
    path = write(tmp_path, "s.toml", SEMBAKO)
    elsewhere = Actor("palangka", (Grant("analyst", region="62.71"),))
    with ws.acting(elsewhere) as other, pytest.raises(Forbidden):
        run_scenario(other, path, "r1", draws=2)
    viewer = Actor("viewer", (Grant("viewer"),))
    with ws.acting(viewer) as reader:
        assert run_scenario(reader, path, "r1", draws=2, year=2025).scenario == "Sembako plus"
        with pytest.raises(Forbidden):
            save_scenario(reader, path)


def test_a_scenario_whose_audit_row_is_refused_is_not_saved(
    tmp_path: Path, database_url: str
) -> None:
    with Workspace(Settings(workspace=tmp_path / "ws", database_url=database_url)) as ws:
        init_plan(ws)
        kept = save_scenario(ws, write(tmp_path, "kept.toml", SEMBAKO), chosen=True)
        other = write(tmp_path, "other.toml", SEMBAKO.replace("Sembako plus", "Sembako lain"))
        edited = write(tmp_path, "edited.toml", SEMBAKO.replace("0.9", "0.8"))
        before = seen(ws)
        with audit_refused(ws):
            for path, chosen in ((other, False), (other, True), (edited, True)):
                with pytest.raises(DBAPIError, match=REFUSAL):
                    save_scenario(ws, path, chosen=chosen)
        assert seen(ws) == before
        assert list_scenarios(ws).chosen() == kept
