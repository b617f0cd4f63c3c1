"""Small-area estimates of FGT poverty for every kecamatan or desa of a region, by method.

From a release's survey, registry and village tables (Ibis tables of one engine) this estimates
P0, P1 or P2 for every area of the region at the chosen level by one of three methods:

- ``direct``: the survey's domain estimate (sampled areas only), MSE = design variance;
- ``fh`` (:mod:`rpkd.sae.fh_map`): the Fay–Herriot EBLUP (:mod:`rpkd.sae.fay_herriot`) on
  area covariates of the registry, with GVF-smoothed sampling variances
  (:func:`rpkd.sae.inputs.smoothed_variances`); synthetic estimates out of sample; EBLUPs
  outside [0, 1] set to the nearest bound; or, with the kit's ``transformation = "arcsin"``,
  the arcsine model (:mod:`rpkd.sae.fh_arcsin`);
- ``ebp`` (:mod:`rpkd.sae.ebp_map`): the Molina–Rao empirical best predictor
  (:mod:`rpkd.sae.ebp`) on unit-level proxies shared by survey and registry, optionally with
  context variables, village indicators, variable selection (:mod:`rpkd.sae.ebp_model`),
  survey weights (pseudo-EBP) and residual error draws, with parametric-bootstrap MSE and
  diagnostics; every area with registry families is estimated. With the kit's ``[ebp] model =
  "logit"`` (shipped) P0 comes instead from the unit-level logit mixed model of poverty status
  (:mod:`rpkd.sae.logit_ebp`), whose aggregate is not biased by a non-normal welfare tail; P1
  and P2 need the welfare model.

A model whose district aggregate (person-weighted mean of its area estimates) falls outside
the direct estimate's 95% interval carries the warning ``sae_aggregate_outside_direct``.
Estimates may be ratio-benchmarked (:mod:`rpkd.sae.benchmark`) to the district's direct
estimate; the factor is reported and MSEs are not adjusted. Covariates and Monte Carlo sizes
come from the kit's ``sae`` document (``params/indonesia/sae.toml``), the unfit-house and
sanitation predicates from its ``programmes`` document.

References
----------
Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley.
Molina, I. & Rao, J.N.K. (2010). Small area estimation of poverty indicators. CJS 38, 369–385.
Fay, R.E. & Herriot, R.A. (1979). JASA 74, 269–277.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from rpkd import engine as eng
from rpkd import regions
from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding
from rpkd.releases.survey_design import survey_design
from rpkd.sae.area_row import METHODS, AreaRow, Method, area_row, cv
from rpkd.sae.benchmark import benchmark as benchmark_estimates
from rpkd.sae.ebp_map import EBP_WEIGHTS, EFFECT_LEVELS, EbpWeights, EffectLevel, ebp_rows
from rpkd.sae.fh_map import FH_TRANSFORMATIONS, fh_rows
from rpkd.sae.inputs import (
    AREA,
    LEVELS,
    MEASURES,
    DirectEstimates,
    Level,
    Measure,
    SaeTables,
    area_covariates,
    direct_estimates,
)
from rpkd.survey.intervals import Z95, logit_bounds

__all__ = [
    "EBP_WEIGHTS",
    "EFFECT_LEVELS",
    "FH_TRANSFORMATIONS",
    "METHODS",
    "SETTINGS_SECTIONS",
    "AreaRow",
    "Benchmarking",
    "EbpWeights",
    "EffectLevel",
    "Method",
    "PovertyMap",
    "SaeTables",
    "benchmarked",
    "estimate_areas",
    "map_cv",
]

SETTINGS_SECTIONS = ("direct", "fay_herriot", "ebp")
"""The sections of the kit's ``sae`` document that :func:`estimate_areas` reads."""


@dataclass(frozen=True)
class Benchmarking:
    """Ratio benchmarking: district direct estimate, the estimates' implied mean and the factor."""

    target: float
    implied: float
    factor: float


@dataclass(frozen=True)
class PovertyMap:
    """Area estimates of one FGT measure at one level by one method, with their provenance."""

    release: str
    region: str
    level: Level
    measure: Measure
    method: Method
    line: float
    district_direct: float
    district_se: float
    areas: tuple[AreaRow, ...]
    benchmark: Benchmarking | None
    model: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    def to_arrow(self) -> pa.Table:
        """Return one row per area of the region (codes in order)."""
        names = [f for f in AreaRow.__dataclass_fields__]
        return pa.Table.from_pylist([asdict(a) for a in self.areas]).select(names)

    def records(self) -> list[dict[str, Any]]:
        """Return the estimates-table records (DESIGN.md §7 keys first, then the map's own)."""
        out = []
        for a in self.areas:
            low, high = a.interval
            out.append(
                {
                    "measure": self.measure,
                    "indicator": None,
                    "line": self.line,
                    "by": self.level,
                    "domain": a.area,
                    "estimate": a.estimate,
                    "se": a.rmse,
                    "ci_low": low,
                    "ci_high": high,
                    "n": a.n,
                    "population": a.population,
                    **{k: v for k, v in asdict(a).items() if k not in ("estimate",)},
                }
            )
        return out


def map_cv(area: AreaRow) -> float | None:
    """Return an area's CV for the map, infinite for an estimate of 0 with a positive MSE.

    Such an area is unreliable (its CV is undefined, not small) and is drawn as one.
    """
    if area.cv is None and area.estimate == 0 and area.rmse:
        return math.inf
    return area.cv


def estimate_areas(
    tables: SaeTables,
    *,
    region: str,
    level: Level,
    measure: Measure,
    method: Method,
    line: float,
    on: date,
    benchmark: bool = False,
    seed: int = 1,
    bootstrap: int | None = None,
    release: str = "",
    settings: Mapping[str, Any],
    programmes: Mapping[str, Any],
) -> PovertyMap:
    """Return the estimates of ``measure`` for every ``level`` area of ``region`` by ``method``.

    ``on`` is the reference date for the registry (ages, deaths); ``settings`` is the kit's
    ``sae`` document and ``programmes`` its programme catalogue; ``bootstrap`` overrides the
    number of bootstrap replicates of ``settings`` (EBP, and the arcsine Fay–Herriot MSE).
    Model options are keys of ``settings`` (docs/sae-models.md).
    """
    for flag, value, allowed in (
        ("level", level, LEVELS),
        ("measure", measure, MEASURES),
        ("method", method, METHODS),
    ):
        if value not in allowed:
            raise UsageError(
                "map_choice_invalid", param=flag, flag=flag, value=value, allowed=allowed
            )
    design = survey_design(tables.survey, settings["direct"].get("lonely_psu", "adjust"))
    direct = direct_estimates(tables.survey, level=level, measure=measure, line=line, design=design)
    covariates = eng.fetch(
        area_covariates(
            tables.families,
            tables.persons,
            tables.villages,
            level=level,
            on=on,
            programmes=programmes,
        )
    )
    frame = regions.descendants(region, level)
    if not frame:
        raise InvalidInput("map_region_empty", param="region", region=region, level=level)
    findings: list[Finding] = list(direct.findings)
    outside = sorted({a.area for a in direct.areas} - {r.code for r in frame})
    if outside:
        raise InvalidInput("map_area_outside", param="desa_code", area=outside[0], region=region)
    model: dict[str, Any] = {}
    if method == "direct":
        rows = _direct_rows(direct, frame)
    elif method == "fh":
        rows, model, found = fh_rows(direct, covariates, frame, level, settings, seed, bootstrap)
        findings += found
    else:
        rows, model, found = ebp_rows(
            tables, direct, frame, level, measure, line, on, settings, seed, bootstrap, programmes
        )
        findings += found
    rows = _with_population(rows, covariates)
    if method != "direct":
        findings += _aggregate_check(rows, direct.district, direct.district_se, method)
    estimated = PovertyMap(
        release=release,
        region=region,
        level=level,
        measure=measure,
        method=method,
        line=float(line),
        district_direct=direct.district,
        district_se=direct.district_se,
        areas=tuple(rows),
        benchmark=None,
        model=model,
        findings=tuple(findings),
    )
    return benchmarked(estimated) if benchmark else estimated


def benchmarked(result: PovertyMap) -> PovertyMap:
    """Return unbenchmarked ``result`` ratio-benchmarked to its district direct estimate."""
    if result.benchmark is not None:
        raise ValueError("the estimates are benchmarked already")
    rows, bench, found = _benchmark(list(result.areas), result.district_direct)
    return replace(result, areas=tuple(rows), benchmark=bench, findings=(*result.findings, *found))


def _direct_rows(direct: DirectEstimates, frame: Sequence[regions.Region]) -> list[AreaRow]:
    by_area = {a.area: a for a in direct.areas}
    rows = []
    for r in frame:
        d = by_area.get(r.code)
        rows.append(
            area_row(
                r,
                d,
                "direct",
                None if d is None else d.estimate,
                None if d is None else d.variance,
                d is not None,
            )
        )
    return rows


def _aggregate_check(
    rows: Sequence[AreaRow], district: float, se: float, method: Method
) -> list[Finding]:
    """Return a finding when the model's district aggregate leaves the direct 95% interval.

    The aggregate is the person-weighted mean of the (unbenchmarked) area estimates; the
    direct interval is the logit interval of R ``survey::svyciprop(method = "logit")``
    (``logit(p) ± 1.96 se / (p (1 - p))``), which stays inside (0, 1).
    """
    usable = [r for r in rows if r.estimate is not None and r.population]
    if not usable or not 0 < district < 1 or not se > 0:
        return []
    weight = np.array([float(r.population) for r in usable])  # type: ignore[arg-type]
    value = np.array([float(r.estimate) for r in usable])  # type: ignore[arg-type]
    aggregate = float(weight @ value / weight.sum())
    low, high = logit_bounds(district, se, Z95)
    if low <= aggregate <= high:
        return []
    params = {"method": method, "aggregate": aggregate, "direct": district}
    return [
        Finding("sae_aggregate_outside_direct", "warning", {**params, "low": low, "high": high})
    ]


def _with_population(rows: list[AreaRow], covariates: pa.Table) -> list[AreaRow]:
    persons = dict(
        zip(
            covariates.column(AREA).to_pylist(),
            covariates.column("persons").to_pylist(),
            strict=True,
        )
    )
    return [AreaRow(**{**asdict(r), "population": persons.get(r.area)}) for r in rows]


def _benchmark(
    rows: list[AreaRow], target: float
) -> tuple[list[AreaRow], Benchmarking, list[Finding]]:
    """Ratio-benchmark the estimated areas to the district direct estimate (weights: persons)."""
    usable = [r for r in rows if r.estimate is not None and r.population]
    if not usable:
        raise InvalidInput("benchmark_empty", param="benchmark")
    result = benchmark_estimates(
        [r.area for r in usable],
        [float(r.estimate) for r in usable],  # type: ignore[arg-type]
        [float(r.population) for r in usable],  # type: ignore[arg-type]
        target,
        method="ratio",
        bounds=(0.0, 1.0),
    )
    adjusted = {a.area: a.benchmarked for a in result.areas}
    out = []
    for r in rows:
        if r.area in adjusted:
            value = adjusted[r.area]
            out.append(AreaRow(**{**asdict(r), "estimate": value, "cv": cv(value, r.mse)}))
        else:
            out.append(r)
    return (
        out,
        Benchmarking(result.target, result.implied, result.adjustment),
        list(result.findings),
    )
