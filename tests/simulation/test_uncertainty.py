"""The targeting-error model: groups, the measured matrix, draws and Rubin's rules, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from rpkd.errors import InvalidInput
from rpkd.simulation.uncertainty import combine, draw, measure, perfect, welfare_groups


def test_groups_split_the_weight_in_equal_shares_poorest_first() -> None:
    # Sorted: 1 (w 1), 2 (w 1), 3 (w 2), 4 (w 4); weight before: 0, 1, 2, 4 of 8.
    y = np.array([4.0, 2.0, 1.0, 3.0])
    w = np.array([4.0, 1.0, 1.0, 2.0])
    assert welfare_groups(y, w, 4).tolist() == [2, 0, 0, 1]  # floor(4 · before / 8)
    assert welfare_groups(y, w, 2).tolist() == [1, 0, 0, 0]


def test_the_matrix_holds_weighted_shares_and_the_rates_are_measured() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    desil = np.array([1, 5, 1, 2])
    w = np.array([1.0, 3.0, 2.0, 2.0])  # before: 0, 1, 4, 6 of 8 -> groups 0, 0, 1, 1
    poor = y < 2.5
    m = measure(y, desil, w, groups=2, basis="survey", targets={"poor": poor})
    assert m.matrix[0, [0, 4]].tolist() == [0.25, 0.75]
    assert m.matrix[1, [0, 1]].tolist() == [0.5, 0.5]
    assert m.matrix.sum(axis=1).tolist() == [1.0, 1.0]
    by_cutoff = {r.cutoff: r for r in m.rates}
    # desil <= 1 covers units 1 and 3: the poor (units 1, 2; weight 4) lose unit 2 (weight 3).
    assert by_cutoff[1].exclusion == pytest.approx(3 / 4)
    # covered weight 3, of which unit 3 (weight 2) is not poor.
    assert by_cutoff[1].inclusion == pytest.approx(2 / 3)
    assert by_cutoff[10].exclusion == 0.0


def test_perfect_targeting_places_each_group_in_its_own_desil() -> None:
    m = perfect(20)
    assert m.matrix.argmax(axis=1).tolist() == [d // 2 for d in range(20)]
    assert (m.matrix.max(axis=1) == 1.0).all()
    with pytest.raises(InvalidInput) as error:
        perfect(15)
    assert error.value.code == "simulation_groups"


def test_draws_follow_the_matrix() -> None:
    m = measure(np.arange(1.0, 41.0), np.repeat([1, 2, 3, 4], 10), np.ones(40), groups=2,
                basis="truth")  # fmt: skip
    assert m.matrix[0, :2].tolist() == [0.5, 0.5] and m.matrix[1, 2:4].tolist() == [0.5, 0.5]
    placed = draw(m, np.array([0, 1]), np.random.default_rng(1), 20000)
    assert set(placed[:, 0].tolist()) == {1, 2} and set(placed[:, 1].tolist()) == {3, 4}
    assert (placed[:, 0] == 1).mean() == pytest.approx(0.5, abs=0.015)
    again = draw(m, np.array([0, 1]), np.random.default_rng(1), 20000)
    assert (placed == again).all()


def test_rubin_combines_within_and_between_variance() -> None:
    points = np.array([[0.10, 5.0], [0.14, 5.0], [0.12, 5.0]])
    variances = np.array([[0.0004, 1.0], [0.0006, 1.0], [0.0005, 1.0]])
    point, total = combine(points, variances)
    between = np.var([0.10, 0.14, 0.12], ddof=1)  # 0.0004
    assert point.tolist() == pytest.approx([0.12, 5.0])
    assert total[0] == pytest.approx(0.0005 + (1 + 1 / 3) * between)
    assert (point[1], total[1]) == (5.0, 1.0)  # draws that agree: exactly their value
