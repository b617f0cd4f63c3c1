"""The logit EBP with cut-points (``[ebp] logit_cuts``): in worlds where proportional odds hold
it is closer to the true area rates than the binary model, its bootstrap MSE tracks its error,
and the option is checked. (Its fit against R ``ordinal::clmm`` is in ``test_logit_ebp.py``.)"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.locale import render
from rpkd.sae.logit_ebp import logit_cuts, logit_ebp
from rpkd.sae.ordinal_ebp import Categories, _secant, counted_at_line, fit_cuts
from rpkd.sae.ordinal_mixed import OrdinalMixedFit, posterior


def _world(seed: int, sigma_u: float = 0.5) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """A census of 40 areas x 100 units whose welfare is exp(2.7 + e - x - u), e logistic:
    P(welfare < c) = expit(log c - 2.7 + x + u) for every c, proportional odds (P0 about 9% at
    the line 1); a sample of 10 units in each of the first 30 areas."""
    rng = np.random.default_rng(seed)
    m, size = 40, 100
    area = np.repeat(np.arange(m), size)
    x = rng.normal(size=area.size)
    u = rng.normal(0.0, sigma_u, m)
    welfare = np.exp(2.7 + rng.logistic(size=area.size) - x - u[area])
    codes = np.array([f"A{i:02d}" for i in range(m)])
    census = pa.table({"area": codes[area], "x": x})
    chosen = np.concatenate([np.arange(i * size, i * size + 10) for i in range(30)])
    sample = pa.table({"area": codes[area[chosen]], "x": x[chosen], "welfare": welfare[chosen]})
    truth = np.bincount(area, welfare < 1.0, m) / size
    return sample, census, truth


def _map(
    seed: int, cuts: list[float], bootstrap: int = 0, line_cut: str = "likelihood"
) -> tuple[np.ndarray, np.ndarray]:
    sample, census, truth = _world(seed)
    result = logit_ebp(
        sample, census, area="area", welfare="welfare", line=1.0, covariates=["x"],
        bootstrap=bootstrap, seed=seed, cuts=cuts, line_cut=line_cut,
    )  # fmt: skip
    estimate = np.array([a.headcount for a in result.areas])
    mse = np.array([a.mse if a.mse is not None else np.nan for a in result.areas])
    return estimate - truth, mse


def test_cuts_bring_the_map_closer_where_proportional_odds_hold() -> None:
    """Over 30 worlds (the same for both) the mean squared error of the area rates with cuts
    at the sample's 30% and 50% quantiles is clearly below the binary model's (measured: 0.86
    of it), as the slope and the area effects are learnt from three times the households; the
    aggregates of both are unbiased."""
    binary = [_map(seed, [])[0] for seed in range(30)]
    cut = [_map(seed, [0.3, 0.5])[0] for seed in range(30)]
    assert np.mean(np.square(cut)) < 0.95 * np.mean(np.square(binary))
    for errors in (binary, cut):
        aggregate = np.array([e.mean() for e in errors])
        assert abs(aggregate.mean()) < 3 * aggregate.std() / np.sqrt(aggregate.size)


def test_the_count_at_the_line_keeps_the_map_unbiased_where_proportional_odds_hold() -> None:
    """Re-solving the line's cut-point to the sample's count of poor units moves nothing the
    model gets right: over the same 30 worlds the aggregate stays unbiased and the squared
    error of the area rates within 5% of the likelihood's cut-point."""
    likelihood = [_map(seed, [0.3, 0.5])[0] for seed in range(30)]
    counted = [_map(seed, [0.3, 0.5], line_cut="count")[0] for seed in range(30)]
    aggregate = np.array([e.mean() for e in counted])
    assert abs(aggregate.mean()) < 3 * aggregate.std() / np.sqrt(aggregate.size)
    assert np.mean(np.square(counted)) == pytest.approx(np.mean(np.square(likelihood)), rel=0.05)


def _sample_fit(
    seed: int, line_cut: str
) -> tuple[Categories, np.ndarray, np.ndarray, OrdinalMixedFit]:
    sample, _, _ = _world(seed)
    welfare = np.asarray(sample.column("welfare").to_numpy(), dtype=float)
    x = np.asarray(sample.column("x").to_numpy(), dtype=float)[:, None]
    area = np.repeat(np.arange(30), 10)
    cats = Categories.cut(welfare, np.ones(welfare.size), [0.3, 0.5])
    return cats, x, area, fit_cuts(cats, x, area, 30, line_cut)


def test_the_count_at_the_line_reproduces_the_sample_count_and_keeps_the_rest() -> None:
    """The re-solved cut-point makes the sample's posterior mean count below the line its
    observed count (to 1e-9); the slope, the variance and the other cut-points are the
    likelihood's, and the log-likelihood is the one at the new cut-point (lower)."""
    cats, x, area, ml = _sample_fit(3, "likelihood")
    _, _, _, counted = _sample_fit(3, "count")
    u, weight = posterior(counted, cats.category, x, area)
    linear = counted.alpha[cats.at_line] + x[:, 0] * counted.beta[0]
    predicted = np.sum(1.0 / (1.0 + np.exp(-(linear[:, None] + u[None, :]))) * weight[area])
    assert predicted == pytest.approx(np.sum(cats.category <= cats.at_line), abs=1e-9)
    assert counted.beta == pytest.approx(ml.beta, abs=0) and counted.sigma2_u == ml.sigma2_u
    others = np.arange(counted.alpha.size) != cats.at_line
    assert counted.alpha[others] == pytest.approx(ml.alpha[others], abs=0)
    assert counted.alpha[cats.at_line] != ml.alpha[cats.at_line]
    assert counted.loglik < ml.loglik


def test_the_count_at_the_line_leaves_a_sample_without_poor_units_alone() -> None:
    cats, x, area, ml = _sample_fit(4, "likelihood")
    richer = Categories(cats.ratios, cats.at_line, np.maximum(cats.category, cats.at_line + 1))
    assert counted_at_line(ml, richer.at_line, richer.category, x, area) is ml


def test_the_secant_finds_a_root_near_its_start_and_gives_up_outside_the_interval() -> None:
    """Hand-derived: x^3 + x - 2 is increasing with its only root at 1; x - 10 has its root
    outside [0, 5]; a constant has none (the caller then brackets with Brent's method)."""
    root = _secant(lambda x: x**3 + x - 2.0, 0.9, 0.0, 5.0)
    assert root is not None and root == pytest.approx(1.0, abs=1e-12)
    assert _secant(lambda x: x - 10.0, 1.0, 0.0, 5.0) is None
    assert _secant(lambda x: -1.0, 1.0, 0.0, 5.0) is None


def test_an_unknown_line_cut_is_refused() -> None:
    cats, x, area, _ = _sample_fit(1, "likelihood")
    with pytest.raises(UsageError) as bad:
        fit_cuts(cats, x, area, 30, "median")
    assert bad.value.code == "map_choice_invalid" and bad.value.params["value"] == "median"
    assert bad.value.params["allowed"] == ("count", "likelihood")


def test_bootstrap_mse_tracks_the_error_when_the_model_is_true() -> None:
    squared, estimated = [], []
    for seed in range(16):
        error, mse = _map(seed, [0.3, 0.5], bootstrap=10)
        squared.append(np.mean(error**2))
        estimated.append(np.mean(mse))
    assert np.mean(estimated) == pytest.approx(np.mean(squared), rel=0.25)


def test_categories_cut_at_the_line_and_the_quantiles() -> None:
    welfare = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    lines = np.full(10, 3.5)
    cats = Categories.cut(welfare, lines, [0.5])
    assert cats.ratios == pytest.approx([1.0, 5.5 / 3.5])
    assert cats.at_line == 0
    assert cats.category.tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 2, 2]
    below = Categories.cut(welfare, lines, [0.1])  # a cut below the line
    assert below.ratios == pytest.approx([1.9 / 3.5, 1.0]) and below.at_line == 1


@pytest.mark.parametrize(
    ("value", "refused"),
    [([0.0, 0.5], 0.0), ([0.2, 1.0], 1.0), (["0.1"], "0.1"), ([True], True), (1.5, 1.5)],
)
def test_the_kit_option_is_checked(value: object, refused: object) -> None:
    with pytest.raises(UsageError) as bad:
        logit_cuts({"logit_cuts": value})
    assert bad.value.code == "ebp_cuts_invalid"
    assert bad.value.params["value"] == refused and type(bad.value.params["value"]) is type(refused)
    assert "between 0 and 1" in bad.value.message("en")
    assert "di antara 0 dan 1" in bad.value.message("id")


def test_the_model_refuses_a_share_outside_the_unit_interval() -> None:
    sample, census, _ = _world(1)
    with pytest.raises(UsageError) as bad:
        logit_ebp(
            sample, census, area="area", welfare="welfare", line=1.0, covariates=["x"],
            cuts=[0.2, 1.2],
        )  # fmt: skip
    assert bad.value.code == "ebp_cuts_invalid" and bad.value.params["value"] == 1.2


def test_the_kit_option_reads_shares() -> None:
    assert logit_cuts({}) == ()
    assert logit_cuts({"logit_cuts": [0.1, 0.2]}) == (0.1, 0.2)


def test_the_note_renders_in_both_languages() -> None:
    note = Finding(
        "ebp_logit_cuts_fit",
        "info",
        {"sigma2_u": 0.21, "count": 14, "candidates": 17, "percentiles": [10, 20]},
    )
    assert "percentiles 10, 20 (" in render(note, "en")
    assert "persentil sampel ke-10, 20 (" in render(note, "id")
