"""Convergence on the hand-built registry with hand-made links (expected values by hand)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd import params
from rpkd.errors import InvalidInput
from rpkd.targeting import convergence as cv
from rpkd.targeting.eligibility import catalogue, eligibility

LINKS = pa.table(
    {
        "programme": ["pkh", "pkh", "pkh", "pkh", "blt_dd", "sembako", "pbi_jk", "pbi_jk"],
        "record": ["1", "2", "3", "4", "1", "1", "1", "2"],
        # pkh 2: F3 (desil 7, outside the rule); pkh 3: F5's head, died 2024-12-01;
        # pkh 4: not linked; blt_dd 1: F1's wife while F1 gets PKH (forbidden double receipt).
        "person_id": ["P11", "P31", "P51", None, "P12", "P21", "P41", "P21"],
    }
)


@pytest.fixture
def tables(
    engine: eng.Engine, families: pa.Table, persons: pa.Table, on: date, tmp_path: Path
) -> dict[str, Any]:
    cat = catalogue(params.load("programmes"))
    people = eng.table(engine, persons)
    links = eng.table(engine, LINKS)
    elig = eligibility(eng.table(engine, families), people, cat, on=on)
    # Materialised once, as the workflow does, so the list queries do not replan the matrix.
    eng.write_parquet(engine, cv.matrix(elig, links, people, cat), tmp_path / "matrix.parquet")
    matrix = eng.table(engine, tmp_path / "matrix.parquet")
    return {"cat": cat, "persons": people, "links": links, "matrix": matrix}


def test_matrix_coverage_and_lists(tables: dict[str, Any], on: date) -> None:
    cat, m, people, links = tables["cat"], tables["matrix"], tables["persons"], tables["links"]
    rows = {r["family_id"]: r for r in eng.fetch(m).to_pylist()}
    assert {f: r["n_programmes"] for f, r in rows.items()} == {
        "F1": 2, "F2": 2, "F3": 1, "F4": 1, "F5": 1, "F6": 0,
    }  # fmt: skip
    assert rows["F6"]["receives_any"] is False

    counts = eng.fetch(cv.coverage_counts(m, cat, "kabupaten"))
    long = {r["programme"]: r for r in cv.coverage_table(counts, cat, "kabupaten").to_pylist()}
    # PKH: eligible F1 F2 F4 F6; recipients F1 F3 F5; both F1.
    pkh = long["pkh"]
    assert (pkh["families"], pkh["eligible"], pkh["recipients"], pkh["eligible_recipients"]) == (
        6, 4, 3, 1,
    )  # fmt: skip
    assert (pkh["coverage"], pkh["coverage_of_eligible"]) == (0.5, 0.25)
    assert pkh["outside_rule"] == pytest.approx(2 / 3)
    assert (long["any"]["recipients"], long["any"]["eligible"]) == (5, 6)

    by_desil = cv.coverage_table(eng.fetch(cv.coverage_counts(m, cat, "desil")), cat, "desil")
    desil1 = next(r for r in by_desil.to_pylist() if r["area"] == "1" and r["programme"] == "any")
    assert (desil1["families"], desil1["recipients"]) == (3, 2)  # F1 F5 F6; F6 gets nothing

    excluded = eng.fetch(cv.exclusion(m, people, condition="desil = 1", cat=cat)).to_pylist()
    assert [(r["family_id"], r["head_name"]) for r in excluded] == [("F6", "Rahmat")]

    included = eng.fetch(cv.inclusion(m, cat)).to_pylist()
    # ordered by desa: F5 (62.03.01.2002) before F3 (62.03.02.2001)
    assert [(r["programme"], r["family_id"]) for r in included] == [("pkh", "F5"), ("pkh", "F3")]

    double = eng.fetch(cv.double_receipt(m, cat)).to_pylist()
    assert [(r["family_id"], r["programme"], r["other"]) for r in double] == [
        ("F1", "blt_dd", "pkh")
    ]

    dead = eng.fetch(cv.deceased_recipients(links, people, on=on)).to_pylist()
    assert [(r["programme"], r["record"], r["person_id"]) for r in dead] == [("pkh", "3", "P51")]

    gaps = {(r["family_id"], r["programme"]): r for r in eng.fetch(cv.gaps(m, cat)).to_pylist()}
    assert {p for f, p in gaps if f == "F1"} == {
        "sembako", "pbi_jk", "pip", "rtlh", "stbm", "pamsimas", "prakerja", "kur",
    }  # fmt: skip
    assert gaps[("F1", "rtlh")]["deprivations"] == "unfit_house"
    assert gaps[("F1", "pip")]["deprivations"] is None
    # F4 rents its unfit house: not eligible for RTLH, but the deprivation still shows the gap.
    assert (gaps[("F4", "rtlh")]["eligible"], gaps[("F4", "rtlh")]["deprivations"]) == (
        False, "unfit_house",
    )  # fmt: skip
    assert gaps[("F5", "pip")]["deprivations"] == "child_out_of_school"
    assert ("F2", "pbi_jk") not in gaps  # uninsured head, but the family receives PBI-JK

    summary = {
        r["programme"]: r for r in eng.fetch(cv.list_summary(links, people, on=on)).to_pylist()
    }
    assert (summary["pkh"]["records"], summary["pkh"]["linked"], summary["pkh"]["deceased"]) == (
        4, 3, 1,
    )  # fmt: skip
    assert summary["pbi_jk"]["families"] == 2


def test_exclusion_condition_is_a_checked_rule(
    families: pa.Table, persons: pa.Table, on: date
) -> None:
    # The condition is parsed before any query runs, so one engine is enough.
    duck = eng.connect()
    try:
        cat = catalogue(params.load("programmes"))
        people = eng.table(duck, persons)
        elig = eligibility(eng.table(duck, families), people, cat, on=on)
        matrix = cv.matrix(elig, eng.table(duck, LINKS), people, cat)
        with pytest.raises(InvalidInput) as err:
            cv.exclusion(matrix, people, condition="pendapatan < 1", cat=cat)
        assert (err.value.code, err.value.params["column"]) == ("rule_column_unknown", "pendapatan")
    finally:
        eng.close(duck)
