"""Backward selection of the covariates of a nested-error model by an information criterion.

As ``emdi::step(direction = "backward")`` for an EBP: the model is fitted by maximum likelihood
(criteria compare models with different fixed effects only under ML, not REML) on the
transformed welfare, with the transformation fitted once on all candidates and held fixed during
the search. Starting from every candidate, each step removes the covariate whose removal lowers
the criterion most; the search stops when no removal lowers it. Criteria (``nlme``'s ``AIC`` and
``BIC`` of an ML fit): ``AIC = -2 log L + 2 k`` and ``BIC = -2 log L + k log n`` with ``k`` the
number of fixed effects plus the two variance components and ``n`` the sample size. Ties are
broken by the candidates' order, so the result is deterministic.

References
----------
Schwarz, G. (1978). Estimating the dimension of a model. Annals of Statistics 6, 461–464.
Kreutzmann, A.-K. et al. (2019). The R package emdi. Journal of Statistical Software 91(7).
Pinheiro, J.C. & Bates, D.M. (2000). *Mixed-Effects Models in S and S-PLUS*, Springer, §2.4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rpkd.sae.nested_error import fit_nested_error, subset_logliks

Criterion = Literal["bic", "aic"]
CRITERIA: tuple[Criterion, ...] = ("bic", "aic")


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
    names = [name for name, _ in candidates]
    x = np.column_stack([np.ones(t.size), *(values for _, values in candidates)])

    def values(models: list[list[int]]) -> list[float]:
        logliks = subset_logliks(t, x, area, areas, [[0, *m] for m in models], "ml")
        return [
            _penalised(ll, len(m) + 3, t.size, criterion)
            for ll, m in zip(logliks, models, strict=True)
        ]

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
    penalty = k * math.log(n) if criterion == "bic" else 2.0 * k
    return float(-2.0 * loglik + penalty)
