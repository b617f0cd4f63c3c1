"""Helpers of the simulation tests: the golden survey sample and a small registry.

The sample is ``tests/golden/survey/households.csv`` (R's synthetic two-stage design with fpc at
both stages, read identically by the R scripts); the registry holds ``per_desil`` families in
each desil, whose eligibility for a package is ``desil <= k`` for the ``k`` a test gives.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from rpkd import engine as eng
from rpkd.planning.model import Activity, Budget
from rpkd.planning.store import load_plan, save_plan
from rpkd.settings import Settings
from rpkd.simulation import microsim, registry
from rpkd.simulation.microsim import Lines, Sample
from rpkd.simulation.scenario import Scenario
from rpkd.simulation.uncertainty import ErrorModel, perfect
from rpkd.simulation.years import Inputs
from rpkd.survey import design
from rpkd.synth import synthesize
from rpkd.targeting.eligibility import catalogue
from rpkd.workflows.plan import init_plan
from rpkd.workflows.releases import import_release
from rpkd.workflows.workspace import Workspace

GOLDEN = Path(__file__).parents[1] / "golden"
HOUSEHOLDS = GOLDEN / "survey" / "households.csv"
CATALOGUE = catalogue({"programme": []})
BASE_LINES = Lines(600000.0, 400000.0)
"""Base-year poverty and extreme lines of the golden scenario (rupiah per capita per month)."""


def golden_sample() -> Sample:
    """Return the golden households as a two-stage sample with fpc, person-level (weight ×
    size)."""
    engine = eng.connect(Settings(engine="duckdb"))
    try:
        table = eng.table(engine, pcsv.read_csv(HOUSEHOLDS))
        d = design(
            "weight", strata="stratum", psu=["psu", "hh"], fpc=["fpc1", "fpc2"],
            size="household_size",
        )  # fmt: skip
        return microsim.sample(table, d, welfare="expenditure_per_capita", area="kecamatan")
    finally:
        eng.close(engine)


def small_registry(rules: Mapping[str, int], *, per_desil: int = 5) -> registry.Families:
    """Return ``per_desil`` families of size 1-5 in each desil; package ``c`` admits desil ≤
    ``rules[c]``."""
    desil = np.repeat(np.arange(1, 11), per_desil)
    size = np.tile(np.arange(1, per_desil + 1), 10)
    columns: dict[str, pa.Array] = {
        "desa_code": pa.array(["62.03.01.2001"] * len(desil)),
        "desil": pa.array(desil),
        "family_size": pa.array(size),
        "pmt_score": pa.array(np.arange(len(desil), dtype=float)),
    }
    for code, top in rules.items():
        columns[f"eligible_{code}"] = pa.array(desil <= top)
    return registry.families(pa.table(columns), list(rules))


def inputs(
    sample: Sample,
    scenario: Scenario,
    rules: Mapping[str, int],
    *,
    draws: int = 3,
    seed: int = 7,
    errors: ErrorModel | None = None,
    lines: Lines = BASE_LINES,
) -> Inputs:
    """Return the inputs of ``scenario`` on ``sample`` and :func:`small_registry`."""
    fam = small_registry(rules)
    areas = ("62.03.01",)
    return Inputs(
        sample=sample,
        families=fam,
        shares=registry.shares(fam, scenario.codes, areas),
        draws=microsim.draws(sample, errors or perfect(20), count=draws, seed=seed, areas=areas),
        base_year=2025,
        lines=lines,
    )


def scenario_district(factory: pytest.TempPathFactory) -> Path:
    """Return the folder of a synthetic Kabupaten Kapuas, built once per test session.

    ``ws`` holds release ``r1`` (1,500 families, reference date 1 March 2025) and the Kapuas
    starter plan with an activity ``A1`` of programme P01 whose budget lines are Rp15m in 2026
    (APBD 10m, Dana Desa 5m) and Rp20m in 2027; ``synth/truth`` is the synthetic truth.
    Copy ``ws`` (:func:`fresh`) before changing it.
    """
    root = factory.getbasetemp() / "scenario-district"
    if (root / "ready").is_file():
        return root
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=1500, seed=5)
        import_release(ws, root / "synth", "r1", reference_date="2025-03-01")
        init_plan(ws)
        with ws.transaction() as db:
            plan = load_plan(db)
            budgets = (Budget(2026, "apbd", 10e6), Budget(2026, "dana_desa", 5e6),
                       Budget(2027, "apbd", 20e6))  # fmt: skip
            first = replace(plan.programmes[0], activities=(
                Activity("A1", "BLT ekstrem", "DINSOS", budgets=budgets),))  # fmt: skip
            save_plan(db, replace(plan, programmes=(first, *plan.programmes[1:])))
    (root / "ready").write_text("ok\n")
    return root


def fresh(district: Path, folder: Path) -> Settings:
    """Return the settings of a copy of the district's workspace in ``folder``."""
    shutil.copytree(district / "ws", folder / "ws")
    return Settings(workspace=folder / "ws")
