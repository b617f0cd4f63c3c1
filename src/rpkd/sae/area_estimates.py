"""Small-area estimates of FGT poverty for every kecamatan or desa of a region, by method.

From a release's survey, registry and village tables (Ibis tables of one engine) this estimates
P0, P1 or P2 for every area of the region at the chosen level by one of three methods:

- ``direct``: the survey's domain estimate (sampled areas only), MSE = design variance;
- ``fh``: the Fay–Herriot EBLUP (:mod:`rpkd.sae.fay_herriot`) on area covariates of the
  registry, with GVF-smoothed sampling variances (:func:`rpkd.sae.inputs.smoothed_variances`);
  synthetic estimates out of sample; EBLUPs outside [0, 1] set to the nearest bound; or, with
  the kit's ``transformation = "arcsin"``, the arcsine model (:mod:`rpkd.sae.fh_arcsin`);
- ``ebp``: the Molina–Rao empirical best predictor (:mod:`rpkd.sae.ebp`) on unit-level proxies
  shared by survey and registry, optionally with context variables, village indicators,
  variable selection (:mod:`rpkd.sae.ebp_model`), survey weights (pseudo-EBP) and residual
  error draws, with parametric-bootstrap MSE and diagnostics; every area with registry
  families is estimated. With the kit's ``[ebp] model = "logit"`` (shipped) P0 comes instead
  from the unit-level logit mixed model of poverty status (:mod:`rpkd.sae.logit_ebp`), whose
  aggregate is not biased by a non-normal welfare tail; P1 and P2 need the welfare model.

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
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa

from rpkd import engine as eng
from rpkd import regions
from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding
from rpkd.releases.survey_design import survey_design
from rpkd.sae.benchmark import benchmark as benchmark_estimates
from rpkd.sae.covariates import number_column, usable_columns
from rpkd.sae.fay_herriot import fay_herriot
from rpkd.sae.inputs import (
    AREA,
    LEVELS,
    MEASURES,
    DirectEstimates,
    Level,
    Measure,
    area_covariates,
    census_units,
    direct_estimates,
    sample_units,
    smoothed_variances,
    with_area_codes,
)
from rpkd.sae.intervals import proportion_interval
from rpkd.survey.intervals import Z95, logit_bounds

if TYPE_CHECKING:
    from ibis.expr.types import Table

    from rpkd.sae.selection import Selection

Method = Literal["direct", "fh", "ebp"]
METHODS: tuple[Method, ...] = ("direct", "fh", "ebp")
FH_TRANSFORMATIONS = ("none", "arcsin")
EbpWeights = Literal["none", "guadarrama"]
EBP_WEIGHTS: tuple[EbpWeights, ...] = ("none", "guadarrama")
SETTINGS_SECTIONS = ("direct", "fay_herriot", "ebp")
"""The sections of the kit's ``sae`` document that :func:`estimate_areas` reads."""
EffectLevel = Literal["map", "desa"]
EFFECT_LEVELS: tuple[EffectLevel, ...] = ("map", "desa")
_REPORT = "report_area"  # the map's area when the EBP's random effect is on the desa
_EBP_INDICATOR = {"fgt0": "headcount", "fgt1": "poverty_gap", "fgt2": "severity"}


@dataclass(frozen=True)
class SaeTables:
    """The release tables the map is estimated from (Ibis tables of one engine)."""

    survey: Table
    families: Table
    persons: Table
    villages: Table | None = None


@dataclass(frozen=True)
class AreaRow:
    """One area of the map: direct estimate and its SE/CV, final estimate, MSE, RMSE and CV."""

    area: str
    name: str
    direct: float | None
    direct_se: float | None
    direct_cv: float | None
    estimate: float | None
    mse: float | None
    rmse: float | None
    cv: float | None
    method: Method
    in_sample: bool
    n: int
    population: float | None
    variance_smoothed: bool = False

    @property
    def interval(self) -> tuple[float | None, float | None]:
        """The estimate's 95% interval, ``± 1.96 RMSE`` cut to [0, 1] (``rpkd.sae.intervals``)."""
        return proportion_interval(self.estimate, self.rmse)


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


def _cv(estimate: float | None, mse: float | None) -> float | None:
    if estimate is None or mse is None or estimate == 0 or not math.isfinite(mse) or mse < 0:
        return None
    return math.sqrt(mse) / abs(estimate)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


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
        rows, model, found = _fh_rows(direct, covariates, frame, level, settings, seed, bootstrap)
        findings += found
    else:
        rows, model, found = _ebp_rows(
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


def _row(
    region: regions.Region,
    direct: Any,
    method: Method,
    estimate: float | None,
    mse: float | None,
    in_sample: bool,
    smoothed: bool = False,
) -> AreaRow:
    d_est = None if direct is None else direct.estimate
    d_se = None if direct is None else _finite(direct.se)
    estimate, mse = _finite(estimate), _finite(mse)
    return AreaRow(
        area=region.code,
        name=region.name,
        direct=d_est,
        direct_se=d_se,
        direct_cv=_cv(d_est, None if d_se is None else d_se**2),
        estimate=estimate,
        mse=mse,
        rmse=None if mse is None else math.sqrt(max(mse, 0.0)),
        cv=_cv(estimate, mse),
        method=method,
        in_sample=in_sample,
        n=0 if direct is None else direct.n,
        population=None,
        variance_smoothed=smoothed,
    )


def _direct_rows(direct: DirectEstimates, frame: Sequence[regions.Region]) -> list[AreaRow]:
    by_area = {a.area: a for a in direct.areas}
    rows = []
    for r in frame:
        d = by_area.get(r.code)
        rows.append(
            _row(
                r,
                d,
                "direct",
                None if d is None else d.estimate,
                None if d is None else d.variance,
                d is not None,
            )
        )
    return rows


def _fh_rows(
    direct: DirectEstimates,
    covariates: pa.Table,
    frame: Sequence[regions.Region],
    level: Level,
    settings: Mapping[str, Any],
    seed: int,
    bootstrap: int | None,
) -> tuple[list[AreaRow], dict[str, Any], list[Finding]]:
    options = settings["fay_herriot"]
    transformation = options.get("transformation", "none")
    if transformation not in FH_TRANSFORMATIONS:
        raise UsageError(
            "map_choice_invalid",
            param="transformation",
            flag="transformation",
            value=transformation,
            allowed=FH_TRANSFORMATIONS,
        )
    smoothed = smoothed_variances(
        direct,
        min_psu=int(settings["direct"].get("min_psu", 2)),
        smooth_all=settings["direct"].get("smooth", "all") == "all",
    )
    psi = dict(zip(smoothed.areas, smoothed.variance, strict=True))
    was_smoothed = dict(zip(smoothed.areas, smoothed.smoothed, strict=True))
    by_area = {a.area: a for a in direct.areas}
    known = set(covariates.column(AREA).to_pylist())
    codes = [r.code for r in frame if r.code in known]
    order = {c: i for i, c in enumerate(covariates.column(AREA).to_pylist())}
    table = covariates.take([order[c] for c in codes])
    table = table.append_column(
        "direct",
        pa.array([by_area[c].estimate if c in by_area else None for c in codes], pa.float64()),
    ).append_column("psi", pa.array([psi.get(c) for c in codes], pa.float64()))
    sampled = np.array([c in by_area for c in codes])
    wanted = list(settings["fay_herriot"][level])
    kept, dropped = usable_columns(table, sampled, wanted)
    findings = list(smoothed.findings)
    if dropped:
        findings.append(Finding("covariate_dropped", "warning", {"covariates": dropped}))
    candidates = list(kept)
    selection = _fh_selection(table, sampled, kept, options, transformation, direct.district)
    if selection is not None:
        kept = list(selection.kept)
        code = "fh_selection" if kept else "fh_selection_intercept"
        findings.append(Finding(code, "info", {
            "criterion": selection.criterion.upper(), "kept": kept,
            "removed": len(selection.removed), "candidates": len(candidates),
        }))  # fmt: skip
    missing = sorted(set(by_area) - set(codes))
    if missing:
        findings.append(
            Finding("area_without_registry", "warning", {"count": len(missing), "areas": missing})
        )
    common: dict[str, Any] = {
        "area": AREA,
        "direct": "direct",
        "variance": "psi",
        "covariates": kept,
        "method": options.get("method", "reml"),
        "max_iter": int(options.get("max_iter", 100)),
    }
    replicates = int(options.get("bootstrap", 50)) if bootstrap is None else bootstrap
    if transformation == "arcsin":
        from rpkd.sae.fh_arcsin import fh_arcsin  # the bootstrap only when asked for

        fit = fh_arcsin(table, reference=direct.district, bootstrap=replicates, seed=seed, **common)
    else:
        fit = fay_herriot(table, **common)
    findings += fit.findings
    fitted = {a.area: a for a in fit.areas}
    rows = []
    truncated = 0
    for r in frame:
        a = fitted.get(r.code)
        d = by_area.get(r.code)
        value = None if a is None else min(max(a.eblup, 0.0), 1.0)
        truncated += a is not None and value != a.eblup
        rows.append(
            _row(
                r,
                d,
                "fh",
                value,
                None if a is None else a.mse,
                d is not None,
                was_smoothed.get(r.code, False),
            )
        )
    if truncated:
        # A linear model can predict a rate outside [0, 1]; the rate's range is known.
        findings.append(Finding("estimate_truncated", "warning", {"count": int(truncated)}))
    model = {
        "sigma2_u": fit.sigma2_u,
        "coefficients": fit.coefficients,
        "coefficient_se": fit.coefficient_se,
        "covariates": kept,
        "gvf": None if smoothed.gvf is None else smoothed.gvf.coefficients,
        "transformation": transformation,
        "bootstrap": replicates if transformation == "arcsin" else None,
        "candidates": candidates,
        "selection": None
        if selection is None
        else {
            "criterion": selection.criterion,
            "removed": list(selection.removed),
            "value": selection.value,
        },
    }
    return rows, model, findings


def _fh_selection(
    table: pa.Table,
    sampled: np.ndarray,
    names: Sequence[str],
    options: Mapping[str, Any],
    transformation: str,
    reference: float,
) -> Selection | None:
    """Return the backward selection of the FH covariates by the kit's ``selection`` criterion.

    The ML fits are on the sampled areas, on the scale the model is fitted at (the arcsine
    scale and its variances with ``transformation = "arcsin"``); None for ``"none"``.
    """
    from rpkd.sae.fh_arcsin import arcsin_scale
    from rpkd.sae.selection import FH_CRITERIA, fh_backward

    criterion = str(options.get("selection", "none"))
    allowed = ("none", *FH_CRITERIA)
    if criterion not in allowed:
        raise UsageError(
            "map_choice_invalid", param="selection", flag="selection", value=criterion,
            allowed=allowed,
        )  # fmt: skip
    if criterion == "none" or not names:
        return None
    y = number_column(table, "direct", "--direct")[sampled]
    psi = number_column(table, "psi", "--variance")[sampled]
    if transformation == "arcsin":
        scale = arcsin_scale(y, psi, reference)
        y, psi = scale.theta, scale.psi
    columns = [(n, number_column(table, n, "--covariate")[sampled]) for n in names]
    return fh_backward(y, psi, columns, criterion)  # type: ignore[arg-type]


def _ebp_rows(
    tables: SaeTables,
    direct: DirectEstimates,
    frame: Sequence[regions.Region],
    level: Level,
    measure: Measure,
    line: float,
    on: date,
    settings: Mapping[str, Any],
    seed: int,
    bootstrap: int | None,
    programmes: Mapping[str, Any],
) -> tuple[list[AreaRow], dict[str, Any], list[Finding]]:
    from rpkd.sae.ebp import ebp  # scipy: loaded only when the EBP is asked for
    from rpkd.sae.ebp_model import (
        ebp_covariates,
        ebp_model_kind,
        model_findings,
        selection_record,
    )

    options = settings["ebp"]
    effect = _choice(options, "effect_level", "map", EFFECT_LEVELS)
    # povmap's aggregate_to: the model's areas (and its area_share_desil12) are desa, the
    # estimates are aggregated to the map's areas.
    fit_level: Level = "desa" if effect == "desa" else level
    report = _REPORT if fit_level != level else None
    sample = eng.fetch(
        sample_units(tables.survey, tables.families, level=fit_level, programmes=programmes)
    )
    census = eng.fetch(
        census_units(tables.families, tables.persons, level=fit_level, on=on, programmes=programmes)
    )
    if report:
        sample, census = (with_area_codes(t, level, report) for t in (sample, census))
    villages = None if tables.villages is None else eng.fetch(tables.villages)
    chosen = ebp_covariates(sample, census, villages, options, area=AREA, welfare="welfare")
    kept = list(chosen.kept)
    findings = []
    if chosen.dropped:
        findings.append(
            Finding("covariate_dropped", "warning", {"covariates": list(chosen.dropped)})
        )
    if report:  # what the aggregate's interval leaves out (docs/sae-models.md, Kapuas scale)
        findings.append(Finding("ebp_aggregated_from_desa", "info", {"level": level}))
    replicates = int(options.get("replicates", 50))
    boot = int(options.get("bootstrap", 50)) if bootstrap is None else bootstrap
    weights = _choice(options, "weights", "none", EBP_WEIGHTS)
    if ebp_model_kind(options, weights) == "logit" and measure == "fgt0":
        from rpkd.sae.logit_ebp import PREDICTORS, logit_map

        predictor = _choice(options, "logit_predictor", "covariates", PREDICTORS)
        values, model, found = logit_map(
            chosen,
            area=AREA,
            line=line,
            bootstrap=boot,
            seed=seed,
            report=report,
            predictor=predictor,
        )
        model["effect_level"] = fit_level
        by_area = {a.area: a for a in direct.areas}
        rows = []
        for r in frame:
            estimate, mse = values.get(r.code, (None, None))
            rows.append(_row(r, by_area.get(r.code), "ebp", estimate, mse, r.code in by_area))
        return rows, model, findings + found
    result = ebp(
        chosen.sample,
        chosen.census,
        area=AREA,
        welfare="welfare",
        line=line,
        covariates=kept,
        census_weight="household_size",
        sample_weight="sampling_weight" if weights == "guadarrama" else None,
        errors=options.get("errors", "normal"),
        transformation=options.get("transformation", "box_cox"),
        replicates=replicates,
        bootstrap=boot,
        seed=seed,
        report=report,
    )
    findings += result.findings
    findings += model_findings(
        result.transformation, result.lam, result.shift, weights, result.diagnostics, chosen
    )
    indicator = _EBP_INDICATOR[measure]
    fitted = {a.area: a for a in result.areas}
    by_area = {a.area: a for a in direct.areas}
    rows = []
    for r in frame:
        a = fitted.get(r.code)
        estimate = None if a is None else float(getattr(a, indicator))
        mse = None if a is None or a.mse is None else a.mse[indicator]
        rows.append(_row(r, by_area.get(r.code), "ebp", estimate, mse, r.code in by_area))
    model = {
        "model": "nested_error",
        "sigma2_u": result.sigma2_u,
        "sigma2_e": result.sigma2_e,
        "transformation": result.transformation,
        "lambda": result.lam,
        "shift": result.shift,
        "coefficients": result.coefficients,
        "covariates": kept,
        "replicates": replicates,
        "bootstrap": boot,
        "seed": seed,
        "weights": weights,
        "errors": options.get("errors", "normal"),
        "effect_level": fit_level,
        "candidates": list(chosen.candidates),
        "selection": selection_record(chosen),
        "diagnostics": None if result.diagnostics is None else result.diagnostics.to_json(),
    }
    return rows, model, findings


def _choice(options: Mapping[str, Any], key: str, default: str, allowed: Sequence[str]) -> Any:
    """Return the ``[ebp]`` option ``key``, refused unless one of ``allowed``."""
    value = options.get(key, default)
    if value not in allowed:
        raise UsageError(
            "map_choice_invalid", param=key, flag=key, value=value, allowed=tuple(allowed)
        )
    return value


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
            out.append(AreaRow(**{**asdict(r), "estimate": value, "cv": _cv(value, r.mse)}))
        else:
            out.append(r)
    return (
        out,
        Benchmarking(result.target, result.implied, result.adjustment),
        list(result.findings),
    )
