"""Probabilities of being among the k poorest (rpkd.sae.priority) on cases with known answers.

Expected values are derived by hand in each test from the draws' definition: area i's rate is
N(estimate_i, mse_i) set to [0, 1]; a probability estimated from B independent draws has Monte
Carlo standard error sqrt(p (1 - p) / B).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from rpkd.errors import InvalidInput, UsageError
from rpkd.measures.service_gaps import service_gaps
from rpkd.params import load_kit
from rpkd.sae.priority import (
    PriorityRule,
    priority_class,
    priority_rule,
    priority_table,
    rank_probabilities,
    top_k_share,
)

RULE = PriorityRule({"desa": 2}, 1000, (0.8, 0.5, 0.2), "either")


def _probabilities(estimate, mse, population=None, *, k, draws, seed=1, rule=RULE):
    population = population or [1.0] * len(estimate)
    names = [f"a{i}" for i in range(len(estimate))]
    rows = rank_probabilities(names, estimate, mse, population, k=k, draws=draws, rule=rule,
                              rng=np.random.default_rng(seed))  # fmt: skip
    return rows


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def test_areas_far_apart_are_certain() -> None:
    # Gaps of 0.2 against SEs of 0.001: a wrong order needs a 100-SE error, probability 0.
    rows = _probabilities([0.1, 0.9, 0.5, 0.3], [1e-6] * 4, k=2, draws=500)
    assert [r.probability_rate for r in rows] == [0.0, 1.0, 1.0, 0.0]
    assert [(r.rank_low, r.rank_high) for r in rows] == [(4, 4), (1, 1), (2, 2), (3, 3)]
    assert [r.priority for r in rows] == [None, 1, 1, None]


def test_two_areas_near_each_other_match_the_normal_difference() -> None:
    # k = 1: A is first when X_A - X_B > 0, X_A - X_B ~ N(0.1, 2 * 0.02^2):
    # P = Phi(0.1 / (0.02 * sqrt 2)) = Phi(3.5355) = 0.999797; MC SE with B = 20000 is 0.0001.
    expected = _phi(0.1 / (0.02 * math.sqrt(2.0)))
    assert expected == pytest.approx(0.999797, abs=1e-6)
    rows = _probabilities([0.6, 0.5], [0.02**2, 0.02**2], k=1, draws=20_000)
    se = math.sqrt(expected * (1 - expected) / 20_000)
    assert abs(rows[0].probability_rate - expected) < 5 * se + 1e-4
    assert rows[0].probability_rate + rows[1].probability_rate == pytest.approx(1.0, abs=1e-12)


def test_two_identical_areas_share_one_slot() -> None:
    # k = 2: the first slot always goes to the area at 0.9, the last one never; the two
    # identical areas at 0.5 each win the second slot half of the time. B = 10000 draws:
    # MC SE = sqrt(0.25 / 10000) = 0.005, so 4 SE = 0.02.
    rows = _probabilities([0.9, 0.5, 0.5, 0.1], [1e-6, 0.05**2, 0.05**2, 1e-6], k=2,
                          draws=10_000, seed=7)  # fmt: skip
    p = [r.probability_rate for r in rows]
    assert p[0] == 1.0 and p[3] == 0.0
    assert abs(p[1] - 0.5) < 0.02 and abs(p[2] - 0.5) < 0.02
    assert sum(p) == pytest.approx(2.0, abs=1e-12)  # every draw fills exactly k slots


def test_ties_share_the_slots_left() -> None:
    # No uncertainty: rates 0, 0 and 0.3, k = 2: the 0.3 area takes one slot, the two at 0
    # share the other (1/2 each) and get the average of ranks 2 and 3.
    rows = _probabilities([0.0, 0.0, 0.3], [0.0, 0.0, 0.0], k=2, draws=5)
    assert [r.probability_rate for r in rows] == [0.5, 0.5, 1.0]
    assert [r.rank_median for r in rows] == [2.5, 2.5, 1.0]


def test_number_of_poor_ranks_by_rate_times_population() -> None:
    # Equal rates 0.2 +- 0.01; 100 persons against 10: 20 +- 1 poor against 2 +- 0.1.
    rows = _probabilities([0.2, 0.2], [1e-4, 1e-4], [10.0, 100.0], k=1, draws=2000)
    assert [r.probability_count for r in rows] == [0.0, 1.0]
    assert abs(rows[0].probability_rate - 0.5) < 4 * math.sqrt(0.25 / 2000)


def test_probability_never_falls_when_the_estimate_rises() -> None:
    # Common random numbers: the same z for every estimate, so each draw of the area rises.
    estimates = [0.10, 0.12, 0.15, 0.20, 0.25]
    before = -1.0
    for value in np.linspace(0.05, 0.35, 13):
        rows = _probabilities([float(value), *estimates], [0.03**2] * 6, k=2, draws=3000)
        assert rows[0].probability_rate >= before
        before = rows[0].probability_rate
    assert before > 0.9


def test_same_seed_same_answer_other_seed_other_draws() -> None:
    args = ([0.3, 0.31, 0.29, 0.1], [0.02**2] * 4)
    first = _probabilities(*args, k=2, draws=500, seed=11)
    assert first == _probabilities(*args, k=2, draws=500, seed=11)
    assert first != _probabilities(*args, k=2, draws=500, seed=12)


def test_top_k_share_counts_each_row() -> None:
    values = np.array([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])
    assert top_k_share(values, 1).tolist() == [0.5, 0.0, 0.5]
    assert top_k_share(values, 3).tolist() == [1.0, 1.0, 1.0]


def test_classes_follow_the_thresholds_and_basis() -> None:
    assert priority_class(0.8, 0.0, RULE) == 1
    assert priority_class(0.79, 0.5, RULE) == 2
    assert priority_class(0.2, 0.1, RULE) == 3
    assert priority_class(0.19, 0.19, RULE) is None
    by_rate = PriorityRule({}, 10, (0.8, 0.5, 0.2), "rate")
    assert priority_class(0.1, 0.99, by_rate) is None
    by_count = PriorityRule({}, 10, (0.8, 0.5, 0.2), "count")
    assert priority_class(0.1, 0.99, by_count) == 1


def test_rule_from_the_shipped_kit(tmp_path) -> None:
    rule = priority_rule(load_kit(tmp_path).document("sae"))
    assert rule.thresholds == (0.8, 0.5, 0.2)
    assert rule.k == {"kecamatan": 5, "desa": 20}
    assert rule.draws == 2000 and rule.basis == "either"


def test_rule_errors_have_codes() -> None:
    with pytest.raises(InvalidInput) as caught:
        priority_rule({"priority": {"k": {}, "draws": 10, "thresholds": [0.5, 0.8, 0.2]}})
    assert caught.value.code == "priority_thresholds_invalid"
    with pytest.raises(InvalidInput) as caught:
        priority_rule({})
    assert caught.value.code == "priority_rule_missing"
    with pytest.raises(UsageError) as usage:
        _probabilities([0.1, 0.2], [0.0, 0.0], k=3, draws=10)
    assert usage.value.code == "priority_k_invalid" and usage.value.params["areas"] == 2
    with pytest.raises(UsageError) as usage:
        _probabilities([0.1, 0.2], [0.0, 0.0], k=1, draws=0)
    assert usage.value.code == "priority_draws_invalid"


def test_priority_table_skips_unestimated_areas() -> None:
    areas = pa.table({"area": ["x", "y", "z"], "estimate": [0.4, None, 0.1],
                      "mse": [1e-6, None, None], "population": [10.0, 5.0, None]})  # fmt: skip
    table = priority_table(areas, k=1, rule=RULE, draws=50, seed=3)
    assert table["area"].to_pylist() == ["x", "z"]
    assert table["probability_rate"].to_pylist() == [1.0, 0.0]
    assert table["priority"].to_pylist() == [1, None]


def test_service_gaps_by_desa_and_kecamatan() -> None:
    villages = pa.table(
        {
            "desa_code": ["62.03.01.2001", "62.03.01.2002", "62.03.02.2001"],
            "has_puskesmas": [True, False, False],
            "has_sd": [True, True, False],
            "has_smp": [False, False, True],
            "has_market": [True, False, True],
            "main_road": ["aspal_beton", "tanah", "air"],
            "share_pln": [1.0, 0.5, 0.95],
        }
    )
    desa = service_gaps(villages, level="desa", unpaved=["tanah", "air"], pln_below=0.9)
    assert desa.to_pylist()[1] == {"area": "62.03.01.2002", "desa": 1, "no_puskesmas": 1,
                                   "no_sd": 0, "no_smp": 1, "no_market": 1, "unpaved_road": 1,
                                   "low_pln": 1}  # fmt: skip
    kecamatan = service_gaps(villages, level="kecamatan", unpaved=["tanah"], pln_below=0.9)
    assert kecamatan.to_pylist() == [
        {"area": "62.03.01", "desa": 2, "no_puskesmas": 1, "no_sd": 0, "no_smp": 2,
         "no_market": 1, "unpaved_road": 1, "low_pln": 1},
        {"area": "62.03.02", "desa": 1, "no_puskesmas": 1, "no_sd": 1, "no_smp": 0,
         "no_market": 0, "unpaved_road": 0, "low_pln": 0},
    ]  # fmt: skip
