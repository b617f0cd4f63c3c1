"""A scenario's P0/P1/P2, number of poor and cost, and their SEs, against R ``survey``.

``tests/golden/simulation/scenario_se.R`` computes the scenario's transformed welfare from its
definition and estimates with ``svymean``/``svytotal`` on the two-stage design with fpc; the
difference from the baseline is a difference variable (FGT) or ``svycontrast`` of two totals
(the number of poor) on the same design. Agreement to 1e-8 relative.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from simulation_fixture import CATALOGUE, GOLDEN, inputs

from rpkd.simulation.microsim import Sample
from rpkd.simulation.scenario import parse_scenario
from rpkd.simulation.years import simulate

GOLDEN_SCENARIO = {
    "name": "golden",
    "macro": {"growth": 0.03, "inflation": 0.02},
    "programme": [
        {"code": "bansos", "rule": "desil <= 3", "amount": 150000, "per_member": True,
         "targeting": "perfect"},
        {"code": "topup", "rule": "desil <= 2", "top_up_to": "extreme", "targeting": "perfect"},
        {"code": "flat", "rule": "desil <= 5", "amount": 300000, "months": 3,
         "targeting": "perfect"},
    ],
}  # fmt: skip
RULES = {"bansos": 3, "topup": 2, "flat": 5}


def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "simulation" / "scenario_se.json").read_text())
    return data


@pytest.mark.parametrize("draws", [1, 4])
def test_scenario_estimates_and_ses_match_r_survey(golden_sample: Sample, draws: int) -> None:
    """With perfect targeting and full uptake every draw is the same, so Rubin's combination
    gives back the design-based SE exactly, whatever the number of draws."""
    scenario = parse_scenario(GOLDEN_SCENARIO, catalogue=CATALOGUE, defaults={})
    year = simulate(scenario, inputs(golden_sample, scenario, RULES, draws=draws), [2027])[0]
    expected = golden()
    assert (year.lines.poverty, year.lines.extreme) == (
        expected["lines"]["poverty"],
        expected["lines"]["extreme"],
    )
    lines = {"poverty": year.lines.poverty, "extreme": year.lines.extreme}
    found = {(r.measure, r.line, r.indicator): r for r in year.outcome.estimates.rows}
    assert len(expected["rows"]) == 25
    for row in expected["rows"]:
        line = None if row["line"] is None else lines[row["line"]]
        got = found[(row["measure"], line, row["indicator"])]
        assert got.estimate == pytest.approx(row["estimate"], rel=1e-8, abs=1e-12), row
        assert got.se == pytest.approx(row["se"], rel=1e-8, abs=1e-12), row
