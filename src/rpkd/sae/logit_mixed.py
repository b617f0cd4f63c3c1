"""The unit-level logit mixed model of a binary outcome, fitted by the Laplace approximation.

Model: ``P(y_ij = 1 | u_i) = expit(x_ij'beta + u_i)``, ``u_i ~ N(0, sigma2_u)`` independent
across areas. The marginal likelihood is approximated by Laplace's method at the conditional
modes ``u_i_hat`` (Breslow & Clayton 1993), the same approximation as R
``lme4::glmer(y ~ x + (1 | area), family = binomial, nAGQ = 1)``:

``log L = sum_i [ l_i(u_i_hat) - u_i_hat^2 / (2 sigma2_u) - log(sigma2_u H_i) / 2]``,

with ``l_i`` the area's Bernoulli log-likelihood and ``H_i = sum_j p_ij (1 - p_ij) + 1 /
sigma2_u`` the curvature at the mode. ``beta`` and ``log sigma_u`` maximise it jointly (as
glmer does with ``nAGQ = 1``); the modes come from Newton's method, one area at a time
(vectorised). The area effects' posterior given the sample is used by
:mod:`rpkd.sae.logit_ebp` through adaptive Gauss–Hermite quadrature around these modes.

References
----------
Breslow, N.E. & Clayton, D.G. (1993). Approximate inference in generalized linear mixed models.
JASA 88, 9–25.
Bates, D., Mächler, M., Bolker, B. & Walker, S. (2015). Fitting linear mixed-effects models
using lme4. Journal of Statistical Software 67(1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

_LOG_SD = (-8.0, 3.0)  # bounds of log sigma_u (sigma2_u from 1e-7 to 400)


@dataclass(frozen=True)
class LogitMixedFit:
    """A fitted logit mixed model: fixed effects, area variance, modes and curvatures."""

    beta: np.ndarray
    sigma2_u: float
    u: np.ndarray  # conditional modes (0 for areas without sample units)
    curvature: np.ndarray  # H_i at the mode (1 / sigma2_u for areas without sample units)
    n: np.ndarray  # sample units per area
    loglik: float  # Laplace-approximated marginal log-likelihood
    converged: bool


def _modes(
    eta: np.ndarray, y: np.ndarray, area: np.ndarray, areas: int, sigma2: float, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the conditional modes of the area effects and the curvature ``H_i`` there."""
    u = u.copy()
    for _ in range(100):
        p = expit(eta + u[area])
        gradient = np.bincount(area, y - p, areas) - u / sigma2
        curvature = np.bincount(area, p * (1.0 - p), areas) + 1.0 / sigma2
        step = np.clip(gradient / curvature, -2.0, 2.0)
        u += step
        if np.max(np.abs(step)) < 1e-12:
            break
    p = expit(eta + u[area])
    return u, np.bincount(area, p * (1.0 - p), areas) + 1.0 / sigma2


def laplace_loglik(
    beta: np.ndarray,
    sigma2: float,
    y: np.ndarray,
    x: np.ndarray,
    area: np.ndarray,
    areas: int,
    start: np.ndarray | None = None,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Return the Laplace log-likelihood at ``(beta, sigma2)``, its gradient, modes, curvatures.

    The gradient is with respect to ``(beta, log sigma_u)``: the envelope theorem for the terms
    the modes maximise, and the implicit derivatives ``du_i/dbeta = -sum_j w_ij x_ij / H_i``,
    ``du_i/dsigma2 = u_i / (sigma2^2 H_i)`` (``w = p (1 - p)``) for ``log H_i``.
    """
    eta = x @ beta
    u, curvature = _modes(eta, y, area, areas, sigma2, np.zeros(areas) if start is None else start)
    linear = eta + u[area]
    p = expit(linear)
    value = float(
        np.sum(y * linear - np.logaddexp(0.0, linear))
        - np.sum(u**2) / (2.0 * sigma2)
        - 0.5 * np.sum(np.log(sigma2 * curvature))
    )
    w = p * (1.0 - p)
    third = w * (1.0 - 2.0 * p)  # d w / d eta
    wx = np.stack([np.bincount(area, w * x[:, k], areas) for k in range(x.shape[1])], axis=1)
    du_dbeta = -wx / curvature[:, None]
    dh_dbeta = (
        np.stack([np.bincount(area, third * x[:, k], areas) for k in range(x.shape[1])], axis=1)
        + np.bincount(area, third, areas)[:, None] * du_dbeta
    )
    grad_beta = x.T @ (y - p) - 0.5 * np.sum(dh_dbeta / curvature[:, None], axis=0)
    du_ds = u / (sigma2**2 * curvature)
    dh_ds = np.bincount(area, third, areas) * du_ds - 1.0 / sigma2**2
    grad_s = np.sum(u**2) / (2.0 * sigma2**2) - 0.5 * np.sum(1.0 / sigma2 + dh_ds / curvature)
    return value, np.r_[grad_beta, 2.0 * sigma2 * grad_s], u, curvature


def _glm_start(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return logistic-regression coefficients (a few ridge-stabilised IRLS steps) as a start."""
    beta = np.zeros(x.shape[1])
    for _ in range(25):
        p = expit(x @ beta)
        weight = p * (1.0 - p) + 1e-9
        step = np.linalg.solve(
            x.T @ (x * weight[:, None]) + 1e-6 * np.eye(x.shape[1]), x.T @ (y - p)
        )
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def _standardising(x: np.ndarray) -> np.ndarray:
    """Return ``A`` with ``x @ A`` centred (when ``x`` has a constant column) and unit-variance.

    The coefficients on the standardised columns map back as ``beta = A @ beta_standardised``.
    """
    k = x.shape[1]
    scaling = np.eye(k)
    spread = x.std(axis=0)
    constant = np.flatnonzero((spread == 0) & (x[0] != 0))
    for j in np.flatnonzero(spread > 0):
        scaling[j, j] = 1.0 / spread[j]
        if constant.size:
            c = constant[0]
            scaling[c, j] = -x[:, j].mean() / (spread[j] * x[0, c])
    return scaling


def fit_logit_mixed(
    y: np.ndarray,
    x: np.ndarray,
    area: np.ndarray,
    areas: int,
    start: tuple[np.ndarray, float] | None = None,
) -> LogitMixedFit:
    """Return the Laplace (glmer ``nAGQ = 1``) fit of the logit mixed model of 0/1 ``y`` on ``x``.

    ``area`` holds each unit's area index in ``range(areas)``; ``start`` optional starting
    values ``(beta, sigma2_u)`` (e.g. the original fit, in a bootstrap replicate).
    """
    y = np.asarray(y, dtype=float)
    scaling = _standardising(x)  # optimise on centred, unit-variance columns: well conditioned
    standard = x @ scaling
    beta0, sigma0 = (
        (_glm_start(y, standard), 0.25)
        if start is None
        else (np.linalg.solve(scaling, start[0]), start[1])
    )
    modes = np.zeros(areas)

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal modes
        value, gradient, modes, _ = laplace_loglik(
            theta[:-1], float(np.exp(2.0 * theta[-1])), y, standard, area, areas, modes
        )
        return -value, -gradient

    bounds = [(None, None)] * standard.shape[1] + [_LOG_SD]
    theta0 = np.r_[beta0, np.clip(0.5 * np.log(max(sigma0, 1e-12)), *_LOG_SD)]
    found = minimize(
        negative,
        theta0,
        method="L-BFGS-B",
        jac=True,
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-6},
    )
    fit = fit_at(scaling @ found.x[:-1], float(np.exp(2.0 * found.x[-1])), y, x, area, areas)
    return replace(fit, converged=bool(found.success))


def fit_at(
    beta: np.ndarray, sigma2_u: float, y: np.ndarray, x: np.ndarray, area: np.ndarray, areas: int
) -> LogitMixedFit:
    """Return the model at given ``(beta, sigma2_u)`` (no fitting): the sample's modes and
    curvatures there, e.g. to predict with parameters known from elsewhere."""
    y = np.asarray(y, dtype=float)
    value, _, u, curvature = laplace_loglik(beta, sigma2_u, y, x, area, areas)
    return LogitMixedFit(
        beta=beta,
        sigma2_u=sigma2_u,
        u=u,
        curvature=curvature,
        n=np.bincount(area, minlength=areas),
        loglik=value,
        converged=True,
    )
