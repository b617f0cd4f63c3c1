"""The poverty map by the empirical best predictor: the kit's ``[ebp]`` settings on a region.

The survey households and registry families become unit tables with the same proxies
(:func:`rpkd.sae.inputs.sample_units`, :func:`rpkd.sae.inputs.census_units`) at the level of
the model's area effect, ``effect_level``: the map's areas, or the desa with the estimates
aggregated to the map's areas (povmap's ``aggregate_to``). The covariates are the kit's
(:func:`rpkd.sae.ebp_model.ebp_covariates`). P0, P1 and P2 come from the Molina–Rao EBP of
transformed welfare (:mod:`rpkd.sae.ebp`), unweighted or the pseudo-EBP with survey weights
(``weights = "guadarrama"``); with ``model = "logit"`` P0 comes from the logit mixed model of
poverty status (:mod:`rpkd.sae.logit_ebp`). Every area with registry families is estimated.

References
----------
Molina, I. & Rao, J.N.K. (2010). Small area estimation of poverty indicators. CJS 38, 369–385.
Guadarrama, M., Molina, I. & Rao, J.N.K. (2018). Small area estimation of general parameters
under complex sampling designs. Computational Statistics & Data Analysis 121, 20–40.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from rpkd import engine as eng
from rpkd.findings import Finding
from rpkd.sae.area_row import AreaRow, area_row
from rpkd.sae.inputs import (
    AREA,
    DirectEstimates,
    Level,
    Measure,
    SaeTables,
    census_units,
    sample_units,
    with_area_codes,
)
from rpkd.sae.map_options import choice

if TYPE_CHECKING:
    from rpkd import regions

EbpWeights = Literal["none", "guadarrama"]
EBP_WEIGHTS: tuple[EbpWeights, ...] = ("none", "guadarrama")
EffectLevel = Literal["map", "desa"]
EFFECT_LEVELS: tuple[EffectLevel, ...] = ("map", "desa")
_REPORT = "report_area"  # the map's area when the EBP's random effect is on the desa
_EBP_INDICATOR = {"fgt0": "headcount", "fgt1": "poverty_gap", "fgt2": "severity"}


def ebp_rows(
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
    """Return the EBP row of every area of ``frame``, the model's record and findings.

    ``on`` is the registry's reference date; ``settings`` is the kit's ``sae`` document and
    ``programmes`` its programme catalogue; ``bootstrap`` overrides the number of bootstrap
    replicates of ``settings``.
    """
    from rpkd.sae.ebp import ebp  # scipy: loaded only when the EBP is asked for
    from rpkd.sae.ebp_model import (
        ebp_covariates,
        ebp_model_kind,
        model_findings,
        selection_record,
    )

    options = settings["ebp"]
    effect = choice(options, "effect_level", "map", EFFECT_LEVELS)
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
    weights = choice(options, "weights", "none", EBP_WEIGHTS)
    if ebp_model_kind(options, weights) == "logit" and measure == "fgt0":
        from rpkd.sae.logit_ebp import PREDICTORS, logit_cuts, logit_map, score_degree
        from rpkd.sae.ordinal_ebp import LINE_CUTS

        predictor = choice(options, "logit_predictor", "covariates", PREDICTORS)
        values, model, found = logit_map(
            chosen,
            area=AREA,
            line=line,
            bootstrap=boot,
            seed=seed,
            report=report,
            predictor=predictor,
            cuts=logit_cuts(options),
            degree=score_degree(options),
            line_cut=choice(options, "line_cut", "likelihood", LINE_CUTS),
        )
        model["effect_level"] = fit_level
        by_area = {a.area: a for a in direct.areas}
        rows = []
        for r in frame:
            estimate, mse = values.get(r.code, (None, None))
            rows.append(area_row(r, by_area.get(r.code), "ebp", estimate, mse, r.code in by_area))
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
        rows.append(area_row(r, by_area.get(r.code), "ebp", estimate, mse, r.code in by_area))
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
