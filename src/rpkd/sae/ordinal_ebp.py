"""The logit EBP of P0 with cut-points: poverty as the lowest categories of ordered welfare.

With ``cuts = [s_1, ...]`` (shares of the sample) the survey households' welfare relative to
their poverty line is cut at 1 (the line) and at its sample quantiles ``s_k``, and the
categories are modelled by the cumulative logit mixed model (:mod:`rpkd.sae.ordinal_mixed`):
``P(welfare < cut_k | u_i) = expit(alpha_k + x'beta + u_i)``. The poverty probability is the
category at the line, ``expit(alpha_line + x'beta + u_i)``: the same form as the binary logit
EBP (:mod:`rpkd.sae.logit_ebp`), but ``beta`` and the area effects are learnt from every cut,
so from the households just above the line as well as the few below it. With a P0 near 5% a
district survey of 900 households holds about 45 poor ones; the cuts at the 10% and 20%
quantiles add the next 135 to what fixes the slope and each desa's effect, as long as the
covariates and the area effect shift the lower part of the welfare distribution alike
(proportional odds, McCullagh 1980). The cut-point at the line keeps its own intercept.

With ``line_cut = "count"`` that cut-point is then re-solved, ``beta``, ``sigma2_u`` and the
other cut-points held, so that the sample's own predicted count of poor units equals its
observed count: ``sum_j E[expit(alpha_line + x_j'beta + u_i) | sample] = sum_j 1{welfare_j <
line_j}``. It is the equation the binary logit's intercept satisfies at its maximum likelihood
(with a canonical link the likelihood equations are ``X'y = X'mu_hat``, McCullagh & Nelder
1989, so with an intercept the fitted values sum to the observations; in the mixed model under
the area effects' posterior), so the district's poverty count comes from the households below
the line. The cut model's likelihood weighs the line's cut-point by the categories on both
sides of it, and where the slope at the line is steeper than the common one it over-counts the
poor (docs/sae-models.md, the line's cut-point). ``"likelihood"`` keeps the maximum-likelihood
cut-point.

The P0 of area ``i`` is the census mean, weighted, of ``E[expit(alpha_line + x'beta + u_i) |
sample]``, the expectation over the posterior of ``u_i`` on the model's quadrature nodes (the
prior for areas without sample), as in the binary case (Jiang & Lahiri 2001). MSE: the
parametric bootstrap of González-Manteiga et al. (2007) with the model's categories: ``u*``
from ``N(0, sigma2_u_hat)``, the census's poverty statuses from the category at the line, the
sample's categories from the fitted cut-points with the same ``u*``, the score redrawn as in
the binary case, the model refitted (cut ratios held at the sample's, the line's cut-point
re-solved alike) and the predictor recomputed.

References
----------
McCullagh, P. (1980). Regression models for ordinal data. JRSS B 42, 109–142.
McCullagh, P. & Nelder, J.A. (1989). Generalized Linear Models, 2nd ed. Chapman & Hall.
Jiang, J. & Lahiri, P. (2001). Empirical best prediction for small area inference with binary
data. Annals of the Institute of Statistical Mathematics 53, 217–243.
González-Manteiga, W., Lombardía, M.J., Molina, I., Morales, D. & Santamaría, L. (2007).
Estimation of the mean squared error of predictors of small area linear parameters under a
logistic mixed model. Computational Statistics & Data Analysis 51, 2720–2733.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from rpkd.errors import UsageError
from rpkd.sae.ordinal_mixed import (
    NODES,
    OrdinalMixedFit,
    at_cut_points,
    draw_categories,
    fit_ordinal_mixed,
)
from rpkd.sae.ordinal_mixed import posterior as node_posterior
from rpkd.sae.unit_inputs import Reported

_BUDGET = 2_000_000  # census rows x nodes held in memory at once
LINE_CUTS = ("count", "likelihood")
"""How the cut-point at the line is estimated (module description)."""
_REACH = 10.0  # how far below the lowest (above the highest) cut the line's cut-point is sought
_INSIDE = 1e-9  # the search keeps this far inside the neighbouring cut-points
_XTOL = 1e-12  # the count's cut-point is solved to this
_FIRST_STEP = 1e-3  # the secant's second point, from the likelihood's cut-point towards the root
_SECANT_STEPS = 20


@dataclass(frozen=True)
class Categories:
    """The sample's welfare categories: cut ratios to the line (one of them 1), the index of
    the line among them, and each sample unit's category (the number of cuts at or below its
    welfare / line)."""

    ratios: np.ndarray
    at_line: int
    category: np.ndarray

    @classmethod
    def cut(cls, welfare: np.ndarray, lines: np.ndarray, shares: Sequence[float]) -> Categories:
        """Return the categories of ``welfare / lines`` cut at 1 and at its ``shares``
        quantiles (numpy's default, R's type 7)."""
        bad = [s for s in shares if not 0.0 < float(s) < 1.0]
        if bad:
            raise UsageError("ebp_cuts_invalid", param="logit_cuts", value=float(bad[0]))
        ratio = welfare / lines
        ratios = np.unique(np.r_[1.0, np.quantile(ratio, np.asarray(shares, dtype=float))])
        category = np.searchsorted(ratios, ratio, side="right")
        return cls(ratios, int(np.flatnonzero(ratios == 1.0)[0]), category)


@dataclass(frozen=True)
class Census:
    """The census at the model: each unit's covariates (no intercept), area, weight; totals."""

    x: np.ndarray
    area: np.ndarray
    weight: np.ndarray
    total: np.ndarray


def counted_at_line(
    fit: OrdinalMixedFit,
    at_line: int,
    category: np.ndarray,
    x_sample: np.ndarray,
    sample_area: np.ndarray,
) -> OrdinalMixedFit:
    """Return ``fit`` with the cut-point at the line re-solved so that the sample's predicted
    count of poor units, under the area effects' posterior, equals its observed count (module
    description); the other cut-points, ``beta`` and ``sigma2_u`` are kept and the cut-points
    stay ordered. Unchanged when no such cut-point lies between its neighbours (a sample with no
    poor unit, or only poor ones)."""
    category = np.asarray(category, dtype=np.int64)
    observed = float(np.sum(category <= at_line))
    eta = x_sample @ fit.beta

    def cut_points(value: float) -> np.ndarray:
        alpha = fit.alpha.copy()
        alpha[at_line] = value
        return alpha

    def excess(value: float) -> float:
        trial = replace(fit, alpha=cut_points(value))
        u, weight = node_posterior(trial, category, x_sample, sample_area)
        p = np.sum(expit(value + eta[:, None] + u[None, :]) * weight[sample_area], axis=1)
        return float(p.sum() - observed)

    here, last = float(fit.alpha[at_line]), fit.alpha.size - 1
    low = float(fit.alpha[at_line - 1]) + _INSIDE if at_line > 0 else here - _REACH
    high = float(fit.alpha[at_line + 1]) - _INSIDE if at_line < last else here + _REACH
    if not 0.0 < observed < category.size:
        return fit
    root = _secant(excess, here, low, high)
    if root is None:
        if excess(low) > 0.0 or excess(high) < 0.0:
            return fit
        root = brentq(excess, low, high, xtol=_XTOL)
    return at_cut_points(fit, cut_points(root), category, x_sample, sample_area)


def _secant(f: Callable[[float], float], start: float, low: float, high: float) -> float | None:
    """Return the root of the increasing ``f`` in [low, high] by secant steps from ``start`` (the
    likelihood's cut-point, close to the count's), or None when a step leaves the interval or
    stalls; :func:`counted_at_line` then brackets the root with Brent's method. Superlinear
    from a close start: about 6 evaluations of the posterior instead of Brent's 15 over the
    whole interval (Press et al., Numerical Recipes, 3rd ed., section 9.2)."""
    x0, f0 = start, f(start)
    x1 = start + (_FIRST_STEP if f0 < 0.0 else -_FIRST_STEP)
    if not low <= x1 <= high:
        return None
    f1 = f(x1)
    for _ in range(_SECANT_STEPS):
        if f1 == 0.0:
            return x1
        if f1 == f0:
            return None
        x2 = x1 - f1 * (x1 - x0) / (f1 - f0)
        if not low <= x2 <= high:
            return None
        if abs(x2 - x1) <= _XTOL:
            return x2
        x0, f0, x1, f1 = x1, f1, x2, f(x2)
    return None


def headcounts(
    fit: OrdinalMixedFit,
    at_line: int,
    category: np.ndarray,
    x_sample: np.ndarray,
    sample_area: np.ndarray,
    census: Census,
) -> np.ndarray:
    """Return each area's predicted P0: census mean of the posterior mean of the probability
    of the category at the line."""
    u, weight = node_posterior(fit, category, x_sample, sample_area)
    m = fit.n.size
    alpha = float(fit.alpha[at_line])
    totals = np.zeros(m)
    chunk = max(1, _BUDGET // NODES)
    for start in range(0, census.area.size, chunk):
        part = slice(start, start + chunk)
        a = census.area[part]
        linear = alpha + census.x[part] @ fit.beta
        p = np.sum(expit(linear[:, None] + u[None, :]) * weight[a], axis=1)
        totals += np.bincount(a, weights=census.weight[part] * p, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(totals / census.total)


def fit_cuts(
    cats: Categories,
    x_sample: np.ndarray,
    sample_area: np.ndarray,
    areas: int,
    line_cut: str,
    start: OrdinalMixedFit | None = None,
) -> OrdinalMixedFit:
    """Return the cut model fitted to the sample's categories, the line's cut-point by
    ``line_cut`` (one of :data:`LINE_CUTS`, refused with ``map_choice_invalid`` otherwise);
    ``start`` as :func:`rpkd.sae.ordinal_mixed.fit_ordinal_mixed`."""
    if line_cut not in LINE_CUTS:
        raise UsageError(
            "map_choice_invalid", param="line_cut", flag="line_cut", value=line_cut,
            allowed=LINE_CUTS,
        )  # fmt: skip
    size = cats.ratios.size
    fit = fit_ordinal_mixed(cats.category, x_sample, sample_area, areas, size, start=start)
    if line_cut == "likelihood":
        return fit
    return counted_at_line(fit, cats.at_line, cats.category, x_sample, sample_area)


def ordinal_estimates(
    cats: Categories,
    x_sample: np.ndarray,
    sample_area: np.ndarray,
    census: Census,
    areas: int,
    line_cut: str = "likelihood",
) -> tuple[OrdinalMixedFit, np.ndarray]:
    """Return the fitted model (the line's cut-point by ``line_cut``) and each area's P0."""
    fit = fit_cuts(cats, x_sample, sample_area, areas, line_cut)
    return fit, headcounts(fit, cats.at_line, cats.category, x_sample, sample_area, census)


def ordinal_bootstrap(
    fit: OrdinalMixedFit,
    cats: Categories,
    x_sample: np.ndarray,
    sample_area: np.ndarray,
    census: Census,
    redraw: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]],
    replicates: int,
    rng: np.random.Generator,
    reported: Reported,
    line_cut: str = "likelihood",
) -> np.ndarray:
    """Return each reported area's parametric-bootstrap MSE (module description).

    ``redraw`` returns one replicate's sample and census covariates (the score redrawn, or the
    covariates as they are); each replicate's fit takes its line's cut-point by ``line_cut``."""
    m = fit.n.size
    alpha = float(fit.alpha[cats.at_line])
    squared = np.zeros(reported.codes.size)
    xb_sample, xb_census = x_sample @ fit.beta, census.x @ fit.beta
    for _ in range(replicates):
        u_star = rng.standard_normal(m) * np.sqrt(fit.sigma2_u)
        poor = rng.random(census.area.size) < expit(alpha + xb_census + u_star[census.area])
        truth = np.bincount(census.area, census.weight * poor, m) / census.total
        drawn = draw_categories(fit.alpha, xb_sample + u_star[sample_area], rng)
        xs, xc = redraw(rng)
        redrawn = Categories(cats.ratios, cats.at_line, drawn)
        refit = fit_cuts(redrawn, xs, sample_area, m, line_cut, start=fit)
        again = Census(xc, census.area, census.weight, census.total)
        estimate = headcounts(refit, cats.at_line, drawn, xs, sample_area, again)
        squared += (reported.mean(estimate, census.total) - reported.mean(truth, census.total)) ** 2
    return squared / replicates
