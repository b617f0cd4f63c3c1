"""The cumulative logit mixed model of an ordered outcome, fitted by Gauss–Hermite quadrature.

Model (proportional odds with a random intercept): for categories ``c = 0..K`` of unit ``j``
in area ``i``,

``P(c_ij <= k | u_i) = expit(alpha_k + x_ij'beta + u_i)``, ``k = 0..K-1``,

with increasing cut-points ``alpha_0 < ... < alpha_{K-1}``, ``u_i ~ N(0, sigma2_u)``
independent across areas, and no intercept in ``x`` (the cut-points are the intercepts). With
``K = 1`` it is the logit mixed model of a binary outcome (:mod:`rpkd.sae.logit_mixed`). It is
R ``ordinal::clmm(c ~ x + (1 | area), link = "logit")`` with ``theta_k = alpha_k`` and the
opposite sign of ``beta`` (clmm writes ``theta_k - x'beta - u``).

The marginal likelihood of each area is integrated over ``u_i`` by Gauss–Hermite quadrature
on fixed nodes ``sqrt(2) sigma_u t_q`` (non-adaptive, as clmm's ``nAGQ = -Q``; with 60 nodes
it agrees with clmm's adaptive quadrature, ``nAGQ = 10``, to 1e-6 on areas of up to 25 units,
and with 200 nodes to 1e-11 in log-likelihood for 53 units per area at ``sigma_u = 0.5``, but
only to 1e-4 for 40 units at ``sigma_u = 1``: areas with many more sample units than a desa
would want adaptive nodes), and maximised with its exact gradient; the same nodes, reweighted by each area's likelihood, give the area
effect's posterior. Cut-points are kept ordered by estimating ``alpha_0`` and the logs of the
increments.

References
----------
McCullagh, P. (1980). Regression models for ordinal data. JRSS B 42, 109–142.
Hedeker, D. & Gibbons, R.D. (1994). A random-effects ordinal regression model for multilevel
analysis. Biometrics 50, 933–944.
Christensen, R.H.B. (2019). ordinal: regression models for ordinal data. R package.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

NODES = 60  # fixed Gauss–Hermite nodes (accuracy: the module's description)
_LOG_SD = (-8.0, 3.0)  # bounds of log sigma_u
_LOG_STEP = (-20.0, 10.0)  # bounds of the log increments between cut-points
_T, _W = np.polynomial.hermite.hermgauss(NODES)
_Z = np.sqrt(2.0) * _T  # standard-normal nodes
_LOG_W = np.log(_W / np.sqrt(np.pi))  # their weights, summing to 1


@dataclass(frozen=True)
class OrdinalMixedFit:
    """A fitted cumulative logit mixed model: cut-points, slopes, area variance."""

    alpha: np.ndarray
    beta: np.ndarray
    sigma2_u: float
    loglik: float
    n: np.ndarray  # sample units per area
    converged: bool


def _cumulative(alpha: np.ndarray, category: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each unit's upper and lower cut-point (+inf above the last, -inf below the first)."""
    edges = np.r_[-np.inf, alpha, np.inf]
    return edges[category + 1], edges[category]


def _unit_terms(
    alpha: np.ndarray, sigma: float, category: np.ndarray, xb: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, per unit and node, ``log P(c_j | u_q)`` and ``f(upper) / P``, ``f(lower) / P``
    (``f = F (1 - F)``, the logistic density; zero at an infinite cut-point)."""
    upper, lower = _cumulative(alpha, category)
    eta = xb[:, None] + sigma * _Z[None, :]
    f_upper = expit(upper[:, None] + eta)
    f_lower = expit(lower[:, None] + eta)
    probability = np.clip(f_upper - f_lower, 1e-300, None)
    return (
        np.log(probability),
        f_upper * (1.0 - f_upper) / probability,
        f_lower * (1.0 - f_lower) / probability,
    )


def _area_log_joint(log_p: np.ndarray, area: np.ndarray, areas: int) -> np.ndarray:
    """Return (areas x nodes) ``log w_q + sum_j log P(c_j | u_q)``."""
    joint = np.tile(_LOG_W, (areas, 1))
    for q in range(NODES):
        joint[:, q] += np.bincount(area, log_p[:, q], areas)
    return joint


def _normalised(joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's log-sum-exp and the row's weights (posterior over the nodes)."""
    top = joint.max(axis=1, keepdims=True)
    weight = np.exp(joint - top)
    total = weight.sum(axis=1, keepdims=True)
    return (top + np.log(total))[:, 0], weight / total


def _unpack(theta: np.ndarray, cuts: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Return ``alpha``, ``beta`` and ``sigma_u`` from ``(alpha_0, log increments, beta,
    log sigma_u)``."""
    alpha = theta[0] + np.r_[0.0, np.cumsum(np.exp(theta[1:cuts]))]
    return alpha, theta[cuts:-1], float(np.exp(theta[-1]))


def log_likelihood(
    theta: np.ndarray, category: np.ndarray, x: np.ndarray, area: np.ndarray, areas: int, cuts: int
) -> tuple[float, np.ndarray]:
    """Return the quadrature log-likelihood at ``theta`` (as :func:`_unpack` reads it) and its
    gradient with respect to ``theta``."""
    alpha, beta, sigma = _unpack(theta, cuts)
    log_p, up, low = _unit_terms(alpha, sigma, category, x @ beta)
    value, posterior = _normalised(_area_log_joint(log_p, area, areas))
    r = posterior[area]  # each unit's area posterior over the nodes
    slope = np.sum(r * (up - low), axis=1)
    grad_beta = x.T @ slope
    grad_log_sigma = sigma * float(np.sum(r * (up - low) * _Z[None, :]))
    at_upper = np.bincount(category, np.sum(r * up, axis=1), cuts + 1)[:cuts]
    at_lower = np.bincount(category, np.sum(r * low, axis=1), cuts + 1)[1:]
    grad_alpha = at_upper - at_lower
    increments = np.exp(theta[1:cuts])
    grad_steps = np.array([increments[k - 1] * grad_alpha[k:].sum() for k in range(1, cuts)])
    gradient = np.r_[grad_alpha.sum(), grad_steps, grad_beta, grad_log_sigma]
    return float(value.sum()), gradient


def cumulative_logits(category: np.ndarray, cuts: int) -> np.ndarray:
    """Return the logits of the sample's cumulative shares at each cut (half a unit added to
    both sides, so an empty side stays finite): the cut-points of the model without slopes."""
    share = np.cumsum(np.bincount(category, minlength=cuts + 1))[:cuts] / category.size
    return np.log((share + 0.5 / category.size) / (1.0 - share + 0.5 / category.size))


def _start(category: np.ndarray, cuts: int, columns: int) -> np.ndarray:
    """Return starting values: cut-points at the sample's cumulative logits, no slope."""
    logits = cumulative_logits(category, cuts)
    steps = np.log(np.maximum(np.diff(logits), 1e-2))
    return np.asarray(np.r_[logits[0], steps, np.zeros(columns), np.log(0.5)])


def fit_ordinal_mixed(
    category: np.ndarray,
    x: np.ndarray,
    area: np.ndarray,
    areas: int,
    cuts: int,
    start: OrdinalMixedFit | None = None,
) -> OrdinalMixedFit:
    """Return the maximum-likelihood fit of the cumulative logit mixed model.

    ``category`` holds each unit's category in ``range(cuts + 1)``; ``x`` the covariates
    without an intercept; ``area`` each unit's area index in ``range(areas)``; ``start`` an
    earlier fit to start from (e.g. the original fit, in a bootstrap replicate).
    """
    category = np.asarray(category, dtype=np.int64)
    centre, spread = x.mean(axis=0), x.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    standard = (x - centre) / spread  # well conditioned; mapped back below
    if start is None:
        theta0 = _start(category, cuts, x.shape[1])
    else:
        shift = float(centre @ start.beta)
        alpha = start.alpha + shift
        theta0 = np.r_[
            alpha[0],
            np.log(np.maximum(np.diff(alpha), 1e-8)),
            start.beta * spread,
            np.clip(0.5 * np.log(max(start.sigma2_u, 1e-12)), *_LOG_SD),
        ]

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = log_likelihood(theta, category, standard, area, areas, cuts)
        return -value, -gradient

    bounds = [(None, None)] + [_LOG_STEP] * (cuts - 1) + [(None, None)] * x.shape[1] + [_LOG_SD]
    found = minimize(
        negative,
        theta0,
        method="L-BFGS-B",
        jac=True,
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-7},
    )
    alpha, beta_standard, sigma = _unpack(found.x, cuts)
    beta = beta_standard / spread
    return OrdinalMixedFit(
        alpha=alpha - float(centre @ beta),
        beta=beta,
        sigma2_u=sigma**2,
        loglik=-float(found.fun),
        n=np.bincount(area, minlength=areas),
        converged=bool(found.success),
    )


def at_cut_points(
    fit: OrdinalMixedFit, alpha: np.ndarray, category: np.ndarray, x: np.ndarray, area: np.ndarray
) -> OrdinalMixedFit:
    """Return ``fit`` with the cut-points ``alpha`` (increasing; slopes and variance kept) and
    the sample's log-likelihood there."""
    category = np.asarray(category, dtype=np.int64)
    log_p, _, _ = _unit_terms(alpha, np.sqrt(fit.sigma2_u), category, x @ fit.beta)
    value, _ = _normalised(_area_log_joint(log_p, area, fit.n.size))
    return replace(fit, alpha=np.asarray(alpha, dtype=float), loglik=float(value.sum()))


def posterior(
    fit: OrdinalMixedFit, category: np.ndarray, x: np.ndarray, area: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the nodes of ``u`` and (areas x nodes) their posterior weights given the sample;
    areas without sample units get the prior's weights."""
    sigma = np.sqrt(fit.sigma2_u)
    log_p, _, _ = _unit_terms(fit.alpha, sigma, np.asarray(category, np.int64), x @ fit.beta)
    _, weight = _normalised(_area_log_joint(log_p, area, fit.n.size))
    return sigma * _Z, weight


def draw_categories(alpha: np.ndarray, eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return categories drawn from the model at linear predictors ``eta`` (``x'beta + u``):
    the number of cut-points whose cumulative probability a uniform draw exceeds."""
    below = expit(alpha[None, :] + eta[:, None])
    return np.asarray(np.sum(rng.random(eta.size)[:, None] >= below, axis=1), dtype=np.int64)
