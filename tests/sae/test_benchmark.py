"""Ratio and difference benchmarking: hand-derived cases and the benchmark property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rpkd.errors import InvalidInput
from rpkd.sae.benchmark import benchmark


def test_ratio_by_hand() -> None:
    # shares 0.2, 0.3, 0.5; implied = 0.2*0.10 + 0.3*0.20 + 0.5*0.06 = 0.11; target 0.132
    # factor 1.2 -> 0.12, 0.24, 0.072
    r = benchmark(["a", "b", "c"], [0.10, 0.20, 0.06], [200, 300, 500], 0.132)
    assert r.implied == pytest.approx(0.11)
    assert r.adjustment == pytest.approx(1.2)
    assert [a.benchmarked for a in r.areas] == pytest.approx([0.12, 0.24, 0.072])
    assert [a.weight for a in r.areas] == pytest.approx([0.2, 0.3, 0.5])
    assert r.findings[0].code == "benchmark_adjustment"
    assert r.findings[0].params["adjustment"] == pytest.approx(1.2)


def test_difference_by_hand() -> None:
    # implied 0.11, target 0.132: shift +0.022 -> 0.122, 0.222, 0.082
    r = benchmark(["a", "b", "c"], [0.10, 0.20, 0.06], [200, 300, 500], 0.132, method="difference")
    assert r.adjustment == pytest.approx(0.022)
    assert [a.benchmarked for a in r.areas] == pytest.approx([0.122, 0.222, 0.082])


def test_bounds_are_reported_not_clipped() -> None:
    r = benchmark(["a", "b"], [0.01, 0.5], [1, 1], 0.1, method="difference", bounds=(0.0, 1.0))
    out = [f.params["area"] for f in r.findings if f.code == "benchmark_out_of_bounds"]
    assert out == ["a"]
    assert r.areas[0].benchmarked == pytest.approx(-0.145)


def test_invalid_population() -> None:
    with pytest.raises(InvalidInput) as caught:
        benchmark(["a", "b"], [0.1, 0.2], [1, -1], 0.1)
    assert caught.value.code == "benchmark_population_invalid"
    assert caught.value.params == {"area": "b", "value": -1.0}


@given(
    st.lists(st.tuples(st.floats(0.01, 1.0), st.floats(1.0, 1e5)), min_size=1, max_size=20),
    st.floats(0.01, 1.0),
    st.sampled_from(["ratio", "difference"]),
)
def test_weighted_mean_equals_target(
    rows: list[tuple[float, float]], target: float, method: str
) -> None:
    est, pop = zip(*rows, strict=True)
    r = benchmark([str(i) for i in range(len(rows))], est, pop, target, method=method)  # type: ignore[arg-type]
    assert sum(a.weight * a.benchmarked for a in r.areas) == pytest.approx(target, rel=1e-9)


def test_total_by_hand() -> None:
    # poor people per kecamatan 100, 300; published district total 500 -> factor 1.25
    r = benchmark(["a", "b"], [100.0, 300.0], None, 500.0, aggregate="total")
    assert r.implied == 400.0 and r.adjustment == pytest.approx(1.25)
    assert [a.benchmarked for a in r.areas] == pytest.approx([125.0, 375.0])
    d = benchmark(["a", "b"], [100.0, 300.0], None, 500.0, aggregate="total", method="difference")
    assert [a.benchmarked for a in d.areas] == pytest.approx([150.0, 350.0])
