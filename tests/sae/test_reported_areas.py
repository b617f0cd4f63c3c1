"""EBPs whose random effect is on finer areas than those reported (povmap's ``aggregate_to``):
a reported area's estimate is the census-weighted mean of its model areas' estimates, and its
bootstrap MSE is that of the aggregate, replicate by replicate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from tests.sae.test_ebp import world
from tests.sae.test_logit_ebp import _world as logit_world

from rpkd.errors import InvalidInput
from rpkd.sae.ebp import ebp
from rpkd.sae.logit_ebp import logit_ebp


def _grouped(table: pa.Table, codes: Callable[[str], str]) -> pa.Table:
    return table.append_column("kec", pa.array([codes(a) for a in table["area"].to_pylist()]))


def _by_four(code: str) -> str:
    return f"K{int(code[-2:]) // 4}"


def _logit(report: str | None, coarse: Callable[[str], str]) -> list[Any]:
    sample, census, _ = logit_world(4)
    census = census.append_column("size", pa.array(np.resize([1.0, 2.0, 5.0], census.num_rows)))
    result = logit_ebp(
        _grouped(sample, coarse), _grouped(census, coarse), area="area", welfare="welfare",
        line=2.0, covariates=["x"], census_weight="size", bootstrap=8, seed=3, report=report,
    )  # fmt: skip
    return list(result.areas)


def _nested(report: str | None, coarse: Callable[[str], str]) -> list[Any]:
    w = world(21, areas=16, sampled=10)
    result = ebp(
        _grouped(w.sample, coarse), _grouped(w.census, coarse), area="area", welfare="welfare",
        line=w.line, covariates=["x1"], transformation="log", replicates=20, bootstrap=8,
        seed=9, report=report,
    )  # fmt: skip
    return [_flat(a) for a in result.areas]


def _flat(a: Any) -> Any:
    """The nested-error EBP's area with P0 and its MSE under the logit EBP's attribute names."""
    return type("Area", (), {**vars(a), "mse": a.mse["headcount"] if a.mse else None})()


@pytest.mark.parametrize("run", [_logit, _nested], ids=["logit", "nested_error"])
def test_one_model_area_per_reported_area_changes_nothing_but_the_codes(
    run: Callable[..., list[Any]],
) -> None:
    fine = run(None, lambda code: code)
    relabelled = run("kec", lambda code: f"R{code}")
    assert [a.area for a in relabelled] == [f"R{a.area}" for a in fine]
    for a, b in zip(fine, relabelled, strict=True):
        assert (b.headcount, b.mse, b.n, b.population, b.in_sample) == (
            a.headcount, a.mse, a.n, a.population, a.in_sample,
        )  # fmt: skip


@pytest.mark.parametrize("run", [_logit, _nested], ids=["logit", "nested_error"])
def test_reported_area_is_the_census_weighted_mean_of_its_model_areas(
    run: Callable[..., list[Any]],
) -> None:
    fine = run(None, _by_four)
    coarse = run("kec", _by_four)
    assert [a.area for a in coarse] == sorted({_by_four(a.area) for a in fine})
    ratios = []
    for group in coarse:
        parts = [a for a in fine if _by_four(a.area) == group.area]
        weight = np.array([a.population for a in parts])
        mean = weight @ np.array([a.headcount for a in parts]) / weight.sum()
        assert group.headcount == pytest.approx(mean, rel=1e-12, abs=1e-15)
        assert group.population == pytest.approx(weight.sum(), rel=1e-15)
        assert group.n == sum(a.n for a in parts)
        assert group.in_sample == any(a.in_sample for a in parts)
        # Same draws in both runs: each replicate's squared error of the weighted mean is at most
        # the weighted mean of the squared errors (Jensen), so the MSEs are ordered alike.
        fine_mse = weight @ np.array([a.mse for a in parts]) / weight.sum()
        assert group.mse <= fine_mse * (1 + 1e-12)
        ratios.append(group.mse / fine_mse)
    assert min(ratios) < 0.9  # errors of a group's areas partly cancel in its aggregate


def test_model_area_in_two_reported_areas_is_refused() -> None:
    sample, census, _ = logit_world(1)
    census = _grouped(census, _by_four)
    codes = census["kec"].to_pylist()
    row = census["area"].to_pylist().index("A05") + 3
    codes[row] = "K9"
    census = census.set_column(census.schema.get_field_index("kec"), "kec", pa.array(codes))
    with pytest.raises(InvalidInput) as caught:
        logit_ebp(
            _grouped(sample, _by_four), census, area="area", welfare="welfare", line=2.0,
            covariates=["x"], report="kec",
        )  # fmt: skip
    (finding,) = caught.value.findings
    assert (finding.code, finding.row, finding.field) == ("ebp_area_not_nested", row + 1, "kec")
    assert finding.params == {"area": "A05", "first": "K1", "second": "K9"}
