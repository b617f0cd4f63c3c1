"""The covariates an EBP is fitted with, from the kit: unit proxies, context variables, selection.

From the kit's ``[ebp]`` settings (``params/indonesia/sae.toml``):

- ``covariates``: unit-level proxies measured alike in survey and registry;
- ``context_levels`` (``desa``, ``kecamatan``) and ``context_proxies``: area means of those
  proxies over the whole registry, ``village`` (column names or ``"all"``): the release's
  village indicators, and ``village_log``: village columns entered as ``log(1 + x)``
  (:mod:`rpkd.sae.context`);
- ``selection``: ``"none"``, or ``"bic"``/``"aic"`` for backward selection among every usable
  candidate (:mod:`rpkd.sae.selection`), on the kit's transformation fitted to all candidates.

A candidate that is constant, collinear, or missing for some sample or registry row is dropped
first (reported in the findings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.sae.context import CONTEXT_LEVELS, with_context
from rpkd.sae.covariates import number_column, usable_columns
from rpkd.sae.diagnostics import ModelDiagnostics
from rpkd.sae.selection import CRITERIA, Selection, backward
from rpkd.sae.transform import Transformation, fit_transform

SELECTIONS = ("none", *CRITERIA)
EBP_MODELS = ("logit", "nested_error")
"""``[ebp] model``: the logit mixed model of poverty status for P0 (:mod:`rpkd.sae.logit_ebp`),
or the nested-error model of transformed welfare (:mod:`rpkd.sae.ebp`, always used for the
mean, P1 and P2)."""


@dataclass(frozen=True)
class EbpCovariates:
    """Sample and census with every candidate column, the covariates chosen and those dropped."""

    sample: pa.Table
    census: pa.Table
    candidates: tuple[str, ...]
    kept: tuple[str, ...]
    dropped: tuple[str, ...]
    selection: Selection | None


def _choices(values: Sequence[str], allowed: Sequence[str], flag: str) -> list[str]:
    for value in values:
        if value not in allowed:
            raise UsageError(
                "map_choice_invalid", param=flag, flag=flag, value=value, allowed=tuple(allowed)
            )
    return list(values)


def ebp_model_kind(options: Mapping[str, Any], weights: str) -> str:
    """Return the kit's ``[ebp] model`` (``nested_error`` when absent), checked.

    The logit model is fitted without survey weights, so it refuses ``weights = "guadarrama"``
    rather than ignore it.
    """
    kind = str(options.get("model", "nested_error"))
    _choices([kind], EBP_MODELS, "model")
    if kind == "logit" and weights != "none":
        raise UsageError("ebp_logit_weights", param="weights", weights=weights)
    return kind


def ebp_covariates(
    sample: pa.Table,
    census: pa.Table,
    villages: pa.Table | None,
    options: Mapping[str, Any],
    *,
    area: str,
    welfare: str,
) -> EbpCovariates:
    """Return the EBP's covariates chosen by the kit's ``[ebp]`` ``options``."""
    levels = _choices(options.get("context_levels", []), CONTEXT_LEVELS, "context_levels")
    selection = str(options.get("selection", "none"))
    _choices([selection], SELECTIONS, "selection")
    candidates = list(options["covariates"])
    village = options.get("village", [])
    village_log = options.get("village_log", [])
    absent: list[str] = []
    if levels or village or village_log:
        context = with_context(
            sample,
            census,
            villages,
            proxies=options.get("context_proxies", []),
            levels=levels,  # type: ignore[arg-type]
            village=village,
            village_log=village_log,
        )
        sample, census = context.sample, context.census
        candidates += context.names
        named = [] if village == "all" else [f"village_{c}" for c in village]
        named += [f"village_log_{c}" for c in village_log]
        absent = [n for n in named if n not in context.names]  # no villages release or column
    kept, dropped = usable_columns(sample, np.ones(sample.num_rows, dtype=bool), candidates)
    dropped = [*absent, *dropped]
    incomplete = [n for n in kept if np.isnan(number_column(census, n, "--covariate")).any()]
    kept = [n for n in kept if n not in incomplete]
    dropped += incomplete
    chosen = None
    if selection != "none" and kept:
        chosen = _select(sample, kept, options, area, welfare, selection)
        kept = list(chosen.kept)
    return EbpCovariates(sample, census, tuple(candidates), tuple(kept), tuple(dropped), chosen)


def _select(
    sample: pa.Table,
    names: Sequence[str],
    options: Mapping[str, Any],
    area: str,
    welfare: str,
    criterion: Any,
) -> Selection:
    """Return the backward selection on the kit's transformation fitted to all candidates."""
    codes = [str(a) for a in sample.column(area).to_pylist()]
    _, index = np.unique(np.asarray(codes, dtype=object), return_inverse=True)
    areas = int(index.max()) + 1
    y = number_column(sample, welfare, "--welfare")
    columns = [(n, number_column(sample, n, "--covariate")) for n in names]
    x = np.column_stack([np.ones(y.size), *(c for _, c in columns)])
    kind: Transformation = options.get("transformation", "box_cox")
    transform = fit_transform(kind, y, x, index, areas, "reml")
    return backward(transform.forward(y), columns, index, areas, criterion)


def selection_record(chosen: EbpCovariates) -> dict[str, Any] | None:
    """Return the backward selection as a JSON-ready record (None without selection)."""
    if chosen.selection is None:
        return None
    return {
        "criterion": chosen.selection.criterion,
        "removed": list(chosen.selection.removed),
        "value": chosen.selection.value,
    }


def model_findings(
    transformation: str,
    lam: float,
    shift: float,
    weights: str,
    diagnostics: ModelDiagnostics | None,
    chosen: EbpCovariates,
) -> list[Finding]:
    """Return the EBP model's description and diagnostics as info findings (for the officer)."""
    found = [
        Finding(
            "ebp_model_fit",
            "info",
            {
                "transformation": transformation,
                "lam": lam,
                "shift": shift,
                "weights": weights,
                "count": len(chosen.kept),
                "candidates": len(chosen.candidates),
            },
        )
    ]
    if chosen.selection is not None:
        found.append(
            Finding(
                "ebp_selection",
                "info",
                {
                    "criterion": chosen.selection.criterion.upper(),
                    "kept": list(chosen.selection.kept),
                    "removed": len(chosen.selection.removed),
                },
            )
        )
    d = diagnostics
    if d is not None and d.residual_shapiro_p is not None:
        found.append(
            Finding(
                "ebp_diagnostics",
                "info",
                {
                    "skewness": d.residual_skewness,
                    "kurtosis": d.residual_kurtosis,
                    "shapiro": d.residual_shapiro_p,
                    "r2_marginal": d.r2_marginal,
                    "r2_conditional": d.r2_conditional,
                    "icc": d.icc,
                },
            )
        )
        if d.area_skewness is not None and d.area_shapiro_p is not None:
            found.append(
                Finding(
                    "ebp_area_diagnostics",
                    "info",
                    {
                        "skewness": d.area_skewness,
                        "kurtosis": d.area_kurtosis,
                        "shapiro": d.area_shapiro_p,
                    },
                )
            )
    return found
