"""Area-level Fay–Herriot EBLUP with REML or ML variance fitting and analytic MSE.

Model (Fay & Herriot 1979): ``direct_d = x_d'beta + u_d + e_d``, ``u_d ~ N(0, sigma2_u)``,
``e_d ~ N(0, psi_d)`` with ``psi_d`` the known sampling variance of area ``d``. The EBLUP is
``gamma_d * direct_d + (1 - gamma_d) * x_d'beta`` with ``gamma_d = sigma2_u / (sigma2_u + psi_d)``.

``sigma2_u`` is fitted by Fisher scoring on the restricted (REML) or full (ML) likelihood, started
at the median of ``psi_d`` as R ``sae::eblupFH`` does, but iterated until the relative change is
below ``1e-10`` (``sae`` stops at ``1e-4``). An iterate below zero is set to zero; when the score
at zero points down, the estimate is ``0`` (the boundary: every EBLUP is the synthetic estimate).

MSE (Rao & Molina 2015, §6.2; R ``sae::mseFH``): with ``B_d = psi_d/(sigma2_u+psi_d)``,
``g1 = psi_d (1 - B_d)``, ``g2 = B_d^2 x_d' (X'V^-1 X)^-1 x_d``, ``g3 = B_d^2 Vbar/(sigma2_u+psi_d)``,
``Vbar = 2 / sum_d (sigma2_u+psi_d)^-2``:

- REML (Prasad & Rao 1990; Datta & Lahiri 2000): ``g1 + g2 + 2 g3``;
- ML (Datta & Lahiri 2000): ``g1 + g2 + 2 g3 - b_ML B_d^2`` with the ML bias
  ``b_ML = -tr[(X'V^-1X)^-1 X'V^-2X] / sum_d (sigma2_u+psi_d)^-2``.

At the boundary ``sigma2_u = 0`` the same formulas are evaluated at zero, as ``sae`` does.

Areas without a direct estimate (out of sample) get the synthetic estimate ``x_l'beta``. Its MSE
is the limit of the in-sample formula as ``psi_l -> infinity`` (``B_l -> 1``): ``g1 -> sigma2_u``,
``g2 -> x_l'(X'V^-1X)^-1 x_l`` and the ``g3`` term vanishes, so the MSE is
``sigma2_u + x_l'(X'V^-1X)^-1 x_l`` (REML) and ``sigma2_u + x_l'(X'V^-1X)^-1 x_l - b_ML`` (ML),
the second-order unbiased estimator of the synthetic estimator's MSE (Rao & Molina 2015, §6.2:
the error of ``x_l'beta_hat(sigma2_u_hat)`` over ``beta_hat(sigma2_u)`` is of order ``m^-1``).

References
----------
Fay, R.E. & Herriot, R.A. (1979). JASA 74, 269–277.
Prasad, N.G.N. & Rao, J.N.K. (1990). JASA 85, 163–171.
Datta, G.S. & Lahiri, P. (2000). Statistica Sinica 10, 613–627.
Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley, ch. 6.
Molina, I. & Marhuenda, Y. (2015). sae: An R package for small area estimation. R Journal 7(1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding
from rpkd.sae.covariates import (
    ModelMatrix,
    cell,
    column,
    invalid_rows,
    is_missing,
    labels,
    model_matrix,
    numbers,
    sorted_levels,
)

Method = Literal["reml", "ml"]
METHODS: tuple[Method, ...] = ("reml", "ml")


@dataclass(frozen=True)
class AreaEstimate:
    """One area: its direct estimate and variance (None out of sample), synthetic and EBLUP."""

    area: str
    direct: float | None
    variance: float | None
    synthetic: float
    eblup: float
    mse: float
    gamma: float


@dataclass(frozen=True)
class FayHerriotResult:
    """A fitted Fay–Herriot model: ``sigma2_u``, coefficients with SEs, and every area."""

    method: Method
    sigma2_u: float
    coefficients: dict[str, float]
    coefficient_se: dict[str, float]
    areas: tuple[AreaEstimate, ...]
    iterations: int
    converged: bool
    findings: tuple[Finding, ...]

    def to_arrow(self) -> pa.Table:
        """Return one row per area (input order)."""
        fields = ("area", "direct", "variance", "synthetic", "eblup", "mse", "gamma")
        return pa.table({f: [getattr(a, f) for a in self.areas] for f in fields})

    def coefficient_table(self) -> pa.Table:
        """Return one row per coefficient: name, estimate and asymptotic standard error."""
        return pa.table(
            {
                "name": list(self.coefficients),
                "estimate": list(self.coefficients.values()),
                "se": [self.coefficient_se[n] for n in self.coefficients],
            }
        )


@dataclass(frozen=True)
class _Fit:
    sigma2_u: float
    iterations: int
    converged: bool


def fay_herriot(
    data: pa.Table,
    *,
    area: str,
    direct: str,
    variance: str,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    method: Method = "reml",
    max_iter: int = 100,
    tolerance: float = 1e-10,
) -> FayHerriotResult:
    """Return Fay–Herriot EBLUPs, shrinkage factors and MSEs for every row (area) of ``data``.

    Rows with an empty ``direct`` are out-of-sample areas (synthetic estimate). Covariate
    columns may hold numbers or numeric text; ``categorical`` columns are treatment-coded.

    References
    ----------
    Rao & Molina (2015), ch. 6; R ``sae::eblupFH`` and ``sae::mseFH`` (Molina & Marhuenda 2015).
    """
    if method not in METHODS:
        raise UsageError("sae_method_unknown", param="method", value=method, allowed=METHODS)
    areas = [str(a).strip() for a in column(data, area, "--area")]
    _check_areas(areas, area)
    y_all = numbers(column(data, direct, "--direct"), direct)
    psi_all = numbers(column(data, variance, "--variance"), variance)
    sampled = ~np.isnan(y_all)
    for i in map(int, np.flatnonzero(sampled)):
        if np.isnan(psi_all[i]) or psi_all[i] <= 0:
            shown = None if np.isnan(psi_all[i]) else repr(float(psi_all[i]))
            raise invalid_rows(
                Finding("fh_variance_invalid", "error", row=i + 1, field=variance, value=shown)
            )
    design = _design(data, covariates, categorical, sampled)
    x_s, y, psi = design.values[sampled], y_all[sampled], psi_all[sampled]
    m, p = x_s.shape
    if m <= p:
        raise InvalidInput("fh_too_few_areas", param=direct, areas=m, coefficients=p)
    if np.linalg.matrix_rank(x_s) < p:
        raise InvalidInput("fh_collinear", param="covariate", covariates=design.names)
    fit = _fisher_scoring(y, psi, x_s, method, max_iter, tolerance)
    a = fit.sigma2_u
    vi = 1.0 / (a + psi)
    q = np.linalg.inv(x_s.T @ (vi[:, None] * x_s))
    beta = q @ (x_s.T @ (vi * y))
    synthetic = design.values @ beta
    lever = np.einsum("ij,jk,ik->i", design.values, q, design.values)
    sum_v2 = float(np.sum(vi**2))
    bias = 0.0
    if method == "ml":
        bias = -float(np.trace(q @ (x_s.T @ ((vi**2)[:, None] * x_s)))) / sum_v2
    var_a = 2.0 / sum_v2

    estimates = []
    for i, name in enumerate(areas):
        if sampled[i]:
            b = psi_all[i] / (a + psi_all[i])
            g1 = psi_all[i] * (1.0 - b)
            g2 = b**2 * lever[i]
            g3 = b**2 * var_a / (a + psi_all[i])
            mse = g1 + g2 + 2.0 * g3 - bias * b**2
            eblup = synthetic[i] + (1.0 - b) * (y_all[i] - synthetic[i])
            estimates.append(
                AreaEstimate(
                    name,
                    float(y_all[i]),
                    float(psi_all[i]),
                    float(synthetic[i]),
                    float(eblup),
                    float(mse),
                    float(1.0 - b),
                )
            )
        else:
            mse = a + lever[i] - bias
            estimates.append(
                AreaEstimate(
                    name, None, None, float(synthetic[i]), float(synthetic[i]), float(mse), 0.0
                )
            )
    return FayHerriotResult(
        method=method,
        sigma2_u=a,
        coefficients={n: float(v) for n, v in zip(design.names, beta, strict=True)},
        coefficient_se={
            n: float(v) for n, v in zip(design.names, np.sqrt(np.diag(q)), strict=True)
        },
        areas=tuple(estimates),
        iterations=fit.iterations,
        converged=fit.converged,
        findings=_findings(fit, max_iter, int(np.count_nonzero(~sampled))),
    )


def _check_areas(areas: list[str], field: str) -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(areas):
        if is_missing(name):
            raise invalid_rows(
                Finding("fh_area_missing", "error", row=i + 1, field=field, value=cell(name))
            )
        if name in seen:
            raise invalid_rows(
                Finding(
                    "fh_area_duplicate",
                    "error",
                    {"first": seen[name] + 1},
                    row=i + 1,
                    field=field,
                    value=name,
                )
            )
        seen[name] = i


def _design(
    data: pa.Table, covariates: Sequence[str], categorical: Sequence[str], sampled: np.ndarray
) -> ModelMatrix:
    numeric = {}
    for name in covariates:
        values = numbers(column(data, name, "--covariate"), name)
        missing = np.flatnonzero(np.isnan(values))
        if missing.size:
            raise invalid_rows(
                Finding("fh_covariate_missing", "error", row=int(missing[0]) + 1, field=name)
            )
        numeric[name] = values
    factors = {name: labels(column(data, name, "--categorical"), name) for name in categorical}
    reference = {
        name: sorted_levels([v for v, s in zip(values, sampled, strict=True) if s])
        for name, values in factors.items()
    }
    return model_matrix(numeric, factors, reference, data.num_rows)


def ml_loglik(
    y: np.ndarray, psi: np.ndarray, x: np.ndarray, max_iter: int = 100, tolerance: float = 1e-10
) -> float:
    """Return the maximised ML log-likelihood of the Fay–Herriot model (sampled areas).

    ``-1/2 sum_d [log 2 pi (sigma2_u + psi_d) + (y_d - x_d'beta)^2 / (sigma2_u + psi_d)]`` at
    the ML ``sigma2_u`` (Fisher scoring, as :func:`fay_herriot` with ``method = "ml"``) and its
    GLS ``beta``: emdi's ``model_select`` log-likelihood, ``metafor::rma(method = "ML")``'s
    ``logLik``.
    """
    a = _fisher_scoring(y, psi, x, "ml", max_iter, tolerance).sigma2_u
    v = a + psi
    xv = x / v[:, None]
    beta = np.linalg.solve(x.T @ xv, xv.T @ y)
    r = y - x @ beta
    return -0.5 * float(np.sum(np.log(2.0 * np.pi * v) + r**2 / v))


def _fisher_scoring(
    y: np.ndarray, psi: np.ndarray, x: np.ndarray, method: Method, max_iter: int, tolerance: float
) -> _Fit:
    """Maximise the (restricted) likelihood in ``sigma2_u`` by Fisher scoring, as sae::eblupFH."""
    a = float(np.median(psi))
    for k in range(1, max_iter + 1):
        score, information = _score(y, psi, x, a, method)
        new = max(a + score / information, 0.0)
        change = abs(new - a)
        scale = max(a, new)
        a = new
        if change <= tolerance * scale:
            return _Fit(a, k, True)
    return _Fit(a, max_iter, False)


def _score(
    y: np.ndarray, psi: np.ndarray, x: np.ndarray, a: float, method: Method
) -> tuple[float, float]:
    """Return the score and Fisher information of the (RE)ML log-likelihood at ``sigma2_u = a``.

    ``P = V^-1 - V^-1 X (X'V^-1X)^-1 X'V^-1`` is never formed: its trace and the trace of
    ``P^2`` are written with p x p matrices so that thousands of areas stay cheap.
    """
    vi = 1.0 / (a + psi)
    xv = vi[:, None] * x
    q = np.linalg.inv(x.T @ xv)
    py = vi * (y - x @ (q @ (xv.T @ y)))
    if method == "ml":
        return -0.5 * float(np.sum(vi)) + 0.5 * float(py @ py), 0.5 * float(np.sum(vi**2))
    x2 = x.T @ ((vi**2)[:, None] * x)
    x3 = x.T @ ((vi**3)[:, None] * x)
    trace_p = float(np.sum(vi)) - float(np.trace(q @ x2))
    qx2 = q @ x2
    trace_pp = float(np.sum(vi**2)) - 2.0 * float(np.trace(q @ x3)) + float(np.trace(qx2 @ qx2))
    return -0.5 * trace_p + 0.5 * float(py @ py), 0.5 * trace_pp


def _findings(fit: _Fit, max_iter: int, out_of_sample: int) -> tuple[Finding, ...]:
    found = []
    if not fit.converged:
        found.append(
            Finding(
                "fh_not_converged",
                "warning",
                {"iterations": max_iter, "sigma2_u": fit.sigma2_u},
            )
        )
    if fit.sigma2_u == 0.0:
        found.append(Finding("sigma2_u_zero", "warning"))
    if out_of_sample:
        found.append(Finding("out_of_sample", "info", {"count": out_of_sample}))
    return tuple(found)
