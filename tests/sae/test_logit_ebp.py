"""The logit mixed-model EBP of P0: the fit against ``lme4::glmer`` (Laplace), the EB predictor
against R's numerical integral (``reference/logit_mixed.R``), the bootstrap MSE against a
simulation where the model is true, and the kit's ``[ebp] model`` choice."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from rpkd.errors import UsageError
from rpkd.locale import render
from rpkd.sae.ebp_model import ebp_model_kind
from rpkd.sae.logit_ebp import Population, logit_ebp, predict_headcounts, score_degree
from rpkd.sae.logit_mixed import fit_at, fit_logit_mixed, laplace_loglik

HERE = Path(__file__).parent / "reference"
GOLDEN = json.loads((HERE / "logit_mixed.json").read_text(encoding="utf-8"))


def _read(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def sample() -> dict[str, np.ndarray]:
    rows = _read("logit_mixed.csv")
    return {
        "area": np.array([GOLDEN["areas"].index(r["area"]) for r in rows]),
        "x": np.array([[1.0, float(r["x1"]), float(r["x2"])] for r in rows]),
        "poor": np.array([float(r["poor"]) for r in rows]),
    }


def test_fit_matches_glmer_laplace(sample: dict[str, np.ndarray]) -> None:
    fit = fit_logit_mixed(sample["poor"], sample["x"], sample["area"], 30)
    assert fit.converged
    assert fit.beta == pytest.approx(GOLDEN["beta"], rel=1e-5)
    assert fit.sigma2_u == pytest.approx(GOLDEN["sigma2_u"], rel=1e-5)
    assert fit.loglik == pytest.approx(GOLDEN["loglik"], abs=1e-7)
    assert fit.u == pytest.approx(GOLDEN["modes"], abs=1e-5)


def test_gradient_is_the_derivative_of_the_laplace_likelihood(
    sample: dict[str, np.ndarray],
) -> None:
    y, x, area = sample["poor"], sample["x"], sample["area"]
    theta = np.array([-1.0, 0.8, -1.0, -0.2])

    def value(t: np.ndarray) -> float:
        return laplace_loglik(t[:-1], float(np.exp(2 * t[-1])), y, x, area, 30)[0]

    gradient = laplace_loglik(theta[:-1], float(np.exp(2 * theta[-1])), y, x, area, 30)[1]
    step = 1e-6
    numeric = [(value(theta + e) - value(theta - e)) / (2 * step) for e in np.eye(4) * step]
    assert gradient == pytest.approx(numeric, abs=1e-6)


def test_eb_predictor_matches_r_integral(sample: dict[str, np.ndarray]) -> None:
    """At glmer's parameters, the adaptive Gauss–Hermite posterior mean of each census area's
    weighted mean of expit(x'beta + u) equals R's ``integrate`` (out-of-sample area: prior)."""
    beta, s2 = np.array(GOLDEN["beta"]), float(GOLDEN["sigma2_u"])
    codes = [*GOLDEN["areas"], "B01"]
    y, x, area = sample["poor"], sample["x"], sample["area"]
    fit = fit_at(beta, s2, y, x, area, len(codes))
    rows = _read("logit_mixed_census.csv")
    cx = np.array([[1.0, float(r["x1"]), float(r["x2"])] for r in rows])
    at = np.array([codes.index(r["area"]) for r in rows])
    weight = np.array([float(r["weight"]) for r in rows])
    pop = Population(cx @ beta, at, weight, np.bincount(at, weight, len(codes)))
    predicted = predict_headcounts(pop, fit, y, x @ beta, area)
    wanted = [codes.index(a) for a in GOLDEN["census_areas"]]
    assert predicted[wanted] == pytest.approx(GOLDEN["eb"], rel=1e-8)


def _world(seed: int, sigma_u: float = 0.5) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """A census of 40 areas x 100 units from the logit mixed model, a sample of 10 units in
    each of the first 30 areas; welfare 1 (poor) or 3 (not poor) at line 2."""
    rng = np.random.default_rng(seed)
    m, size = 40, 100
    area = np.repeat(np.arange(m), size)
    x = rng.normal(size=area.size)
    u = rng.normal(0.0, sigma_u, m)
    poor = rng.random(area.size) < 1 / (1 + np.exp(-(-2.0 + 1.0 * x + u[area])))
    codes = np.array([f"A{i:02d}" for i in range(m)])
    census = pa.table({"area": codes[area], "x": x})
    chosen = np.concatenate([np.arange(i * size, i * size + 10) for i in range(30)])
    sample = pa.table(
        {"area": codes[area[chosen]], "x": x[chosen], "welfare": np.where(poor[chosen], 1.0, 3.0)}
    )
    truth = np.bincount(area, poor, m) / size
    return sample, census, truth


def test_bootstrap_mse_tracks_the_error_when_the_model_is_true() -> None:
    """Over 16 worlds drawn from the model, the mean bootstrap MSE is close to the mean squared
    error against each world's true area rates, and the aggregate is unbiased."""
    squared, estimated, aggregate = [], [], []
    for seed in range(16):
        sample, census, truth = _world(seed)
        result = logit_ebp(
            sample, census, area="area", welfare="welfare", line=2.0, covariates=["x"],
            bootstrap=10, seed=seed,
        )  # fmt: skip
        p0 = np.array([a.headcount for a in result.areas])
        squared.append(np.mean((p0 - truth) ** 2))
        estimated.append(np.mean([a.mse for a in result.areas]))
        aggregate.append(p0.mean() - truth.mean())
        assert [a.in_sample for a in result.areas] == [True] * 30 + [False] * 10
    assert np.mean(estimated) == pytest.approx(np.mean(squared), rel=0.25)
    assert abs(np.mean(aggregate)) < 3 * np.std(aggregate) / np.sqrt(16)


def test_line_column_and_constant_line_agree() -> None:
    sample, census, _ = _world(1)
    sample = sample.append_column("line", pa.array([2.0] * sample.num_rows))
    census = census.append_column("line", pa.array([2.0] * census.num_rows))
    common = {"area": "area", "welfare": "welfare", "covariates": ["x"], "seed": 3}
    by_column = logit_ebp(sample, census, line="line", **common)  # type: ignore[arg-type]
    by_value = logit_ebp(sample, census, line=2.0, **common)  # type: ignore[arg-type]
    assert [a.headcount for a in by_column.areas] == [a.headcount for a in by_value.areas]
    assert by_value.to_arrow().column_names == [
        "area", "in_sample", "n", "population", "headcount", "mse",
    ]  # fmt: skip


def test_kit_model_choice_is_checked() -> None:
    assert ebp_model_kind({}, "none") == "nested_error"
    assert ebp_model_kind({"model": "logit"}, "none") == "logit"
    with pytest.raises(UsageError) as bad:
        ebp_model_kind({"model": "probit"}, "none")
    assert bad.value.code == "map_choice_invalid" and bad.value.params["value"] == "probit"
    with pytest.raises(UsageError) as weighted:
        ebp_model_kind({"model": "logit"}, "guadarrama")
    assert weighted.value.code == "ebp_logit_weights"
    assert "guadarrama" in weighted.value.message("en")


def test_notes_render_in_both_languages() -> None:
    from rpkd.findings import Finding

    note = Finding("ebp_logit_fit", "info", {"sigma2_u": 0.31, "count": 14, "candidates": 15})
    assert "glmer" in render(note, "en") and "14" in render(note, "id")


SCORED = json.loads((HERE / "logit_score.json").read_text(encoding="utf-8"))


def _scored_tables(name: str = "logit_score.csv") -> tuple[pa.Table, pa.Table]:
    """The R script's sample and census; the census also holds the sample rows of the sampled
    areas R does not predict (every sample area must be a census area; the fit ignores the
    census)."""
    rows = _read(name)
    columns = ("area", "x1", "x2", "welfare", "weight")
    census = [r for r in rows if r["role"] == "census"]
    predicted = {r["area"] for r in census}
    census += [r for r in rows if r["role"] == "sample" and r["area"] not in predicted]

    def table(kept: list[dict[str, str]]) -> pa.Table:
        return pa.table({c: [r[c] if c == "area" else float(r[c]) for r in kept] for c in columns})

    return table([r for r in rows if r["role"] == "sample"]), table(census)


def test_score_model_matches_lm_glmer_and_r_integral() -> None:
    """``predictor = "pmt_score"``: the score's coefficients equal ``lm(log(welfare) ~ x1 +
    x2)``, the logit fit on it ``glmer(poor ~ score + (1 | area))`` and the EB predictor R's
    numerical integral (``reference/logit_score.R``)."""
    sample, census = _scored_tables()
    result = logit_ebp(
        sample, census, area="area", welfare="welfare", line=SCORED["line"],
        covariates=["x1", "x2"], census_weight="weight", predictor="pmt_score",
    )  # fmt: skip
    assert result.score is not None
    assert list(result.score.values()) == pytest.approx(SCORED["gamma"], rel=1e-10)
    assert list(result.coefficients) == ["intercept", "pmt_score"]
    assert list(result.coefficients.values()) == pytest.approx(SCORED["beta"], rel=1e-5)
    assert result.sigma2_u == pytest.approx(SCORED["sigma2_u"], rel=1e-5)
    assert result.loglik == pytest.approx(SCORED["loglik"], abs=1e-7)
    by_area = {a.area: a.headcount for a in result.areas}
    assert [by_area[a] for a in SCORED["census_areas"]] == pytest.approx(SCORED["eb"], rel=1e-6)
    assert [a.in_sample for a in result.areas if a.area == "B01"] == [False]


CUT = json.loads((HERE / "logit_cuts.json").read_text(encoding="utf-8"))


def test_cuts_model_matches_lm_clmm_and_r_integral() -> None:
    """``cuts = [0.5, 0.7]``: welfare / line cut at 1 and at its sample quantiles, the
    cumulative logit fit on the score ``ordinal::clmm(category ~ score + (1 | area))`` and the
    EB predictor of the status below the line R's numerical integral, and the test of
    proportional odds R's likelihood ratio of the ``clm`` fits (``reference/logit_cuts.R``)."""
    sample, census = _scored_tables("logit_cuts.csv")
    result = logit_ebp(
        sample, census, area="area", welfare="welfare", line=CUT["line"],
        covariates=["x1", "x2"], census_weight="weight", predictor="pmt_score", cuts=[0.5, 0.7],
    )  # fmt: skip
    assert result.score is not None
    assert list(result.score.values()) == pytest.approx(CUT["gamma"], rel=1e-10)
    assert result.cut_points is not None
    assert [float(r) for r in result.cut_points] == pytest.approx(CUT["cuts"], rel=1e-5)
    assert list(result.cut_points.values()) == pytest.approx(CUT["theta"], rel=1e-5)
    # P(poor) = expit(alpha_line + b score + u): clmm's theta_1 - beta score - u
    assert list(result.coefficients.values()) == pytest.approx(
        [CUT["theta"][0], -CUT["beta"]], rel=1e-5
    )
    assert result.sigma2_u == pytest.approx(CUT["sigma2_u"], rel=1e-5)
    assert result.loglik == pytest.approx(CUT["loglik"], abs=1e-6)
    by_area = {a.area: a.headcount for a in result.areas}
    assert [by_area[a] for a in CUT["census_areas"]] == pytest.approx(CUT["eb"], rel=1e-5)
    test = result.proportional_odds  # R: anova of clm with the score nominal and common
    assert test is not None and test.df == CUT["proportional_odds"]["df"] == 2
    assert test.statistic == pytest.approx(CUT["proportional_odds"]["statistic"], abs=1e-9)
    assert test.p_value == pytest.approx(CUT["proportional_odds"]["p_value"], rel=1e-9)


def test_line_cut_count_matches_r_root_and_integral() -> None:
    """``line_cut = "count"``: clmm's cut-point at the line re-solved, the slope, variance and
    other cut-points held, so that the sample's posterior mean count below the line is its
    observed count (R: ``stats::uniroot`` over ``stats::integrate`` posteriors), and the EB
    predictor there (``reference/logit_cuts.R``, ``counted``)."""
    sample, census = _scored_tables("logit_cuts.csv")
    result = logit_ebp(
        sample, census, area="area", welfare="welfare", line=CUT["line"],
        covariates=["x1", "x2"], census_weight="weight", predictor="pmt_score", cuts=[0.5, 0.7],
        line_cut="count",
    )  # fmt: skip
    expected = CUT["counted"]
    assert result.cut_points is not None
    assert list(result.cut_points.values()) == pytest.approx(expected["theta"], rel=1e-5)
    assert expected["theta"][0] - CUT["theta"][0] == pytest.approx(
        result.coefficients["intercept"] - CUT["theta"][0], abs=2e-5
    )  # the move itself (about 0.004), not only the level
    assert result.coefficients["pmt_score"] == pytest.approx(-CUT["beta"], rel=1e-5)
    assert result.sigma2_u == pytest.approx(CUT["sigma2_u"], rel=1e-5)
    by_area = {a.area: a.headcount for a in result.areas}
    assert [by_area[a] for a in CUT["census_areas"]] == pytest.approx(expected["eb"], rel=1e-5)


def test_squared_score_matches_clmm_and_r_integral() -> None:
    """``degree = 2``: the centred score's square beside the score, as
    ``ordinal::clmm(category ~ centred + I(centred^2) + (1 | area))`` on the sample's scores
    less their mean, and its EB predictor R's integral (``reference/logit_cuts.R``)."""
    sample, census = _scored_tables("logit_cuts.csv")
    result = logit_ebp(
        sample, census, area="area", welfare="welfare", line=CUT["line"],
        covariates=["x1", "x2"], census_weight="weight", predictor="pmt_score", cuts=[0.5, 0.7],
        degree=2,
    )  # fmt: skip
    expected = CUT["squared"]
    b1, b2 = expected["beta"]
    # ours: alpha_k + c1 s + c2 (s - centre)^2; clmm: theta_k - b1 (s - centre) - b2 (s - centre)^2
    assert result.cut_points is not None
    alpha = [t + b1 * expected["centre"] for t in expected["theta"]]
    assert list(result.cut_points.values()) == pytest.approx(alpha, rel=1e-5)
    assert list(result.coefficients) == ["intercept", "pmt_score", "pmt_score_squared"]
    assert list(result.coefficients.values()) == pytest.approx([alpha[0], -b1, -b2], rel=1e-5)
    assert result.sigma2_u == pytest.approx(expected["sigma2_u"], rel=1e-5)
    assert result.loglik == pytest.approx(expected["loglik"], abs=1e-6)
    by_area = {a.area: a.headcount for a in result.areas}
    assert [by_area[a] for a in CUT["census_areas"]] == pytest.approx(expected["eb"], rel=1e-5)
    assert result.proportional_odds is not None and result.proportional_odds.df == 4


@pytest.mark.parametrize("value", [0, 3, 1.5, True, "2"])
def test_score_degree_refuses_other_than_one_or_two(value: object) -> None:
    with pytest.raises(UsageError) as bad:
        score_degree({"score_degree": value})
    assert bad.value.code == "map_choice_invalid" and bad.value.params["value"] == value
    assert bad.value.params["allowed"] == (1, 2)


def test_score_degree_is_one_unless_set() -> None:
    assert (score_degree({}), score_degree({"score_degree": 2})) == (1, 2)


def test_score_model_refuses_an_unknown_predictor() -> None:
    sample, census = _scored_tables()
    with pytest.raises(UsageError) as bad:
        logit_ebp(
            sample, census, area="area", welfare="welfare", line=SCORED["line"],
            covariates=["x1"], predictor="ranks",
        )  # fmt: skip
    assert bad.value.code == "map_choice_invalid" and bad.value.params["value"] == "ranks"


def test_score_redraws_have_the_least_squares_covariance() -> None:
    """The bootstrap's redrawn score coefficients (residual bootstrap) spread as least squares
    says: covariance ``s² (X'X)^-1 (n - p) / n`` (residuals resampled with their own mean
    square), centred on ``gamma``."""
    from rpkd.sae.covariates import ModelMatrix
    from rpkd.sae.logit_ebp import ProxyScore

    rng = np.random.default_rng(7)
    x = np.column_stack([np.ones(400), rng.normal(size=400), rng.random(400) < 0.3])
    welfare = np.exp(x @ np.array([12.0, 0.4, -0.3]) + rng.normal(0.0, 0.5, 400))
    matrix = ModelMatrix(("intercept", "a", "b"), x)
    score = ProxyScore.fit(matrix, matrix, welfare)
    assert score.gamma == pytest.approx(np.linalg.lstsq(x, np.log(welfare), rcond=None)[0])
    draws = np.array([score.redrawn(rng) for _ in range(4000)])
    n = x.shape[0]
    expected = np.mean(score.residuals**2) * np.linalg.inv(x.T @ x)
    assert draws.mean(axis=0) == pytest.approx(
        score.gamma, abs=4 * np.sqrt(np.diag(expected) / 4000).max()
    )
    drawn = np.cov(draws.T)
    assert np.diag(drawn) == pytest.approx(np.diag(expected), rel=0.1)  # MC sd 2.2%
    scale = 1 / np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
    assert drawn * scale == pytest.approx(expected * scale, abs=0.07)  # correlations, MC sd 0.016
    sample, census = score.matrices(score.gamma)
    assert sample.names == ("intercept", "pmt_score")
    assert sample.values[:, 1] == pytest.approx(x @ score.gamma) and census.values.shape == (n, 2)


def test_score_of_no_covariates_is_the_intercept_model() -> None:
    """With no covariate there is nothing to score: the intercept-only logit model, as with
    ``predictor = "covariates"``."""
    sample, census = _scored_tables()
    common = {"area": "area", "welfare": "welfare", "line": SCORED["line"], "seed": 1}
    scored = logit_ebp(sample, census, predictor="pmt_score", **common)  # type: ignore[arg-type]
    plain = logit_ebp(sample, census, predictor="covariates", **common)  # type: ignore[arg-type]
    assert scored.score is None and list(scored.coefficients) == ["intercept"]
    assert [a.headcount for a in scored.areas] == [a.headcount for a in plain.areas]
