"""The least budget, by programme and kecamatan, that brings poverty to a target level.

A mixed-integer program over the survey's poor households, under the measured targeting errors
by sample-average approximation (Kleywegt, Shapiro & Homem-de-Mello 2002): the errors are drawn
``R`` times (:mod:`rpkd.simulation.uncertainty`), and the program sees every draw at once.

* Decisions: ``y_c ∈ {0, 1}`` funds cell ``c = (programme p, kecamatan k, desil d)``, i.e. pays
  programme ``p`` to the families of desil ``d`` in kecamatan ``k`` its rule admits; its cost is
  the registry's expected annual cost of those families (uptake included), and cells are nested
  (``y[p, k, d+1] ≤ y[p, k, d]``: a programme reaches poorer desils first, as agencies serve
  them).
* A poor household ``i`` of kecamatan ``k`` leaves poverty in draw ``r`` (``e_ir ∈ {0, 1}``)
  only if the per-capita gains of the funded programmes it receives cover its gap:
  ``gap_i · e_ir ≤ Σ_p gain_pir · y[p, k, D_ir]``, where ``D_ir`` is the desil it is placed in
  and ``gain_pir`` is zero unless it is a candidate (rule and take-up drawn as in the scenario).
* The level after, ``Σ_ir W_i (1 − e_ir) / (R · N)`` (persons: ``W`` = weight × size), must not
  exceed the target; the objective is the total cost ``Σ_c cost_c y_c``.

HiGHS solves it (:func:`scipy.optimize.milp`). The trade-off curve (frontier) is the same
program solved for levels between the baseline and the target. When the target lies below what
funding every cell reaches, the answer is the cheapest allocation reaching that floor, with a
finding.

References
----------
Kleywegt, A. J., Shapiro, A. & Homem-de-Mello, T. (2002). The sample average approximation
method for stochastic discrete optimization. *SIAM J. Optim.* 12(2), 479-502.
Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method. *Math.
Prog. Comp.* 10, 119-142 (HiGHS). Kanbur, R. (1987). Measurement and alleviation of poverty.
*IMF Staff Papers* 34(1), 60-85 (allocating a budget across regions to reduce FGT poverty).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.simulation.microsim import Policy, apply, top_up_cost
from rpkd.simulation.registry import Charge, cell_totals
from rpkd.simulation.scenario import Scenario
from rpkd.simulation.uncertainty import DESILS
from rpkd.simulation.years import Inputs, policies, year_lines

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Objective = Literal["extreme", "p0"]
OBJECTIVES: tuple[Objective, ...] = ("extreme", "p0")
SCALE = 1e9  # costs enter the program in billions of rupiah


@dataclass(frozen=True)
class Cell:
    """One fundable cell: a programme in a kecamatan for one desil."""

    programme: str
    area: str
    desil: int


@dataclass(frozen=True)
class Problem:
    """The optimiser's data: poor households, draws, and the cells they depend on.

    ``gap[i]``: per-capita monthly gap of poor household ``i`` (> 0); ``weight[i]``: its persons
    (weight × size); ``population``: every person (N). ``cell[p, r, i]``: the cell through
    which option ``p`` reaches household ``i`` in draw ``r`` (-1 if it does not), and
    ``gain[p, r, i]`` the per-capita monthly gain it then brings. ``cells``, ``cost`` (annual
    rupiah) and ``families`` (expected families reached) describe every cell.
    """

    gap: FloatArray
    weight: FloatArray
    population: float
    cell: IntArray
    gain: FloatArray
    cells: tuple[Cell, ...]
    cost: FloatArray
    families: FloatArray

    @property
    def draws(self) -> int:
        return int(self.cell.shape[1])

    @property
    def baseline(self) -> float:
        """The level before any programme (every target household poor)."""
        return float(self.weight.sum() / self.population)

    def level(self, funded: NDArray[np.bool_]) -> float:
        """Return the level reached by funding the cells ``funded`` (checked exactly)."""
        on = np.where(self.cell >= 0, funded[np.maximum(self.cell, 0)], False)
        gains = np.where(on, self.gain, 0.0).sum(axis=0)
        out = gains >= self.gap[None, :] * (1 - 1e-9)
        left = (~out * self.weight[None, :]).sum() / self.draws
        return float(left / self.population)


@dataclass(frozen=True)
class Solution:
    """Funded cells, their budget and the level they reach."""

    funded: NDArray[np.bool_]
    budget: float
    level: float
    optimal: bool


@dataclass(frozen=True)
class Allocation:
    """The optimiser's answer: the chosen solution, the floor, the frontier and findings."""

    target: float
    baseline: float
    floor: float
    solution: Solution
    frontier: tuple[Solution, ...]
    cells: tuple[Cell, ...]
    cost: FloatArray
    families: FloatArray
    findings: tuple[Finding, ...] = ()

    def by_programme_area(self) -> list[dict[str, object]]:
        """Return one row per funded programme and kecamatan: budget, families, desils."""
        rows: dict[tuple[str, str], dict[str, object]] = {}
        for index in np.flatnonzero(self.solution.funded):
            c = self.cells[int(index)]
            row = rows.setdefault(
                (c.programme, c.area),
                {"programme": c.programme, "kecamatan": c.area, "budget": 0.0, "families": 0.0,
                 "desil_max": 0},
            )  # fmt: skip
            row["budget"] = float(row["budget"]) + float(self.cost[index])  # type: ignore[arg-type]
            row["families"] = float(row["families"]) + float(self.families[index])  # type: ignore[arg-type]
            row["desil_max"] = max(int(row["desil_max"]), c.desil)  # type: ignore[call-overload]
        return [rows[k] for k in sorted(rows)]


def _program(problem: Problem) -> tuple[object, FloatArray, FloatArray, FloatArray, IntArray]:
    """Return the constraint matrix without the level row, and the households' exit columns."""
    from scipy.sparse import coo_matrix

    options, draws, households = problem.cell.shape
    cells = len(problem.cells)
    reachable = (problem.cell >= 0).any(axis=0)  # draws × households
    exits = np.flatnonzero(reachable.ravel())
    column_of = np.full(draws * households, -1, np.int64)
    column_of[exits] = cells + np.arange(len(exits))
    rows, cols, values = [], [], []
    for row, flat in enumerate(exits):
        r, i = divmod(int(flat), households)
        rows.append(row)
        cols.append(cells + row)
        values.append(1.0)
        for p in range(options):
            c = problem.cell[p, r, i]
            if c >= 0 and problem.gain[p, r, i] > 0:
                rows.append(row)
                cols.append(int(c))
                values.append(-float(problem.gain[p, r, i] / problem.gap[i]))
    nest = _nesting(problem.cells)
    for k, (outer, inner) in enumerate(nest):
        rows += [len(exits) + k, len(exits) + k]
        cols += [inner, outer]
        values += [1.0, -1.0]
    shape = (len(exits) + len(nest), cells + len(exits))
    matrix = coo_matrix((values, (rows, cols)), shape=shape).tocsr()
    upper = np.zeros(shape[0])
    lower = np.full(shape[0], -np.inf)
    exit_weight = problem.weight[exits % households] / (draws * problem.population)
    return matrix, lower, upper, exit_weight, exits


def _nesting(cells: Sequence[Cell]) -> list[tuple[int, int]]:
    """Return (poorer, next) cell pairs of each programme and kecamatan, in desil order."""
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for index, c in enumerate(cells):
        groups.setdefault((c.programme, c.area), []).append((c.desil, index))
    pairs = []
    for members in groups.values():
        ordered = [index for _, index in sorted(members)]
        pairs += list(pairwise(ordered))
    return pairs


def solve(problem: Problem, level: float, *, time_limit: float = 60.0) -> Solution | None:
    """Return the least-cost funding reaching ``level`` (None when no funding reaches it)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import vstack

    matrix, lower, upper, exit_weight, exits = _program(problem)
    cells = len(problem.cells)
    needed = problem.baseline - level  # share of persons that must leave poverty
    level_row = np.concatenate([np.zeros(cells), exit_weight])[None, :]
    constraints = LinearConstraint(
        vstack([matrix, level_row]).tocsr(),
        np.append(lower, needed - 1e-12),
        np.append(upper, np.inf),
    )
    objective = np.concatenate([problem.cost / SCALE, np.zeros(len(exits))])
    result = milp(
        objective,
        integrality=np.ones(len(objective)),
        bounds=Bounds(0, 1),
        constraints=constraints,
        options={"time_limit": time_limit, "mip_rel_gap": 1e-7},
    )
    if result.x is None:
        return None
    funded = result.x[:cells] > 0.5
    return Solution(funded, float(problem.cost[funded].sum()), problem.level(funded),
                    bool(result.status == 0))  # fmt: skip


def allocate(
    problem: Problem, target: float, *, points: int = 6, time_limit: float = 60.0
) -> Allocation:
    """Return the least budget reaching ``target`` and the frontier of ``points`` levels.

    The frontier holds the unfunded baseline, then the solutions for levels evenly spaced from
    the baseline down to the target (or to the floor, the level reached by funding every cell,
    when the target lies below it).
    """
    if not 0 <= target <= 1:
        raise InvalidInput("optimise_target_range", param="target", value=target)
    everything = np.ones(len(problem.cells), bool)
    floor = problem.level(everything)
    findings: list[Finding] = []
    goal = target
    if target < floor - 1e-12:
        findings.append(
            Finding("optimise_target_unreachable", "warning", {"target": target, "floor": floor})
        )
        goal = floor
    base = problem.baseline
    none = Solution(np.zeros(len(problem.cells), bool), 0.0, base, True)
    if goal >= base:
        chosen: Solution = none
        frontier = [none]
    else:
        frontier = [none]
        for j in range(1, points + 1):
            level = base - (base - goal) * j / points
            found = solve(problem, level, time_limit=time_limit)
            if found is not None:
                frontier.append(found)
        if frontier[-1].level > goal + 1e-12:  # the solver failed at the goal: fund every cell
            frontier.append(Solution(everything, float(problem.cost.sum()), floor, False))
        chosen = frontier[-1]
    if not all(s.optimal for s in frontier):
        findings.append(Finding("optimise_time_limit", "warning", {"seconds": time_limit}))
    return Allocation(target, base, floor, chosen, tuple(frontier), problem.cells, problem.cost,
                      problem.families, tuple(findings))  # fmt: skip


def build_problem(
    options: Scenario, inputs: Inputs, year: int, objective: Objective, areas: Sequence[str]
) -> Problem:
    """Return the optimiser's data for the packages of ``options`` in ``year``.

    The objective line is the year's extreme line (``extreme``) or poverty line (``p0``); its
    poor households are the targets. Budgets of ``options`` are ignored (the optimiser sets
    them); exclusivity is not modelled. A candidate's per-capita gain is the consumption share
    of its annual benefit over twelve months (a top-up: of its gap to the top-up level); a cell's
    cost and families are the registry's, for every family the rule admits in it.
    """
    factor, lines = year_lines(options, inputs, year)
    z = lines.extreme if objective == "extreme" else lines.poverty
    data, rand = inputs.sample, inputs.draws
    welfare = data.welfare * factor
    target = np.flatnonzero(welfare < z)
    chosen = [replace(p, budget=None) for p in policies(options, year, lines, inputs.shares)]
    rows = rand.area_row[target]
    cell = np.full((len(chosen), rand.count, len(target)), -1, np.int64)
    gain = np.zeros((len(chosen), rand.count, len(target)))
    cells: list[Cell] = []
    costs: list[float] = []
    families: list[float] = []
    for index, p in enumerate(chosen):
        top_up = None
        if p.top_up is not None:
            applied = apply(data, welfare, [p], rand)
            measured = top_up_cost(applied, p, rand, data.weight)
            top_up = (measured.mean, measured.share)
        charge = Charge(p.code, p.amount, p.per, p.months, None, p.uptake, (), top_up)
        cost, reached, count = cell_totals(inputs.families, charge, areas)
        ids = np.full((len(areas), DESILS), -1, np.int64)
        for k, d in zip(*np.nonzero(count), strict=True):
            ids[k, d] = len(cells)
            cells.append(Cell(p.code, areas[k], int(d) + 1))
            costs.append(float(cost[k, d]))
            families.append(float(reached[k, d]))
        desil = (rand.perfect if p.perfect else rand.measured)[:, target].astype(np.int64) - 1
        share = p.eligible[np.broadcast_to(rows, desil.shape), desil]
        candidate = rand.take(p.code)[:, target] < p.uptake * share
        known = rows < len(areas)
        cell[index] = np.where(candidate & known, ids[np.minimum(rows, len(areas) - 1), desil], -1)
        gain[index] = _gain(p, welfare[target], data.size[target], desil, rows)
    return Problem(
        gap=z - welfare[target],
        weight=data.person_weight[target],
        population=data.population,
        cell=cell,
        gain=gain,
        cells=tuple(cells),
        cost=np.asarray(costs),
        families=np.asarray(families),
    )


def _gain(
    p: Policy, welfare: FloatArray, size: FloatArray, desil: IntArray, rows: IntArray
) -> FloatArray:
    """Return the per-capita monthly gain of ``p`` for each draw and target household."""
    share = p.consumption * p.months / 12
    if p.top_up is not None:
        filled = np.maximum(p.top_up - welfare, 0.0) * min(share, 1.0)
        return np.broadcast_to(filled, desil.shape).astype(np.float64)
    if p.per == "family":
        per_capita = p.amount / size
    elif p.per == "member":
        per_capita = np.full(len(size), p.amount)
    else:
        per_capita = p.amount * p.members[np.broadcast_to(rows, desil.shape), desil]
    return np.broadcast_to(share * per_capita, desil.shape).astype(np.float64)
