"""Targeting errors as measured, drawn many times: which registry desil a poor household gets.

The error model places units in ``G`` groups of true per-capita consumption (equal weighted
shares, the poorest first: ``g = ⌊G · C / W⌋`` with ``C`` the weight of the units before it in
order and ``W`` the total) and holds ``M[g, d]``, the weighted share of group ``g`` that the
registry places in desil ``d``. It is measured, never assumed:

* on the survey, each household's desil is its cross-validated PMT prediction placed among the
  registry's desil cut points (what ``rpkd target accuracy`` measures without a truth);
* against a synthetic truth, every registry family's true consumption and its official desil.

Perfect targeting is the model in which group ``g`` lies in desil ``⌊10 g / G⌋ + 1``. A
household of group ``g`` is given desil ``d`` with probability ``M[g, d]``, independently in each
of ``R`` draws of a seeded :class:`numpy.random.Generator`. Each draw's estimates come with their
design variance; the draws are combined by Rubin's rules: the point is the mean of the draws'
estimates ``θ̄``, its variance ``Ū + (1 + 1/R) B`` with ``Ū`` the mean design variance and ``B``
the variance of the estimates between draws.

References
----------
Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley, §3.1.
Coady, D., Grosh, M. & Hoddinott, J. (2004). *Targeting of Transfers in Developing Countries*.
World Bank, ch. 3 (inclusion and exclusion errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from rpkd.errors import InvalidInput
from rpkd.targeting.accuracy import error_rates

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Basis = Literal["survey", "truth", "perfect"]
DESILS = 10


@dataclass(frozen=True)
class ErrorRate:
    """Measured errors of the cut-off ``desil ≤ cutoff`` against a target group."""

    target: str
    cutoff: int
    exclusion: float
    inclusion: float


@dataclass(frozen=True)
class ErrorModel:
    """``matrix[g, d-1]``: share of true-consumption group ``g`` placed in desil ``d``."""

    basis: Basis
    matrix: FloatArray
    units: int
    rates: tuple[ErrorRate, ...] = ()

    @property
    def groups(self) -> int:
        return int(self.matrix.shape[0])


def welfare_groups(welfare: FloatArray, weight: FloatArray, groups: int) -> IntArray:
    """Return each unit's group of true consumption, 0 (poorest) to ``groups - 1``.

    Examples
    --------
    >>> welfare_groups(np.array([5.0, 1.0, 3.0, 2.0]), np.ones(4), 2).tolist()
    [1, 0, 1, 0]
    """
    order = np.argsort(welfare, kind="stable")
    w = np.asarray(weight, np.float64)[order]
    before = np.cumsum(w) - w
    placed = np.minimum((groups * before / w.sum()).astype(np.int64), groups - 1)
    out = np.empty(len(order), np.int64)
    out[order] = placed
    return out


def measure(
    welfare: FloatArray,
    desil: IntArray,
    weight: FloatArray,
    *,
    groups: int,
    basis: Basis,
    targets: Mapping[str, NDArray[np.bool_]] | None = None,
) -> ErrorModel:
    """Return the error model of units with true ``welfare`` placed in ``desil`` (1-10).

    ``targets`` (name -> membership, e.g. poor by consumption) adds the measured exclusion and
    inclusion errors of every cut-off ``desil ≤ k`` (:func:`rpkd.targeting.accuracy.error_rates`).

    Examples
    --------
    >>> m = measure(np.array([1.0, 2, 3, 4]), np.array([1, 3, 2, 10]), np.ones(4), groups=2,
    ...             basis="truth")
    >>> m.matrix[:, [0, 1, 2, 9]].tolist()
    [[0.5, 0.0, 0.5, 0.0], [0.0, 0.5, 0.0, 0.5]]
    """
    if groups < 1 or len(welfare) < groups:
        raise InvalidInput("simulation_groups", param="groups", groups=groups, units=len(welfare))
    d = np.asarray(desil, np.int64)
    if ((d < 1) | (d > DESILS)).any():
        raise InvalidInput("simulation_desil_range", param="desil")
    w = np.asarray(weight, np.float64)
    g = welfare_groups(np.asarray(welfare, np.float64), w, groups)
    matrix = np.zeros((groups, DESILS))
    np.add.at(matrix, (g, d - 1), w)
    matrix /= matrix.sum(axis=1, keepdims=True)
    rates = tuple(
        ErrorRate(name, k, (r := error_rates(member, d <= k, w)).exclusion, r.inclusion)
        for name, member in (targets or {}).items()
        for k in range(1, DESILS + 1)
    )
    return ErrorModel(basis, matrix, len(d), rates)


def perfect(groups: int) -> ErrorModel:
    """Return the error model without errors: group ``g`` lies in desil ``⌊10 g / G⌋ + 1``.

    Examples
    --------
    >>> perfect(20).matrix[[0, 1, 2, 19]].argmax(axis=1).tolist()
    [0, 0, 1, 9]
    """
    if groups % DESILS:
        raise InvalidInput("simulation_groups", param="groups", groups=groups, units=groups)
    matrix = np.zeros((groups, DESILS))
    matrix[np.arange(groups), DESILS * np.arange(groups) // groups] = 1.0
    return ErrorModel("perfect", matrix, 0)


def draw(
    model: ErrorModel, group: IntArray, rng: np.random.Generator, draws: int
) -> NDArray[np.int8]:
    """Return ``draws × units`` desils (1-10), unit ``i`` drawn from ``M[group[i]]``.

    Inverse-CDF sampling: one uniform per unit and draw. A perfect model consumes the same
    uniforms, so that measured and perfect packages of one scenario share the random stream.
    """
    cumulative = np.cumsum(model.matrix, axis=1)[group]
    cumulative[:, -1] = 1.0  # no rounding gap above the last desil
    uniform = rng.random((draws, len(group)))
    placed = (uniform[:, :, None] >= cumulative[None, :, :]).sum(axis=2)
    out: NDArray[np.int8] = (np.minimum(placed, DESILS - 1) + 1).astype(np.int8)
    return out


def combine(points: FloatArray, variances: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return Rubin's point and total variance of ``R × m`` draws' estimates and variances.

    Draws that all give the same estimate and variance give back exactly those values (a
    scenario without randomness equals its single computation to the last digit).

    Examples
    --------
    >>> p, v = combine(np.array([[1.0], [3.0]]), np.array([[0.5], [1.5]]))
    >>> (p.tolist(), v.tolist())  # Ū = 1, B = 2, T = 1 + 1.5 · 2
    ([2.0], [4.0])
    """
    draws = points.shape[0]
    # Means as first + mean deviation: draws that all agree give back their value to the bit.
    point = points[0] + (points - points[0]).mean(axis=0)
    within = variances[0] + (variances - variances[0]).mean(axis=0)
    if draws < 2:
        return point, within
    between = points.var(axis=0, ddof=1)
    return point, within + (1 + 1 / draws) * between
