"""Priority areas with their uncertainty: the probability that an area is among the k poorest.

A poverty map ranks areas by estimates that are uncertain; the list of the k poorest drawn from
the point estimates says nothing of how sure it is. Following the Bayesian ranking literature
(Shen & Louis 1998; Rao & Molina 2015, §10.x on ranking small areas), this draws each area's
poverty rate ``B`` times from its estimate's sampling distribution, ranks the areas in every
draw, and reports for each area:

- ``probability_rate``: the share of draws in which its rate is among the ``k`` highest;
- ``probability_count``: the same for its number of poor persons (rate × population);
- ``rank_median``, ``rank_low``, ``rank_high``: its rank by rate (1 = poorest), median and
  5th–95th percentiles over the draws.

**The draws.** Area ``i``'s rate in draw ``b`` is ``θ̂_i + √MSE_i · z_bi`` with ``z_bi``
independent standard normals, set to the nearest bound outside [0, 1]: the normal
approximation to the empirical-Bayes posterior of a Fay–Herriot area mean (mean the EBLUP,
variance its MSE, which includes the uncertainty of the estimated model parameters; Rao &
Molina 2015, §6.2), and to the parametric-bootstrap distribution of an EBP (Molina & Rao 2010).
The correlation between areas through the shared regression coefficients is not drawn: it
moves all areas together and matters little for their order. The same ``z`` serve both
rankings, so a larger estimate never lowers an area's probability (common random numbers).

**Ties.** A draw where several areas share the k-th value (rates set to 0 or 1) gives each of
them an equal part of the slots left, so the probabilities always sum to ``k``.

**Classes** (:class:`PriorityRule`, the kit's ``sae`` document, section ``priority``): an area
is *Prioritas 1* when its probability of being among the k poorest (by rate, by number of
poor, or the larger of the two: ``basis``) is at least ``thresholds[0]`` (0.8: "most likely
among the k poorest"), *Prioritas 2* from ``thresholds[1]`` (0.5: "more likely than not"),
*Prioritas 3* from ``thresholds[2]`` (0.2: "possibly"), otherwise no class.

References
----------
Shen, W. & Louis, T.A. (1998). Triple-goal estimates in two-stage hierarchical models. *JRSS B*
60, 455–471. Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley.
Molina, I. & Rao, J.N.K. (2010). Small area estimation of poverty indicators. *CJS* 38, 369–385.
TNP2K (2018), *Panduan Penyusunan RPKD*, Bab III: kantong kemiskinan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from rpkd.errors import InvalidInput, UsageError

Basis = Literal["rate", "count", "either"]
BASES: tuple[Basis, ...] = ("rate", "count", "either")


@dataclass(frozen=True)
class PriorityRule:
    """How many areas are sought (``k`` by level), how many draws, and the class thresholds."""

    k: Mapping[str, int]
    draws: int
    thresholds: tuple[float, float, float]
    basis: Basis


@dataclass(frozen=True)
class AreaProbability:
    """One area's probabilities of being among the k poorest and its rank over the draws."""

    area: str
    probability_rate: float
    probability_count: float
    rank_median: float
    rank_low: float
    rank_high: float
    priority: int | None


def priority_rule(doc: Mapping[str, Any]) -> PriorityRule:
    """Return the priority rule of the kit's ``sae`` document (its ``priority`` section)."""
    section = doc.get("priority")
    if not isinstance(section, Mapping):
        raise InvalidInput("priority_rule_missing", param="priority")
    thresholds = tuple(float(t) for t in section["thresholds"])
    if len(thresholds) != 3 or not 1 >= thresholds[0] >= thresholds[1] >= thresholds[2] > 0:
        raise InvalidInput("priority_thresholds_invalid", param="thresholds",
                           value=list(thresholds))  # fmt: skip
    basis = str(section.get("basis", "either"))
    if basis not in BASES:
        raise InvalidInput("priority_basis_invalid", param="basis", value=basis, allowed=BASES)
    return PriorityRule(
        k={str(level): int(v) for level, v in section["k"].items()},
        draws=int(section["draws"]),
        thresholds=(thresholds[0], thresholds[1], thresholds[2]),
        basis=basis,
    )


def priority_class(
    probability_rate: float, probability_count: float, rule: PriorityRule
) -> int | None:
    """Return the class (1, 2, 3) of an area's probabilities under ``rule``, None below all."""
    chosen = {
        "rate": probability_rate,
        "count": probability_count,
        "either": max(probability_rate, probability_count),
    }[rule.basis]
    for number, threshold in enumerate(rule.thresholds, start=1):
        if chosen >= threshold:
            return number
    return None


def top_k_share(values: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Return, per column of ``values`` (draws × areas), the share of draws in which it is
    among the ``k`` largest of its row; ties at the k-th value share the slots left."""
    n = values.shape[1]
    kth = np.sort(values, axis=1)[:, n - k][:, None]
    above = values > kth
    tied = values == kth
    left = (k - above.sum(axis=1, keepdims=True)) / tied.sum(axis=1, keepdims=True)
    weight = np.where(above, 1.0, np.where(tied, left, 0.0))
    return np.asarray(weight.mean(axis=0), dtype=np.float64)


def rank_probabilities(
    areas: Sequence[str],
    estimate: Sequence[float],
    mse: Sequence[float],
    population: Sequence[float],
    *,
    k: int,
    draws: int,
    rule: PriorityRule,
    rng: np.random.Generator,
) -> tuple[AreaProbability, ...]:
    """Return each area's probability of being among the ``k`` poorest, by rate and by number
    of poor, its rank interval and its class, from ``draws`` draws of the area rates.

    ``estimate`` are the rates (fractions), ``mse`` their MSEs, ``population`` the persons of
    each area (for the number of poor). See the module's text for the draws and ties.

    Examples
    --------
    >>> rule = PriorityRule({"desa": 1}, 100, (0.8, 0.5, 0.2), "rate")
    >>> rows = rank_probabilities(["a", "b"], [0.9, 0.1], [1e-4, 1e-4], [10, 10], k=1,
    ...                           draws=100, rule=rule, rng=np.random.default_rng(1))
    >>> [(r.area, r.probability_rate, r.priority) for r in rows]
    [('a', 1.0, 1), ('b', 0.0, None)]
    """
    m = len(areas)
    if not 1 <= k <= m:
        raise UsageError("priority_k_invalid", param="k", value=k, areas=m)
    if draws < 1:
        raise UsageError("priority_draws_invalid", param="draws", value=draws)
    theta = np.asarray(estimate, dtype=np.float64)
    var = np.asarray(mse, dtype=np.float64)
    people = np.asarray(population, dtype=np.float64)
    if not (np.isfinite(theta).all() and np.isfinite(var).all() and (var >= 0).all()):
        raise InvalidInput("priority_estimate_invalid", param="estimate")
    rates = np.clip(theta + np.sqrt(var) * rng.standard_normal((draws, m)), 0.0, 1.0)
    p_rate = top_k_share(rates, k)
    p_count = top_k_share(rates * people, k)
    from scipy.stats import rankdata  # loaded only when ranks are asked for

    # Rank 1 = highest rate; ties get their average rank, as they share the top-k slots.
    ranks = rankdata(-rates, axis=1, method="average")
    low, median, high = np.percentile(ranks, [5.0, 50.0, 95.0], axis=0)
    return tuple(
        AreaProbability(
            area=str(areas[i]),
            probability_rate=float(p_rate[i]),
            probability_count=float(p_count[i]),
            rank_median=float(median[i]),
            rank_low=float(math.floor(low[i])),
            rank_high=float(math.ceil(high[i])),
            priority=priority_class(float(p_rate[i]), float(p_count[i]), rule),
        )
        for i in range(m)
    )


PROBABILITY_SCHEMA = pa.schema(
    [
        ("area", pa.string()),
        ("probability_rate", pa.float64()),
        ("probability_count", pa.float64()),
        ("rank_median", pa.float64()),
        ("rank_low", pa.float64()),
        ("rank_high", pa.float64()),
        ("priority", pa.int64()),
    ]
)


def priority_table(
    areas: pa.Table, *, k: int, rule: PriorityRule, draws: int | None = None, seed: int = 1
) -> pa.Table:
    """Return :data:`PROBABILITY_SCHEMA` rows for the areas of ``areas`` that have an estimate.

    ``areas`` has the columns ``area``, ``estimate``, ``mse`` and ``population`` (a poverty
    map's rows); areas without an estimate are left out, a missing MSE or population counts as
    0. ``draws`` defaults to the rule's; the draws come from ``numpy.random.default_rng(seed)``.
    """
    rows = [
        r for r in areas.select(["area", "estimate", "mse", "population"]).to_pylist()
        if r["estimate"] is not None
    ]  # fmt: skip
    found = rank_probabilities(
        [r["area"] for r in rows],
        [r["estimate"] for r in rows],
        [r["mse"] or 0.0 for r in rows],
        [r["population"] or 0.0 for r in rows],
        k=k,
        draws=rule.draws if draws is None else draws,
        rule=rule,
        rng=np.random.default_rng(seed),
    )
    return pa.Table.from_pylist([vars(f) for f in found], schema=PROBABILITY_SCHEMA)
