"""Datt–Ravallion and Shapley decompositions against a hand-computed example."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpkd.planning.decomposition import decompose, fgt

# Period 1: incomes 1, 2, 3, 6 (mean 3); period 2: 2, 2, 4, 8 (mean 4); line 2.5; equal weights.
Y1, Y2, W = [1.0, 2.0, 3.0, 6.0], [2.0, 2.0, 4.0, 8.0], [1.0, 1.0, 1.0, 1.0]


def test_fgt_by_hand() -> None:
    assert fgt(Y1, W, 2.5, 0) == 0.5
    assert fgt(Y1, W, 2.5, 1) == pytest.approx((0.6 + 0.2) / 4)
    assert fgt(Y1, W, 2.5, 2) == pytest.approx((0.36 + 0.04) / 4)
    assert fgt(Y1, [2.0, 1.0, 1.0, 0.0], 2.5, 0) == pytest.approx(3 / 4)


def test_datt_ravallion_poverty_gap() -> None:
    # P1: 12/60 -> 6/60. P(mu2, L1): incomes x 4/3 -> gap (2.5 - 4/3) / 2.5 / 4 = 7/60.
    # P(mu1, L2): incomes x 3/4 = 1.5, 1.5, 3, 6 -> (0.4 + 0.4) / 4 = 12/60.
    result = decompose(Y1, W, Y2, W, 2.5, alpha=1)
    assert result.initial == pytest.approx(12 / 60)
    assert result.final == pytest.approx(6 / 60)
    assert result.growth == pytest.approx(-5 / 60)
    assert result.redistribution == pytest.approx(0.0)
    assert result.residual == pytest.approx(-1 / 60)


def test_shapley_poverty_gap() -> None:
    result = decompose(Y1, W, Y2, W, 2.5, alpha=1, method="shapley")
    assert result.growth == pytest.approx(0.5 * (-5 / 60 + (6 / 60 - 12 / 60)))
    assert result.redistribution == pytest.approx(0.5 * (0.0 + (6 / 60 - 7 / 60)))
    assert result.residual == pytest.approx(0.0, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.1, 10.0), min_size=3, max_size=12),
    st.lists(st.floats(0.1, 10.0), min_size=3, max_size=12),
    st.sampled_from([0, 1, 2]),
)
def test_components_add_up(first: list[float], second: list[float], alpha: int) -> None:
    for method in ("datt_ravallion", "shapley"):
        r = decompose(
            first,
            np.ones(len(first)),
            second,
            np.ones(len(second)),
            3.0,
            alpha=alpha,
            method=method,
        )  # type: ignore[arg-type]
        assert r.growth + r.redistribution + r.residual == pytest.approx(
            r.final - r.initial, abs=1e-12
        )
        if method == "shapley":
            assert r.residual == pytest.approx(0.0, abs=1e-12)
