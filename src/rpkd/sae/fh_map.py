"""The poverty map by the Fay–Herriot model: the kit's ``[fay_herriot]`` settings on a region.

The sampling variances are the direct ones smoothed by the GVF as the kit's ``[direct]``
``min_psu`` and ``smooth`` say (:func:`rpkd.sae.inputs.smoothed_variances`). Of the area
covariates the kit names for the level, those usable among the sampled areas enter the model,
optionally selected backwards by the ``selection`` criterion on ML fits at the model's scale
(:func:`rpkd.sae.selection.fh_backward`, as ``emdi::step_fh``). The EBLUP
(:mod:`rpkd.sae.fay_herriot`) gives every area with registry covariates an estimate, the
synthetic one out of sample; an EBLUP outside [0, 1] is set to the nearest bound. With
``transformation = "arcsin"`` the model is fitted on the arcsine scale with a bootstrap MSE
(:mod:`rpkd.sae.fh_arcsin`).

References
----------
Fay, R.E. & Herriot, R.A. (1979). JASA 74, 269–277.
Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley, ch. 6.
Kreutzmann, A.-K. et al. (2019). The R package emdi. Journal of Statistical Software 91(7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from rpkd.findings import Finding
from rpkd.sae.area_row import AreaRow, area_row
from rpkd.sae.covariates import number_column, usable_columns
from rpkd.sae.fay_herriot import fay_herriot
from rpkd.sae.inputs import AREA, DirectEstimates, Level, smoothed_variances
from rpkd.sae.map_options import choice

if TYPE_CHECKING:
    from rpkd import regions
    from rpkd.sae.selection import Selection

FH_TRANSFORMATIONS = ("none", "arcsin")


def fh_rows(
    direct: DirectEstimates,
    covariates: pa.Table,
    frame: Sequence[regions.Region],
    level: Level,
    settings: Mapping[str, Any],
    seed: int,
    bootstrap: int | None,
) -> tuple[list[AreaRow], dict[str, Any], list[Finding]]:
    """Return the Fay–Herriot row of every area of ``frame``, the model's record and findings.

    ``covariates`` holds the registry's area covariates (:func:`rpkd.sae.inputs.area_covariates`);
    ``settings`` is the kit's ``sae`` document; ``bootstrap`` overrides its number of bootstrap
    replicates (the arcsine model's MSE).
    """
    options = settings["fay_herriot"]
    transformation = choice(options, "transformation", "none", FH_TRANSFORMATIONS)
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
            area_row(
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

    criterion = choice(options, "selection", "none", ("none", *FH_CRITERIA))
    if criterion == "none" or not names:
        return None
    y = number_column(table, "direct", "--direct")[sampled]
    psi = number_column(table, "psi", "--variance")[sampled]
    if transformation == "arcsin":
        scale = arcsin_scale(y, psi, reference)
        y, psi = scale.theta, scale.psi
    columns = [(n, number_column(table, n, "--covariate")[sampled]) for n in names]
    return fh_backward(y, psi, columns, criterion)
