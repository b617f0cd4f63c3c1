"""Draws of the unit-level errors of a nested-error model: normal, or from the fit's residuals.

The EBP draws each census unit's error ``e_ij`` in every Monte Carlo replicate. Under the model
``e_ij ~ N(0, sigma2_e)`` (Molina & Rao 2010). When the transformed welfare is not normal in the
tail that the poverty line cuts (the P0 of a normal model is then biased however the mean fits),
the errors can instead be drawn from the empirical distribution of the fit's unit residuals
``t_ij - x_ij'beta - u_i``, centred and scaled to variance ``sigma2_e``: the non-parametric
option of ELL (Elbers, Lanjouw & Lanjouw 2003) and of the World Bank's ``sae`` Stata package
(Corral et al. 2022, ch. 6). With survey weights a residual is drawn with probability
proportional to its unit's weight, so the pool represents the population, not the sample.

References
----------
Elbers, C., Lanjouw, J.O. & Lanjouw, P. (2003). Micro-level estimation of poverty and
inequality. Econometrica 71, 355–364.
Corral, P., Molina, I., Cojocaru, A. & Segovia, S. (2022). *Guidelines to Small Area Estimation
for Poverty Mapping*, World Bank, ch. 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from rpkd.sae.nested_error import NestedErrorFit

UnitErrors = Literal["normal", "empirical"]
UNIT_ERRORS: tuple[UnitErrors, ...] = ("normal", "empirical")


@dataclass(frozen=True)
class ErrorDraws:
    """How unit errors are drawn: ``sigma`` times a standard normal or a standardised residual."""

    sigma: float
    pool: np.ndarray | None = None  # standardised residuals (weighted mean 0, variance 1)
    cdf: np.ndarray | None = None  # cumulative draw probabilities of the pool

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """Return errors of ``shape``."""
        if self.pool is None or self.cdf is None:
            return self.sigma * rng.standard_normal(shape)
        index = np.searchsorted(self.cdf, rng.random(shape), side="right")
        return np.asarray(self.sigma * self.pool[np.minimum(index, self.pool.size - 1)])


def error_draws(
    kind: UnitErrors,
    fit: NestedErrorFit,
    t: np.ndarray,
    x: np.ndarray,
    area: np.ndarray,
    weight: np.ndarray | None = None,
) -> ErrorDraws:
    """Return the error draws of ``fit`` to ``t`` on ``x``: normal, or its residuals."""
    sigma = float(np.sqrt(fit.sigma2_e))
    if kind == "normal":
        return ErrorDraws(sigma)
    residual = t - x @ fit.beta - fit.u[area]
    p = np.ones(t.size) if weight is None else np.asarray(weight, dtype=float)
    p = p / p.sum()
    centred = residual - p @ residual
    scale = float(np.sqrt(p @ centred**2))
    pool = centred / scale if scale > 0 else np.zeros_like(centred)
    return ErrorDraws(sigma, pool, np.cumsum(p))
