"""rpkd.survey and rpkd.measures.fgt against R survey (golden files under tests/golden/survey/).

Each JSON was written by the committed .R script beside it; agreement is 1e-8 relative.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.csv as pcsv
import pytest

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.measures import fgt
from rpkd.survey import design, mean, ratio, total

GOLDEN = Path(__file__).parents[1] / "golden" / "survey"
REL = 1e-8
DESIGNS: dict[str, dict[str, list[str]]] = {
    "one_stage": {"psu": ["psu"]},
    "one_stage_fpc": {"psu": ["psu"], "fpc": ["fpc1"]},
    "one_stage_fraction": {"psu": ["psu"], "fpc": ["frac1"]},
    "two_stage": {"psu": ["psu", "hh"]},
    "two_stage_fpc": {"psu": ["psu", "hh"], "fpc": ["fpc1", "fpc2"]},
}


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None:
        return True
    assert actual is not None
    return abs(actual - expected) <= REL * max(abs(expected), 1e-300)


def load(engine: eng.Engine, name: str) -> Any:
    return eng.table(engine, pcsv.read_csv(GOLDEN / name))


@pytest.mark.parametrize("name", sorted(DESIGNS))
@pytest.mark.parametrize("level", ["household", "person"])
def test_fgt_matches_r_survey(duck: eng.Engine, name: str, level: str) -> None:
    golden = json.loads((GOLDEN / "fgt_designs.json").read_text())
    table = load(duck, "households.csv")
    size = "household_size" if level == "person" else None
    d = design("weight", strata="stratum", size=size, **DESIGNS[name])  # type: ignore[arg-type]
    result = fgt.estimate(
        table,
        d,
        welfare="expenditure_per_capita",
        lines=[600000, "line"],
        by="kecamatan",
        poor=True,
    )
    checked = 0
    for r in golden:
        if r["design"] != name or r["level"] != level or r["measure"] == "mean":
            continue
        line = 600000 if r["line"] == "fixed" else "line"
        got = result.find(r["measure"], domain=r["domain"], line=line)
        for key in ("estimate", "se", "deff", "n", "population"):
            assert close(getattr(got, key), r[key]), (r, key, getattr(got, key))
        checked += 1
    assert checked == 2 * 4 * 7
    m = mean(table, d, "expenditure_per_capita")
    expected = next(
        r for r in golden if r["design"] == name and r["level"] == level and r["measure"] == "mean"
    )
    assert close(m.rows[0].estimate, expected["estimate"])
    assert close(m.rows[0].se, expected["se"])
    assert close(m.rows[0].deff, expected["deff"])


def test_whole_population_rows_come_first(duck: eng.Engine) -> None:
    d = design("weight", strata="stratum", psu="psu")
    result = fgt.estimate(
        load(duck, "households.csv"),
        d,
        welfare="expenditure_per_capita",
        lines=[600000],
        by="kecamatan",
    )
    domains = [r.domain for r in result.rows]
    assert domains[:3] == [None, None, None]
    assert domains[3:] == sorted(domains[3:])
    table = result.to_arrow()
    assert table.column_names == [
        "measure",
        "indicator",
        "line",
        "by",
        "domain",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "population",
    ]


@pytest.mark.parametrize("policy", ["adjust", "certainty", "remove"])
@pytest.mark.parametrize("name", ["one_stage", "one_stage_fpc", "two_stage_fpc"])
def test_lonely_psu_policies_match_r(duck: eng.Engine, policy: str, name: str) -> None:
    golden = json.loads((GOLDEN / "lonely_api.json").read_text())
    d = design("weight", strata="stratum", lonely_psu=policy, **DESIGNS[name])  # type: ignore[arg-type]
    result = fgt.estimate(
        load(duck, "lonely.csv"),
        d,
        welfare="expenditure_per_capita",
        lines=[600000],
        measures=["fgt0", "fgt1"],
        by="kecamatan",
        poor=True,
    )
    rows = [
        r
        for r in golden
        if r["source"] == "lonely" and r["policy"] == policy and r["design"] == name
    ]
    assert len(rows) == 15
    for r in rows:
        measure = {"f0": "fgt0", "f1": "fgt1", "poor": "poor"}[r["measure"]]
        got = result.find(measure, domain=r["domain"])
        assert close(got.estimate, r["estimate"]) and close(got.se, r["se"]), r
    assert {f.stratum for f in result.findings} == {"S01", "S02", "S03", "S04", "S05"}


def test_lonely_psu_fail_is_the_default(duck: eng.Engine) -> None:
    d = design("weight", strata="stratum", psu="psu")
    with pytest.raises(InvalidInput, match="S01 has only one PSU"):
        fgt.estimate(load(duck, "lonely.csv"), d, welfare="expenditure_per_capita", lines=[6e5])


@pytest.mark.parametrize("source", ["apiclus2", "apistrat"])
def test_published_api_samples(duck: eng.Engine, source: str) -> None:
    """R's api data: apiclus2 two-stage with fpc (Lumley 2010: mean api00 670.81, SE 30.10)."""
    golden = [
        r for r in json.loads((GOLDEN / "lonely_api.json").read_text()) if r["source"] == source
    ]
    table = load(duck, f"{source}.csv")
    d = (
        design("pw", psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
        if source == "apiclus2"
        else design("pw", strata="stype", fpc="fpc")
    )
    results = {
        "api00": mean(table, d, "api00", by="stype"),
        "low": mean(table, d, (table.api00 < 700).cast("float64"), by="stype"),
        "total_api00": total(table, d, "api00"),
        "ratio_api00_api99": ratio(table, d, "api00", "api99"),
    }
    for r in golden:
        got = results[r["measure"]].find(results[r["measure"]].rows[0].measure, domain=r["domain"])
        for key in ("estimate", "se", "deff"):
            assert close(getattr(got, key), r.get(key)), (r, key)


def test_engines_agree_with_r(engine: eng.Engine) -> None:
    """The same two-stage estimate on every engine (DuckDB and Spark)."""
    golden = json.loads((GOLDEN / "fgt_designs.json").read_text())
    d = design("weight", strata="stratum", size="household_size", **DESIGNS["two_stage_fpc"])  # type: ignore[arg-type]
    result = fgt.estimate(
        load(engine, "households.csv"),
        d,
        welfare="expenditure_per_capita",
        lines=["line"],
        measures=["fgt1"],
        by="kecamatan",
    )
    for r in golden:
        if (r["design"], r["level"], r["measure"], r["line"]) == (
            "two_stage_fpc",
            "person",
            "fgt1",
            "column",
        ):
            got = result.find("fgt1", domain=r["domain"])
            assert close(got.estimate, r["estimate"]) and close(got.se, r["se"])
