"""95% confidence intervals of survey estimates, as R ``survey`` computes them.

* ``wald``: ``estimate ± z · se`` with the normal quantile (R ``confint`` on a ``svystat``,
  ``df = Inf``). For a proportion near 0 or 1 it can leave [0, 1].
* ``logit`` (R ``svyciprop(method = "logit")``): the Wald interval of ``logit(p)`` with the
  delta-method standard error ``se / (p (1 - p))`` and Student's t with the design's degrees of
  freedom, mapped back by ``expit``. R fits an intercept-only quasibinomial ``svyglm``, whose
  sandwich variance of the intercept is exactly this delta-method variance, and passes
  ``ddf = degf(design)``.
* ``beta`` (R ``svyciprop(method = "beta")``; Korn & Graubard 1998): Clopper–Pearson limits at
  the effective sample size ``n* = p (1 - p) / se²``, scaled by
  ``(t(0.025, n - 1) / t(0.025, df))²`` with ``n`` the number of sample records.

The degrees of freedom are R's ``degf``: sampled PSUs minus strata, counting only the PSUs and
strata that hold records of the domain (``svyby`` applies ``svyciprop`` to each domain's subset
design); a design without clusters counts each record as its PSU. With ``df ≤ 0`` R returns
``NaN`` bounds; here they are ``None``. A zero standard error (every record poor, or none) gives
the degenerate interval ``[p, p]``.

References
----------
Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small expected
number of positive counts estimated from survey data. *Survey Methodology* 24, 193-201.
Lumley, T. (2010). *Complex Surveys*. Wiley, §2.2 (svyciprop). R ``survey`` 4.1: ``svyciprop``,
``confint.svyglm``, ``degf.survey.design2``.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

from rpkd.survey import student_t

CiMethod = Literal["wald", "logit", "beta"]
CI_METHODS: tuple[CiMethod, ...] = get_args(CiMethod)
LEVEL = 0.95
Z95 = 1.959963984540054  # qnorm(0.975)

Bounds = tuple[float | None, float | None]


def interval(
    method: CiMethod, estimate: float, se: float | None, *, df: int | None = None, n: int = 0
) -> Bounds:
    """Return the 95% interval of ``estimate`` by ``method`` (``df``, ``n`` for logit and beta).

    Examples
    --------
    >>> [round(b, 6) for b in interval("wald", 0.5, 0.1)]  # 0.5 ± 1.959964 × 0.1
    [0.304004, 0.695996]
    >>> low, high = interval("logit", 0.02, 0.015, df=40)
    >>> low > 0 and high < 1
    True
    """
    if se is None or not math.isfinite(estimate) or not math.isfinite(se):
        return None, None
    if method == "wald":
        return estimate - Z95 * se, estimate + Z95 * se
    if df is None or df <= 0:
        return None, None
    if se == 0:
        return estimate, estimate
    if method == "logit":
        return _logit(estimate, se, df)
    return _beta(estimate, se, df, n)


def _t_quantile(q: float, df: int) -> float:
    """Return Student's t quantile (:mod:`rpkd.survey.student_t`, as R ``qt``)."""
    return student_t.quantile(q, df)


def _logit(p: float, se: float, df: int) -> Bounds:
    if not 0 < p < 1:
        return p, p
    return logit_bounds(p, se, _t_quantile(1 - (1 - LEVEL) / 2, df))


def logit_bounds(p: float, se: float, quantile: float) -> tuple[float, float]:
    """Return ``expit(logit(p) ± quantile · se / (p (1 - p)))`` for ``0 < p < 1``: the Wald
    interval of ``logit(p)`` with the delta-method standard error, mapped back into (0, 1).

    Examples
    --------
    >>> [round(b, 6) for b in logit_bounds(0.5, 0.1, Z95)]  # logit(0.5) = 0, se 0.4 there
    [0.313462, 0.686538]
    """
    half = quantile * se / (p * (1 - p))
    centre = math.log(p / (1 - p))
    return _expit(centre - half), _expit(centre + half)


def _expit(x: float) -> float:
    """Return ``1 / (1 + exp(-x))`` without overflow for large ``|x|``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    small = math.exp(x)
    return small / (1.0 + small)


def _beta(p: float, se: float, df: int, n: int) -> Bounds:
    from scipy.special import betaincinv  # the quantile ``scipy.stats.beta.ppf`` computes

    if n < 2:
        return None, None
    alpha = 1 - LEVEL
    effective = p * (1 - p) / se**2
    effective *= (_t_quantile(alpha / 2, n - 1) / _t_quantile(alpha / 2, df)) ** 2
    low = 0.0 if p <= 0 else float(betaincinv(effective * p, effective * (1 - p) + 1, alpha / 2))
    high = (
        1.0 if p >= 1 else float(betaincinv(effective * p + 1, effective * (1 - p), 1 - alpha / 2))
    )
    return low, high


def method_for(proportion: bool, chosen: CiMethod | None) -> CiMethod:
    """Return the interval method of an estimate: ``chosen`` (logit by default) for proportions,
    Wald for every other estimate (a mean, an index, a ratio)."""
    if not proportion:
        return "wald"
    return chosen or "logit"
