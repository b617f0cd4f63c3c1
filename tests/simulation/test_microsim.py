"""Survey microsimulation: the hand-derived anchors of issue 17, and its properties.

* Closing every poor household's gap with perfect targeting and full uptake costs exactly the
  aggregate poverty gap ``P1 · z · N`` a month (``N`` persons: Σ weight × household size, as
  BPS counts people; ``z`` rupiah per capita per month), i.e. ``12 · P1 · z · N`` a year, and
  leaves nobody poor.
* For P0, a uniform transfer of ``t`` per person to everyone is the same as lowering the line by
  ``t``.
* With a zero budget the scenario equals the baseline to the last digit.
* Doubling the budget of a capped programme never raises poverty (hypothesis).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow.csv as pcsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simulation_fixture import CATALOGUE, HOUSEHOLDS, inputs

from rpkd.simulation.microsim import Lines, Policy, Sample, apply, simulate_year
from rpkd.simulation.scenario import Scenario, parse_scenario
from rpkd.simulation.uncertainty import measure
from rpkd.simulation.years import ScenarioYear, simulate


def scenario(*programmes: dict[str, Any], **macro: float) -> Scenario:
    return parse_scenario(
        {"name": "t", "macro": {"growth": 0.0, "inflation": 0.0, **macro},
         "programme": list(programmes)},
        catalogue=CATALOGUE, defaults={},
    )  # fmt: skip


def household_columns() -> dict[str, np.ndarray]:
    """The golden households read straight from the CSV, for hand-derived expectations."""
    table = pcsv.read_csv(HOUSEHOLDS)
    return {
        "y": np.asarray(table["expenditure_per_capita"].to_pylist(), float),
        "w": np.asarray(table["weight"].to_pylist(), float),
        "s": np.asarray(table["household_size"].to_pylist(), float),
    }


def row(year: ScenarioYear, measure: str, indicator: str, line: float | None = None) -> Any:
    for r in year.outcome.estimates.rows:
        if (r.measure, r.indicator, r.line) == (measure, indicator, line):
            return r
    raise KeyError((measure, indicator, line))


def test_closing_every_gap_costs_the_aggregate_poverty_gap(golden_sample: Sample) -> None:
    close = scenario({"code": "gap", "rule": "desil >= 1", "top_up_to": "poverty",
                      "targeting": "perfect"})  # fmt: skip
    year = simulate(close, inputs(golden_sample, close, {"gap": 10}), [2025])[0]
    z = year.lines.poverty
    p1 = row(year, "fgt1", "baseline", z)
    people = p1.population
    cost = row(year, "cost", "scenario").estimate
    assert cost == pytest.approx(12 * p1.estimate * z * people, rel=1e-12)
    h = household_columns()  # the same, by hand: Σ w·s·(z − y) over the poor, 12 months
    by_hand = 12 * float((h["w"] * h["s"] * np.maximum(z - h["y"], 0)).sum())
    assert cost == pytest.approx(by_hand, rel=1e-12)
    assert people == pytest.approx(float((h["w"] * h["s"]).sum()), rel=1e-12)
    assert p1.estimate > 0
    for name in ("fgt0", "fgt1", "fgt2", "poor"):
        for line in (year.lines.poverty, year.lines.extreme):
            assert row(year, name, "scenario", line).estimate == 0.0


@pytest.mark.parametrize("transfer", [25000, 100000, 250000])
@pytest.mark.parametrize("targeting", ["perfect", "measured"])
def test_a_uniform_transfer_is_a_lower_line_for_p0(
    golden_sample: Sample, transfer: int, targeting: str
) -> None:
    everyone = scenario({"code": "all", "rule": "desil >= 1", "amount": transfer,
                         "per_member": True, "targeting": targeting})  # fmt: skip
    rng = np.random.default_rng(3)
    noisy = measure(golden_sample.welfare, rng.integers(1, 11, golden_sample.welfare.size),
                    golden_sample.weight, groups=20, basis="survey")  # fmt: skip
    year = simulate(everyone, inputs(golden_sample, everyone, {"all": 10}, errors=noisy), [2025])[0]
    h = household_columns()
    people = h["w"] * h["s"]
    for z in (year.lines.poverty, year.lines.extreme):
        lowered = float((people * (h["y"] < z - transfer)).sum() / people.sum())
        assert row(year, "fgt0", "scenario", z).estimate == pytest.approx(lowered, abs=1e-15)


def test_a_zero_budget_gives_the_baseline_to_the_last_digit(golden_sample: Sample) -> None:
    """Uptake below one and measured targeting errors: the draws differ, but a zero budget
    serves nobody, so every scenario row equals its baseline row exactly."""
    rng = np.random.default_rng(11)
    noisy = measure(golden_sample.welfare, rng.integers(1, 11, golden_sample.welfare.size),
                    golden_sample.weight, groups=20, basis="survey")  # fmt: skip
    capped = scenario(
        {"code": "cash", "rule": "desil <= 4", "amount": 200000, "budget": 0, "uptake": 0.8},
        {"code": "top", "rule": "desil <= 2", "top_up_to": "extreme", "budget": 0},
        growth=0.04, inflation=0.03,
    )  # fmt: skip
    rules = {"cash": 4, "top": 2}
    years = simulate(capped, inputs(golden_sample, capped, rules, draws=25, errors=noisy),
                     [2025, 2026, 2027])  # fmt: skip
    for year in years:
        rows = year.outcome.estimates.rows
        baseline = {(r.measure, r.line): r for r in rows if r.indicator == "baseline"}
        for r in rows:
            if r.indicator == "scenario" and r.measure != "cost":
                b = baseline[(r.measure, r.line)]
                assert (r.estimate, r.se, r.ci_low, r.ci_high) == (
                    b.estimate, b.se, b.ci_low, b.ci_high)  # fmt: skip
            elif r.indicator == "difference":
                assert (r.estimate, r.se) == (0.0, 0.0)
        assert row(year, "cost", "scenario").estimate == 0.0
        assert year.reach.cost == 0.0 and year.reach.families_reached == 0.0


def test_draws_are_seeded_and_only_the_errors_vary(golden_sample: Sample) -> None:
    """The same seed gives the same figures; another seed other figures under measured errors,
    and the very same ones under perfect targeting (nothing is left to chance)."""
    rng = np.random.default_rng(5)
    noisy = measure(golden_sample.welfare, rng.integers(1, 11, golden_sample.welfare.size),
                    golden_sample.weight, groups=20, basis="survey")  # fmt: skip
    plan = {"code": "cash", "rule": "desil <= 3", "amount": 300000, "per_member": True}
    z = 600000.0
    for s, varies in ((scenario(plan), True), (scenario({**plan, "targeting": "perfect"}), False)):
        found = [
            row(simulate(s, inputs(golden_sample, s, {"cash": 3}, draws=20, seed=seed,
                                   errors=noisy), [2025])[0], "fgt0", "difference", z)
            for seed in (1, 1, 2)
        ]  # fmt: skip
        assert found[0] == found[1]
        assert (found[0].estimate != found[2].estimate) is varies


def test_uptake_scales_the_expected_cost(golden_sample: Sample) -> None:
    half = scenario({"code": "cash", "rule": "desil >= 1", "amount": 100000, "uptake": 0.5})
    full = scenario({"code": "cash", "rule": "desil >= 1", "amount": 100000})
    costs = [
        row(simulate(s, inputs(golden_sample, s, {"cash": 10}, draws=400), [2025])[0],
            "cost", "scenario").estimate
        for s in (half, full)
    ]  # fmt: skip
    assert costs[1] == pytest.approx(100000 * 12 * golden_sample.weight.sum(), rel=1e-12)
    assert costs[0] / costs[1] == pytest.approx(0.5, abs=0.01)


def _fgt(welfare: np.ndarray, weight: np.ndarray, z: float) -> np.ndarray:
    poor = welfare < z
    gap = np.where(poor, (z - welfare) / z, 0.0)
    return np.stack([(g * weight).sum(axis=1) / weight.sum() for g in (poor, gap, gap**2)])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    budget=st.floats(0, 3e10),
    amount=st.floats(10000, 600000),
    cutoff=st.integers(1, 10),
    uptake=st.floats(0.05, 1.0),
    top_up_budget=st.floats(0, 5e9),
    seed=st.integers(0, 2**32 - 1),
)
def test_doubling_a_capped_budget_never_raises_poverty(
    golden_sample: Sample,
    budget: float,
    amount: float,
    cutoff: int,
    uptake: float,
    top_up_budget: float,
    seed: int,
) -> None:
    """Each draw's P0, P1 and P2 on both lines, with a capped top-up applied after the capped
    programme (it then has less to fill, so its own cap reaches further)."""
    rng = np.random.default_rng(seed)
    noisy = measure(golden_sample.welfare, rng.integers(1, 11, golden_sample.welfare.size),
                    golden_sample.weight, groups=20, basis="survey")  # fmt: skip
    base = scenario({"code": "cash", "rule": "desil >= 1", "amount": 1.0})
    rand = inputs(golden_sample, base, {"cash": 10}, draws=6, seed=seed, errors=noisy).draws
    eligible = np.zeros((2, 10))
    eligible[:, :cutoff] = 1.0
    common = {"per": "family", "months": 12, "consumption": 1.0, "uptake": uptake,
              "eligible": eligible, "members": np.ones((2, 10))}  # fmt: skip
    lines = Lines(600000.0, 400000.0)
    results = []
    for cap in (budget, 2 * budget):
        policies = [
            Policy("cash", amount, top_up=None, budget=cap, **common),  # type: ignore[arg-type]
            Policy("top", 0.0, top_up=lines.extreme, budget=top_up_budget, **common),  # type: ignore[arg-type]
        ]
        welfare = apply(golden_sample, golden_sample.welfare, policies, rand).welfare
        results.append(
            [_fgt(welfare, golden_sample.person_weight, z) for z in lines.__dict__.values()]
        )
    for before, after in zip(results[0], results[1], strict=True):
        assert (after <= before + 1e-15).all()
    year = [
        simulate_year(golden_sample, 2025, 1.0, lines, [
            Policy("cash", amount, top_up=None, budget=cap, **common)], rand)  # type: ignore[arg-type]
        for cap in (budget, 2 * budget)
    ]  # fmt: skip
    for r in year[1].estimates.rows:
        if r.indicator == "scenario" and r.measure in ("fgt0", "fgt1", "fgt2", "poor"):
            earlier = next(e for e in year[0].estimates.rows
                           if (e.measure, e.line, e.indicator) == (r.measure, r.line, r.indicator))  # fmt: skip
            assert r.estimate <= earlier.estimate + 1e-12


def test_exclusive_packages_never_serve_the_same_household(golden_sample: Sample) -> None:
    """The later of two exclusive packages serves only those the earlier did not, whichever of
    the two names the other."""
    from rpkd.simulation.years import policies

    for names_other in ("pkh", "blt"):
        first = {"code": "pkh", "rule": "desil <= 4", "amount": 250000, "uptake": 0.5}
        second = {"code": "blt", "rule": "desil <= 4", "amount": 300000, "months": 3}
        (first if names_other == "pkh" else second)["exclusive_with"] = [
            "blt" if names_other == "pkh" else "pkh"]  # fmt: skip
        s = scenario(first, second)
        data = inputs(golden_sample, s, {"pkh": 4, "blt": 4}, draws=10)
        chosen = policies(s, 2025, Lines(600000.0, 400000.0), data.shares)
        served = apply(golden_sample, golden_sample.welfare, chosen, data.draws).served
        assert served["pkh"].any() and served["blt"].any()
        assert not (served["pkh"] & served["blt"]).any()
