"""Accuracy study of the poverty map: direct, Fay–Herriot and EBP against the synthetic truth.

For each seed a synthetic Kapuas (``rpkd.synth.synthesize``, ``--families`` families, the
survey of ~900 households the generator draws) is estimated at kecamatan and desa level by
:func:`rpkd.sae.area_estimates.estimate_areas` (no benchmarking): the three methods with the
shipped ``sae`` document and variants of it (FH with unsmoothed variances, and every model option
the document offers: EBP without weights, with village and registry context variables, with
BIC selection; FH on the arcsine scale, with village covariates). The true area P0 is the
family-size-weighted share of persons whose true per-capita consumption (``truth/families``) is
below the line. Reported per level and method, pooled over seeds and areas: bias, RMSE, relative
RMSE, the coverage of the nominal 95% interval the map reports (``estimate ± 1.96 sqrt(MSE)``
cut to [0, 1]: ``rpkd.sae.intervals.proportion_interval``); per method the
bias over seeds of the district aggregate (population-weighted mean of the area estimates); the
goals of issue 19 with yes/no; and an oracle (a least-squares fit of the true P0 of every area,
leave-one-out) as a reference for what area-level covariates can explain. Writes
``docs/sae-accuracy.md`` and ``docs/img/sae-*.png`` (``--doc PATH``: the report at PATH and the
plots in ``img/`` beside it, named after the report's stem, e.g. for a trial run or the
registry-scale run ``--families 120109 --doc docs/sae-accuracy-kapuas-scale.md``).

Usage: ``nice -n 10 .venv/bin/python benchmarks/sae_accuracy.py --seeds 1-10 [--families 20000]
[--bootstrap 40] [--variants fh,ebp,...] [--rows rows.json] [--doc docs/sae-accuracy.md]``
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd import params
from rpkd.sae.area_estimates import Method, PovertyMap, SaeTables, estimate_areas
from rpkd.sae.benchmark import benchmark
from rpkd.sae.covariates import number_column
from rpkd.sae.ebp_model import ebp_covariates
from rpkd.sae.inputs import AREA, Level, census_units, sample_units
from rpkd.sae.intervals import proportion_interval
from rpkd.sae.logit_ebp import Population, predict_headcounts, score_degree, scored
from rpkd.sae.logit_mixed import fit_at, fit_logit_mixed
from rpkd.sae.unit_inputs import area_indices, census_weights, unit_matrices
from rpkd.survey.intervals import Z95, logit_bounds
from rpkd.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "sae-accuracy.md"
LEVELS: tuple[Level, ...] = ("kecamatan", "desa")
METHODS: tuple[Method, ...] = ("direct", "fh", "ebp")
LABELS = (*METHODS, "fh-unstable", "fh+bench", "ebp+bench")
EBP_VILLAGE = (
    "travel_kabupaten_min",
    "travel_kecamatan_min",
    "river_only",
    "car_all_year",
    "has_market",
    "has_sma",
    "signal_strong",
    "internet_4g",
)
"""Village columns of ``ebp-village``: the Podes-style access and service indicators."""
VILLAGE_LOG = ("travel_kabupaten_min", "travel_kecamatan_min")
"""Village columns of ``ebp-score-village`` and ``ebp-known-village``, as log(1 + minutes)."""
CONTEXT_PROXIES = ("head_primary", "electricity_pln", "earth_floor", "has_refrigerator")
"""Registry proxies whose desa and kecamatan means enter ``ebp-context``."""
FH_VILLAGE = {
    "kecamatan": ("travel_kabupaten_min",),
    "desa": ("travel_kabupaten_min", "travel_kecamatan_min", "river_only", "signal_strong"),
}
"""Village columns whose area means enter ``fh-arcsin-village`` (few for 17 kecamatan)."""
_HARD = (
    "Why the goals are hard in this world (reasoning, checked against the computed lines "
    "above). A desa has about {per_desa:.0f} families ({families:,} over 231), so its *true* "
    "P0 is itself a "
    "small-sample quantity: a model that knew each desa's expected poverty rate exactly, but "
    "not which of its families are poor, would still miss the realised P0 by about "
    "√(0.05·0.95/{per_desa:.0f}) ≈ {noise:.1f} points at P0 = 5% (more, as persons cluster in "
    "families). An "
    "area-level model (FH) cannot go below that, as the oracle line shows; only a unit-level "
    "model whose proxies, observed for every registry family, tell poor families apart can. "
    "The desa goal of 2.5 points therefore needs an EBP whose proxies and context variables "
    "leave little unexplained. How little the world allows is measured apart: given every "
    "parameter of the generator, no estimator can expect a desa RMSE under 3.0–3.2 points at "
    "20,000 families nor under 1.3 at 120,109, nor a kecamatan RMSE under 0.7 and 0.3 (the "
    "Bayes risk, `benchmarks/sae_bayes_bound.py`, docs/sae-models.md). "
    "Half of the desa effect's variance is explained by the "
    "village characteristics by construction (`explained_share = 0.5`); the other half, and "
    "the kecamatan effect, can only be learnt from the about {sampled:.0f} sampled desa. What the "
    "village columns can add beyond the registry is, by construction, a quarter of the desa "
    "effect's variance (half explained by them, of which half does not show in the proxies): "
    "an sd of 0.2 on the latent scale, against an idiosyncratic sd of 1 per family, so context "
    "variables can narrow the desa errors only a little here; their extra coefficients are "
    "estimated from the same {sampled:.0f} desa. "
    "Figures of earlier versions of this page are not comparable: their world had desa "
    "effects unrelated to the village columns and fully visible in the registry proxies. "
    "The district-bias goal is judged on {seeds} seeds: the standard error of a mean bias is "
    "about {se:.2f} points (the unbiased direct estimate's, over the same seeds), {resolution}"
)
ANALYSIS: tuple[str, ...] = (
    "",
    "What the methods do (independent of this run): direct estimates exist only for sampled "
    "areas and their linearised variance is zero where no sampled person is poor, so their "
    "intervals miss there; FH borrows strength from registry aggregates (desil 1–2 share, "
    "sanitation, RTLH, urban share, family size) and gives every area with registry families "
    "an estimate, negative EBLUPs truncated at 0; the shipped EBP predicts each registry "
    "family's probability of being poor from unit-level proxies shared by survey and registry "
    "(cumulative logit mixed model of the survey households' welfare cut at the line and at "
    "the sample quantiles `[ebp] logit_cuts`; `ebp-binary`: of their poverty status alone) and "
    "averages it over the "
    "area's families, while `ebp-nested` predicts their welfare (Box–Cox nested-error model) "
    "and averages FGT over Monte Carlo draws. All three assume the synthetic survey and registry "
    "measure the proxies alike, which the generator guarantees and a real district must check.",
)


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        out += list(range(int(low), int(high or low) + 1))
    return out


def _span(seeds: list[int]) -> str:
    return (
        f"{seeds[0]}-{seeds[-1]}"
        if seeds == list(range(seeds[0], seeds[-1] + 1))
        else (",".join(map(str, seeds)))
    )


Families = tuple[list[str], np.ndarray, np.ndarray]
"""Every registry family's desa code, size and true per-capita consumption (:func:`_families`)."""


def _families(folder: Path) -> Families:
    """Return every registry family's desa code, size and true per-capita consumption."""
    families = pq.read_table(
        folder / "families.parquet", columns=["family_id", "desa_code", "family_size"]
    )
    truth = pq.read_table(
        folder / "truth" / "families.parquet", columns=["family_id", "consumption_per_capita"]
    )
    consumption = dict(
        zip(
            truth.column("family_id").to_pylist(),
            truth.column("consumption_per_capita").to_pylist(),
            strict=True,
        )
    )
    ids = families.column("family_id").to_pylist()
    return (
        families.column("desa_code").to_pylist(),
        np.asarray(families.column("family_size").to_numpy(), dtype=float),
        np.array([consumption[f] for f in ids], dtype=float),
    )


def _truth(families: Families, line: float) -> dict[str, dict[str, float]]:
    codes, size, consumption = families
    out: dict[str, dict[str, float]] = {}
    for level, width in (("district", 5), ("kecamatan", 8), ("desa", None)):
        poor: dict[str, float] = {}
        persons: dict[str, float] = {}
        for code, n, c in zip(codes, size, consumption, strict=True):
            area = code[:width] if width else code
            persons[area] = persons.get(area, 0.0) + n
            poor[area] = poor.get(area, 0.0) + n * (c < line)
        out[level] = {a: poor[a] / persons[a] for a in persons}
    return out


def _measured(families: Families, line: float, noise_sd: float) -> float:
    """Return the district P0 the survey's measurement expects: the person-weighted mean of
    ``P(c exp(e) < line) = Phi((log line - log c) / noise_sd)`` over every family's true
    per-capita consumption ``c``, ``e ~ N(0, noise_sd^2)`` being the noise the generator puts
    on the survey's expenditure (``synth.toml [welfare] measurement_sd``) and not on the truth.
    Any estimator fitted to the survey's poverty statuses aims at this figure, not at the true
    P0 (a noise symmetric on the log scale moves mass across the line in both directions, and
    more of it downwards where the density rises towards the line)."""
    from scipy.special import ndtr

    _, size, c = families
    below = ndtr((np.log(line) - np.log(c)) / noise_sd) if noise_sd > 0 else (c < line) * 1.0
    return float(np.sum(size * below) / np.sum(size))


@dataclass(frozen=True)
class Variant:
    """One estimator compared: a label, the method and the kit's ``sae`` document it runs with."""

    label: str
    method: Method
    settings: Mapping[str, Any]
    description: str


def _changed(doc: Mapping[str, Any], section: str, **values: Any) -> dict[str, Any]:
    """Return a deep copy of the ``sae`` document with ``values`` set in ``section``."""
    out: dict[str, Any] = copy.deepcopy(dict(doc))
    out[section] = {**out[section], **values}
    return out


def _variants(doc: Mapping[str, Any]) -> list[Variant]:
    """Return the estimators compared: the three methods with the shipped ``sae`` document, and
    FH with direct variances kept where stable (``[direct] smooth = "unstable"``)."""
    if doc["direct"].get("smooth") != "all":
        raise SystemExit('params/indonesia/sae.toml no longer holds [direct] smooth = "all"')
    return [
        *(
            Variant(m, m, doc, f"`rpkd map --method {m} --no-benchmark`, shipped kit")
            for m in METHODS
        ),
        Variant(
            "fh-unstable",
            "fh",
            _changed(doc, "direct", smooth="unstable"),
            "FH keeping each area's direct variance where it comes from at least two PSUs and "
            'is positive (`[direct] smooth = "unstable"`)',
        ),
        *_options(doc),
    ]


def _options(doc: Mapping[str, Any]) -> list[Variant]:
    """Return the variants of the model options the kit's ``sae`` document offers (each only
    when its key exists, so the study runs with whatever options the package has)."""
    fh, ebp = doc["fay_herriot"], doc["ebp"]
    out: list[Variant] = []
    nested: dict[str, Any] = {}
    if ebp.get("model", "nested_error") == "logit":
        # the nested-error model of transformed welfare: the EBP's options below are its own
        nested = {"model": "nested_error"}
        out += [
            Variant(
                "ebp-nested",
                "ebp",
                _changed(doc, "ebp", **nested),
                "the Molina–Rao EBP on Box–Cox-transformed welfare, normal errors, otherwise "
                'the shipped kit (`[ebp] model = "nested_error"`, the P0 model before the logit)',
            ),
            Variant(
                "ebp-nested-empirical",
                "ebp",
                _changed(doc, "ebp", errors="empirical", **nested),
                "`ebp-nested` with unit errors drawn from the fit's scaled residuals (ELL, "
                '`errors = "empirical"`)',
            ),
        ]
    if "logit_predictor" in ebp:
        scored = ebp["logit_predictor"] == "pmt_score"
        out.append(
            Variant(
                "ebp-covariates" if scored else "ebp-pmt-score",
                "ebp",
                _changed(
                    doc,
                    "ebp",
                    logit_predictor="covariates" if scored else "pmt_score",
                    **({"village_log": []} if "village_log" in ebp else {}),
                ),
                (
                    "the logit EBP with one coefficient per covariate"
                    if scored
                    else "the logit EBP on the households' proxy-means score (least-squares "
                    "prediction of log welfare from the covariates)"
                )
                + " and no village column"
                + f' (`[ebp] logit_predictor = "{"covariates" if scored else "pmt_score"}"`'
                + (", `village_log = []`)" if "village_log" in ebp else ")"),
            )
        )
    if ebp.get("logit_cuts"):
        out.append(
            Variant(
                "ebp-binary",
                "ebp",
                _changed(doc, "ebp", logit_cuts=[]),
                "the shipped EBP on the poverty status alone, the binary logit mixed model "
                "without the cuts (`[ebp] logit_cuts = []`; the model before the cuts had the "
                "score alone)",
            )
        )
    if ebp.get("logit_cuts") and "line_cut" in ebp:
        counted = ebp["line_cut"] == "count"
        other = "likelihood" if counted else "count"
        out.append(
            Variant(
                f"ebp-line-{other}",
                "ebp",
                _changed(doc, "ebp", line_cut=other),
                (
                    "the shipped EBP with the cut model's maximum-likelihood cut-point at the "
                    "line (the model before `line_cut`)"
                    if counted
                    else "the shipped EBP with the line's cut-point re-solved to the sample's "
                    "count of poor households"
                )
                + f' (`[ebp] line_cut = "{other}"`)',
            )
        )
    if ebp.get("logit_predictor") == "pmt_score":
        squared = ebp.get("score_degree", 1) == 2
        out.append(
            Variant(
                "ebp-linear-score" if squared else "ebp-squared-score",
                "ebp",
                _changed(doc, "ebp", score_degree=1 if squared else 2),
                (
                    "the shipped EBP with the score alone in the logit, without its square "
                    "(`[ebp] score_degree = 1`, the model before the square)"
                    if squared
                    else "the shipped EBP with the centred score's square beside the score in "
                    "the logit (`[ebp] score_degree = 2`)"
                ),
            )
        )
    if "weights" in ebp:
        weighted = ebp["weights"] != "none"
        other = "none" if weighted else "guadarrama"
        out.append(
            Variant(
                "ebp-unweighted" if weighted else "ebp-weighted",
                "ebp",
                _changed(doc, "ebp", weights=other, **nested),
                (
                    "EBP without survey weights"
                    if weighted
                    else "pseudo-EBP with the survey weights (Guadarrama, Molina & Rao 2018)"
                )
                + (" on the nested-error model" if nested else "")
                + f' (`[ebp] weights = "{other}"`)',
            )
        )
    if ebp.get("village_log"):
        out.append(
            Variant(
                "ebp-no-travel",
                "ebp",
                _changed(doc, "ebp", village_log=[]),
                "the shipped EBP without the villages' travel times (`village_log = []`)",
            )
        )
    elif "village_log" in ebp and "logit_predictor" in ebp:
        out.append(
            Variant(
                "ebp-score-village",
                "ebp",
                _changed(doc, "ebp", logit_predictor="pmt_score", village_log=list(VILLAGE_LOG)),
                "the logit EBP on the proxy-means score with the travel times "
                f"{', '.join(VILLAGE_LOG)} as log(1 + minutes) among the score's covariates "
                '(`logit_predictor = "pmt_score"`, `village_log = [...]`)',
            )
        )
    if "effect_level" in ebp:
        other = "map" if ebp["effect_level"] == "desa" else "desa"
        out.append(
            Variant(
                "ebp-kecamatan-effect" if other == "map" else "ebp-desa-effect",
                "ebp",
                _changed(doc, "ebp", effect_level=other),
                (
                    "EBP whose random effect is on the map's own areas, kecamatan on the "
                    "kecamatan map (the model before `effect_level`)"
                    if other == "map"
                    else "EBP with the random effect on the desa, aggregated to the kecamatan "
                    "map (povmap's aggregate_to)"
                )
                + f' (`[ebp] effect_level = "{other}"`); the desa map is the same',
            )
        )
    if "village" in ebp and "context_levels" in ebp:
        context = {
            "village": "all",
            "context_levels": ["desa", "kecamatan"],
            "context_proxies": list(CONTEXT_PROXIES),
        }
        logged = set(ebp.get("village_log", []))
        village = [c for c in EBP_VILLAGE if c not in logged]
        out.append(
            Variant(
                "ebp-village",
                "ebp",
                _changed(doc, "ebp", village=village),
                f"the shipped EBP with the village columns {', '.join(village)} as context "
                "variables (`[ebp] village = [...]`)",
            )
        )
        if "selection" in ebp:
            out.append(
                Variant(
                    "ebp-context-bic",
                    "ebp",
                    _changed(doc, "ebp", selection="bic", **context),
                    "EBP with every numeric village column and the desa and kecamatan means "
                    f"of {', '.join(CONTEXT_PROXIES)} as context variables, after backward "
                    'selection by BIC (`village = "all"`, `context_levels = ["desa", '
                    '"kecamatan"]`, `selection = "bic"`)',
                )
            )
    if "transformation" in fh:
        out.append(
            Variant(
                "fh-arcsin",
                "fh",
                _changed(doc, "fay_herriot", transformation="arcsin"),
                "FH on asin(√p) with the bias-corrected back-transformation (`[fay_herriot] "
                'transformation = "arcsin"`)',
            )
        )
        with_village = {
            level: [*fh[level], *(f"village_{c}" for c in FH_VILLAGE[level])]
            for level in ("kecamatan", "desa")
        }
        out.append(
            Variant(
                "fh-arcsin-village",
                "fh",
                _changed(doc, "fay_herriot", transformation="arcsin", **with_village),
                "`fh-arcsin` with area means of village columns added to the covariates "
                f"(kecamatan: {', '.join(FH_VILLAGE['kecamatan'])}; desa: "
                f"{', '.join(FH_VILLAGE['desa'])})",
            )
        )
    return out


def _benchmarked(result: PovertyMap) -> dict[str, tuple[float | None, float | None, bool]]:
    """Return the estimates ratio-benchmarked to the district direct estimate (MSE unchanged)."""
    usable = [a for a in result.areas if a.estimate is not None and a.population]
    adjusted = benchmark(
        [a.area for a in usable],
        [float(a.estimate or 0.0) for a in usable],
        [float(a.population or 0.0) for a in usable],
        result.district_direct,
    )
    factor = adjusted.adjustment
    return {
        a.area: (None if a.estimate is None else a.estimate * factor, a.rmse, a.in_sample)
        for a in result.areas
    }


def _run_seed(
    seed: int, families: int, bootstrap: int, work: Path, variants: list[Variant]
) -> list[dict[str, Any]]:
    """Return one row per (level, estimator, area) and one ``district`` row per (level,
    estimator): the population-weighted aggregate of the area estimates against the true
    district P0 and the district direct estimate."""
    folder = work / f"seed{seed}"
    kit = params.load_kit(None)
    result = synthesize("62.03", folder, kit=kit, families=families, seed=seed, fmt="parquet")
    line = float(result.summary["lines"]["poverty"]["value"])
    on = date.fromisoformat(result.summary["reference_date"])
    registry = _families(folder)
    truth = _truth(registry, line)
    measured = _measured(registry, line, float(kit.document("synth")["welfare"]["measurement_sd"]))
    rows: list[dict[str, Any]] = [
        {
            "seed": seed,
            "level": level,
            "method": "oracle",
            "area": "oracle",
            "rmse": _oracle(folder, truth[level], level),
        }
        for level in LEVELS
    ]
    engine = eng.connect()
    try:
        tables = SaeTables(
            survey=eng.table(engine, folder / "survey.parquet"),
            families=eng.table(engine, folder / "families.parquet"),
            persons=eng.table(engine, folder / "persons.parquet"),
            villages=eng.table(engine, folder / "villages.parquet"),
        )
        for level in LEVELS:
            for variant in variants:
                started = time.perf_counter()
                estimated = estimate_areas(
                    tables,
                    region="62.03",
                    level=level,
                    measure="fgt0",
                    method=variant.method,
                    line=line,
                    on=on,
                    seed=seed,
                    bootstrap=bootstrap,
                    settings=variant.settings,
                    programmes=kit.document("programmes"),
                )
                seconds = time.perf_counter() - started
                values = {a.area: (a.estimate, a.rmse, a.in_sample) for a in estimated.areas}
                labelled = [(variant.label, values)]
                if variant.label in ("fh", "ebp"):
                    labelled.append((f"{variant.label}+bench", _benchmarked(estimated)))
                for name, found in labelled:
                    for area, (estimate, rmse, in_sample) in found.items():
                        if area in truth[level]:
                            rows.append(
                                {
                                    "seed": seed,
                                    "level": level,
                                    "method": name,
                                    "area": area,
                                    "in_sample": in_sample,
                                    "truth": truth[level][area],
                                    "estimate": estimate,
                                    "rmse": rmse,
                                    "seconds": seconds,
                                }
                            )
                rows.append(
                    {
                        "seed": seed,
                        "level": level,
                        "method": variant.label,
                        "area": "district",
                        "aggregate": _aggregate(estimated),
                        "direct": estimated.district_direct,
                        "direct_se": estimated.district_se,
                        "truth": truth["district"]["62.03"],
                        "measured": measured,
                        "seconds": seconds,
                    }
                )
                print(f"seed {seed} {level} {variant.label}: {seconds:.1f} s", flush=True)
        for label, changed in ORACLES.items():
            rows += _known_parameters(seed, folder, tables, kit, line, on, truth, label, changed)
    finally:
        eng.close(engine)
    return rows


KNOWN = "ebp-known"
"""The logit EBP on the unit covariates at population parameters (:func:`_known_parameters`)."""
KNOWN_VILLAGE = "ebp-known-village"
"""The same oracle with the village characteristics among the covariates."""
KNOWN_SHIPPED = "ebp-known-shipped"
"""The shipped EBP (the kit's ``[ebp]`` options unchanged) at population parameters."""
ORACLES: dict[str, dict[str, Any]] = {
    KNOWN: {"village_log": [], "village": [], "logit_predictor": "covariates"},
    KNOWN_VILLAGE: {
        "village_log": list(VILLAGE_LOG),
        "village": [c for c in EBP_VILLAGE if c not in VILLAGE_LOG],
        "logit_predictor": "covariates",
    },
    KNOWN_SHIPPED: {},
}
"""The known-parameter oracles: label, and the ``[ebp]`` options changed from the kit's."""
ORACLE_READING = {
    KNOWN: (
        "the logit EBP on the kit's unit covariates (one coefficient each, no village column) "
        "predicting at its model's population parameters",
        "these covariates",
    ),
    KNOWN_VILLAGE: (
        "the same EBP with the village characteristics among its covariates, at its population "
        "parameters",
        "these covariates and the village characteristics",
    ),
    KNOWN_SHIPPED: (
        "the shipped EBP (the kit's model, covariates and village columns) at its population "
        "parameters (with the proxy-means score, the score's coefficients from a least-squares "
        "fit of every registry family's true log consumption; the logit of the status at the "
        "line fitted to every family's status, the cuts having nothing to add to it there)",
        "the shipped model's covariates and village columns",
    ),
}
"""How the reading names each oracle and what its covariates are."""


def _known_parameters(
    seed: int,
    folder: Path,
    tables: SaeTables,
    kit: params.Kit,
    line: float,
    on: date,
    truth: dict[str, dict[str, float]],
    label: str,
    changed: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Return the area rows of the logit EBP (the kit's ``[ebp]`` options with ``changed``,
    desa effects) predicting at the parameters its model takes on the *whole population*:
    ``beta`` and ``sigma2_u`` fitted to every registry family's true poverty status (on the
    proxy-means score fitted to every family's true log consumption, when the options name
    it), the area effects' posterior from the survey sample as the EBP has it.

    Not an estimator (it sees the truth of every family): what the EBP could reach with these
    covariates if its coefficients and variance were known exactly, so no estimation error in
    them; its errors are what the covariates, the link and the sample leave unexplained. (The
    proxy-means score model is this model with ``beta`` restricted to ``b * gamma``, so at
    population parameters it cannot fit the statuses better.)
    """
    started = time.perf_counter()
    programmes = kit.document("programmes")
    options = {**kit.document("sae", sections=("ebp",))["ebp"], **changed}
    sample = eng.fetch(
        sample_units(tables.survey, tables.families, level="desa", programmes=programmes)
    )
    census = eng.fetch(
        census_units(tables.families, tables.persons, level="desa", on=on, programmes=programmes)
    )
    villages = None if tables.villages is None else eng.fetch(tables.villages)
    chosen = ebp_covariates(sample, census, villages, options, area=AREA, welfare="welfare")
    codes, census_index, sample_index = area_indices(chosen.sample, chosen.census, AREA)
    x_sample, x_census = unit_matrices(chosen.sample, chosen.census, list(chosen.kept), ())
    weight = census_weights(chosen.census, "household_size")
    consumption = pq.read_table(
        folder / "truth" / "families.parquet", columns=["family_id", "consumption_per_capita"]
    ).to_pydict()
    by_family = dict(zip(*consumption.values(), strict=True))
    ids = chosen.census.column("family_id").to_pylist()
    true_welfare = np.array([by_family[f] for f in ids], dtype=float)
    poor_census = (true_welfare < line).astype(float)
    if options.get("logit_predictor") == "pmt_score":
        gamma = np.linalg.lstsq(x_census.values, np.log(true_welfare), rcond=None)[0]
        x_sample, x_census = scored(x_sample, x_census, gamma, score_degree(options))
    poor_sample = (number_column(chosen.sample, "welfare", "welfare") < line).astype(float)
    m = codes.size
    population = fit_logit_mixed(poor_census, x_census.values, census_index, m)
    at = fit_at(population.beta, population.sigma2_u, poor_sample, x_sample.values, sample_index, m)
    total = np.bincount(census_index, weights=weight, minlength=m)
    pop = Population(x_census.values @ at.beta, census_index, weight, total)
    desa = predict_headcounts(pop, at, poor_sample, x_sample.values @ at.beta, sample_index)
    seconds = time.perf_counter() - started
    kecamatan = sorted({str(c)[:8] for c in codes})
    up = np.array([kecamatan.index(str(c)[:8]) for c in codes])
    estimates = {
        "desa": (list(map(str, codes)), desa, at.n > 0),
        "kecamatan": (
            kecamatan,
            np.bincount(up, total * desa, len(kecamatan)) / np.bincount(up, total, len(kecamatan)),
            np.bincount(up, at.n, len(kecamatan)) > 0,
        ),
    }
    rows = []
    for level, (areas, values, sampled) in estimates.items():
        for area, estimate, in_sample in zip(areas, values, sampled, strict=True):
            if area in truth[level]:
                rows.append(
                    {
                        "seed": seed,
                        "level": level,
                        "method": label,
                        "area": area,
                        "in_sample": bool(in_sample),
                        "truth": truth[level][area],
                        "estimate": float(estimate),
                        "rmse": None,
                        "seconds": seconds,
                    }
                )
    print(f"seed {seed} {label}: sigma2_u {population.sigma2_u:.3f}, {seconds:.1f} s", flush=True)
    return rows


VILLAGE_TERMS = (
    "travel_kabupaten_min",
    "travel_kecamatan_min",
    "river_only",
    "car_all_year",
    "has_market",
    "has_sma",
    "signal_strong",
    "internet_4g",
    "share_pln",
)
"""Numeric village characteristics of the oracle fit (travel times enter as log(1 + minutes))."""


def _oracle(folder: Path, truth: dict[str, float], level: str) -> float:
    """Return the leave-one-out RMSE of an OLS fit of every area's *true* P0 on its registry
    desil 1–2 share and urban share and (desa level) its village characteristics.

    Not an estimator (it sees the truth of every area): what a linear area-level model could
    reach with these covariates if every area's P0 were known without sampling error.
    """
    families = pq.read_table(folder / "families.parquet", columns=["desa_code", "desil", "urban"])
    width = 8 if level == "kecamatan" else None
    codes = [c[:width] if width else c for c in families.column("desa_code").to_pylist()]
    areas = sorted(truth)
    index = {a: i for i, a in enumerate(areas)}
    at = np.array([index[c] for c in codes])
    count = np.bincount(at, minlength=len(areas)).astype(np.float64)
    desil = families.column("desil").to_numpy(zero_copy_only=False).astype(np.float64)
    urban = families.column("urban").to_numpy(zero_copy_only=False).astype(np.float64)
    columns = [
        np.bincount(at, desil <= 2, len(areas)) / count,
        np.bincount(at, urban, len(areas)) / count,
    ]
    if level == "desa":
        villages = pq.read_table(folder / "villages.parquet").to_pydict()
        order = [index[c] for c in villages["desa_code"]]
        for name in VILLAGE_TERMS:
            x = np.zeros(len(areas))
            x[order] = np.asarray(villages[name], dtype=np.float64)
            columns.append(np.log1p(x) if name.endswith("_min") else x)
    x = np.column_stack([np.ones(len(areas)), *columns])
    y = np.array([truth[a] for a in areas])
    hat = x @ np.linalg.pinv(x)
    loo = (y - hat @ y) / (1.0 - np.diag(hat))
    return float(np.sqrt(np.mean(loo**2)))


def _aggregate(result: PovertyMap) -> float | None:
    """Return the population-weighted mean of the area estimates (the map's district figure);
    ``None`` when some area with population has no estimate (direct at desa level)."""
    weighted = [(a.estimate, a.population) for a in result.areas if a.population]
    if any(estimate is None for estimate, _ in weighted):
        return None
    total = sum(float(w or 0.0) for _, w in weighted)
    return sum(float(e or 0.0) * float(w or 0.0) for e, w in weighted) / total


def _summary(
    rows: list[dict[str, Any]], level: str, method: str, sampled: bool | None
) -> dict[str, Any]:
    chosen = [
        r
        for r in rows
        if r["level"] == level
        and r["method"] == method
        and r["area"] not in ("district", "oracle")
        and (sampled is None or r["in_sample"] == sampled)
    ]
    estimated = [r for r in chosen if r["estimate"] is not None]
    if not estimated:
        return {"areas": 0}
    error = np.array([r["estimate"] - r["truth"] for r in estimated])
    truth = np.array([r["truth"] for r in estimated])
    with_mse = [r for r in estimated if r["rmse"] is not None]
    bounds = [(proportion_interval(r["estimate"], r["rmse"]), r["truth"]) for r in with_mse]
    covered = [low <= truth <= high for (low, high), truth in bounds]
    return {
        "areas": len(estimated) / len({r["seed"] for r in estimated}),
        "of": len(chosen) / len({r["seed"] for r in chosen}),
        "bias": float(error.mean()),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "rrmse": float(np.sqrt(np.mean(error**2)) / truth.mean()),
        "coverage": float(np.mean(covered)) if covered else None,
        "mean_estimated_rmse": float(np.mean([r["rmse"] for r in with_mse])) if with_mse else None,
    }


def _district(rows: list[dict[str, Any]], level: str, method: str) -> dict[str, Any]:
    """Return the bias and RMSE over seeds of the district aggregate of ``method``'s areas
    (``key = "aggregate"``) and, for reference, of the district direct estimate."""
    chosen = [
        r for r in rows if r["level"] == level and r["method"] == method and r["area"] == "district"
    ]
    out: dict[str, Any] = {"seeds": len(chosen)}
    for key in ("aggregate", "direct"):
        error = np.array([r[key] - r["truth"] for r in chosen if r.get(key) is not None])
        if len(error):
            out[key] = {
                "bias": float(error.mean()),
                "se": float(error.std(ddof=1) / np.sqrt(len(error))) if len(error) > 1 else None,
                "rmse": float(np.sqrt(np.mean(error**2))),
            }
            against = [r[key] - r["measured"] for r in chosen if r.get(key) is not None]
            out[key]["bias_measured"] = float(np.mean(against))
    if chosen:
        # the direct estimate's logit interval, as the map's finding sae_aggregate_outside_direct
        bounds = [
            (logit_bounds(r["direct"], r["direct_se"], Z95), r["aggregate"])
            for r in chosen
            if r.get("aggregate") is not None and 0 < r["direct"] < 1 and r["direct_se"] > 0
        ]
        inside = [low <= value <= high for (low, high), value in bounds]
        out["inside_direct_ci"] = (sum(inside), len(inside))
    return out


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2%}"


def _measurement_note(rows: list[dict[str, Any]]) -> list[str]:
    """Return the paragraph on the survey's measurement noise: how far the P0 the survey
    measures lies, on average over seeds, above the true P0 (:func:`_measured`)."""
    district = {r["seed"]: r for r in rows if r["area"] == "district" and "measured" in r}
    if not district:
        return []
    gap = np.array([r["measured"] - r["truth"] for r in district.values()])
    noise_sd = params.load_kit(None).document("synth")["welfare"]["measurement_sd"]
    return [
        "The survey measures each household's expenditure with a noise (sd "
        f"{noise_sd} on the log scale, `synth.toml [welfare] measurement_sd`) that the true "
        "consumption does not carry, so "
        "the P0 any estimator fitted to the survey aims at, the *measured P0* (every family's "
        "probability of being measured below the line, person-weighted), lies above the true "
        f"P0: by {gap.mean():+.2%} on average over these {len(gap)} seeds (from {gap.min():+.2%} "
        f"to {gap.max():+.2%}). The fourth column is the bias against it: what the estimator "
        "itself adds.",
        "",
    ]


GOALS = {"desa": 0.025, "kecamatan": 0.012}
"""RMSE goals of issue 19 (P0 as a fraction: 2.5 and 1.2 percentage points)."""
COVERAGE_GOAL = (0.92, 0.97)
DISTRICT_BIAS_GOAL = 0.003


def _goals(rows: list[dict[str, Any]], method: str) -> list[tuple[str, str, bool | None]]:
    """Return (goal, measured, met) for ``method``: RMSE and coverage at both levels and the
    bias of its unbenchmarked district aggregate (at desa level, the finer map)."""
    out: list[tuple[str, str, bool | None]] = []
    for level in ("desa", "kecamatan"):
        s = _summary(rows, level, method, None)
        rmse = s.get("rmse")
        out.append(
            (
                f"{level} RMSE < {GOALS[level] * 100:.1f} points",
                _fmt(rmse),
                None if rmse is None else rmse < GOALS[level],
            )
        )
    for level in ("desa", "kecamatan"):
        coverage = _summary(rows, level, method, None).get("coverage")
        low, high = COVERAGE_GOAL
        out.append(
            (
                f"{level} 95% coverage in [{low:.0%}, {high:.0%}]",
                _fmt(coverage),
                None if coverage is None else low <= coverage <= high,
            )
        )
    for level in ("desa", "kecamatan"):
        aggregate = _district(rows, level, method).get("aggregate")
        bias = None if aggregate is None else aggregate["bias"]
        se = None if aggregate is None else aggregate["se"]
        measured = "–" if bias is None else f"{bias:+.2%}" + (f" ± {se:.2%}" if se else "")
        out.append(
            (
                f"district bias from {level} areas < {DISTRICT_BIAS_GOAL * 100:.1f} points",
                measured,
                None if bias is None else abs(bias) < DISTRICT_BIAS_GOAL,
            )
        )
    return out


def _plots(rows: list[dict[str, Any]], img: Path, prefix: str) -> list[str]:
    """Return the names of the plots written to ``img`` (names start with ``prefix``)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    img.mkdir(parents=True, exist_ok=True)
    names = []
    first = min(r["seed"] for r in rows)
    for level in LEVELS:
        figure = Figure(figsize=(11, 3.8), layout="constrained")
        for k, method in enumerate(METHODS):
            axes = figure.add_subplot(1, 3, k + 1)
            chosen = [
                r
                for r in rows
                if r["level"] == level
                and r["method"] == method
                and r["seed"] == first
                and r.get("estimate") is not None
            ]
            truth = [r["truth"] for r in chosen]
            estimate = [r["estimate"] for r in chosen]
            colour = ["#d7301f" if r["in_sample"] else "#4575b4" for r in chosen]
            axes.scatter(truth, estimate, s=12, c=colour, alpha=0.7)
            top = max([*truth, *estimate, 0.01]) * 1.05
            axes.plot([0, top], [0, top], color="grey", linewidth=0.8)
            axes.set_xlim(0, top)
            axes.set_ylim(0, top)
            axes.set_title(f"{method} ({level}, seed {first})")
            axes.set_xlabel("true P0")
            axes.set_ylabel("estimated P0")
        name = f"{prefix}-scatter-{level}.png"
        figure.savefig(img / name, dpi=110)
        names.append(name)
    labels = list(dict.fromkeys(r["method"] for r in rows if r["area"] not in ("oracle",)))
    labels = [m for m in labels if not m.endswith("+bench")]
    figure = Figure(figsize=(12, 4.2), layout="constrained")
    # tab20's strong colours first, then its light ones: up to 20 estimators without a repeat
    palette = matplotlib.colormaps["tab20"]
    colours = [palette(i) for i in (*range(0, 20, 2), *range(1, 20, 2))]
    for k, (key, title) in enumerate((("rmse", "RMSE of P0"), ("coverage", "95% coverage"))):
        axes = figure.add_subplot(1, 2, k + 1)
        width = 0.8 / len(labels)
        for j, method in enumerate(labels):
            values = [_summary(rows, level, method, None).get(key) or 0.0 for level in LEVELS]
            offset = (j - (len(labels) - 1) / 2) * width
            axes.bar(
                np.arange(len(LEVELS)) + offset,
                values,
                width,
                label=method,
                color=colours[j % len(colours)],
            )
        if key == "coverage":
            axes.axhspan(*COVERAGE_GOAL, color="grey", alpha=0.3)
            axes.text(1.5, 0.945, "goal 92–97%", ha="right", va="center", fontsize=7)
            axes.set_ylim(0.4, 1.02)
        else:
            for i, level in enumerate(LEVELS):
                axes.hlines(GOALS[level], i - 0.45, i + 0.45, color="black", linestyle="--")
            axes.plot([], [], color="black", linestyle="--", label="goal")
        axes.set_xticks(range(len(LEVELS)), LEVELS)
        axes.set_title(title)
        if key == "rmse":
            axes.legend(fontsize=7, ncol=2)
    figure.savefig(img / f"{prefix}-accuracy.png", dpi=110)
    names.append(f"{prefix}-accuracy.png")
    return names


def _fmt(value: float | None, percent: bool = True) -> str:
    if value is None:
        return "–"
    return f"{value:.2%}" if percent else f"{value:.2f}"


def _reading(rows: list[dict[str, Any]], variants: list[Variant]) -> list[str]:
    """Return sentences that state what the tables show (computed, so they stay true)."""
    out = []
    for level in LEVELS:
        ranked = sorted(
            (m for m in METHODS if _summary(rows, level, m, None)["areas"]),
            key=lambda m: _summary(rows, level, m, None)["rmse"],
        )
        parts = [f"{m} {_fmt(_summary(rows, level, m, None)['rmse'])}" for m in ranked]
        cover = [
            f"{m} {_fmt(_summary(rows, level, m, None)['coverage'])}"
            for m in METHODS
            if _summary(rows, level, m, None)["areas"]
        ]
        out.append(
            f"- {level}: RMSE from lowest to highest {', '.join(parts)}; coverage of the "
            f"nominal 95% intervals {', '.join(cover)}."
        )
    for level in LEVELS:
        spread = _spread(rows, level)
        if spread:
            needed = 1.0 - (GOALS[level] / spread) ** 2
            out.append(
                f"- {level}: the true P0 of an area lies {_fmt(spread)} (root mean square) from "
                f"the true district P0, the RMSE of giving every area the district figure; the "
                f"goal of {GOALS[level] * 100:.1f} points asks a model to explain "
                f"{max(needed, 0.0):.0%} of that between-area variance."
            )
    for level in LEVELS:
        oracle = [r["rmse"] for r in rows if r["area"] == "oracle" and r["level"] == level]
        if oracle:
            terms = "desil 1–2 and urban shares" + (
                " and the village characteristics" if level == "desa" else ""
            )
            out.append(
                f"- {level}: a least-squares fit of every area's *true* P0 on its {terms} "
                f"(an oracle, not an estimator: it sees the truth of all areas) has a "
                f"leave-one-out RMSE of {_fmt(float(np.sqrt(np.mean(np.square(oracle)))))}: "
                "what a linear area-level model with these covariates could reach without "
                "sampling error."
            )
    for label, (what, unexplained) in ORACLE_READING.items():
        for level in LEVELS:
            known = _summary(rows, level, label, None)
            if not known.get("areas"):
                continue
            sampled, other = (_summary(rows, level, label, flag) for flag in (True, False))
            rmse = known["rmse"]
            out.append(
                f"- {level}: {what} (`{label}`, an oracle) has an RMSE of {_fmt(rmse)} "
                f"(sampled areas {_fmt(sampled.get('rmse'))}, not sampled "
                f"{_fmt(other.get('rmse'))}): the error left when the coefficients and the area "
                f"variance carry no estimation error, i.e. what {unexplained} leave unexplained "
                "(a reference, not a strict bound: the population fit maximises the likelihood, "
                f"not the areas' accuracy). The goal of {GOALS[level] * 100:.1f} points is "
                + (
                    "below it: fitting this model better is unlikely to reach it; covariates that "
                    "explain more of the area effects, or a larger sample, could."
                    if rmse > GOALS[level]
                    else "above it: within reach of this model if it were fitted better."
                )
            )
            shifted = _known_with_survey_error(rows, level, label)
            if shifted is not None:
                out.append(
                    f"- {level}: the same oracle moved by each seed's survey error (its district "
                    "direct estimate minus the true district P0, added to every area) has an "
                    f"RMSE of {_fmt(shifted)}: what it would miss by if it carried the survey's "
                    "error as the direct estimate does; the district aggregates below show how "
                    "much of that error each estimator carries (a model fitted through the "
                    "registry's covariates can carry less of it than the direct estimate); "
                    f"the goal of {GOALS[level] * 100:.1f} points is "
                    + ("below it." if shifted > GOALS[level] else "above it.")
                )
    changes = []
    for v in variants:
        if v.label in METHODS or v.method == "direct":
            continue
        deltas = [
            (_summary(rows, level, v.label, None).get("rmse") or 0.0)
            - (_summary(rows, level, v.method, None).get("rmse") or 0.0)
            for level in ("desa", "kecamatan")
        ]
        changes.append(f"`{v.label}` {deltas[0] * 100:+.2f} / {deltas[1] * 100:+.2f}")
    if changes:
        out.append(
            "- Change of RMSE against the shipped `fh` or `ebp` (points, desa / kecamatan): "
            + "; ".join(changes)
            + "."
        )
    for method in ("fh", "ebp"):
        s = _summary(rows, "desa", method, None)
        if s.get("areas"):
            out.append(
                f"- `{method}` at desa level: mean error {s['bias'] * 100:+.2f} points, "
                f"{s['bias'] ** 2 / s['rmse'] ** 2:.0%} of its mean squared error; "
                f"without it the RMSE would be "
                f"{np.sqrt(max(s['rmse'] ** 2 - s['bias'] ** 2, 0.0)) * 100:.2f} points."
            )
    for v in variants:
        if v.method == "direct":
            continue
        goals = _goals(rows, v.label)
        missed = [f"{goal} ({measured})" for goal, measured, met in goals if met is False]
        met = sum(1 for *_, ok in goals if ok)
        out.append(
            f"- `{v.label}` meets {met} of {len(goals)} goals"
            + (f"; missed: {'; '.join(missed)}." if missed else ".")
        )
    return out


def _known_with_survey_error(rows: list[dict[str, Any]], level: str, label: str) -> float | None:
    """Return the RMSE of the oracle ``label``'s areas of ``level`` after adding to each the error
    of its seed's district direct estimate (the survey's own error, which an estimator fitted
    to the survey follows)."""
    error = {
        r["seed"]: r["direct"] - r["truth"]
        for r in rows
        if r["area"] == "district" and r["method"] == "direct" and r.get("direct") is not None
    }
    gaps = [
        r["estimate"] + error[r["seed"]] - r["truth"]
        for r in rows
        if r["method"] == label and r["level"] == level and r["seed"] in error
    ]
    return float(np.sqrt(np.mean(np.square(gaps)))) if gaps else None


def _analysis(rows: list[dict[str, Any]], families: int, seeds: int) -> tuple[str, ...]:
    """Return the reasoning paragraphs for ``seeds`` districts of ``families`` in 231 desa."""
    per_desa = families / 231
    noise = 100 * np.sqrt(0.05 * 0.95 / per_desa)
    direct = _district(rows, "desa", "direct").get("direct") or {}
    se = 100 * (direct.get("se") or float("nan"))
    resolution = f"so a mean bias is known within about ±{1.96 * se:.2f} points (95%)" + (
        "." if 1.96 * se < 0.3 else ": too wide to confirm a bias under 0.3; more seeds would."
    )
    sampled = sum(
        1 for r in rows if r["level"] == "desa" and r["method"] == "ebp" and r.get("in_sample")
    )
    hard = _HARD.format(
        per_desa=per_desa,
        families=families,
        noise=noise,
        seeds=seeds,
        se=se,
        resolution=resolution,
        sampled=sampled / seeds,
    )
    return (hard, *ANALYSIS)


def _spread(rows: list[dict[str, Any]], level: str) -> float | None:
    """Return the root mean square distance of the true area P0 from the true district P0."""
    district = {
        r["seed"]: r["truth"] for r in rows if r["area"] == "district" and r["level"] == level
    }
    gaps = [
        r["truth"] - district[r["seed"]]
        for r in rows
        if r["level"] == level and r["method"] == "fh" and r["area"] not in ("district", "oracle")
    ]
    return float(np.sqrt(np.mean(np.square(gaps)))) if gaps else None


def _world(rows: list[dict[str, Any]]) -> str:
    """Return the sentence on the synthetic world's desa effects (from ``synth.toml``)."""
    doc = params.load_kit(None).document("synth")
    share = doc["places"]["explained_share"]
    sd = doc["welfare"]["desa_sd"]
    return (
        "**The world.** Each desa's welfare effect (sd "
        f"{sd} on the latent scale) is {share:.0%} explained (in variance) by its Podes-style "
        "characteristics in the `villages` release (travel time to the kecamatan and kabupaten "
        "office, river-only access, all-year four-wheel road, market, SMA, mobile signal, 4G; "
        "`rpkd.synth.places`) and "
        f"{1 - share:.0%} a residual desa effect no characteristic explains; kecamatan and "
        "kabupaten effects come on top. Of the explained (place) part, a share "
        f"{doc['places']['proxy_share']:.0%} shows in the registry proxies (housing, assets); "
        "the rest lowers consumption only (prices, wages, market access), so the village "
        "columns carry information the registry does not. The district P0, extreme rate and "
        "Gini stay on their published targets (`synth.toml`)."
    )


def _relative(path: Path) -> str:
    """Return ``path`` relative to the repository when it lies inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def _write(
    rows: list[dict[str, Any]],
    seeds: list[int],
    args: argparse.Namespace,
    images: list[str],
    elapsed: float,
    variants: list[Variant],
    load: tuple[float, float],
) -> None:
    described = "; ".join(f"`{v.label}`: {v.description}" for v in variants)
    lines = [
        "# Accuracy of the poverty map (small-area estimation)",
        "",
        f"Generated by `benchmarks/sae_accuracy.py --seeds {_span(seeds)} --families "
        f"{args.families} --bootstrap {args.bootstrap}"
        + (f" --variants {args.variants}" if args.variants else "")
        + (f" --doc {_relative(args.doc)}" if args.doc.resolve() != DOC else "")
        + f"` on {datetime.now(UTC):%Y-%m-%d} "
        f"({platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"shared 2-core machine, 1-minute load average {load[0]:.1f} at the start and "
        f"{load[1]:.1f} at the end; {elapsed / 60:.0f} min). Re-run the command to regenerate it.",
        "",
        f"**Design.** {len(seeds)} synthetic Kapuas districts (`rpkd synth`, seeds "
        f"{_span(seeds)}; {args.families:,} families each, the survey of about "
        "900 households in about 90 PSUs that the generator draws, as Susenas does for one "
        "kabupaten). Each is estimated by `rpkd.sae.area_estimates.estimate_areas` at kecamatan "
        "(17 areas) and desa (231) level for P0 at the kit's poverty line, without "
        "benchmarking. Truth: the family-size-weighted share of persons whose true per-capita "
        "consumption (`truth/families`) is below the line. Figures pool every area and seed. "
        "Coverage is the share of areas whose true P0 lies in the nominal 95% interval the map "
        "reports, estimate ± 1.96·√MSE cut to [0, 1] (`rpkd.sae.intervals`); for direct "
        "estimates the MSE is the design variance, which is zero where no sampled person is "
        "poor. "
        + (
            f"EBP MSEs use B = {args.bootstrap} bootstrap replicates."
            if args.bootstrap
            else "No bootstrap (`--bootstrap 0`): estimates, errors and district bias only; "
            "the EBP has no MSE, so no interval or coverage."
        ),
        "",
        _world(rows),
        "",
        f"Rows: {described}. `fh+bench` and `ebp+bench` are the FH and EBP estimates "
        "ratio-benchmarked to the district direct estimate (`rpkd map --benchmark`, the "
        "default); their intervals use the unbenchmarked MSE, as the map does. "
        f"`{KNOWN}` is an oracle, not an estimator: the logit EBP with one coefficient per "
        "unit covariate of the kit and no village column (desa effects, same survey sample) "
        "predicting at the coefficients and area variance its model takes when fitted to the "
        "true poverty status of every registry family; its error is what the model leaves "
        "unexplained, whatever its fit. "
        f"`{KNOWN_VILLAGE}` is the same oracle with the village characteristics among the "
        f"covariates ({', '.join(VILLAGE_LOG)} as log(1 + minutes), "
        f"{', '.join(ORACLES[KNOWN_VILLAGE]['village'])}). "
        f"`{KNOWN_SHIPPED}` is the shipped EBP's own model at population parameters: the same "
        "covariates and village columns, the proxy-means score's coefficients from a "
        "least-squares fit of every registry family's true log consumption, the logit's "
        "intercept, slope and area variance from every family's true poverty status; the "
        "distance from it to `ebp` is what fitting the model to one survey costs.",
        "",
        "## Goals (issue 19)",
        "",
        "Without benchmarking; a goal is met when the pooled figure is inside it. District "
        "bias: mean over seeds of the population-weighted aggregate of the area estimates minus "
        "the true district P0.",
        "",
    ]
    estimators = [v.label for v in variants if v.label != "direct"]
    goal_names = [goal for goal, *_ in _goals(rows, estimators[0])]
    lines += [
        "| goal | " + " | ".join(f"`{e}`" for e in estimators) + " |",
        "|---|" + "---|" * len(estimators),
    ]
    table = {e: _goals(rows, e) for e in estimators}
    for k, goal in enumerate(goal_names):
        cells = []
        for e in estimators:
            _, measured, met = table[e][k]
            cells.append(f"{measured} {'yes' if met else 'no' if met is False else ''}".strip())
        lines.append(f"| {goal} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Areas",
        "",
        "| level | method | areas estimated | bias | RMSE | relative RMSE | mean est. √MSE "
        "| 95% coverage |",
        "|---|---|---|---|---|---|---|---|",
    ]
    labels = [v.label for v in variants] + ["fh+bench", "ebp+bench", *ORACLES]
    for level in LEVELS:
        for method in labels:
            s = _summary(rows, level, method, None)
            if not s["areas"]:
                continue
            lines.append(
                f"| {level} | {method} | {s['areas']:.0f} of {s['of']:.0f} | {_fmt(s['bias'])} "
                f"| {_fmt(s['rmse'])} | {_fmt(s['rrmse'], False)} "
                f"| {_fmt(s['mean_estimated_rmse'])} | {_fmt(s['coverage'])} |"
            )
    lines += [
        "",
        "Sampled and non-sampled areas separately (FH and EBP):",
        "",
        "| level | method | areas | sampled RMSE | sampled coverage | non-sampled RMSE "
        "| non-sampled coverage |",
        "|---|---|---|---|---|---|---|",
    ]
    for level in LEVELS:
        for method in [v.label for v in variants if v.method != "direct"] + [*ORACLES]:
            a, b = _summary(rows, level, method, True), _summary(rows, level, method, False)
            lines.append(
                f"| {level} | {method} | {a.get('areas', 0):.0f} + {b.get('areas', 0):.0f} "
                f"| {_fmt(a.get('rmse'))} | {_fmt(a.get('coverage'))} | {_fmt(b.get('rmse'))} "
                f"| {_fmt(b.get('coverage'))} |"
            )
    lines += [
        "",
        "## The district aggregate",
        "",
        "Population-weighted mean of the area estimates (unbenchmarked) against the true "
        "district P0, over seeds: bias ± its standard error, RMSE, and in how many seeds the "
        "aggregate lies inside the district direct estimate's 95% interval. The district direct "
        "estimate itself is the reference row.",
        "",
        *_measurement_note(rows),
        "| level | method | bias ± s.e. | bias against the measured P0 | RMSE "
        "| inside direct 95% CI |",
        "|---|---|---|---|---|---|",
    ]
    for level in LEVELS:
        reference = _district(rows, level, "direct").get("direct")
        if reference and level == LEVELS[0]:
            lines.append(
                f"| district | direct | {reference['bias']:+.2%} ± {_fmt(reference['se'])} "
                f"| {_signed(reference.get('bias_measured'))} | {_fmt(reference['rmse'])} | – |"
            )
        for v in variants:
            d = _district(rows, level, v.label)
            agg = d.get("aggregate")
            if not agg:
                continue
            inside, of = d["inside_direct_ci"]
            lines.append(
                f"| {level} | {v.label} | {agg['bias']:+.2%} ± {_fmt(agg['se'])} "
                f"| {_signed(agg.get('bias_measured'))} | {_fmt(agg['rmse'])} "
                f"| {inside} of {of} |"
            )
    lines += ["", "## Plots", ""]
    lines += [f"![{name}](img/{name})" for name in images]
    lines += [
        "",
        "Scatter plots: first seed; red = area in the survey sample, blue = not sampled.",
        "",
        "## Reading",
        "",
        *_reading(rows, variants),
        "",
        *_analysis(rows, args.families, len(seeds)),
        "",
    ]
    args.doc.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-5")
    parser.add_argument("--families", type=int, default=20000)
    parser.add_argument("--bootstrap", type=int, default=40)
    parser.add_argument(
        "--variants", default=None, help="comma-separated labels to run (default: all)"
    )
    parser.add_argument("--rows", type=Path, default=None, help="also save the raw rows (JSON)")
    parser.add_argument(
        "--doc", type=Path, default=DOC, help="the report (plots in img/ beside it)"
    )
    args = parser.parse_args()
    seeds = _seeds(args.seeds)
    variants = _variants(params.load_kit(None).document("sae"))
    if args.variants:
        chosen = args.variants.split(",")
        variants = [v for v in variants if v.label in chosen]
    started = time.perf_counter()
    load = os.getloadavg()[0]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rpkd-sae-") as work:
        for done, seed in enumerate(seeds, start=1):
            rows += _run_seed(seed, args.families, args.bootstrap, Path(work), variants)
            if args.rows:
                args.rows.write_text(json.dumps(rows), encoding="utf-8")
            # The report is rewritten after every seed, so a stopped run still leaves one.
            # plots of the default report keep their names; another report's carry its stem
            prefix = "sae" if args.doc.name == DOC.name else args.doc.stem
            images = _plots(rows, args.doc.parent / "img", prefix)
            elapsed = time.perf_counter() - started
            _write(rows, seeds[:done], args, images, elapsed, variants, (load, os.getloadavg()[0]))
            shutil.rmtree(Path(work) / f"seed{seed}", ignore_errors=True)
    print(f"wrote {args.doc}")


if __name__ == "__main__":
    main()
