"""Likelihood-ratio test of proportional odds in the cumulative logit model.

The cumulative logit model of the EBP with cuts (:mod:`rpkd.sae.ordinal_mixed`) assumes that
the covariates shift every cut alike: ``P(c <= k) = expit(alpha_k + x'beta)``. The test fits
the same model without the area effect twice, with the common slopes ``beta`` and with a slope
vector ``beta_k`` per cut (the nominal-effects model of Peterson & Harrell 1990, unconstrained),
and refers ``2 (l_nominal - l_common)`` to a chi-squared distribution on ``(K - 1) p`` degrees
of freedom (``K`` cut-points, ``p`` covariates): the likelihood-ratio alternative to Brant's
(1990) Wald test that R ``ordinal::nominal_test`` computes on a ``clm`` fit (Christensen 2019),
which it reproduces. The area effect is left out as in those tests: it shifts every cut of an
area by the same amount under both models, so it is not what the test asks about.

References
----------
Brant, R. (1990). Assessing proportionality in the proportional odds model for ordinal logistic
regression. Biometrics 46, 1171–1178.
Peterson, B. & Harrell, F.E. (1990). Partial proportional odds models for ordinal response
variables. Applied Statistics 39, 205–217.
Christensen, R.H.B. (2019). ordinal: regression models for ordinal data. R package
(``nominal_test``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from scipy.stats import chi2

from rpkd.sae.ordinal_mixed import cumulative_logits

_TINY = 1e-300  # floor of a category's probability where the nominal cuts cross


@dataclass(frozen=True)
class ProportionalOddsTest:
    """The likelihood-ratio test of proportional odds: statistic, degrees of freedom, p-value
    and the two maximised log-likelihoods."""

    statistic: float
    df: int
    p_value: float
    loglik_common: float
    loglik_nominal: float

    def to_dict(self) -> dict[str, float | int]:
        """Return the test as JSON-ready values (the map's model record)."""
        return {"statistic": self.statistic, "df": self.df, "p_value": self.p_value}


def _log_likelihood(
    alpha: np.ndarray, slopes: np.ndarray, category: np.ndarray, x: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Return the log-likelihood at cut-points ``alpha`` (K) and per-cut slopes ``slopes``
    (K x p), and its gradient with respect to each."""
    cuts = alpha.size
    eta = alpha[None, :] + x @ slopes.T  # units x cuts
    below = np.c_[np.zeros(x.shape[0]), expit(eta), np.ones(x.shape[0])]
    rows = np.arange(category.size)
    probability = np.maximum(below[rows, category + 1] - below[rows, category], _TINY)
    density = below[:, 1:-1] * (1.0 - below[:, 1:-1])  # units x cuts
    k = np.arange(cuts)[None, :]
    sign = (category[:, None] == k).astype(float) - (category[:, None] == k + 1).astype(float)
    score = sign * density / probability[:, None]  # d log P / d eta_k
    return float(np.sum(np.log(probability))), score.sum(axis=0), score.T @ x


def _objective(
    category: np.ndarray, x: np.ndarray, cuts: int, nominal: bool
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Return the negative log-likelihood and its gradient as a function of ``theta`` = (cut-
    points, slopes): one slope vector shared by the cuts, or (``nominal``) one per cut."""
    p = x.shape[1]

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        alpha, beta = theta[:cuts], theta[cuts:]
        slopes = beta.reshape(cuts, p) if nominal else np.tile(beta, (cuts, 1))
        value, g_alpha, g_slopes = _log_likelihood(alpha, slopes, category, x)
        g_beta = g_slopes.ravel() if nominal else g_slopes.sum(axis=0)
        return -value, -np.r_[g_alpha, g_beta]

    return negative


def _maximise(
    negative: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray
) -> tuple[float, np.ndarray]:
    """Return the maximum of the log-likelihood and where it is (BFGS, exact gradient)."""
    found = minimize(
        negative, start, jac=True, method="BFGS", options={"gtol": 1e-8, "maxiter": 5000}
    )
    return -float(found.fun), np.asarray(found.x)


def proportional_odds_test(category: np.ndarray, x: np.ndarray, cuts: int) -> ProportionalOddsTest:
    """Return the likelihood-ratio test of proportional odds (module description).

    ``category`` holds each unit's category in ``range(cuts + 1)`` and ``x`` the covariates
    without an intercept, as :func:`rpkd.sae.ordinal_mixed.fit_ordinal_mixed` takes them.
    """
    category = np.asarray(category, dtype=np.int64)
    centre, spread = x.mean(axis=0), x.std(axis=0)
    standard = (x - centre) / np.where(spread > 0, spread, 1.0)  # the test is invariant to it
    p = x.shape[1]
    logits = cumulative_logits(category, cuts)
    common, at = _maximise(_objective(category, standard, cuts, False), np.r_[logits, np.zeros(p)])
    start = np.r_[at[:cuts], np.tile(at[cuts:], cuts)]  # the nominal model from the common fit
    nominal, _ = _maximise(_objective(category, standard, cuts, True), start)
    statistic = max(2.0 * (nominal - common), 0.0)
    df = (cuts - 1) * p
    return ProportionalOddsTest(
        statistic=statistic,
        df=df,
        p_value=float(chi2.sf(statistic, df)) if df else 1.0,
        loglik_common=common,
        loglik_nominal=nominal,
    )
