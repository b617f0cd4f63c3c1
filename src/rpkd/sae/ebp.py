"""Unit-level empirical best prediction (EBP) of poverty indicators for every area.

Method (Molina & Rao 2010; as ``emdi::ebp``, Kreutzmann et al. 2019):

1. Transform welfare (log with shift, or Box–Cox with ``lambda`` by the profile REML criterion,
   :mod:`rpkd.sae.transform`) and fit the nested-error model ``t_ij = x_ij'beta + u_i + e_ij`` on
   the survey sample (:mod:`rpkd.sae.nested_error`; REML by default, ML as an option).
2. For every census (registry) unit draw ``L`` values of ``t`` from its conditional distribution
   given the sample: in sampled areas ``x'beta + u_i_hat + v_i + e`` with
   ``v_i ~ N(0, sigma2_u (1 - gamma_i))``; in out-of-sample areas the synthetic draw
   ``x'beta + u_i + e`` with ``u_i ~ N(0, sigma2_u)``; ``e ~ N(0, sigma2_e)``. Back-transform,
   compute the area's mean and FGT indicators (Foster, Greer & Thorbecke 1984) in each draw and
   average over the ``L`` draws. As in emdi the census is the whole population (sample units are
   not matched to census units).
3. MSE by the parametric bootstrap of González-Manteiga et al. (2008), as emdi: draw
   ``u*`` and ``e*`` from the fitted model for the census, compute the bootstrap population's
   true indicators, generate the bootstrap sample with the same ``u*`` on the sample's
   covariates, refit (re-estimating the transformation too, as emdi does, unless
   ``refit_transformation=False``), predict, and average the squared errors over ``B``
   replicates.
4. With ``sample_weight`` (survey weights of the sample units) the pseudo-EBP of Guadarrama,
   Molina & Rao (2018), emdi's ``weights_type = "Guadarrama"``: the variance components come
   from the unweighted fit, ``beta`` and the area effects from the survey-weighted pseudo-EBLUP
   (:func:`rpkd.sae.nested_error.pseudo_eblup`), which keeps the fit close to the population's
   when the sample over-represents some units (informative sampling) or the model is not exact.

Draws are vectorised over chunks of census rows, so memory stays bounded for registries of
hundreds of thousands of rows; randomness comes only from the ``seed`` (a numpy Generator).

References
----------
Molina, I. & Rao, J.N.K. (2010). Small area estimation of poverty indicators. Canadian Journal of
Statistics 38, 369–385.
González-Manteiga, W., Lombardía, M.J., Molina, I., Morales, D. & Santamaría, L. (2008).
Bootstrap mean squared error of a small-area EBLUP. J. Stat. Comput. Simul. 78, 443–462.
Kreutzmann, A.-K. et al. (2019). The R package emdi. Journal of Statistical Software 91(7).
Guadarrama, M., Molina, I. & Rao, J.N.K. (2018). Small area estimation of general parameters
under complex sampling designs. Computational Statistics & Data Analysis 121, 20–40.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.sae.covariates import number_column
from rpkd.sae.diagnostics import ModelDiagnostics, diagnostics
from rpkd.sae.nested_error import FitMethod, NestedErrorFit, fit_nested_error, pseudo_eblup
from rpkd.sae.transform import TRANSFORMATIONS, Transform, Transformation, fit_transform
from rpkd.sae.unit_errors import UNIT_ERRORS, ErrorDraws, UnitErrors, error_draws
from rpkd.sae.unit_inputs import (
    Reported,
    area_indices,
    census_lines,
    census_weights,
    reported_areas,
    require_complete,
    unit_matrices,
)
from rpkd.sae.unit_inputs import weights as survey_weights

INDICATORS = ("mean", "headcount", "poverty_gap", "severity")
_DRAW_BUDGET = 2_000_000  # normal draws held in memory at once


@dataclass(frozen=True)
class EbpArea:
    """EBP of one area: mean welfare and FGT P0, P1, P2, with bootstrap MSEs (None if B = 0)."""

    area: str
    in_sample: bool
    n: int
    population: float
    mean: float
    headcount: float
    poverty_gap: float
    severity: float
    mse: dict[str, float] | None = field(default=None)


@dataclass(frozen=True)
class EbpResult:
    """EBP estimates for every census area, the fitted model and its findings."""

    method: FitMethod
    transformation: Transformation
    lam: float
    shift: float
    line: float | str
    sigma2_u: float
    sigma2_e: float
    coefficients: dict[str, float]
    replicates: int
    bootstrap: int
    areas: tuple[EbpArea, ...]
    findings: tuple[Finding, ...]
    diagnostics: ModelDiagnostics | None = None
    weighted: bool = False

    def to_arrow(self) -> pa.Table:
        """Return one row per area with the estimates and (if bootstrapped) their MSEs."""
        out: dict[str, list[object]] = {
            f: [getattr(a, f) for a in self.areas]
            for f in ("area", "in_sample", "n", "population", *INDICATORS)
        }
        for name in INDICATORS:
            out[f"mse_{name}"] = [a.mse[name] if a.mse else None for a in self.areas]
        return pa.table(out)


@dataclass(frozen=True)
class _Census:
    xb: np.ndarray
    area: np.ndarray
    weight: np.ndarray
    population: np.ndarray
    line: np.ndarray


def ebp(
    sample: pa.Table,
    census: pa.Table,
    *,
    area: str,
    welfare: str,
    line: float | str,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    census_weight: str | None = None,
    sample_weight: str | None = None,
    errors: UnitErrors = "normal",
    transformation: Transformation = "box_cox",
    method: FitMethod = "reml",
    replicates: int = 50,
    bootstrap: int = 0,
    seed: int | np.random.Generator | None = None,
    refit_transformation: bool = True,
    report: str | None = None,
) -> EbpResult:
    """Return EBP estimates of mean welfare and FGT(0,1,2) at ``line`` for every census area.

    ``line`` is a number or the name of a census column holding each row's line (e.g. urban and
    rural lines). ``refit_transformation`` re-estimates the transformation (Box–Cox ``lambda``,
    shift) in every bootstrap replicate, as emdi does; ``False`` holds it fixed (faster, and
    ignores that source of variability). ``census_weight`` (e.g. household size, so that rates are of persons) weights
    census rows; each census area's indicators are weighted means over its rows.
    ``sample_weight`` (the survey's weights) gives the pseudo-EBP of Guadarrama et al. (2018).
    ``errors = "empirical"`` draws unit errors from the fit's scaled residuals instead of the
    normal (:mod:`rpkd.sae.unit_errors`), here and in the bootstrap. ``report`` names a census
    column of larger areas (each a union of ``area``s) to report instead, the random effect
    staying on ``area`` (povmap's ``aggregate_to``; :class:`rpkd.sae.unit_inputs.Reported`).

    References
    ----------
    Molina & Rao (2010); González-Manteiga et al. (2008); emdi::ebp (Kreutzmann et al. 2019).
    """
    if method not in ("reml", "ml"):
        raise UsageError("sae_method_unknown", param="method", value=method, allowed=("reml", "ml"))
    if transformation not in TRANSFORMATIONS:
        raise UsageError(
            "ebp_transformation_unknown",
            param="transformation",
            value=transformation,
            allowed=TRANSFORMATIONS,
        )
    if errors not in UNIT_ERRORS:
        raise UsageError(
            "map_choice_invalid", param="errors", flag="errors", value=errors, allowed=UNIT_ERRORS
        )
    if replicates < 1 or bootstrap < 0:
        raise UsageError(
            "ebp_replicates_invalid", param="replicates", replicates=replicates, bootstrap=bootstrap
        )
    rng = np.random.default_rng(seed)
    codes, census_index, sample_index = area_indices(sample, census, area)
    reported = reported_areas(census, census_index, codes, report)
    y = number_column(sample, welfare, "--welfare")
    require_complete(y, welfare)
    x_sample, x_census = unit_matrices(sample, census, covariates, categorical)
    weight = census_weights(census, census_weight)
    survey_weight = (
        None if sample_weight is None else survey_weights(sample, sample_weight, "--weight")
    )
    lines = census_lines(census, line)
    m = codes.size
    transform = fit_transform(transformation, y, x_sample.values, sample_index, m, method)
    t = transform.forward(y)
    fit = _fit(t, x_sample.values, sample_index, m, method, survey_weight)
    population = np.bincount(census_index, weights=weight, minlength=m)
    pop = _Census(x_census.values @ fit.beta, census_index, weight, population, lines)
    in_sample = fit.n > 0
    sd_area = np.sqrt(np.where(in_sample, fit.sigma2_u * (1.0 - fit.gamma), fit.sigma2_u))
    unit_errors = error_draws(errors, fit, t, x_sample.values, sample_index, survey_weight)
    point = reported.mean(
        _predict(pop, fit.u, sd_area, unit_errors, transform, replicates, rng), population
    )

    mse = None
    if bootstrap:
        mse = _bootstrap(
            pop,
            x_census.values,
            x_sample.values,
            sample_index,
            fit.beta,
            fit.sigma2_u,
            unit_errors,
            transform,
            method,
            replicates,
            bootstrap,
            rng,
            refit_transformation,
            survey_weight,
            reported,
        )
    n = reported.total(fit.n)
    reported_population = reported.total(population)
    areas = tuple(
        EbpArea(
            area=str(code),
            in_sample=bool(n[i] > 0),
            n=int(n[i]),
            population=float(reported_population[i]),
            mean=float(point[i, 0]),
            headcount=float(point[i, 1]),
            poverty_gap=float(point[i, 2]),
            severity=float(point[i, 3]),
            mse=None if mse is None else dict(zip(INDICATORS, map(float, mse[i]), strict=True)),
        )
        for i, code in enumerate(reported.codes)
    )
    return EbpResult(
        method=method,
        transformation=transform.kind,
        lam=transform.lam,
        shift=transform.shift,
        line=line if isinstance(line, str) else float(line),
        sigma2_u=fit.sigma2_u,
        sigma2_e=fit.sigma2_e,
        coefficients=dict(zip(x_sample.names, map(float, fit.beta), strict=True)),
        replicates=replicates,
        bootstrap=bootstrap,
        areas=areas,
        findings=_findings(fit.boundary, int((n == 0).sum()), transform),
        diagnostics=diagnostics(fit, t, x_sample.values, sample_index),
        weighted=survey_weight is not None,
    )


def _fit(
    t: np.ndarray,
    x: np.ndarray,
    area: np.ndarray,
    areas: int,
    method: FitMethod,
    weight: np.ndarray | None,
) -> NestedErrorFit:
    """Return the (RE)ML fit, or its pseudo-EBLUP when survey weights are given."""
    fit = fit_nested_error(t, x, area, areas, method)
    return fit if weight is None else pseudo_eblup(fit, t, x, area, weight)


def _predict(
    pop: _Census,
    u: np.ndarray,
    sd_area: np.ndarray,
    errors: ErrorDraws,
    transform: Transform,
    draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return (areas x 4) Monte Carlo means of mean welfare, P0, P1 and P2."""
    m = u.size
    v = rng.standard_normal((draws, m)) * sd_area
    totals = np.zeros((m, len(INDICATORS)))
    chunk = max(1, _DRAW_BUDGET // draws)
    for start in range(0, pop.xb.size, chunk):
        part = slice(start, start + chunk)
        a = pop.area[part]
        t = (pop.xb[part] + u[a])[None, :] + v[:, a]
        t += errors.draw(t.shape, rng)
        welfare = transform.inverse(t)
        line = pop.line[part]
        poor = welfare < line
        gap = np.where(poor, (line - welfare) / line, 0.0)
        w = pop.weight[part]
        for k, score in enumerate((welfare, poor, gap, gap**2)):
            totals[:, k] += np.bincount(a, weights=w * score.mean(axis=0), minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(totals / pop.population[:, None])


def _bootstrap(
    pop: _Census,
    x_census: np.ndarray,
    x_sample: np.ndarray,
    sample_area: np.ndarray,
    beta: np.ndarray,
    sigma2_u: float,
    errors: ErrorDraws,
    transform: Transform,
    method: FitMethod,
    draws: int,
    replicates: int,
    rng: np.random.Generator,
    refit_transformation: bool,
    survey_weight: np.ndarray | None,
    reported: Reported,
) -> np.ndarray:
    """Return (reported areas x 4) parametric-bootstrap MSEs (González-Manteiga et al. 2008)."""
    m = pop.population.size
    squared = np.zeros((reported.codes.size, len(INDICATORS)))
    zero = np.zeros(m)
    xb_sample = x_sample @ beta
    for _ in range(replicates):
        u_star = rng.standard_normal(m) * np.sqrt(sigma2_u)
        truth = _predict(pop, u_star, zero, errors, transform, 1, rng)
        t_star = xb_sample + u_star[sample_area] + errors.draw((sample_area.size,), rng)
        used = transform
        if refit_transformation and transform.kind != "none":
            # emdi re-estimates the transformation on the bootstrap sample's welfare
            welfare = transform.inverse(t_star)
            if np.isfinite(welfare).all():
                used = fit_transform(transform.kind, welfare, x_sample, sample_area, m, method)
                t_star = used.forward(welfare)
        refit = _fit(t_star, x_sample, sample_area, m, method, survey_weight)
        boot = _Census(x_census @ refit.beta, pop.area, pop.weight, pop.population, pop.line)
        sd = np.sqrt(np.where(refit.n > 0, refit.sigma2_u * (1 - refit.gamma), refit.sigma2_u))
        kind: UnitErrors = "normal" if errors.pool is None else "empirical"
        fitted = error_draws(kind, refit, t_star, x_sample, sample_area, survey_weight)
        estimate = _predict(boot, refit.u, sd, fitted, used, draws, rng)
        squared += (
            reported.mean(estimate, pop.population) - reported.mean(truth, pop.population)
        ) ** 2
    return squared / replicates


def _findings(boundary: bool, out_of_sample: int, transform: Transform) -> tuple[Finding, ...]:
    found = []
    if boundary:
        found.append(Finding("sigma2_u_zero", "warning"))
    if out_of_sample:
        found.append(Finding("out_of_sample", "info", {"count": out_of_sample}))
    if transform.shift:
        found.append(Finding("welfare_shifted", "info", {"shift": transform.shift}))
    return tuple(found)
