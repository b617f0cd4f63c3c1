"""Welfare ranking: a proxy-means test fitted on the survey, applied to the registry as a desil.

The model regresses log per-capita expenditure on household proxies (housing, assets, family
size and composition, the head's sex, education and sector) with kecamatan fixed effects
(:mod:`rpkd.targeting.pmt_design`), by survey-weighted least squares (``ols``) or by ridge
regression (``ridge``: standardised proxies, unpenalised intercept, penalty chosen by K-fold
cross-validation). Folds are formed from whole PSUs, so a census block never sits on both sides
of a split. Out-of-sample fit is reported as the cross-validated R² and as the targeting errors
of the predicted bottom 40% against the actual bottom 40% of the survey.

The registry is scored on the engine (an Ibis expression) and cut into deciles of families:
``desil = floor(10 · r / N) + 1`` with ``r`` the 0-based rank from the poorest. The official
desil stays as BPS delivers it; the predicted one serves analysis and what-if.

References
----------
Grosh, M. & Baker, J. (1995). *Proxy Means Tests for Targeting Social Programs*. World Bank LSMS
WP 118. Hastie, T., Tibshirani, R. & Friedman, J. (2009). *The Elements of Statistical Learning*,
2nd ed., §3.4.1 (ridge) and §7.10 (cross-validation). Brown, C., Ravallion, M. & van de Walle, D.
(2018). A poor means test? *J. Dev. Econ.* 134, 109–124 (bottom-40% targeting errors of PMTs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import ibis
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.targeting.accuracy import error_rates, weighted_quantile
from rpkd.targeting.pmt_design import DesignSpec, learn, linear_score, matrix, registry_inputs

if TYPE_CHECKING:
    from ibis.expr.types import Table

Method = Literal["ols", "ridge"]
METHODS: tuple[Method, ...] = ("ols", "ridge")
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FitQuality:
    """In-sample and cross-validated fit of a PMT model on the survey."""

    n: int
    folds: int
    seed: int
    r2: float
    r2_cv: float
    bottom40_exclusion_cv: float
    bottom40_inclusion_cv: float


@dataclass(frozen=True)
class PmtModel:
    """A fitted proxy-means test: coefficients on the design's terms and its fit."""

    method: Method
    spec: DesignSpec
    terms: tuple[str, ...]
    coefficients: tuple[float, ...]
    penalty: float | None
    quality: FitQuality
    findings: tuple[Finding, ...]

    def to_arrow(self) -> pa.Table:
        """Return one row per term (intercept first) with its coefficient."""
        return pa.table({"term": list(self.terms), "coefficient": list(self.coefficients)})

    def quality_table(self) -> pa.Table:
        """Return the fit measures as rows ``measure, value``."""
        q = self.quality
        rows = {
            "n": float(q.n), "folds": float(q.folds), "r2": q.r2, "r2_cv": q.r2_cv,
            "bottom40_exclusion_cv": q.bottom40_exclusion_cv,
            "bottom40_inclusion_cv": q.bottom40_inclusion_cv,
            "penalty": self.penalty,
        }  # fmt: skip
        return pa.table({"measure": list(rows), "value": list(rows.values())})


def _standardise(x: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    mean = w @ x / w.sum()
    sd = np.sqrt(w @ (x - mean) ** 2 / w.sum())
    return mean, np.where(sd > 0, sd, 1.0)


def solve(x: FloatArray, y: FloatArray, w: FloatArray, penalty: float) -> FloatArray:
    """Return weighted (ridge) least-squares coefficients, intercept first, on the input scale.

    ``penalty = 0`` is weighted least squares (minimum-norm when collinear). Otherwise the
    non-intercept columns are standardised with weighted means and SDs, weights normalised to
    mean 1, and ``(Z'WZ + penalty I) b = Z'W(y - ȳ)`` is solved; the intercept is unpenalised.
    """
    if penalty == 0:
        root = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)
        return np.asarray(beta, dtype=np.float64)
    wn = w / w.mean()
    mean, sd = _standardise(x[:, 1:], wn)
    z = (x[:, 1:] - mean) / sd
    y_mean = float(wn @ y / wn.sum())
    lhs = z.T @ (z * wn[:, None]) + penalty * np.eye(z.shape[1])
    b = np.linalg.solve(lhs, z.T @ (wn * (y - y_mean)))
    slopes = b / sd
    return np.concatenate([[y_mean - mean @ slopes], slopes])


def r_squared(y: FloatArray, fitted: FloatArray, w: FloatArray) -> float:
    """Return the weighted R² ``1 − Σw(y − ŷ)² / Σw(y − ȳ)²``."""
    mean = w @ y / w.sum()
    return float(1 - (w @ (y - fitted) ** 2) / (w @ (y - mean) ** 2))


def folds_of(psu: Sequence[str], k: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Return a fold index per record: whole PSUs shuffled and dealt round-robin to ``k`` folds."""
    units = np.asarray(psu)
    unique = np.unique(units)
    order = rng.permutation(len(unique))
    fold_of_unit = np.empty(len(unique), dtype=np.int64)
    fold_of_unit[order] = np.arange(len(unique)) % k
    return fold_of_unit[np.searchsorted(unique, units)]


def _cv_predictions(
    x: FloatArray, y: FloatArray, w: FloatArray, fold: NDArray[np.int64], penalty: float
) -> FloatArray:
    out = np.empty_like(y)
    for f in np.unique(fold):
        test = fold == f
        beta = solve(x[~test], y[~test], w[~test], penalty)
        out[test] = x[test] @ beta
    return out


def _bottom40(y: FloatArray, predicted: FloatArray, w: FloatArray) -> tuple[float, float]:
    poor = y <= weighted_quantile(y, w, 0.4)
    selected = predicted <= weighted_quantile(predicted, w, 0.4)
    rates = error_rates(poor, selected, w)
    return rates.exclusion, rates.inclusion


def fit_pmt(
    inputs: pa.Table,
    *,
    method: Method = "ols",
    folds: int = 5,
    seed: int = 20250301,
    penalties: Sequence[float] | None = None,
) -> PmtModel:
    """Return a PMT fitted on survey inputs (:func:`rpkd.targeting.pmt_design.survey_inputs`).

    Parameters
    ----------
    inputs
        Survey inputs with ``weight``, ``psu`` and ``expenditure`` (per capita, > 0).
    method
        ``ols`` (survey-weighted least squares) or ``ridge`` (penalty chosen by CV).
    folds
        Number of cross-validation folds (formed from whole PSUs).
    seed
        Seed of the fold assignment.
    penalties
        Candidate ridge penalties (on the standardised scale with weights of mean 1); the
        default is ``n · 10^linspace(-5, 1, 31)``.
    """
    findings: list[Finding] = []
    inputs, dropped = usable(inputs)
    if dropped:
        findings.append(Finding("pmt_rows_dropped", "warning", {"count": dropped}))
    expenditure = _column(inputs, "expenditure")
    weight = _column(inputs, "weight")
    if inputs.num_rows < 2 * folds or folds < 2:
        raise InvalidInput("pmt_survey_small", param="folds", folds=folds, rows=inputs.num_rows)
    y = np.log(expenditure)
    spec = learn(inputs, weight)
    design = matrix(inputs, spec)
    x = design.x
    findings += [Finding("pmt_values_filled", "warning", {"count": n}, field=c)
                 for c, n in design.filled.items() if n]  # fmt: skip
    fold = _folds(inputs, folds, seed)
    if len(set(inputs.column("psu").to_pylist())) < folds:
        findings.append(Finding("pmt_folds_by_household", "info", {"folds": folds}))
    penalty: float | None = None
    if method == "ridge":
        grid = penalties if penalties is not None else len(y) * 10 ** np.linspace(-5, 1, 31)
        errors = [
            float(weight @ (y - _cv_predictions(x, y, weight, fold, float(p))) ** 2) for p in grid
        ]
        penalty = float(grid[int(np.argmin(errors))])
    elif np.linalg.matrix_rank(x) < x.shape[1]:
        findings.append(Finding("pmt_collinear", "warning"))
    beta = solve(x, y, weight, penalty or 0.0)
    cv = _cv_predictions(x, y, weight, fold, penalty or 0.0)
    exclusion, inclusion = _bottom40(y, cv, weight)
    quality = FitQuality(
        n=len(y), folds=folds, seed=seed, r2=r_squared(y, x @ beta, weight),
        r2_cv=r_squared(y, cv, weight),
        bottom40_exclusion_cv=exclusion, bottom40_inclusion_cv=inclusion,
    )  # fmt: skip
    terms = ("(intercept)", *spec.terms)
    return PmtModel(method, spec, terms, tuple(float(b) for b in beta), penalty, quality,
                    tuple(findings))  # fmt: skip


def usable(inputs: pa.Table) -> tuple[pa.Table, int]:
    """Return the survey inputs with positive expenditure and weight, and how many were dropped."""
    expenditure, weight = _column(inputs, "expenditure"), _column(inputs, "weight")
    keep = np.isfinite(expenditure) & (expenditure > 0) & np.isfinite(weight) & (weight > 0)
    return inputs.filter(pa.array(keep)), int((~keep).sum())


def _column(table: pa.Table, name: str) -> FloatArray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def _folds(inputs: pa.Table, folds: int, seed: int) -> NDArray[np.int64]:
    rng = np.random.default_rng(seed)
    psu = [str(v) for v in inputs.column("psu").to_pylist()]
    if len(set(psu)) < folds:
        return np.asarray(rng.permutation(len(psu)) % folds, dtype=np.int64)
    return folds_of(psu, folds, rng)


def cross_validated(inputs: pa.Table, model: PmtModel) -> tuple[pa.Table, FloatArray]:
    """Return the usable survey inputs and their out-of-fold predicted log expenditure.

    The folds and penalty are the model's, so these are the predictions behind ``r2_cv``: the
    honest stand-in for how the model ranks households it was not fitted on.
    """
    kept, _ = usable(inputs)
    y = np.log(_column(kept, "expenditure"))
    x = matrix(kept, model.spec).x
    fold = _folds(kept, model.quality.folds, model.quality.seed)
    return kept, _cv_predictions(x, y, _column(kept, "weight"), fold, model.penalty or 0.0)


def rank_registry(features: Table, model: PmtModel) -> Table:
    """Return per family: official ``desil``, ``predicted_welfare`` and ``predicted_desil``.

    ``predicted_welfare`` is the predicted log per-capita expenditure; families are ranked
    from the poorest (ties broken by ``family_id``) and cut into ten equal groups.
    """
    inputs = registry_inputs(features)
    scored = inputs.select(
        family_id=inputs.unit_id,
        kecamatan_code=inputs.kecamatan,
        predicted_welfare=linear_score(inputs, model.spec, model.coefficients),
    )
    official = features.select("family_id", "desa_code", "desil")
    scored = scored.inner_join(official, "family_id")
    rank = ibis.row_number().over(order_by=[scored.predicted_welfare, scored.family_id])
    n = scored.count()
    return scored.mutate(
        predicted_desil=((rank * 10) / n).floor().cast("int32") + 1,
    )


def desil_cuts(ranked: Table) -> FloatArray:
    """Return the nine predicted-welfare cut points between predicted deciles (fetched)."""
    tops = ranked.group_by("predicted_desil").aggregate(top=ranked.predicted_welfare.max())
    rows = eng.fetch(tops.order_by("predicted_desil")).to_pylist()
    values = {int(r["predicted_desil"]): float(r["top"]) for r in rows}
    return np.asarray([values.get(k, np.nan) for k in range(1, 10)])


def desil_of(welfare: FloatArray, cuts: FloatArray) -> NDArray[np.int64]:
    """Return the registry desil a predicted welfare falls in (1 + cut points strictly below)."""
    finite = np.where(np.isfinite(cuts), cuts, np.inf)
    below = np.sum(welfare[:, None] > finite[None, :], axis=1)
    return np.asarray(1 + below, dtype=np.int64)


def crosstab(ranked: Table) -> Table:
    """Return family counts by official ``desil`` × ``predicted_desil``."""
    return ranked.group_by(["desil", "predicted_desil"]).aggregate(families=ranked.count())


def rank_correlation(table: pa.Table, a: str = "desil", b: str = "predicted_desil") -> float:
    """Return Spearman's rank correlation from a cross-tab with counts ``families``.

    Ties get mid-ranks, so this equals Spearman's rho on the unit-level data (Kendall &
    Gibbons 1990, ch. 2). Rows with a missing category are left out.
    """
    rows = [r for r in table.to_pylist() if r[a] is not None and r[b] is not None]
    if not rows:
        return float("nan")
    n = np.asarray([r["families"] for r in rows], dtype=float)
    ra = _midranks([r[a] for r in rows], n)
    rb = _midranks([r[b] for r in rows], n)
    ma, mb = n @ ra / n.sum(), n @ rb / n.sum()
    cov = n @ ((ra - ma) * (rb - mb))
    return float(cov / np.sqrt((n @ (ra - ma) ** 2) * (n @ (rb - mb) ** 2)))


def _midranks(values: Sequence[int], counts: FloatArray) -> FloatArray:
    totals: dict[int, float] = {}
    for v, c in zip(values, counts, strict=True):
        totals[v] = totals.get(v, 0.0) + float(c)
    start, mid = 0.0, {}
    for v in sorted(totals):
        mid[v] = start + (totals[v] + 1) / 2
        start += totals[v]
    return np.asarray([mid[v] for v in values])
