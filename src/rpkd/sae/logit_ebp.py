"""Empirical best prediction of the poverty headcount under a unit-level logit mixed model.

The poverty status ``y_ij = 1{welfare_ij < line_ij}`` of the survey households is modelled
directly, ``P(y_ij = 1 | u_i) = expit(x_ij'beta + u_i)``, ``u_i ~ N(0, sigma2_u)``
(:mod:`rpkd.sae.logit_mixed`, Laplace fit as ``lme4::glmer``), instead of the welfare itself.
The P0 of area ``i`` is predicted, as the EBP of Molina & Rao (2010) is, over every census
(registry) unit of the area, weighted by ``census_weight`` (household size: P0 of persons):

``P0_i = sum_j w_ij E[expit(x_ij'beta + u_i) | sample] / sum_j w_ij``,

the expectation over the area effect's posterior given the area's sample (adaptive
Gauss–Hermite quadrature around the conditional mode, 20 nodes), or over ``N(0, sigma2_u)``
for areas without sample units (the synthetic predictor) — the empirical best predictor of a
domain proportion under the logit mixed model (Jiang & Lahiri 2001; Hobza & Morales 2016). The
census is the whole population; sample units are not matched to census units (as emdi's EBP).

With ``predictor = "pmt_score"`` the fixed part is ``a + b s_ij`` on one covariate, the
household's proxy-means score ``s_ij = x_ij'gamma``: the least-squares prediction of log
welfare from the covariates, fitted on the survey, as a proxy-means test is built (Grosh &
Baker 1995; the registry's desil ranking is such a score). The score carries the covariates'
information on the ranking of households from the continuous welfare of every sampled
household, the logit only the shape of the poverty probability along it, so two coefficients
are estimated from the sample's poverty statuses instead of one per covariate: with a P0 near
5%, a district survey of 900 households holds about 45 poor ones. Each bootstrap replicate
also redraws ``gamma`` (least squares on ``x'gamma + e*``, ``e*`` resampled from the fit's
residuals: the residual bootstrap of Efron & Tibshirani 1993, §9.5), so the MSE carries the
score's estimation error. With ``degree = 2`` the fixed part also has the square of the
centred score, ``a + b s_ij + c (s_ij - s_bar)^2``, so the probability may bend away from the
logistic curve in the tails of the score (docs/sae-models.md, the square of the score).

With ``cuts`` (the kit's ``[ebp] logit_cuts``) the status is instead the lowest categories of
the households' welfare cut at the line and at sample quantiles, and the logit becomes the
cumulative logit mixed model of those categories (:mod:`rpkd.sae.ordinal_ebp`): the same
predictor at the line, its slope and area effects learnt from the households above the line
too. That assumes the covariates shift every cut alike; the likelihood-ratio test of
proportional odds (:mod:`rpkd.sae.proportional_odds`) checks it on each fit, and the map warns
where it is rejected.

MSE: the parametric bootstrap of González-Manteiga et al. (2007): draw ``u*`` from
``N(0, sigma2_u_hat)``, the census's poverty statuses ``y* ~ Bernoulli(expit(x'beta_hat +
u*))`` give the bootstrap population's true P0, the sample's statuses are drawn with the same
``u*``, the model is refitted and the predictor recomputed; the squared errors are averaged
over ``B`` replicates.

Why a model of the status rather than of welfare: the P0 of the nested-error EBP is a normal
tail probability of transformed welfare, right only if the errors are normal *at the line*.
When the conditional distribution of welfare is not (a lower tail shaped differently from the
bulk the transformation is chosen for), the P0 of every household is misstated in the same
direction and the bias accumulates over the district; the logit model's score equations
instead reproduce the sample's poverty count (``sum_j (y_ij - p_ij) = u_i / sigma2_u``), so
its aggregate follows the survey (docs/sae-models.md measures both on the synthetic worlds).

References
----------
Jiang, J. & Lahiri, P. (2001). Empirical best prediction for small area inference with binary
data. Annals of the Institute of Statistical Mathematics 53, 217–243.
González-Manteiga, W., Lombardía, M.J., Molina, I., Morales, D. & Santamaría, L. (2007).
Estimation of the mean squared error of predictors of small area linear parameters under a
logistic mixed model. Computational Statistics & Data Analysis 51, 2720–2733.
Efron, B. & Tibshirani, R.J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
Grosh, M. & Baker, J. (1995). Proxy means tests for targeting social programs. LSMS Working
Paper 118, World Bank.
Hobza, T. & Morales, D. (2016). Empirical best prediction under unit-level logit mixed models.
Journal of Official Statistics 32, 661–692.
Molina, I. & Rao, J.N.K. (2010). Small area estimation of poverty indicators. Canadian Journal
of Statistics 38, 369–385.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.special import expit

from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.sae.covariates import INTERCEPT, ModelMatrix, number_column
from rpkd.sae.ebp_model import EbpCovariates, selection_record
from rpkd.sae.logit_mixed import LogitMixedFit, fit_logit_mixed
from rpkd.sae.ordinal_ebp import Categories, Census, ordinal_bootstrap, ordinal_estimates
from rpkd.sae.proportional_odds import ProportionalOddsTest, proportional_odds_test
from rpkd.sae.unit_inputs import (
    Reported,
    area_indices,
    census_lines,
    census_weights,
    reported_areas,
    require_complete,
    unit_matrices,
)

_NODES = 20  # Gauss–Hermite nodes per area
_BUDGET = 2_000_000  # census rows x nodes held in memory at once
_BOUNDARY = 1e-6  # sigma2_u below this: the fit is at the boundary (no area effect)
PREDICTORS = ("pmt_score", "covariates")
"""The logit model's fixed part: the proxy-means score, or every covariate."""
SCORE = "pmt_score"
SCORE_SQUARED = "pmt_score_squared"
DEGREES = (1, 2)
"""Degrees of the logit's polynomial in the score: linear, or with the centred score's square."""


def score_degree(options: Mapping[str, Any]) -> int:
    """Return the ``[ebp]`` option ``score_degree`` (1 when absent), refused with
    ``map_choice_invalid`` unless one of :data:`DEGREES`."""
    value = options.get("score_degree", 1)
    if isinstance(value, bool) or value not in DEGREES:
        raise UsageError(
            "map_choice_invalid", param="score_degree", flag="score_degree", value=value,
            allowed=DEGREES,
        )  # fmt: skip
    return int(value)


def logit_cuts(options: Mapping[str, Any]) -> tuple[float, ...]:
    """Return the ``[ebp]`` option ``logit_cuts`` (shares of the sample, each in (0, 1)),
    refused with ``ebp_cuts_invalid`` otherwise; none when absent."""
    values = options.get("logit_cuts", [])
    values = values if isinstance(values, list | tuple) else [values]
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise UsageError("ebp_cuts_invalid", param="logit_cuts", value=value)
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class LogitArea:
    """The logit EBP of one area's P0, with its bootstrap MSE (None if B = 0)."""

    area: str
    in_sample: bool
    n: int
    population: float
    headcount: float
    mse: float | None = None


@dataclass(frozen=True)
class LogitEbpResult:
    """Logit-EBP estimates of P0 for every census area, the fitted model and its findings."""

    sigma2_u: float
    coefficients: dict[str, float]
    loglik: float
    bootstrap: int
    score: dict[str, float] | None
    areas: tuple[LogitArea, ...]
    findings: tuple[Finding, ...]
    cut_points: dict[str, float] | None = None  # cut ratio to the line: its alpha (with cuts)
    proportional_odds: ProportionalOddsTest | None = None  # its test (with cuts)

    def to_arrow(self) -> pa.Table:
        """Return one row per area with P0 and (if bootstrapped) its MSE."""
        fields = ("area", "in_sample", "n", "population", "headcount", "mse")
        return pa.table({f: [getattr(a, f) for a in self.areas] for f in fields})


@dataclass(frozen=True)
class Population:
    """The census at a model: each unit's ``x'beta``, area index and weight; area totals."""

    xb: np.ndarray
    area: np.ndarray
    weight: np.ndarray
    total: np.ndarray


def logit_ebp(
    sample: pa.Table,
    census: pa.Table,
    *,
    area: str,
    welfare: str,
    line: float | str,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    census_weight: str | None = None,
    bootstrap: int = 0,
    seed: int | np.random.Generator | None = None,
    report: str | None = None,
    predictor: str = "covariates",
    cuts: Sequence[float] = (),
    degree: int = 1,
    line_cut: str = "likelihood",
) -> LogitEbpResult:
    """Return the logit-mixed-model EBP of P0 at ``line`` for every census area.

    ``line`` is a number or the name of a column present in both tables (e.g. urban and rural
    lines); a sample household is poor when its ``welfare`` is below its line. ``report``
    names a census column of larger areas (each a union of ``area``s) to report instead,
    the random effect staying on ``area`` (povmap's ``aggregate_to``; :class:`Reported`).
    ``predictor``: ``"covariates"`` (one coefficient each) or ``"pmt_score"`` (the module's
    proxy-means score of the covariates; ``LogitEbpResult.score`` holds its coefficients).
    ``cuts``: shares of the sample at whose welfare quantiles (relative to the line) welfare is
    also cut, the poverty status becoming the lowest categories of an ordered outcome
    (:mod:`rpkd.sae.ordinal_ebp`); none: the binary model of the module's description.
    ``degree``: with the score, 2 adds the square of the centred score to the logit's fixed
    part (``pmt_score_squared``), so the poverty probability may bend away from the logistic
    curve in the tails of the score; 1: the score alone. ``line_cut`` (with ``cuts``): how the
    cut-point at the line is estimated, ``"likelihood"`` (the cut model's maximum likelihood)
    or ``"count"`` (re-solved so the sample's predicted count of poor units equals its
    observed count; :mod:`rpkd.sae.ordinal_ebp`).

    References
    ----------
    Jiang & Lahiri (2001); Hobza & Morales (2016); González-Manteiga et al. (2007).
    """
    if bootstrap < 0:
        raise UsageError(
            "ebp_replicates_invalid", param="bootstrap", replicates=1, bootstrap=bootstrap
        )
    if predictor not in PREDICTORS:
        raise UsageError(
            "map_choice_invalid", param="logit_predictor", flag="logit_predictor",
            value=predictor, allowed=PREDICTORS,
        )  # fmt: skip
    rng = np.random.default_rng(seed)
    codes, census_index, sample_index = area_indices(sample, census, area)
    reported = reported_areas(census, census_index, codes, report)
    y = number_column(sample, welfare, "--welfare")
    require_complete(y, welfare)
    lines = census_lines(sample, line)
    poor = (y < lines).astype(float)
    x_sample, x_census = unit_matrices(sample, census, covariates, categorical)
    score = None
    if predictor == SCORE and x_sample.values.shape[1] > 1:  # an intercept alone: nothing to score
        score = ProxyScore.fit(x_sample, x_census, y, degree)
        x_sample, x_census = score.matrices(score.gamma)
    weight = census_weights(census, census_weight)
    m = codes.size
    total = np.bincount(census_index, weights=weight, minlength=m)
    design = _Design(x_sample.values, x_census.values, score)
    if cuts:
        census_x = Census(design.census[:, 1:], census_index, weight, total)
        cats = Categories.cut(y, lines, cuts)
        fitted = _ordinal(cats, design, sample_index, census_x, bootstrap, rng, reported, line_cut)
    else:
        fitted = _binary(
            poor, design, sample_index, census_index, weight, total, bootstrap, rng, reported
        )
    point, mse = reported.mean(fitted.headcount, total), fitted.mse
    n = reported.total(fitted.n)
    population = reported.total(total)
    in_sample = n > 0
    areas = tuple(
        LogitArea(
            area=str(code),
            in_sample=bool(in_sample[i]),
            n=int(n[i]),
            population=float(population[i]),
            headcount=float(point[i]),
            mse=None if mse is None else float(mse[i]),
        )
        for i, code in enumerate(reported.codes)
    )
    found = []
    if not fitted.converged:
        found.append(Finding("ebp_logit_not_converged", "warning"))
    if fitted.sigma2_u < _BOUNDARY:
        found.append(Finding("sigma2_u_zero", "warning"))
    if int((~in_sample).sum()):
        found.append(Finding("out_of_sample", "info", {"count": int((~in_sample).sum())}))
    return LogitEbpResult(
        sigma2_u=fitted.sigma2_u,
        coefficients=dict(zip(x_sample.names, map(float, fitted.coefficients), strict=True)),
        loglik=fitted.loglik,
        bootstrap=bootstrap,
        score=None if score is None else score.coefficients(),
        cut_points=fitted.cut_points,
        proportional_odds=fitted.proportional_odds,
        areas=areas,
        findings=tuple(found),
    )


@dataclass(frozen=True)
class _Fitted:
    """What either model gives the result: its fit's summary (``coefficients`` of the logit of
    the poverty probability, by the sample matrix's columns), the areas' P0 and MSE."""

    n: np.ndarray
    converged: bool
    sigma2_u: float
    loglik: float
    coefficients: np.ndarray
    headcount: np.ndarray
    mse: np.ndarray | None
    cut_points: dict[str, float] | None = None
    proportional_odds: ProportionalOddsTest | None = None


def _binary(
    poor: np.ndarray,
    design: _Design,
    sample_index: np.ndarray,
    census_index: np.ndarray,
    weight: np.ndarray,
    total: np.ndarray,
    bootstrap: int,
    rng: np.random.Generator,
    reported: Reported,
) -> _Fitted:
    """Return the binary logit mixed model's fit, P0 and (``bootstrap`` > 0) MSE."""
    fit = fit_logit_mixed(poor, design.sample, sample_index, total.size)
    pop = Population(design.census @ fit.beta, census_index, weight, total)
    point = predict_headcounts(pop, fit, poor, design.sample @ fit.beta, sample_index)
    mse = (
        _bootstrap(pop, design, sample_index, fit, bootstrap, rng, reported) if bootstrap else None
    )
    return _Fitted(fit.n, fit.converged, fit.sigma2_u, fit.loglik, fit.beta, point, mse)


def _ordinal(
    cats: Categories,
    design: _Design,
    sample_index: np.ndarray,
    census: Census,
    bootstrap: int,
    rng: np.random.Generator,
    reported: Reported,
    line_cut: str,
) -> _Fitted:
    """Return the cumulative logit mixed model's fit (:mod:`rpkd.sae.ordinal_ebp`; the line's
    cut-point by ``line_cut``), P0 and (``bootstrap`` > 0) MSE; the design's first column, the
    intercept, is the cut-points'."""
    x_sample = design.sample[:, 1:]
    areas = census.total.size
    fit, point = ordinal_estimates(cats, x_sample, sample_index, census, areas, line_cut)

    def redraw(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        xs, xc = design.replicate(rng)
        return xs[:, 1:], xc[:, 1:]

    mse = (
        ordinal_bootstrap(
            fit, cats, x_sample, sample_index, census, redraw, bootstrap, rng, reported, line_cut
        )
        if bootstrap
        else None
    )
    return _Fitted(
        fit.n,
        fit.converged,
        fit.sigma2_u,
        fit.loglik,
        np.r_[fit.alpha[cats.at_line], fit.beta],
        point,
        mse,
        {f"{r:.6g}": float(a) for r, a in zip(cats.ratios, fit.alpha, strict=True)},
        proportional_odds_test(cats.category, x_sample, cats.ratios.size),
    )


def scored(
    x_sample: ModelMatrix, x_census: ModelMatrix, gamma: np.ndarray, degree: int = 1
) -> tuple[ModelMatrix, ModelMatrix]:
    """Return the logit model's sample and census matrices on the score ``x'gamma``:
    (intercept, ``pmt_score``) and, with ``degree`` 2, ``pmt_score_squared``: the square of the
    score less its sample mean (a centre shared by both matrices; any centre spans the same
    quadratics, this one keeps the columns apart)."""
    names: tuple[str, ...] = (
        (INTERCEPT, SCORE) if degree == 1 else (INTERCEPT, SCORE, SCORE_SQUARED)
    )
    on_sample, on_census = x_sample.values @ gamma, x_census.values @ gamma
    centre = float(np.mean(on_sample))

    def matrix(score: np.ndarray) -> ModelMatrix:
        columns = [np.ones(score.size), score, (score - centre) ** 2][: degree + 1]
        return ModelMatrix(names, np.column_stack(columns))

    return matrix(on_sample), matrix(on_census)


@dataclass(frozen=True)
class ProxyScore:
    """The proxy-means score ``x'gamma`` of the module's description, fitted on the sample.

    ``gamma`` is the least-squares fit of ``log(welfare)`` on ``x`` (of ``log(welfare + 1 -
    min)`` when some welfare is not positive, emdi's shift); ``residuals`` its residuals.
    """

    x_sample: ModelMatrix
    x_census: ModelMatrix
    gamma: np.ndarray
    residuals: np.ndarray
    degree: int = 1

    @classmethod
    def fit(
        cls, x_sample: ModelMatrix, x_census: ModelMatrix, welfare: np.ndarray, degree: int = 1
    ) -> ProxyScore:
        """Return the score of ``welfare`` (one per sample row) on the sample matrix, entering
        the logit with ``degree`` (:func:`scored`)."""
        low = float(np.min(welfare))
        logged = np.log(welfare if low > 0 else welfare + 1.0 - low)
        gamma = np.linalg.lstsq(x_sample.values, logged, rcond=None)[0]
        return cls(x_sample, x_census, gamma, logged - x_sample.values @ gamma, degree)

    def matrices(self, gamma: np.ndarray) -> tuple[ModelMatrix, ModelMatrix]:
        """Return the sample and census matrices of the logit (:func:`scored`) at ``gamma``."""
        return scored(self.x_sample, self.x_census, gamma, self.degree)

    def redrawn(self, rng: np.random.Generator) -> np.ndarray:
        """Return ``gamma`` refitted to ``x'gamma + e*``, ``e*`` drawn from the residuals."""
        x = self.x_sample.values
        drawn = x @ self.gamma + rng.choice(self.residuals, size=self.residuals.size)
        return np.asarray(np.linalg.lstsq(x, drawn, rcond=None)[0])

    def coefficients(self) -> dict[str, float]:
        """Return ``gamma`` by covariate name."""
        return dict(zip(self.x_sample.names, map(float, self.gamma), strict=True))


@dataclass(frozen=True)
class _Design:
    """The sample and census model matrices, and the score they come from (if any)."""

    sample: np.ndarray
    census: np.ndarray
    score: ProxyScore | None

    def replicate(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Return the matrices of one bootstrap replicate: the score redrawn, if any."""
        if self.score is None:
            return self.sample, self.census
        x_sample, x_census = self.score.matrices(self.score.redrawn(rng))
        return x_sample.values, x_census.values


def posterior_nodes(
    fit: LogitMixedFit, y: np.ndarray, xb: np.ndarray, area: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (areas x nodes) values of ``u_i`` and their posterior weights given the sample.

    Adaptive Gauss–Hermite: nodes ``u_hat + sqrt(2 / H) t_k`` reweighted by the exact posterior
    density ``exp(l_i(u) - u^2 / (2 sigma2_u))``; areas without sample get the prior's nodes.
    """
    t, w = np.polynomial.hermite.hermgauss(_NODES)
    scale = np.sqrt(2.0 / fit.curvature)
    u = fit.u[:, None] + scale[:, None] * t[None, :]
    log_weight = np.log(w)[None, :] + t[None, :] ** 2 - u**2 / (2.0 * fit.sigma2_u)
    linear = xb[:, None] + u[area]
    contribution = y[:, None] * linear - np.logaddexp(0.0, linear)
    for k in range(_NODES):
        log_weight[:, k] += np.bincount(area, contribution[:, k], fit.u.size)
    log_weight -= log_weight.max(axis=1, keepdims=True)
    weight = np.exp(log_weight)
    return u, weight / weight.sum(axis=1, keepdims=True)


def predict_headcounts(
    pop: Population, fit: LogitMixedFit, y: np.ndarray, xb: np.ndarray, area: np.ndarray
) -> np.ndarray:
    """Return each area's predicted P0: census mean of the posterior mean of ``expit``."""
    u, weight = posterior_nodes(fit, y, xb, area)
    totals = np.zeros(fit.u.size)
    chunk = max(1, _BUDGET // _NODES)
    for start in range(0, pop.xb.size, chunk):
        part = slice(start, start + chunk)
        a = pop.area[part]
        p = np.sum(expit(pop.xb[part][:, None] + u[a]) * weight[a], axis=1)
        totals += np.bincount(a, weights=pop.weight[part] * p, minlength=fit.u.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(totals / pop.total)


def _bootstrap(
    pop: Population,
    design: _Design,
    area: np.ndarray,
    fit: LogitMixedFit,
    replicates: int,
    rng: np.random.Generator,
    reported: Reported,
) -> np.ndarray:
    """Return each reported area's parametric-bootstrap MSE (González-Manteiga et al. 2007)."""
    m = fit.u.size
    squared = np.zeros(reported.codes.size)
    xb_sample = design.sample @ fit.beta
    for _ in range(replicates):
        u_star = rng.standard_normal(m) * np.sqrt(fit.sigma2_u)
        poor = rng.random(pop.xb.size) < expit(pop.xb + u_star[pop.area])
        truth = np.bincount(pop.area, weights=pop.weight * poor, minlength=m) / pop.total
        y_star = (rng.random(area.size) < expit(xb_sample + u_star[area])).astype(float)
        x_sample, x_census = design.replicate(rng)
        refit = fit_logit_mixed(y_star, x_sample, area, m, start=(fit.beta, fit.sigma2_u))
        boot = Population(x_census @ refit.beta, pop.area, pop.weight, pop.total)
        estimate = predict_headcounts(boot, refit, y_star, x_sample @ refit.beta, area)
        squared += (reported.mean(estimate, pop.total) - reported.mean(truth, pop.total)) ** 2
    return squared / replicates


PROPORTIONAL_ODDS_LEVEL = 0.05
"""Below this p-value the map warns that the slopes differ between the cuts."""


def proportional_odds_finding(test: ProportionalOddsTest) -> Finding:
    """Return the map's note on the proportional-odds test: a warning (the cuts' slopes
    differ: the binary model, ``logit_cuts = []``, assumes less) when its p-value is below
    :data:`PROPORTIONAL_ODDS_LEVEL`, else an information."""
    args = {"statistic": test.statistic, "df": test.df, "p_value": test.p_value}
    if test.p_value < PROPORTIONAL_ODDS_LEVEL:
        return Finding("ebp_cuts_not_proportional", "warning", args)
    return Finding("ebp_cuts_proportional", "info", args)


def logit_map(
    chosen: EbpCovariates,
    *,
    area: str,
    line: float,
    bootstrap: int,
    seed: int,
    report: str | None = None,
    predictor: str = "covariates",
    cuts: Sequence[float] = (),
    degree: int = 1,
    line_cut: str = "likelihood",
) -> tuple[dict[str, tuple[float, float | None]], dict[str, Any], list[Finding]]:
    """Return the poverty map's logit-EBP P0 and MSE per area, its model record and notes.

    ``chosen`` holds the sample and census units (area column ``area``, ``welfare``,
    ``household_size``, as :mod:`rpkd.sae.inputs` makes them) and the covariates the kit
    chose (:func:`rpkd.sae.ebp_model.ebp_covariates`); ``report`` and ``predictor`` as
    :func:`logit_ebp`, and ``cuts``, ``degree`` and ``line_cut``.
    """
    kept = list(chosen.kept)
    result = logit_ebp(
        chosen.sample,
        chosen.census,
        area=area,
        welfare="welfare",
        line=line,
        covariates=kept,
        census_weight="household_size",
        bootstrap=bootstrap,
        seed=seed,
        report=report,
        predictor=predictor,
        cuts=cuts,
        degree=degree,
        line_cut=line_cut,
    )
    values = {a.area: (a.headcount, a.mse) for a in result.areas}
    test = result.proportional_odds
    model = {
        "model": "logit",
        "predictor": predictor,
        "sigma2_u": result.sigma2_u,
        "coefficients": result.coefficients,
        "score": result.score,
        "score_degree": degree if result.score is not None else None,
        "cuts": list(cuts),
        "cut_points": result.cut_points,
        "line_cut": line_cut if cuts else None,
        "proportional_odds": None if test is None else test.to_dict(),
        "loglik": result.loglik,
        "covariates": kept,
        "bootstrap": bootstrap,
        "seed": seed,
        "weights": "none",
        "candidates": list(chosen.candidates),
        "selection": selection_record(chosen),
    }
    counts: dict[str, Any] = {
        "sigma2_u": result.sigma2_u,
        "count": len(kept),
        "candidates": len(chosen.candidates),
    }
    if result.score is not None:
        counts["slope"] = result.coefficients[SCORE]
    found = list(result.findings)
    if cuts:
        percentiles = [int(p) if p.is_integer() else p for p in (round(100 * c, 2) for c in cuts)]
        code = "ebp_logit_cuts_score_fit" if result.score is not None else "ebp_logit_cuts_fit"
        found.append(Finding(code, "info", {**counts, "percentiles": percentiles}))
    else:
        code = "ebp_logit_score_fit" if result.score is not None else "ebp_logit_fit"
        found.append(Finding(code, "info", counts))
    if SCORE_SQUARED in result.coefficients:
        squared = {"coefficient": result.coefficients[SCORE_SQUARED]}
        found.append(Finding("ebp_score_squared", "info", squared))
    if test is not None and test.df:
        found.append(proportional_odds_finding(test))
    return values, model, found
