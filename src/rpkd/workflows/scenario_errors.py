"""The targeting errors a scenario draws from, measured on the release (never assumed).

By default on the survey, as ``rpkd target accuracy`` measures them without a truth: the PMT is
fitted on the survey, each household's cross-validated prediction is placed among the desil cut
points of the registry ranked by the same model, and true consumption is set against that desil
(:func:`rpkd.simulation.uncertainty.measure`). With a synthetic ``truth`` folder, every registry
family's true consumption against its official desil.

A release never changes, so the survey-based model is kept beside it, under
``<workspace>/derived/<release>/simulation/errors-<key>.json``, tagged with what produced it (the
release's manifest digest, the reference date, the lines, the groups, the PMT method); a later
scenario on the same release and kit reads it instead of ranking the registry again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from rpkd import engine as eng
from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.simulation.uncertainty import ErrorModel, ErrorRate, measure

if TYPE_CHECKING:
    from rpkd.workflows.targeting import Opened

WELFARE = "expenditure_per_capita"
VERSION = 1  # of the stored model's form and method; a change makes new keys


def kecamatan(o: Opened) -> tuple[str, ...]:
    """Return the registry's kecamatan codes, in order."""
    found = eng.fetch(o.families.select(k=o.families.desa_code.substr(0, 8)).distinct())
    return tuple(sorted(found.column("k").to_pylist()))


def measured_errors(
    o: Opened, lines: tuple[float, float], truth: Path | None, *, groups: int
) -> tuple[ErrorModel, tuple[Finding, ...]]:
    """Return the release's targeting-error model and the findings of its measurement.

    ``lines`` (poverty, extreme) define the poor and the extreme poor of the measured
    exclusion and inclusion errors.
    """
    if truth is not None:
        welfare, desil = _truth_errors(o, truth)
        targets = {"poor": welfare < lines[0], "extreme_poor": welfare < lines[1]}
        model = measure(welfare, desil, np.ones(len(welfare)), groups=groups, basis="truth",
                        targets=targets)  # fmt: skip
        return model, ()
    tags = {"version": VERSION, "release": o.release.name,
            "manifest": o.release.manifest_sha256, "on": o.on.isoformat(),
            "lines": list(lines), "groups": groups, "method": "ols"}  # fmt: skip
    key = hashlib.sha256(json.dumps(tags, sort_keys=True).encode()).hexdigest()[:16]
    path = o.ws.path / "derived" / o.release.name / "simulation" / f"errors-{key}.json"
    if path.is_file():
        return _read(path)
    welfare, desil, weight, findings = _survey_errors(o)
    targets = {"poor": welfare < lines[0], "extreme_poor": welfare < lines[1]}
    model = measure(welfare, desil, weight, groups=groups, basis="survey", targets=targets)
    _write(path, model, findings, tags)
    return model, findings


def _write(path: Path, model: ErrorModel, findings: tuple[Finding, ...], tags: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "parameters": tags,
        "basis": model.basis,
        "units": model.units,
        "matrix": model.matrix.tolist(),
        "rates": [vars(r) for r in model.rates],
        "findings": [f.to_json() for f in findings],
    }
    staged = path.with_suffix(".tmp")
    staged.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    staged.replace(path)  # whole or absent: a reader never sees half a file


def _read(path: Path) -> tuple[ErrorModel, tuple[Finding, ...]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    model = ErrorModel(doc["basis"], np.asarray(doc["matrix"], np.float64), int(doc["units"]),
                       tuple(ErrorRate(**r) for r in doc["rates"]))  # fmt: skip
    return model, tuple(Finding(**f) for f in doc["findings"])


def _survey_errors(o: Opened) -> tuple[Any, Any, Any, tuple[Finding, ...]]:
    """Place each survey household in the registry's PMT desils (as ``rpkd target accuracy``)."""
    from rpkd.targeting import ranking
    from rpkd.targeting.features import family_features
    from rpkd.targeting.pmt_design import survey_inputs
    from rpkd.workflows.targeting import materialise

    survey = eng.fetch(eng.table(o.engine, o.release.path_of("survey")))
    inputs = eng.fetch(survey_inputs(eng.table(o.engine, survey)))
    model = ranking.fit_pmt(inputs, method="ols")
    kept, predicted = ranking.cross_validated(inputs, model)
    features = family_features(o.families, o.persons, on=o.on)
    cuts = ranking.desil_cuts(materialise(o, ranking.rank_registry(features, model), "ranked"))
    index = {h: i for i, h in enumerate(survey.column("household_id").to_pylist())}
    rows = survey.take(pa.array([index[h] for h in kept.column("unit_id").to_pylist()]))
    welfare = np.asarray(rows.column(WELFARE).to_pylist(), float)
    weight = np.asarray(rows.column("weight").to_pylist(), float)
    findings = (*model.findings, Finding("pmt_desil", "info"))
    return welfare, ranking.desil_of(predicted, cuts), weight, findings


def _truth_errors(o: Opened, folder: Path) -> tuple[Any, Any]:
    """Return every registry family's true consumption and official desil (synthetic truth)."""
    from rpkd import inputs

    path = next((folder / f"families.{s}" for s in ("parquet", "csv", "xlsx")
                 if (folder / f"families.{s}").is_file()), None)  # fmt: skip
    if path is None:
        raise UsageError("target_truth_missing", param="truth", folder=str(folder))
    read = inputs.read(path, required=("family_id", "consumption_per_capita"))
    truth = pa.table({"family_id": read.table.column("family_id"),
                      "consumption": read.numbers("consumption_per_capita")})  # fmt: skip
    registry = o.families.filter(o.families.desil.notnull()).select("family_id", "desil")
    joined = eng.fetch(registry.inner_join(eng.table(o.engine, truth), "family_id"))
    return (np.asarray(joined.column("consumption").to_pylist(), float),
            np.asarray(joined.column("desil").to_pylist(), np.int64))  # fmt: skip
