"""The cumulative logit mixed model: its quadrature likelihood against numerical integration,
its gradient, its draws, and its fit where the model is true (the fit against R
``ordinal::clmm`` is in ``test_logit_cuts.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import expit
from scipy.stats import norm

from rpkd.sae.ordinal_mixed import draw_categories, fit_ordinal_mixed, log_likelihood, posterior

CUTS = np.array([-1.0, 0.0, 1.5])
BETA = np.array([0.8, -0.5])


def _world(seed: int, units: int = 600, areas: int = 30, sigma_u: float = 0.6) -> dict:
    rng = np.random.default_rng(seed)
    area = rng.integers(0, areas, units)
    x = rng.normal(size=(units, 2))
    u = rng.normal(0.0, sigma_u, areas)
    category = draw_categories(CUTS, x @ BETA + u[area], rng)
    return {"category": category, "x": x, "area": area, "areas": areas}


def _theta(alpha: np.ndarray, beta: np.ndarray, sigma: float) -> np.ndarray:
    return np.r_[alpha[0], np.log(np.diff(alpha)), beta, np.log(sigma)]


def test_likelihood_is_the_integral_over_each_area_effect() -> None:
    """The quadrature log-likelihood equals the sum over areas of log ∫ prod_j P(c_j | u)
    φ(u; 0, σ) du by adaptive numerical integration (``scipy.integrate.quad``)."""
    w = _world(1, units=120, areas=8)
    alpha, beta, sigma = np.array([-0.8, 0.3, 1.2]), np.array([0.6, -0.2]), 0.7
    edges = np.r_[-np.inf, alpha, np.inf]
    total = 0.0
    for i in range(w["areas"]):
        rows = w["area"] == i
        c, xb = w["category"][rows], w["x"][rows] @ beta

        def joint(v: float, c: np.ndarray = c, xb: np.ndarray = xb) -> float:
            p = expit(edges[c + 1] + xb + v) - expit(edges[c] + xb + v)
            return float(np.prod(p) * norm.pdf(v, 0.0, sigma))

        total += np.log(quad(joint, -10 * sigma, 10 * sigma, epsabs=0, epsrel=1e-12)[0])
    value, _ = log_likelihood(
        _theta(alpha, beta, sigma), w["category"], w["x"], w["area"], w["areas"], 3
    )
    assert value == pytest.approx(total, abs=1e-8)


def test_gradient_is_the_derivative_of_the_likelihood() -> None:
    w = _world(2)
    theta = _theta(np.array([-0.9, 0.2, 1.6]), np.array([0.7, -0.4]), 0.5)
    args = (w["category"], w["x"], w["area"], w["areas"], 3)
    gradient = log_likelihood(theta, *args)[1]
    step = 1e-6
    numeric = [
        (log_likelihood(theta + e, *args)[0] - log_likelihood(theta - e, *args)[0]) / (2 * step)
        for e in np.eye(theta.size) * step
    ]
    assert gradient == pytest.approx(numeric, abs=1e-5)


def test_draws_follow_the_cumulative_probabilities() -> None:
    """Over 200,000 draws at one linear predictor, the share at or below each category is
    expit(alpha_k + eta) within four binomial standard errors."""
    rng = np.random.default_rng(3)
    drawn = draw_categories(CUTS, np.full(200_000, 0.4), rng)
    expected = expit(CUTS + 0.4)
    observed = np.array([np.mean(drawn <= k) for k in range(CUTS.size)])
    se = np.sqrt(expected * (1 - expected) / drawn.size)
    assert np.all(np.abs(observed - expected) < 4 * se)
    assert set(np.unique(drawn)) == {0, 1, 2, 3}


def test_fit_recovers_the_model_and_restarts_where_it_ended() -> None:
    """Over 40 worlds of 2,000 units in 40 areas drawn from the model, the mean estimate of
    every parameter is within four standard errors of the truth (the largest
    distance was 1.7); started at its own fit, the fit stays there."""
    estimates = []
    for seed in range(40):
        w = _world(100 + seed, units=2000, areas=40)
        fit = fit_ordinal_mixed(w["category"], w["x"], w["area"], w["areas"], 3)
        assert fit.converged
        estimates.append(np.r_[fit.alpha, fit.beta, np.sqrt(fit.sigma2_u)])
    table = np.array(estimates)
    truth = np.r_[CUTS, BETA, 0.6]
    se = table.std(axis=0) / np.sqrt(len(table))
    assert np.all(np.abs(table.mean(axis=0) - truth) < 4 * se)
    w = _world(7, units=2000, areas=40)
    fit = fit_ordinal_mixed(w["category"], w["x"], w["area"], w["areas"], 3)
    again = fit_ordinal_mixed(w["category"], w["x"], w["area"], w["areas"], 3, start=fit)
    assert again.alpha == pytest.approx(fit.alpha, abs=1e-5)
    assert again.loglik == pytest.approx(fit.loglik, abs=1e-8)


def test_posterior_of_an_area_without_sample_is_the_prior() -> None:
    w = _world(4)
    fit = fit_ordinal_mixed(w["category"], w["x"], w["area"], w["areas"] + 1, 3)
    nodes, weight = posterior(fit, w["category"], w["x"], w["area"])
    assert fit.n[-1] == 0
    assert np.sum(weight[-1] * nodes) == pytest.approx(0.0, abs=1e-12)
    assert np.sum(weight[-1] * nodes**2) == pytest.approx(fit.sigma2_u, rel=1e-10)
    sampled = np.sum(weight[:-1] * nodes, axis=1)
    assert np.std(sampled) > 0
