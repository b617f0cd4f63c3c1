"""Rollup helpers: exact group sums and string columns built from bytes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from rpkd.measures.rollup import _group_sum, _numbers, _repeated, _tiled


def test_group_sum_is_exact_near_the_float_limit() -> None:
    # Counts just below 2**31 (the most a profile cell may hold) add up exactly in float64.
    big = 2**31 - 1
    key = np.array([0, 1, 0, 2, 0], dtype=np.intp)
    values = np.array([[big, 1], [5, 2], [big, 3], [0, 4], [big, 5]], dtype=np.int64, order="F")
    out = _group_sum(key, 4, values)
    assert out.dtype == np.int64
    assert out.tolist() == [[3 * big, 9], [5, 2], [0, 4], [0, 0]]


@pytest.mark.parametrize("high", [2**31, 2**45])  # 2**45: totals past 2**53, added as integers
def test_group_sum_agrees_with_add_at_on_random_counts(high: int) -> None:
    rng = np.random.default_rng(3)
    key = rng.integers(0, 50, 10_000).astype(np.intp)
    values = np.asfortranarray(rng.integers(0, high, (10_000, 3)))
    expected = np.zeros((60, 3), dtype=np.int64)
    np.add.at(expected, key, values)
    assert np.array_equal(_group_sum(key, 60, values), expected)


def test_repeated_and_tiled_strings() -> None:
    names = ["Selat", None, "Désa Ümbu", ""]
    got = _repeated(names, 3)
    assert got.type == pa.string()
    assert got.to_pylist() == [n for n in names for _ in range(3)]
    assert got.null_count == 3
    tiled = _tiled(["a", "bé", ""], 2)
    assert tiled.to_pylist() == ["a", "bé", "", "a", "bé", ""]
    assert tiled.validate(full=True) is None
    assert _repeated([], 4).to_pylist() == []
    assert _tiled(["x"], 0).to_pylist() == []


def test_codes_of_one_width_are_repeated_as_a_block() -> None:
    got = _repeated(["62.03.01", "62.03.02"], 3)
    assert got.type == pa.string()
    assert got.to_pylist() == ["62.03.01"] * 3 + ["62.03.02"] * 3
    assert got.validate(full=True) is None


def test_numbers_share_the_array_memory_with_their_nulls() -> None:
    values = np.array([1.5, 2.0, -3.0, 4.0])
    got = _numbers(values, np.array([False, True, False, True]))
    assert got.type == pa.float64()
    assert got.to_pylist() == [1.5, None, -3.0, None]
    assert _numbers(values, np.zeros(4, dtype=bool)).null_count == 0
    counts = _numbers(np.array([7, -(2**40)], dtype=np.int64), np.zeros(2, dtype=bool))
    assert (counts.type, counts.to_pylist()) == (pa.int64(), [7, -(2**40)])
