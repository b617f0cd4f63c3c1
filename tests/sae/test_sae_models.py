"""Context variables, kit-driven covariate choice, the pseudo-EBP and the aggregate check."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from rpkd.errors import UsageError
from rpkd.locale import render
from rpkd.sae.area_estimates import AreaRow, _aggregate_check
from rpkd.sae.context import village_columns, with_context
from rpkd.sae.ebp import ebp
from rpkd.sae.ebp_model import ebp_covariates

CENSUS = pa.table(
    {
        "desa_code": ["62.03.01.1001", "62.03.01.1001", "62.03.01.1002", "62.03.02.2001"],
        "area": ["62.03.01.1001", "62.03.01.1001", "62.03.01.1002", "62.03.02.2001"],
        "x": [1.0, 0.0, 1.0, 0.0],
    }
)
SAMPLE = pa.table(
    {
        "desa_code": ["62.03.01.1002", "62.03.02.2001", "62.03.01.1001"],
        "area": ["62.03.01.1002", "62.03.02.2001", "62.03.01.1001"],
        "x": [0.0, 1.0, 1.0],
        "welfare": [100.0, 200.0, 150.0],
    }
)
VILLAGES = pa.table(
    {
        "desa_code": ["62.03.01.1001", "62.03.01.1002"],
        "main_road": ["aspal", "tanah"],
        "has_market": [True, False],
        "distance_km": [0.0, 12.5],
    }
)


def test_context_means_over_the_registry_by_hand() -> None:
    ctx = with_context(
        SAMPLE, CENSUS, VILLAGES, proxies=["x"], levels=["desa", "kecamatan"], village="all"
    )
    assert ctx.names == (
        "desa_mean_x",
        "kecamatan_mean_x",
        "village_has_market",
        "village_distance_km",
    )
    # desa 1001: (1 + 0) / 2; 1002: 1; 2001: 0. Kecamatan 62.03.01: (1 + 0 + 1) / 3; 62.03.02: 0
    assert ctx.census.column("desa_mean_x").to_pylist() == [0.5, 0.5, 1.0, 0.0]
    assert ctx.sample.column("desa_mean_x").to_pylist() == [1.0, 0.0, 0.5]
    assert ctx.sample.column("kecamatan_mean_x").to_pylist() == pytest.approx([2 / 3, 0.0, 2 / 3])
    # a survey household's own x never enters the means; a desa without a village row: NaN
    market = np.asarray(ctx.sample.column("village_has_market").to_numpy(zero_copy_only=False))
    assert market[[0, 2]].tolist() == [0.0, 1.0] and math.isnan(market[1])
    assert ctx.census.column("village_distance_km").to_pylist()[:3] == [0.0, 0.0, 12.5]
    assert village_columns(VILLAGES) == ("has_market", "distance_km")


def test_village_log_columns_by_hand() -> None:
    """``village_log``: log(1 + x) of the desa's value; a negative value has no log (NaN)."""
    villages = VILLAGES.append_column("travel_min", pa.array([0.0, -5.0]))
    ctx = with_context(
        SAMPLE, CENSUS, villages, proxies=[], levels=[], village_log=["distance_km", "travel_min"]
    )
    assert ctx.names == ("village_log_distance_km", "village_log_travel_min")
    assert ctx.census.column("village_log_distance_km").to_pylist()[:3] == pytest.approx(
        [0.0, 0.0, math.log(13.5)]
    )
    travel = np.asarray(ctx.sample.column("village_log_travel_min").to_numpy(zero_copy_only=False))
    assert math.isnan(travel[0]) and travel[2] == 0.0  # desa 1002: -5 minutes; 1001: 0


def test_village_columns_missing_for_a_desa_are_dropped() -> None:
    options = {"covariates": ["x"], "context_levels": ["desa"], "context_proxies": ["x"]}
    chosen = ebp_covariates(
        SAMPLE,
        CENSUS,
        VILLAGES,
        {**options, "village": ["distance_km", "absent"]},
        area="area",
        welfare="welfare",
    )
    assert chosen.candidates == ("x", "desa_mean_x", "village_distance_km")
    assert "village_distance_km" in chosen.dropped  # desa 62.03.02.2001 has no village row
    assert "village_absent" in chosen.dropped  # the villages release has no such column
    assert "x" in chosen.kept
    alone = {"covariates": ["x"], "village_log": ["distance_km"]}
    without = ebp_covariates(SAMPLE, CENSUS, None, alone, area="area", welfare="welfare")
    assert without.dropped == ("village_log_distance_km",)  # no villages release at all
    assert without.kept == ("x",)


@pytest.mark.parametrize(
    ("key", "value"), [("selection", "stepwise"), ("context_levels", ["provinsi"])]
)
def test_unknown_kit_choices_are_usage_errors(key: str, value: object) -> None:
    with pytest.raises(UsageError) as caught:
        ebp_covariates(
            SAMPLE, CENSUS, None, {"covariates": ["x"], key: value}, area="area", welfare="welfare"
        )
    assert caught.value.code == "map_choice_invalid"
    assert caught.value.param == key


def _informative_world(seed: int) -> tuple[pa.Table, pa.Table, float, float]:
    """Census from log y = 10 + 0.5 x + u + e; units with e < 0 sampled 4 times less often."""
    rng = np.random.default_rng(seed)
    areas = 30
    size = rng.integers(300, 500, areas)
    area = np.repeat(np.arange(areas), size)
    x = rng.normal(0, 1, area.size)
    e = rng.normal(0, 0.5, area.size)
    y = np.exp(10 + 0.5 * x + rng.normal(0, 0.2, areas)[area] + e)
    line = float(np.quantile(y, 0.2))
    prob = np.where(e < 0, 0.01, 0.04)
    taken = rng.random(area.size) < prob
    codes = np.array([f"A{i:02d}" for i in range(areas)], dtype=object)
    census = pa.table({"area": codes[area], "x": x})
    sample = pa.table(
        {"area": codes[area[taken]], "x": x[taken], "welfare": y[taken], "w": 1 / prob[taken]}
    )
    return census, sample, line, float(np.mean(y < line))


def test_survey_weights_correct_informative_sampling() -> None:
    """Guadarrama et al. (2018): under informative sampling the unweighted EBP is biased, the
    pseudo-EBP much less (mean over 4 worlds of the census P0 error)."""
    errors: dict[bool, list[float]] = {False: [], True: []}
    for seed in range(4):
        census, sample, line, truth = _informative_world(seed)
        for weighted in (False, True):
            r = ebp(
                sample,
                census,
                area="area",
                welfare="welfare",
                line=line,
                covariates=["x"],
                sample_weight="w" if weighted else None,
                transformation="log",
                replicates=5,
                seed=seed,
            )
            pop = np.array([a.population for a in r.areas])
            p0 = np.array([a.headcount for a in r.areas])
            errors[weighted].append(float(pop @ p0 / pop.sum()) - truth)
            assert r.weighted is weighted and r.diagnostics is not None
    assert np.mean(errors[False]) < -0.03  # low welfare under-sampled: P0 too low
    assert abs(np.mean(errors[True])) < 0.25 * abs(np.mean(errors[False]))


def _row(code: str, estimate: float, population: float) -> AreaRow:
    return AreaRow(
        code, code, None, None, None, estimate, None, None, None, "ebp", True, 0, population
    )


def test_aggregate_outside_the_direct_interval_is_a_finding() -> None:
    # logit interval of p = 0.04, se = 0.01 from R:
    # plogis(qlogis(0.04) + c(-1, 1) * qnorm(0.975) * 0.01 / (0.04 * 0.96))
    low, high = 0.0244002003419382, 0.0649096688146354
    inside = [_row("a", 0.06, 100.0), _row("b", 0.02, 300.0)]  # aggregate 0.03
    assert _aggregate_check(inside, 0.04, 0.01, "ebp") == []
    outside = [_row("a", 0.09, 100.0), _row("b", 0.06, 300.0)]  # aggregate 0.0675
    (found,) = _aggregate_check(outside, 0.04, 0.01, "fh")
    assert found.code == "sae_aggregate_outside_direct" and found.severity == "warning"
    assert found.params["aggregate"] == pytest.approx(0.0675)
    assert found.params["low"] == pytest.approx(low, rel=1e-12)
    assert found.params["high"] == pytest.approx(high, rel=1e-12)
    assert "6,75%" in render(found, "id") and "2,44% – 6,49%" in render(found, "id")
    assert "outside the 95% interval" in render(found, "en")


def test_bic_selection_through_the_kit_drops_a_useless_proxy() -> None:
    rng = np.random.default_rng(8)
    n, areas = 400, 20
    codes = np.array([f"62.03.01.{1001 + i}" for i in range(areas)], dtype=object)
    area = codes[rng.integers(0, areas, n)]
    x, noise = rng.normal(size=n), rng.normal(size=n)
    welfare = np.exp(12 + 0.6 * x + rng.normal(0, 0.4, n))
    sample = pa.table({"desa_code": area, "area": area, "x": x, "noise": noise, "welfare": welfare})
    options = {"covariates": ["x", "noise"], "selection": "bic", "transformation": "log"}
    chosen = ebp_covariates(sample, sample, None, options, area="area", welfare="welfare")
    assert chosen.kept == ("x",)
    assert chosen.selection is not None and chosen.selection.removed == ("noise",)


def test_empirical_error_pool_is_standardised_and_weighted() -> None:
    from rpkd.sae.nested_error import fit_nested_error
    from rpkd.sae.unit_errors import error_draws

    rng = np.random.default_rng(4)
    area = np.repeat(np.arange(8), 25)
    x = np.column_stack([np.ones(200), rng.normal(size=200)])
    t = x @ [2.0, 1.0] + rng.normal(0, 0.3, 8)[area] + rng.exponential(0.5, 200)
    fit = fit_nested_error(t, x, area, 8)
    weight = rng.uniform(1, 5, 200)
    draws = error_draws("empirical", fit, t, x, area, weight)
    p = weight / weight.sum()
    assert draws.pool is not None and draws.cdf is not None
    assert p @ draws.pool == pytest.approx(0.0, abs=1e-12)
    assert p @ draws.pool**2 == pytest.approx(1.0, rel=1e-12)
    assert draws.cdf[-1] == pytest.approx(1.0)
    sample = draws.draw((200_000,), np.random.default_rng(1))
    assert sample.std() == pytest.approx(np.sqrt(fit.sigma2_e), rel=0.01)
    assert np.isin(np.round(sample[:1000] / draws.sigma, 9), np.round(draws.pool, 9)).all()
    assert error_draws("normal", fit, t, x, area).pool is None


def test_empirical_errors_fix_the_poverty_rate_of_skewed_errors() -> None:
    """Errors from a skewed law (centred exponential): the normal EBP misplaces the tail the
    line cuts, the residual draws follow it (P0 over the census, mean of 3 worlds)."""
    bias: dict[str, list[float]] = {"normal": [], "empirical": []}
    for seed in range(3):
        rng = np.random.default_rng(seed)
        area = np.repeat(np.arange(40), 300)
        x = rng.normal(size=area.size)
        e = rng.exponential(0.5, area.size) - 0.5
        y = np.exp(10 + 0.4 * x + rng.normal(0, 0.1, 40)[area] + e)
        line = float(np.quantile(y, 0.1))
        taken = rng.random(area.size) < 0.05
        codes = np.array([f"A{i:02d}" for i in range(40)], dtype=object)
        census = pa.table({"area": codes[area], "x": x})
        sample = pa.table({"area": codes[area[taken]], "x": x[taken], "welfare": y[taken]})
        for kind in bias:
            r = ebp(
                sample,
                census,
                area="area",
                welfare="welfare",
                line=line,
                covariates=["x"],
                errors=kind,  # type: ignore[arg-type]
                transformation="log",
                replicates=20,
                seed=seed,
            )
            p0 = np.mean([a.headcount for a in r.areas])  # equal area sizes
            bias[kind].append(float(p0) - float(np.mean(y < line)))
    assert abs(np.mean(bias["normal"])) > 0.02
    assert abs(np.mean(bias["empirical"])) < 0.25 * abs(np.mean(bias["normal"]))
