"""Backward selection of the covariates of a nested-error or Fay–Herriot model by a criterion.

As ``emdi::step(direction = "backward")`` for an EBP: the model is fitted by maximum likelihood
(criteria compare models with different fixed effects only under ML, not REML) on the
transformed welfare, with the transformation fitted once on all candidates and held fixed during
the search. Starting from every candidate, each step removes the covariate whose removal lowers
the criterion most; the search stops when no removal lowers it. Criteria (``nlme``'s ``AIC`` and
``BIC`` of an ML fit): ``AIC = -2 log L + 2 k`` and ``BIC = -2 log L + k log n`` with ``k`` the
number of fixed effects plus the two variance components and ``n`` the sample size. Ties are
broken by the candidates' order, so the result is deterministic.

The same search selects the area covariates of a Fay–Herriot model (:func:`fh_backward`), as
``emdi::step_fh(direction = "backward")``, which requires the ML fit: the log-likelihood of
``direct ~ N(X beta, diag(sigma2_u + psi_d))`` with the sampling variances ``psi_d`` known, so
``k`` is the number of fixed effects plus one (``sigma2_u``) and ``n`` the number of sampled
areas (emdi's ``model_select``; ``metafor::rma(method = "ML")``'s ``AIC``/``BIC``). Besides AIC
and BIC it offers emdi's KIC, the Kullback information criterion of Cavanaugh (1999),
``KIC = -2 log L + 3 k``. emdi's bootstrap-corrected criteria (AICc, AICb1, AICb2, KICc, … of
Marhuenda, Morales & Pardo 2014) are not offered: they are random and need ``B`` refits per
candidate model.

References
----------
Schwarz, G. (1978). Estimating the dimension of a model. Annals of Statistics 6, 461–464.
Kreutzmann, A.-K. et al. (2019). The R package emdi. Journal of Statistical Software 91(7).
Pinheiro, J.C. & Bates, D.M. (2000). *Mixed-Effects Models in S and S-PLUS*, Springer, §2.4.
Cavanaugh, J.E. (1999). A large-sample model selection criterion based on Kullback's symmetric
divergence. Statistics & Probability Letters 42, 333–343.
Marhuenda, Y., Morales, D. & Pardo, M.C. (2014). Information criteria for Fay–Herriot model
selection. Computational Statistics & Data Analysis 70, 268–280.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rpkd.sae.fay_herriot import ml_loglik
from rpkd.sae.nested_error import fit_nested_error, subset_logliks

Criterion = Literal["bic", "aic", "kic"]
CRITERIA: tuple[Criterion, ...] = ("bic", "aic")  # the EBP's (nested-error) choices
FH_CRITERIA: tuple[Criterion, ...] = ("bic", "aic", "kic")


@dataclass(frozen=True)
class Selection:
    """The covariates kept, those removed (in removal order) and the final criterion value."""

    criterion: Criterion
    kept: tuple[str, ...]
    removed: tuple[str, ...]
    value: float


def criterion_value(
    t: np.ndarray, x: np.ndarray, area: np.ndarray, areas: int, criterion: Criterion
) -> float:
    """Return the AIC or BIC of the ML nested-error fit of ``t`` on ``x`` (with intercept)."""
    fit = fit_nested_error(t, x, area, areas, "ml")
    return _penalised(fit.loglik, x.shape[1] + 2, t.size, criterion)


def backward(
    t: np.ndarray,
    candidates: Sequence[tuple[str, np.ndarray]],
    area: np.ndarray,
    areas: int,
    criterion: Criterion = "bic",
) -> Selection:
    """Return the backward selection among ``candidates`` (name, column); intercept always in."""
    x = np.column_stack([np.ones(t.size), *(values for _, values in candidates)])

    def values(models: list[list[int]]) -> list[float]:
        logliks = subset_logliks(t, x, area, areas, [[0, *m] for m in models], "ml")
        return [
            _penalised(ll, len(m) + 3, t.size, criterion)
            for ll, m in zip(logliks, models, strict=True)
        ]

    return _search([name for name, _ in candidates], values, criterion)


def fh_criterion_value(
    y: np.ndarray, psi: np.ndarray, x: np.ndarray, criterion: Criterion
) -> float:
    """Return the criterion of the ML Fay–Herriot fit of ``y`` on ``x`` (columns as given)."""
    return _penalised(ml_loglik(y, psi, x), x.shape[1] + 1, y.size, criterion)


def fh_backward(
    y: np.ndarray,
    psi: np.ndarray,
    candidates: Sequence[tuple[str, np.ndarray]],
    criterion: Criterion = "bic",
) -> Selection:
    """Return the backward selection of Fay–Herriot area covariates (sampled areas only).

    ``y`` are the direct estimates, ``psi`` their known sampling variances, ``candidates``
    (name, column) the covariates; the intercept is always in.
    """
    x = np.column_stack([np.ones(y.size), *(values for _, values in candidates)])

    def values(models: list[list[int]]) -> list[float]:
        return [fh_criterion_value(y, psi, x[:, [0, *m]], criterion) for m in models]

    return _search([name for name, _ in candidates], values, criterion)


def _search(
    names: Sequence[str], values: Callable[[list[list[int]]], list[float]], criterion: Criterion
) -> Selection:
    """The backward loop: ``values`` gives the criterion of each model (candidate indices 1..)."""
    kept = list(range(1, len(names) + 1))
    removed: list[str] = []
    (current,) = values([kept])
    while kept:
        trials = values([[c for c in kept if c != drop] for drop in kept])
        position = int(np.argmin(trials))
        if trials[position] >= current:
            break
        removed.append(names[kept.pop(position) - 1])
        current = trials[position]
    return Selection(criterion, tuple(names[c - 1] for c in kept), tuple(removed), current)


def _penalised(loglik: float, k: int, n: int, criterion: Criterion) -> float:
    penalty = {"bic": k * math.log(n), "aic": 2.0 * k, "kic": 3.0 * k}[criterion]
    return float(-2.0 * loglik + penalty)
