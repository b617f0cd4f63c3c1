"""Benchmarking of small-area estimates to a published district (or province) figure.

For means and rates, with population shares ``w_d = N_d / sum N`` the area estimates
``theta_d`` imply the district figure ``sum w_d theta_d``; for totals (``aggregate="total"``,
e.g. numbers of poor people) the weights are ``w_d = 1``. Benchmarking adjusts the estimates so
that the implied figure equals the published ``T``:

- ``ratio``: ``theta_d * T / sum w_d theta_d`` (the adjustment reported is the factor);
- ``difference``: ``theta_d + (T - sum w_d theta_d) / sum w_d`` (the adjustment reported is the
  shift; ``sum w_d = 1`` for means, the number of areas for totals).

These are emdi's ``benchmark(type = "ratio")`` and ``type = "raking"`` for Fay–Herriot estimates
(Kreutzmann et al. 2019) and the ratio and difference adjustments reviewed by Rao & Molina (2015,
ch. 6, benchmarking) and Datta, Ghosh, Steorts & Maples (2011). MSEs are not adjusted: the
benchmarked estimator's MSE is at least that of the EBLUP; report both.

References
----------
Datta, G.S., Ghosh, M., Steorts, R. & Maples, J. (2011). Bayesian benchmarking with applications
to small area estimation. TEST 20, 574–588.
Kreutzmann, A.-K. et al. (2019). The R package emdi for estimating and mapping regionally
disaggregated indicators. Journal of Statistical Software 91(7).
Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding

BenchmarkMethod = Literal["ratio", "difference"]
Aggregate = Literal["mean", "total"]


@dataclass(frozen=True)
class BenchmarkedArea:
    """One area: its estimate, population share and benchmarked estimate."""

    area: str
    estimate: float
    weight: float
    benchmarked: float


@dataclass(frozen=True)
class BenchmarkResult:
    """Benchmarked estimates and the adjustment (factor for ratio, shift for difference)."""

    method: BenchmarkMethod
    target: float
    implied: float
    adjustment: float
    areas: tuple[BenchmarkedArea, ...]
    findings: tuple[Finding, ...]

    def to_arrow(self) -> pa.Table:
        """Return one row per area."""
        fields = ("area", "estimate", "weight", "benchmarked")
        return pa.table({f: [getattr(a, f) for a in self.areas] for f in fields})


def benchmark(
    areas: Sequence[str],
    estimates: Sequence[float],
    population: Sequence[float] | None,
    target: float,
    *,
    method: BenchmarkMethod = "ratio",
    aggregate: Aggregate = "mean",
    bounds: tuple[float, float] | None = None,
) -> BenchmarkResult:
    """Return area estimates adjusted so that their weighted mean (or sum) equals ``target``.

    ``population`` (area population sizes) is required for ``aggregate="mean"`` and ignored for
    ``"total"``.

    ``bounds`` (e.g. ``(0, 1)`` for a headcount rate) adds a finding for every benchmarked value
    outside them; values are never clipped, so the benchmark still holds exactly.

    Examples
    --------
    >>> r = benchmark(["a", "b"], [0.1, 0.3], [100, 300], 0.3)
    >>> round(r.adjustment, 6), [round(a.benchmarked, 6) for a in r.areas]
    (1.2, [0.12, 0.36])
    """
    if method not in ("ratio", "difference"):
        raise UsageError(
            "benchmark_method", param="method", value=method, allowed=("ratio", "difference")
        )
    if aggregate not in ("mean", "total"):
        raise UsageError(
            "benchmark_aggregate", param="aggregate", value=aggregate, allowed=("mean", "total")
        )
    theta = np.asarray(estimates, dtype=float)
    if aggregate == "total":
        population = [1.0] * theta.size
    elif population is None:
        raise UsageError("benchmark_population_required", param="population")
    size = np.asarray(population, dtype=float)
    if not (len(areas) == theta.size == size.size) or theta.size == 0:
        raise InvalidInput("benchmark_lengths", param="areas")
    for i, (value, n) in enumerate(zip(theta, size, strict=True)):
        if not np.isfinite(value):
            raise InvalidInput("benchmark_estimate_missing", param="estimate", area=areas[i])
        if not np.isfinite(n) or n < 0:
            raise InvalidInput(
                "benchmark_population_invalid", param="population", area=areas[i], value=float(n)
            )
    if size.sum() <= 0:
        raise InvalidInput("benchmark_population_zero", param="population")
    weight = size if aggregate == "total" else size / size.sum()
    implied = float(weight @ theta)
    if method == "ratio":
        if implied == 0:
            raise InvalidInput("benchmark_zero", param="estimate")
        adjustment = target / implied
        adjusted = theta * adjustment
    else:
        adjustment = (target - implied) / float(weight.sum())
        adjusted = theta + adjustment
    rows = tuple(
        BenchmarkedArea(str(a), float(t), float(w), float(b))
        for a, t, w, b in zip(areas, theta, weight, adjusted, strict=True)
    )
    findings = [
        Finding(
            "benchmark_adjustment",
            "info",
            {
                "method": method,
                "implied": implied,
                "target": float(target),
                "adjustment": adjustment,
            },
        )
    ]
    if bounds is not None:
        low, high = bounds
        findings += [
            Finding(
                "benchmark_out_of_bounds",
                "warning",
                {"area": r.area, "value": r.benchmarked, "low": low, "high": high},
            )
            for r in rows
            if not low <= r.benchmarked <= high
        ]
    return BenchmarkResult(method, float(target), implied, float(adjustment), rows, tuple(findings))
