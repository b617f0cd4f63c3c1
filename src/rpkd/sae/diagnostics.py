"""Diagnostics of a fitted nested-error model, returned as values (as ``summary(emdi_object)``).

- Skewness and kurtosis (moment estimators, ``m3 / m2^1.5`` and ``m4 / m2^2``, as R
  ``moments::skewness`` and ``moments::kurtosis`` used by emdi; a normal variable has 0 and 3)
  of the unit-level residuals ``e_ij = t_ij - x_ij'beta - u_i`` and of the predicted area
  effects ``u_i`` of the sampled areas;
- Shapiro–Wilk p-values of both (Royston 1995, ``scipy.stats.shapiro`` as R ``shapiro.test``;
  at most 5,000 values, as R allows: above that, every k-th residual in data order);
- marginal and conditional R² of Nakagawa & Schielzeth (2013) (``var(x'beta) /
  (var(x'beta) + sigma2_u + sigma2_e)`` and ``(var(x'beta) + sigma2_u) / (...)``, emdi via
  ``MuMIn::r.squaredGLMM``) and the intraclass correlation ``sigma2_u / (sigma2_u + sigma2_e)``.

References
----------
Kreutzmann, A.-K. et al. (2019). The R package emdi. Journal of Statistical Software 91(7), §3.
Nakagawa, S. & Schielzeth, H. (2013). A general and simple method for obtaining R² from
generalized linear mixed-effects models. Methods in Ecology and Evolution 4, 133–142.
Royston, P. (1995). Remark AS R94. Applied Statistics 44, 547–551.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from rpkd.sae.nested_error import NestedErrorFit

_SHAPIRO_MAX = 5000


@dataclass(frozen=True)
class ModelDiagnostics:
    """Normality of residuals and area effects, explained variance and intraclass correlation."""

    residual_skewness: float
    residual_kurtosis: float
    residual_shapiro_p: float | None
    area_skewness: float | None
    area_kurtosis: float | None
    area_shapiro_p: float | None
    r2_marginal: float
    r2_conditional: float
    icc: float

    def to_json(self) -> dict[str, float | None]:
        """Return the diagnostics as a plain mapping."""
        return asdict(self)


def skewness(values: np.ndarray) -> float:
    """Return the moment skewness ``m3 / m2^1.5`` (R ``moments::skewness``)."""
    d = values - values.mean()
    return float(np.mean(d**3) / np.mean(d**2) ** 1.5)


def kurtosis(values: np.ndarray) -> float:
    """Return the moment kurtosis ``m4 / m2^2`` (R ``moments::kurtosis``; normal: 3)."""
    d = values - values.mean()
    return float(np.mean(d**4) / np.mean(d**2) ** 2)


def shapiro_p(values: np.ndarray) -> float | None:
    """Return the Shapiro–Wilk p-value (None below 3 values or when all are equal)."""
    from scipy.stats import shapiro

    if values.size < 3 or np.ptp(values) == 0:
        return None
    step = -(-values.size // _SHAPIRO_MAX)
    return float(shapiro(values[::step]).pvalue)


def diagnostics(
    fit: NestedErrorFit, t: np.ndarray, x: np.ndarray, area: np.ndarray
) -> ModelDiagnostics:
    """Return the diagnostics of ``fit`` to transformed welfare ``t`` on ``x`` by ``area``."""
    fixed = x @ fit.beta
    residual = t - fixed - fit.u[area]
    effects = fit.u[fit.n > 0]
    var_fixed = float(np.var(fixed, ddof=1))
    total = var_fixed + fit.sigma2_u + fit.sigma2_e
    many = effects.size >= 3 and np.ptp(effects) > 0
    return ModelDiagnostics(
        residual_skewness=skewness(residual),
        residual_kurtosis=kurtosis(residual),
        residual_shapiro_p=shapiro_p(residual),
        area_skewness=skewness(effects) if many else None,
        area_kurtosis=kurtosis(effects) if many else None,
        area_shapiro_p=shapiro_p(effects) if many else None,
        r2_marginal=var_fixed / total,
        r2_conditional=(var_fixed + fit.sigma2_u) / total,
        icc=fit.sigma2_u / (fit.sigma2_u + fit.sigma2_e),
    )
