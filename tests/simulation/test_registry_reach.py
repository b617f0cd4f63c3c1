"""Cost and reach on the registry, derived by hand on a registry of 5 families per desil.

Families of each desil have sizes 1 to 5 (15 persons); PMT scores rise with the row, so a
capped package serves desil 1 from its first family on.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from simulation_fixture import small_registry

from rpkd.simulation.registry import Charge, cell_totals, families, reach, shares


def charge(code: str, **fields: object) -> Charge:
    values: dict[str, object] = {"amount": 100000.0, "per": "family", "months": 12,
                                 "budget": None, "uptake": 1.0}  # fmt: skip
    values.update(fields)
    return Charge(code, **values)  # type: ignore[arg-type]


def test_expected_cost_and_reach_with_uptake() -> None:
    fam = small_registry({"a": 2, "b": 2})
    year = reach(fam, 2026, [charge("a", uptake=0.5), charge("b", per="member")])
    rows = {r["programme"]: r for r in year.packages.to_pylist()}
    assert rows["a"] == {"programme": "a", "families": 5.0, "persons": 15.0,
                         "cost": 0.5 * 10 * 1_200_000}  # fmt: skip
    assert rows["b"]["cost"] == 30 * 1_200_000  # per member: 30 persons in desil 1-2
    assert year.families_reached == 10.0  # b reaches every eligible family
    assert year.persons_reached == 30.0
    assert year.cost == pytest.approx(6_000_000 + 36_000_000)


def test_a_cap_serves_the_poorest_first() -> None:
    fam = small_registry({"a": 10})
    year = reach(fam, 2026, [charge("a", budget=2_500_000)])
    assert year.families_reached == 2.0  # two families of 1.2m fit in 2.5m
    areas = {r["desil"]: r for r in year.areas.to_pylist()}
    assert areas[1]["families_reached"] == 2.0 and areas[2]["families_reached"] == 0.0
    assert areas[1]["families_left_out"] == 3.0 and areas[10]["families_left_out"] == 5.0
    assert areas[1]["persons_reached"] == 1.0 + 2.0  # the first two families: sizes 1 and 2


def test_an_exclusive_package_serves_those_the_other_missed() -> None:
    fam = small_registry({"pkh": 1, "blt": 1})
    year = reach(fam, 2026, [charge("pkh", uptake=0.6), charge("blt", exclusive=("pkh",))])
    rows = {r["programme"]: r["families"] for r in year.packages.to_pylist()}
    assert rows == {"pkh": pytest.approx(3.0), "blt": pytest.approx(2.0)}
    assert year.families_reached == pytest.approx(5 * (1 - 0.4 * 0.6))  # independence


def test_person_rules_count_their_members_and_top_ups_use_the_survey_cost() -> None:
    table = pa.table({
        "desa_code": ["62.03.01.2001", "62.03.01.2001", "62.03.02.2001"],
        "desil": [1, 2, None], "family_size": [4, 3, 2], "pmt_score": [1.0, 2.0, None],
        "eligible_pip": [True, True, False], "n_eligible_pip": [2, 1, 0],
        "eligible_top": [True, True, True],
    })  # fmt: skip
    fam = families(table, ["pip", "top"])
    mean, share = np.zeros(10), np.zeros(10)
    mean[:2], share[:2] = (900_000.0, 300_000.0), (0.5, 0.25)
    year = reach(fam, 2026, [charge("pip", per="person", amount=37500.0),
                             charge("top", top_up=(mean, share))])  # fmt: skip
    rows = {r["programme"]: r for r in year.packages.to_pylist()}
    assert rows["pip"]["cost"] == 3 * 37500 * 12 and rows["pip"]["persons"] == 3
    assert rows["top"]["cost"] == 1_200_000.0  # no desil: no survey cost
    assert rows["top"]["families"] == 0.75
    shared = shares(fam, ["pip"], ["62.03.01"])["pip"]
    assert shared[0][0, :2].tolist() == [1.0, 1.0]
    assert shared[1][0, :2].tolist() == [0.5, 1 / 3]


def test_cells_price_every_admitted_family() -> None:
    fam = small_registry({"a": 3})
    cost, reached, count = cell_totals(fam, charge("a", uptake=0.5), ["62.03.01"])
    assert count[0].tolist() == [5, 5, 5, 0, 0, 0, 0, 0, 0, 0]
    assert cost[0, 0] == 0.5 * 5 * 1_200_000 and reached[0, 2] == 2.5
