"""Generalised variance function (GVF): smoothed sampling variances for area-level models.

Direct variances of small areas are themselves noisy (a handful of PSUs; zero when every sampled
household is poor or none is), yet the Fay–Herriot model treats them as known. A GVF replaces
them by a model prediction. The model here is log-linear in the sample size and the estimate:

``log(v_d) = b0 + b1 log(n_d) + b2 f(est_d) + e_d``,  ``f = log`` (default) or identity,

fitted by ordinary least squares on the areas with ``v_d > 0``, and back-transformed with Duan's
smearing factor ``mean(exp(e_d))`` so that the smoothed variance is unbiased for ``E(v_d)`` without
assuming normal residuals. Every area with a sample size and an estimate gets a smoothed
variance, including those whose direct variance is zero or missing.

A variance that falls like ``1/n`` has ``b1 = -1``; design effects and the dependence of the
variance on the level of the estimate (``p(1-p)/n`` for a rate) enter through ``b1`` and ``b2``.
This is the GVF practice of Wolter (2007, ch. 7) in the log form commonly used to smooth sampling
variances before fitting an area-level model (see Rao & Molina 2015, ch. 6, on smoothed sampling
variances).

References
----------
Wolter, K.M. (2007). *Introduction to Variance Estimation*, 2nd ed., Springer, ch. 7.
Duan, N. (1983). Smearing estimate: a nonparametric retransformation method. JASA 78, 605–610.
Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from rpkd.errors import InvalidInput
from rpkd.findings import Finding

Predictor = Literal["log", "linear"]


@dataclass(frozen=True)
class GvfResult:
    """Fitted GVF: coefficients, smearing factor, fit statistics and the smoothed variances."""

    predictor: Predictor
    coefficients: dict[str, float]
    smearing: float
    r_squared: float
    areas: tuple[str, ...]
    direct_variance: tuple[float | None, ...]
    smoothed_variance: tuple[float, ...]
    used: tuple[bool, ...]
    findings: tuple[Finding, ...]

    def to_arrow(self) -> pa.Table:
        """Return one row per area: direct and smoothed variance, whether it entered the fit."""
        return pa.table(
            {
                "area": list(self.areas),
                "direct_variance": list(self.direct_variance),
                "smoothed_variance": list(self.smoothed_variance),
                "used_in_fit": list(self.used),
            }
        )


def gvf(
    areas: Sequence[str],
    estimates: Sequence[float],
    variances: Sequence[float | None],
    sample_sizes: Sequence[float],
    *,
    predictor: Predictor = "log",
) -> GvfResult:
    """Return smoothed sampling variances from a log-linear GVF fitted across areas.

    ``variances`` may hold None or zero for areas whose direct variance is unusable; they get
    the prediction and are left out of the fit.

    References
    ----------
    Wolter (2007), ch. 7; Duan (1983).
    """
    est = np.asarray(estimates, dtype=float)
    n = np.asarray(sample_sizes, dtype=float)
    v = np.array([np.nan if x is None else float(x) for x in variances])
    if not (len(areas) == est.size == n.size == v.size):
        raise InvalidInput("gvf_lengths", param="areas")
    bad_n = np.flatnonzero(~(n > 0))
    if bad_n.size:
        raise InvalidInput("gvf_sample_size_invalid", param="sample_size", area=areas[bad_n[0]])
    if predictor == "log":
        bad = np.flatnonzero(~(est > 0))
        if bad.size:
            raise InvalidInput(
                "gvf_estimate_not_positive",
                param="estimate",
                area=areas[bad[0]],
                value=float(est[bad[0]]),
            )
        f = np.log(est)
    else:
        f = est
    design = np.column_stack([np.ones(est.size), np.log(n), f])
    used = np.isfinite(v) & (v > 0)
    if used.sum() <= design.shape[1]:
        raise InvalidInput("gvf_too_few", param="variance", count=int(used.sum()))
    beta, *_ = np.linalg.lstsq(design[used], np.log(v[used]), rcond=None)
    fitted = design @ beta
    resid = np.log(v[used]) - fitted[used]
    smearing = float(np.mean(np.exp(resid)))
    centred = np.log(v[used]) - np.log(v[used]).mean()
    r_squared = 1.0 - float(resid @ resid) / float(centred @ centred)
    smoothed = np.exp(fitted) * smearing
    findings = []
    if (~used).any():
        findings.append(Finding("gvf_predicted_only", "info", {"count": int((~used).sum())}))
    names = ("intercept", "log_n", "log_estimate" if predictor == "log" else "estimate")
    return GvfResult(
        predictor=predictor,
        coefficients={k: float(b) for k, b in zip(names, beta, strict=True)},
        smearing=smearing,
        r_squared=r_squared,
        areas=tuple(str(a) for a in areas),
        direct_variance=tuple(float(x) if np.isfinite(x) else None for x in v),
        smoothed_variance=tuple(float(s) for s in smoothed),
        used=tuple(bool(u) for u in used),
        findings=tuple(findings),
    )
