"""A scenario year by year, on the survey and on the registry side by side.

From the release's reference year to the target year, consumption grows and the lines inflate
by the scenario's macro assumptions (:meth:`rpkd.simulation.scenario.Macro.factors`); in each
year the packages then in force are applied to the survey sample (:mod:`.microsim`) and to the
registry (:mod:`.registry`). The survey side tells the registry side what a top-up costs, since
the registry does not know consumption. The random draws are made once, so that every year, and
every scenario compared on the same inputs, sees the same targeting errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rpkd.simulation.microsim import Draws, Lines, Policy, Sample, YearOutcome, simulate_year
from rpkd.simulation.registry import Charge, Families, Reach, reach
from rpkd.simulation.scenario import Package, Scenario

FloatArray = NDArray[np.float64]
Shares = Mapping[str, tuple[FloatArray, FloatArray]]


@dataclass(frozen=True)
class Inputs:
    """What a scenario runs on: the sample, the registry, its shares, the draws, the base year.

    ``lines`` are the lines in force on the release's reference date (base year).
    """

    sample: Sample
    families: Families
    shares: Shares
    draws: Draws
    base_year: int
    lines: Lines


@dataclass(frozen=True)
class ScenarioYear:
    """One year: the lines, the survey's estimates and the registry's cost and reach."""

    year: int
    lines: Lines
    outcome: YearOutcome
    reach: Reach


def level(package: Package, lines: Lines) -> float | None:
    """Return the per-capita level a top-up fills to in the year of ``lines`` (None: no top-up)."""
    if package.top_up_to is None:
        return None
    if package.top_up_to == "poverty":
        return lines.poverty
    if package.top_up_to == "extreme":
        return lines.extreme
    return float(package.top_up_to)


def _per(package: Package) -> str:
    if package.unit == "person":
        return "person"
    return "member" if package.per_member else "family"


def _exclusive(active: Sequence[Package], index: int) -> tuple[str, ...]:
    """Return the earlier packages whose recipients package ``index`` does not serve: those it
    is exclusive with, and those exclusive with it (the later of a pair enforces it)."""
    p = active[index]
    return tuple(q.code for q in active[:index]
                 if q.code in p.exclusive_with or p.code in q.exclusive_with)  # fmt: skip


def policies(scenario: Scenario, year: int, lines: Lines, shares: Shares) -> tuple[Policy, ...]:
    """Return the survey side of the packages in force in ``year``, in priority order."""
    active = [p for p in scenario.packages if p.active(year)]
    return tuple(
        Policy(
            code=p.code,
            amount=p.monthly_amount(year),
            per=_per(p),  # type: ignore[arg-type]
            top_up=level(p, lines),
            months=p.months,
            consumption=p.consumption,
            budget=p.cap(year),
            uptake=p.uptake,
            eligible=shares[p.code][0],
            members=shares[p.code][1],
            perfect=p.targeting == "perfect",
            exclusive=_exclusive(active, index),
        )
        for index, p in enumerate(active)
    )


def charges(policies: Sequence[Policy], outcome: YearOutcome) -> tuple[Charge, ...]:
    """Return the registry side of ``policies``, top-ups costed from the survey's ``outcome``."""
    out = []
    for p in policies:
        cost = outcome.top_up.get(p.code)
        out.append(
            Charge(
                code=p.code, amount=p.amount, per=p.per, months=p.months, budget=p.budget,
                uptake=p.uptake, exclusive=p.exclusive,
                top_up=None if cost is None else (cost.mean, cost.share),
            )
        )  # fmt: skip
    return tuple(out)


def year_lines(scenario: Scenario, inputs: Inputs, year: int) -> tuple[float, Lines]:
    """Return the consumption factor and the lines of ``year`` under the macro assumptions
    (the base year's lines as they are; later years' inflated, rounded to the sen)."""
    consumption, inflation = scenario.macro.factors(inputs.base_year, year)
    if year == inputs.base_year:
        return consumption, inputs.lines
    # Inflated lines are kept to the sen, so that 391000 × 1.025 reads 400775, not 400774.99...
    lines = Lines(round(inputs.lines.poverty * inflation, 2),
                  round(inputs.lines.extreme * inflation, 2))  # fmt: skip
    return consumption, lines


def simulate(scenario: Scenario, inputs: Inputs, years: Sequence[int]) -> tuple[ScenarioYear, ...]:
    """Return the scenario in each of ``years`` (survey estimates, registry cost and reach)."""
    out = []
    for year in years:
        factor, lines = year_lines(scenario, inputs, year)
        chosen = policies(scenario, year, lines, inputs.shares)
        outcome = simulate_year(inputs.sample, year, factor, lines, chosen, inputs.draws)
        registry = reach(inputs.families, year, charges(chosen, outcome))
        out.append(ScenarioYear(year, lines, outcome, registry))
    return tuple(out)
