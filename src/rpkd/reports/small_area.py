"""Small-area results as an officer reads them: the poverty map's table and a Fay–Herriot fit.

The JSON and CSV forms keep fractions; these views write P0 in percent and P1, P2 ×100 (BPS),
CVs in percent with the reliability class of the kit's threshold, region names beside codes,
and a Fay–Herriot fit of any direct estimates with six significant digits. Headers are
catalogue label keys (``sae.*``).
"""

from __future__ import annotations

import math

import pyarrow as pa

from rpkd import locale
from rpkd.locale import Lang
from rpkd.locale.formats import fill
from rpkd.reports.estimates import Kind, shown
from rpkd.sae.area_estimates import PovertyMap, map_cv
from rpkd.sae.fay_herriot import FayHerriotResult


def significant(value: float | None, lang: Lang) -> str:
    """Return a number with six significant digits in the language's separators."""
    if value is None or not math.isfinite(value):
        return "–"
    return fill("{v:.6g}", lang, {"v": value})


def _text(columns: dict[str, list[str]]) -> pa.Table:
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})


def reliability(cv: float | None, threshold: float, lang: Lang) -> str:
    """Return ``andal`` or ``kurang andal`` by the CV threshold (``–`` without a CV)."""
    if cv is None:
        return "–"
    return locale.label("sae.unreliable" if cv > threshold else "sae.reliable", lang)


def map_view(result: PovertyMap, threshold: float, lang: Lang) -> pa.Table:
    """Return the poverty map's table: code, name, direct and final estimates, CVs, reliability."""
    how: Kind = "percent" if result.measure == "fgt0" else "index"
    areas = result.areas
    return _text(
        {
            "sae.area": [a.area for a in areas],
            "sae.name": [a.name for a in areas],
            "sae.direct": [shown(a.direct, how, lang) for a in areas],
            "sae.direct_cv": [shown(a.direct_cv, "percent", lang) for a in areas],
            "sae.estimate": [shown(a.estimate, how, lang) for a in areas],
            "sae.rmse": [shown(a.rmse, how, lang) for a in areas],
            "sae.cv": [shown(a.cv, "percent", lang) for a in areas],
            "sae.reliability": [reliability(map_cv(a), threshold, lang) for a in areas],
            "sae.in_sample": [locale.label("yes" if a.in_sample else "no", lang) for a in areas],
        }
    )


def map_title(result: PovertyMap, lang: Lang) -> str:
    """Return ``<measure> — <method>`` in the language."""
    measure = locale.label(f"sae.measure.{result.measure}", lang)
    return f"{measure} — {locale.label(f'sae.method.{result.method}', lang)}"


def coefficients_view(fit: FayHerriotResult, lang: Lang) -> pa.Table:
    """Return the fit's coefficients with their standard errors."""
    names = list(fit.coefficients)
    return _text(
        {
            "sae.covariate": names,
            "sae.beta": [significant(fit.coefficients[n], lang) for n in names],
            "sae.se": [significant(fit.coefficient_se[n], lang) for n in names],
        }
    )


def _rse(estimate: float, mse: float) -> float | None:
    if estimate == 0 or mse < 0:
        return None
    return math.sqrt(mse) / abs(estimate)


def fay_herriot_view(fit: FayHerriotResult, lang: Lang) -> pa.Table:
    """Return one row per area: direct, EBLUP, MSE, shrinkage and RSE = sqrt(MSE)/EBLUP."""
    areas = fit.areas
    return _text(
        {
            "sae.area": [a.area for a in areas],
            "sae.direct": [significant(a.direct, lang) for a in areas],
            "sae.eblup": [significant(a.eblup, lang) for a in areas],
            "sae.mse": [significant(a.mse, lang) for a in areas],
            "sae.gamma": [significant(a.gamma, lang) for a in areas],
            "sae.rse": [shown(_rse(a.eblup, a.mse), "percent", lang) for a in areas],
        }
    )


def fay_herriot_title(fit: FayHerriotResult, lang: Lang) -> str:
    """Return the title of the areas table: method and the area-effect variance."""
    return locale.message(
        "sae_fh_title", lang, method=fit.method.upper(), sigma2_u=significant(fit.sigma2_u, lang)
    )
