"""rpkd.survey and rpkd.measures.fgt against R survey (golden files under tests/golden/survey/).

Each JSON was written by the committed .R script beside it; agreement is 1e-8 relative, on
every engine (the ``engine`` fixture: DuckDB and Spark).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.csv as pcsv
import pytest

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.measures import fgt, mpi
from rpkd.survey import CiMethod, design, mean, ratio, total

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


def golden(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((GOLDEN / name).read_text())
    return rows


@pytest.mark.parametrize("name", sorted(DESIGNS))
@pytest.mark.parametrize("level", ["household", "person"])
def test_fgt_matches_r_survey(engine: eng.Engine, name: str, level: str) -> None:
    table = load(engine, "households.csv")
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
    for r in golden("fgt_designs.json"):
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
        r
        for r in golden("fgt_designs.json")
        if r["design"] == name and r["level"] == level and r["measure"] == "mean"
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
def test_lonely_psu_policies_match_r(engine: eng.Engine, policy: str, name: str) -> None:
    d = design("weight", strata="stratum", lonely_psu=policy, **DESIGNS[name])  # type: ignore[arg-type]
    result = fgt.estimate(
        load(engine, "lonely.csv"),
        d,
        welfare="expenditure_per_capita",
        lines=[600000],
        measures=["fgt0", "fgt1"],
        by="kecamatan",
        poor=True,
    )
    rows = [
        r
        for r in golden("lonely_api.json")
        if r["source"] == "lonely" and r["policy"] == policy and r["design"] == name
    ]
    assert len(rows) == 15
    for r in rows:
        measure = {"f0": "fgt0", "f1": "fgt1", "poor": "poor"}[r["measure"]]
        got = result.find(measure, domain=r["domain"])
        assert close(got.estimate, r["estimate"]) and close(got.se, r["se"]), r
    assert {f.params["stratum"] for f in result.findings} == {"S01", "S02", "S03", "S04", "S05"}
    assert {(f.code, f.params["stage"], f.params["policy"]) for f in result.findings} == {
        ("lonely_psu", 1, policy)
    }


def test_lonely_psu_fail_is_the_default(duck: eng.Engine) -> None:
    d = design("weight", strata="stratum", psu="psu")
    with pytest.raises(InvalidInput) as caught:
        fgt.estimate(load(duck, "lonely.csv"), d, welfare="expenditure_per_capita", lines=[6e5])
    assert caught.value.code == "lonely_psu_fail"
    assert caught.value.params == {"stratum": "S01", "stage": 1}


@pytest.mark.parametrize("source", ["apiclus2", "apistrat"])
def test_published_api_samples(engine: eng.Engine, source: str) -> None:
    """R's api data: apiclus2 two-stage with fpc (Lumley 2010: mean api00 670.81, SE 30.10)."""
    table = load(engine, f"{source}.csv")
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
    for r in (r for r in golden("lonely_api.json") if r["source"] == source):
        got = results[r["measure"]].find(results[r["measure"]].rows[0].measure, domain=r["domain"])
        for key in ("estimate", "se", "deff"):
            assert close(getattr(got, key), r.get(key)), (r, key)


CIPROP = {
    "unclustered": {},
    "one_stage": {"psu": ["psu"]},
    "two_stage_fpc": {"psu": ["psu", "hh"], "fpc": ["fpc1", "fpc2"]},
}


@pytest.mark.parametrize("method", ["logit", "beta"])
@pytest.mark.parametrize("name", sorted(CIPROP))
def test_headcount_intervals_match_r_svyciprop(
    engine: eng.Engine, name: str, method: CiMethod
) -> None:
    """Logit and Korn-Graubard intervals of P0, overall and by domain (ciprop.R), both levels."""
    table = load(engine, "households.csv")
    rows = [
        r
        for r in golden("ciprop.json")
        if r["source"] == "households" and r["design"] == name and r["method"] == method
    ]
    assert len(rows) == 2 * 2 * 7
    for level in ("household", "person"):
        size = "household_size" if level == "person" else None
        d = design("weight", strata="stratum", size=size, **CIPROP[name])  # type: ignore[arg-type]
        result = fgt.estimate(
            table,
            d,
            welfare="expenditure_per_capita",
            lines=[600000, "line"],
            measures=["fgt0"],
            by="kecamatan",
        ).with_intervals(method)
        for r in (r for r in rows if r["level"] == level):
            line = 600000 if r["line"] == "fixed" else "line"
            got = result.find("fgt0", domain=r["domain"], line=line)
            assert got.df == r["df"], r
            for key in ("estimate", "ci_low", "ci_high"):
                assert close(getattr(got, key), r[key]), (r, key, getattr(got, key))


@pytest.mark.parametrize("method", ["logit", "beta"])
def test_mpi_headcount_intervals_match_r_svyciprop(engine: eng.Engine, method: CiMethod) -> None:
    table = eng.table(engine, pcsv.read_csv(GOLDEN.parent / "measures" / "mpi_households.csv"))
    weights = {"d_money": 2, "d_crowded": 1, "d_rural": 1, "d_weight": 2}
    d = design("weight", strata="stratum", psu="psu")
    result = mpi.estimate(table, weights, 1 / 3, d, by="kecamatan").estimates
    result = result.with_intervals(method)
    rows = [r for r in golden("ciprop.json") if r["source"] == "mpi" and r["method"] == method]
    assert len(rows) == 7
    for r in rows:
        got = result.find("H", domain=r["domain"])
        assert got.df == r["df"]
        for key in ("estimate", "ci_low", "ci_high"):
            assert close(getattr(got, key), r[key]), (r, key)


def test_proportions_default_to_logit_and_others_to_wald(duck: eng.Engine) -> None:
    d = design("weight", strata="stratum", psu="psu")
    result = fgt.estimate(
        load(duck, "households.csv"), d, welfare="expenditure_per_capita", lines=[600000]
    )
    p0, p1 = result.find("fgt0"), result.find("fgt1")
    assert (p0.ci, p1.ci) == ("logit", "wald")
    assert p1.ci_low == pytest.approx(p1.estimate - 1.959963984540054 * (p1.se or 0), rel=1e-12)
    wald = result.with_intervals("wald").find("fgt0")
    assert wald.ci_low == pytest.approx(p0.estimate - 1.959963984540054 * (p0.se or 0))
