"""Taylor-linearised variance of totals of scores, exactly as R ``survey``'s ``svyrecvar``.

The estimators of rpkd are smooth functions of totals; each is linearised into a per-record
score whose estimated total has the same variance to first order (Binder 1983). This module
takes the scores, already summed to the design's finest units, and returns their variance by
R ``survey``'s recursion (``multistage`` → ``onestage`` → ``onestrat``, survey 4.x):

* within each stratum of stage k, with n sampled units out of N,
  ``(1 - n/N) · n/(n-1) · Σ_i (z_i - z̄)^2`` over the unit totals z_i (units of a domain that
  are absent count as zeros: domain estimation keeps the full design);
* stage k+1 adds its own term inside every stage-k unit, multiplied by ``n/N`` of the stages
  above (only when every stage has an fpc; otherwise ultimate-cluster variance);
* a stratum whose sampled units are all certainties (``1 - n/N < 1e-7``) contributes 0;
* a stratum with one sampled unit follows the lonely-PSU policy: ``fail`` raises,
  ``certainty``/``remove`` contribute 0, ``adjust`` centres the unit at zero (the grand mean
  of the scores) instead of at the stratum mean.

Several domains (groups) are handled at once: each score row carries its group code.

References
----------
Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
surveys. *International Statistical Review* 51, 279-292.
Lumley, T. (2004). Analysis of complex survey samples. *Journal of Statistical Software* 9(8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rpkd.errors import InvalidInput
from rpkd.survey.design import LonelyPsu

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CERTAINTY = 1e-7  # R survey's threshold below which 1 - n/N counts as a certainty stratum


@dataclass(frozen=True)
class Stage:
    """One sampling stage of the full design, indexed by finest unit, unit and stratum.

    ``unit`` maps each finest unit to its unit at this stage; ``stratum`` maps each unit to its
    stratum at this stage (stage 1: the design stratum; later stages: the parent unit);
    ``sampled`` and ``population`` give n and N per stratum (N is ``inf`` without an fpc);
    ``factor`` is the product of n/N of the stages above (1 at stage 1).
    """

    unit: IntArray
    stratum: IntArray
    sampled: FloatArray
    population: FloatArray
    factor: FloatArray
    labels: tuple[str, ...]

    @property
    def correction(self) -> FloatArray:
        """1 - n/N per stratum, 1 without an fpc (R: ``(fpc - nPSU)/fpc``)."""
        finite = np.isfinite(self.population)
        out = np.ones_like(self.sampled)
        out[finite] = (self.population[finite] - self.sampled[finite]) / self.population[finite]
        return out


@dataclass(frozen=True)
class Structure:
    """The sampling structure of the full design: one :class:`Stage` per stage used."""

    stages: tuple[Stage, ...]
    units: int

    def lonely(self) -> list[tuple[int, str]]:
        """Return (stage, stratum label) of every stratum with one sampled, non-certain unit."""
        found: list[tuple[int, str]] = []
        for k, stage in enumerate(self.stages, start=1):
            mask = (stage.sampled == 1) & (stage.correction >= CERTAINTY)
            found.extend((k, stage.labels[i]) for i in np.flatnonzero(mask))
        return found


def _group_sums(keys: IntArray, values: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Return unique keys, the inverse index and column sums of ``values`` per key."""
    unique, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.astype(np.int64).ravel()
    sums = np.empty((unique.size, values.shape[1]))
    for j in range(values.shape[1]):
        sums[:, j] = np.bincount(inverse, weights=values[:, j], minlength=unique.size)
    return unique.astype(np.int64), inverse, sums


def variance(
    structure: Structure,
    unit: IntArray,
    group: IntArray,
    groups: int,
    scores: FloatArray,
    lonely_psu: LonelyPsu,
) -> FloatArray:
    """Return the variance of the total of each score column, per group (``groups × p``).

    Parameters
    ----------
    structure
        The full design's sampling structure.
    unit
        Finest-unit index of each score row.
    group
        Group (domain) code of each score row, in ``0 .. groups-1``.
    groups
        Number of groups.
    scores
        Linearised scores (already multiplied by the weights), one row per record or per
        finest unit, one column per estimate.
    lonely_psu
        Policy for strata with one sampled unit.

    References
    ----------
    R ``survey`` 4.1: ``svyrecvar``, ``multistage``, ``onestage``, ``onestrat``.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(len(unit), -1)
    result = np.zeros((groups, scores.shape[1]))
    for k, stage in enumerate(structure.stages, start=1):
        units_k = np.int64(stage.stratum.size)
        keys = group.astype(np.int64) * units_k + stage.unit[unit]
        unique, _, totals = _group_sums(keys, scores)
        unit_group, unit_id = unique // units_k, unique % units_k
        strata_k = np.int64(stage.sampled.size)
        skeys = unit_group * strata_k + stage.stratum[unit_id]
        sunique, sinv, ssum = _group_sums(skeys, totals)
        s_group, s_id = sunique // strata_k, sunique % strata_k
        sampled = stage.sampled[s_id]
        present = np.bincount(sinv, minlength=sunique.size).astype(np.float64)
        correction = stage.correction[s_id]
        mean = ssum / sampled[:, None]
        squares = np.empty_like(ssum)
        for j in range(totals.shape[1]):
            squares[:, j] = np.bincount(
                sinv, weights=(totals[:, j] - mean[sinv, j]) ** 2, minlength=sunique.size
            )
        squares += (sampled - present)[:, None] * mean**2
        scale = np.where(sampled > 1, correction * sampled / np.maximum(sampled - 1, 1), correction)
        contribution = scale[:, None] * squares
        lonely = (sampled == 1) & (correction >= CERTAINTY)
        if lonely.any():
            if lonely_psu == "fail":
                label = stage.labels[int(s_id[np.flatnonzero(lonely)[0]])]
                raise InvalidInput("lonely_psu_fail", param="lonely_psu", stratum=label, stage=k)
            if lonely_psu == "adjust":
                contribution[lonely] = scale[lonely, None] * ssum[lonely] ** 2
        contribution[correction < CERTAINTY] = 0.0
        contribution *= stage.factor[s_id][:, None]
        for j in range(scores.shape[1]):
            result[:, j] += np.bincount(s_group, weights=contribution[:, j], minlength=groups)
    return result
