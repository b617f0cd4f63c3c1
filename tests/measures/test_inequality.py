"""Inequality against R laeken (points) and a survey::svytotal linearisation (Gini SE)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pcsv
import pytest

from rpkd import engine as eng
from rpkd.measures import inequality
from rpkd.survey import design

ROOT = Path(__file__).parents[1] / "golden"


@pytest.mark.parametrize("name", ["one_stage", "two_stage_fpc"])
@pytest.mark.parametrize("level", ["household", "person"])
def test_matches_laeken_and_linearisation(engine: eng.Engine, name: str, level: str) -> None:
    golden = json.loads((ROOT / "measures" / "inequality.json").read_text())
    t = eng.table(engine, pcsv.read_csv(ROOT / "survey" / "households.csv"))
    stages = (
        {"psu": ["psu"]} if name == "one_stage" else {"psu": ["psu", "hh"], "fpc": ["fpc1", "fpc2"]}
    )
    d = design(
        "weight",
        strata="stratum",
        size="household_size" if level == "person" else None,
        **stages,  # type: ignore[arg-type]
    )
    r = inequality.estimate(t, d, welfare="expenditure_per_capita", by="kecamatan")
    rows = [g for g in golden if g["design"] == name and g["level"] == level]
    assert len(rows) == 7
    for g in rows:
        dom = g["domain"]
        pairs = [
            (r.find("gini", domain=dom).estimate, g["gini"]),
            (r.find("gini", domain=dom).se, g["gini_se"]),
            (r.find("qsr", domain=dom).estimate, g["qsr"]),
            (r.find("palma", domain=dom).estimate, g["palma"]),
            (r.find("qsr", domain=dom).se, g["qsr_se"]),
            (r.find("palma", domain=dom).se, g["palma_se"]),
            (r.find("mean", domain=dom).estimate, g["mean"]),
        ]
        pairs += [
            (r.find("decile_share", domain=dom, indicator=f"D{i + 1}").estimate, v)
            for i, v in enumerate(g["decile_shares"])
        ]
        for got, expected in pairs:
            assert got == pytest.approx(expected, rel=1e-8), (g["domain"], got, expected)
        assert r.find("decile_share", domain=dom, indicator="D1").se is None


def test_linearised_se_matches_simulation() -> None:
    """The influence functions give the sampling SD seen over repeated samples (seeded)."""
    import numpy as np

    rng = np.random.default_rng(20261129)
    n, reps = 600, 400
    values: dict[str, list[float]] = {"qsr": [], "palma": [], "gini": []}
    ses: dict[str, list[float]] = {"qsr": [], "palma": [], "gini": []}
    for _ in range(reps):
        y = np.round(np.exp(rng.normal(13.4, 0.45, n)))
        w = rng.uniform(80, 120, n)
        for name, (v, z) in (
            ("qsr", inequality.share_ratio(y, w, 0.8, 0.2)),
            ("palma", inequality.share_ratio(y, w, 0.9, 0.4)),
            ("gini", inequality.gini(y, w)),
        ):
            u = w * z
            values[name].append(v)
            ses[name].append(float(np.sqrt(n / (n - 1) * ((u - u.mean()) ** 2).sum())))
    for name in values:
        assert np.mean(ses[name]) == pytest.approx(np.std(values[name]), rel=0.12), name
