"""The budget optimiser against brute force, and on the golden sample with perfect targeting.

Brute force enumerates every funding of 2 programmes × 2 kecamatan × 2 desils (256, of which
the nested ones are allowed: a programme reaches desil 2 of a kecamatan only with desil 1) and
computes the level each reaches by a plain loop over draws and households.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pytest
from simulation_fixture import CATALOGUE

from rpkd.simulation import microsim, registry
from rpkd.simulation.microsim import Lines, Sample
from rpkd.simulation.optimise import Cell, Problem, allocate, build_problem
from rpkd.simulation.scenario import parse_scenario
from rpkd.simulation.uncertainty import perfect
from rpkd.simulation.years import Inputs


def random_problem(seed: int, draws: int = 3, households: int = 6) -> Problem:
    rng = np.random.default_rng(seed)
    cells = tuple(Cell(p, k, d) for p in ("a", "b") for k in ("k1", "k2") for d in (1, 2))
    index = {(c.programme, c.area, c.desil): i for i, c in enumerate(cells)}
    area = rng.integers(0, 2, households)
    desil = rng.integers(1, 3, (draws, households))
    candidate = rng.random((2, draws, households)) < 0.75
    cell = np.full((2, draws, households), -1, np.int64)
    for p, r, i in itertools.product(range(2), range(draws), range(households)):
        if candidate[p, r, i]:
            cell[p, r, i] = index[("ab"[p], f"k{area[i] + 1}", int(desil[r, i]))]
    amount = rng.uniform(20000, 120000, (2, 1, households))
    weight = rng.uniform(1, 5, households)
    return Problem(
        gap=rng.uniform(10000, 150000, households),
        weight=weight,
        population=4 * float(weight.sum()),
        cell=cell,
        gain=np.where(cell >= 0, np.broadcast_to(amount, cell.shape), 0.0),
        cells=cells,
        cost=rng.uniform(1e9, 5e9, len(cells)),
        families=np.ones(len(cells)),
    )


def level_by_loop(problem: Problem, funded: tuple[int, ...]) -> float:
    left = 0.0
    options, draws, households = problem.cell.shape
    for r in range(draws):
        for i in range(households):
            total = sum(problem.gain[p, r, i] for p in range(options)
                        if problem.cell[p, r, i] >= 0 and funded[problem.cell[p, r, i]])  # fmt: skip
            if total < problem.gap[i]:
                left += problem.weight[i]
    return left / draws / problem.population


def brute_force(problem: Problem, target: float) -> float:
    best = np.inf
    for funded in itertools.product((0, 1), repeat=len(problem.cells)):
        nested = all(funded[j + 1] <= funded[j] for j in range(0, len(funded), 2))
        if nested and level_by_loop(problem, funded) <= target + 1e-12:
            best = min(best, float(problem.cost[np.array(funded, bool)].sum()))
    return best


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("share", [0.75, 0.4, 0.0])
def test_the_least_budget_is_the_brute_force_one(seed: int, share: float) -> None:
    problem = random_problem(seed)
    everything = tuple([1] * len(problem.cells))
    floor = level_by_loop(problem, everything)
    target = floor + share * (problem.baseline - floor)
    result = allocate(problem, target, points=3)
    assert result.floor == pytest.approx(floor, abs=1e-15)
    assert result.solution.budget == pytest.approx(brute_force(problem, target), rel=1e-9)
    assert result.solution.level <= target + 1e-12
    for point in result.frontier[1:]:  # every point of the curve is itself the least budget
        assert point.budget == pytest.approx(brute_force(problem, point.level), rel=1e-9)
    budgets = [p.budget for p in result.frontier]
    levels = [p.level for p in result.frontier]
    assert budgets == sorted(budgets) and levels == sorted(levels, reverse=True)


def test_an_unreachable_target_is_said_and_the_floor_is_bought() -> None:
    problem = random_problem(8, households=8)
    floor = level_by_loop(problem, tuple([1] * len(problem.cells)))
    assert floor > 0
    result = allocate(problem, 0.0)
    assert [f.code for f in result.findings] == ["optimise_target_unreachable"]
    assert result.solution.level == pytest.approx(floor)
    assert result.solution.budget == pytest.approx(brute_force(problem, floor), rel=1e-9)


def test_perfect_targeting_tops_up_exactly_the_desils_holding_the_extreme_poor(
    golden_sample: Sample,
) -> None:
    """A top-up to the extreme line with perfect targeting reaches zero extreme poverty by
    funding, in each kecamatan, the desils up to the highest holding an extreme-poor household."""
    areas = ("K1", "K2", "K3", "K4", "K5", "K6")
    desil = np.tile(np.repeat(np.arange(1, 11), 2), len(areas))
    table = pa.table({
        "desa_code": np.repeat(areas, 20), "desil": desil, "family_size": np.full(len(desil), 4),
        "pmt_score": np.arange(len(desil), dtype=float), "eligible_top": np.ones(len(desil), bool),
    })  # fmt: skip
    fam = registry.families(table, ["top"])
    options = parse_scenario(
        {"name": "o", "macro": {"growth": 0.0, "inflation": 0.0}, "programme": [
            {"code": "top", "rule": "desil >= 1", "top_up_to": "extreme", "targeting": "perfect"}]},
        catalogue=CATALOGUE, defaults={},
    )  # fmt: skip
    rand = microsim.draws(golden_sample, perfect(20), count=2, seed=1, areas=areas)
    inputs = Inputs(golden_sample, fam, registry.shares(fam, ["top"], areas), rand, 2025,
                    Lines(600000.0, 400000.0))  # fmt: skip
    problem = build_problem(options, inputs, 2025, "extreme", areas)
    result = allocate(problem, 0.0, points=2)
    assert result.floor == 0.0 and result.solution.level == 0.0
    poor = golden_sample.welfare < 400000.0
    true_desil = rand.perfect[0]
    funded = {(c.area, c.desil) for c, on in zip(result.cells, result.solution.funded, strict=True)
              if on}  # fmt: skip
    expected = set()
    for k in areas:
        top = true_desil[poor & (golden_sample.area == k)].max(initial=0)
        expected |= {(k, d) for d in range(1, top + 1)}
    assert funded == expected
