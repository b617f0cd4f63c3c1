"""Family features and programme eligibility on the hand-built registry (conftest.py)."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from typing import Any

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd import params
from rpkd.errors import InvalidInput
from rpkd.targeting.eligibility import catalogue, eligibility, summary
from rpkd.targeting.features import family_features


def _by_family(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {r["family_id"]: r for r in table.to_pylist()}


def test_family_features_by_hand(
    engine: eng.Engine, families: pa.Table, persons: pa.Table, on: date
) -> None:
    got = _by_family(
        eng.fetch(family_features(eng.table(engine, families), eng.table(engine, persons), on=on))
    )
    f1, f2, f5 = got["F1"], got["F2"], got["F5"]
    assert (f1["n_members"], f1["head_age"], f1["n_under5"], f1["n_under6"]) == (4, 39, 1, 1)
    assert (f1["n_in_sd"], f1["n_school_children"], f1["n_pregnant"]) == (1, 1, 1)
    assert f1["floor_area_per_person"] == pytest.approx(5.0)
    assert f1["kecamatan_code"] == "62.03.01"
    # F2 head born 1952-03-01 is 73 on 2025-03-01; son born 1995-03-02 is still 29.
    assert (f2["head_age"], f2["head_female"], f2["n_elderly70"], f2["n_uninsured"]) == (
        73, True, 1, 1,
    )  # fmt: skip
    assert (f2["n_job_seekers"], f2["n_working_age"]) == (1, 1)
    # F5: the head died before the reference date, so there is no living head.
    assert (f5["n_members"], f5["n_deceased"], f5["head_age"]) == (2, 1, None)
    assert (f5["n_out_of_school"], f5["n_school_age"]) == (1, 1)
    assert got["F4"]["has_severe_disability"] is True
    assert got["F4"]["has_chronic_illness"] is True
    assert got["F3"]["n_in_sma"] == 1


EXPECTED = {
    # family: programmes it qualifies for (derivation in conftest.py)
    "F1": {
        "pkh",
        "sembako",
        "pbi_jk",
        "pip",
        "blt_dd",
        "rtlh",
        "stbm",
        "pamsimas",
        "prakerja",
        "kur",
    },
    "F2": {"pkh", "sembako", "pbi_jk", "blt_dd", "prakerja"},
    "F3": {"prakerja"},
    "F4": {"pkh", "sembako", "pbi_jk", "blt_dd", "stbm"},  # 66: too old for Prakerja
    "F5": {"sembako", "pbi_jk", "blt_dd", "prakerja"},
    "F6": {"pkh", "sembako", "pbi_jk", "blt_dd", "prakerja", "kur"},
}


def test_eligibility_matches_the_rules_by_hand(
    engine: eng.Engine, families: pa.Table, persons: pa.Table, on: date
) -> None:
    cat = catalogue(params.load("programmes"))
    table = eligibility(eng.table(engine, families), eng.table(engine, persons), cat, on=on)
    got = _by_family(eng.fetch(table))
    for family, programmes in EXPECTED.items():
        flags = {p for p in cat.codes if got[family][f"eligible_{p}"]}
        assert flags == programmes, family
    # Person counts: F1 has 4 living members with desil 1 -> PBI for 4; one pupil (SD) -> PIP.
    assert (got["F1"]["n_eligible_pbi_jk"], got["F1"]["n_eligible_pip"]) == (4, 1)
    # Prakerja: 18-64 and not in school. F1: both parents; F5: only the widow (48).
    assert (got["F1"]["n_eligible_prakerja"], got["F5"]["n_eligible_prakerja"]) == (2, 1)
    # F4's bamboo walls make the house unfit, but F4 rents, so no RTLH.
    assert (got["F1"]["unfit_house"], got["F4"]["unfit_house"], got["F2"]["unfit_house"]) == (
        True, True, False,
    )  # fmt: skip
    assert got["F5"]["child_out_of_school"] is True
    totals = eng.fetch(summary(table, cat)).to_pylist()[0]
    assert totals["families"] == 6
    assert totals["eligible_pkh"] == 4
    assert totals["n_eligible_pbi_jk"] == 4 + 2 + 1 + 2 + 2  # living members of desil 1-4


def _doc() -> dict[str, Any]:
    text = resources.files("rpkd").joinpath("params/indonesia/programmes.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_a_rule_with_an_unknown_column_fails_naming_rule_and_column() -> None:
    doc = _doc()
    doc["programme"][0]["rule"] = "desil <= 4 AND penghasilan < 1000000"
    with pytest.raises(InvalidInput) as err:
        catalogue(doc)
    assert err.value.code == "rule_column_unknown"
    assert (err.value.params["rule"], err.value.params["column"]) == ("pkh", "penghasilan")
    assert err.value.param == "penghasilan"


def test_a_rule_with_an_unknown_function_fails() -> None:
    doc = _doc()
    doc["predicate"][0]["rule"] = "random() < 0.1"
    with pytest.raises(InvalidInput) as err:
        catalogue(doc)
    assert err.value.code == "rule_function_forbidden"
    assert (err.value.params["rule"], err.value.params["function"]) == ("extreme_poor", "random")


def test_a_person_column_in_a_family_rule_fails() -> None:
    doc = _doc()
    doc["programme"][1]["rule"] = "age >= 60"  # sembako is a family programme
    with pytest.raises(InvalidInput) as err:
        catalogue(doc)
    assert (err.value.params["rule"], err.value.params["column"]) == ("sembako", "age")


def test_personal_data_columns_are_not_rule_columns() -> None:
    doc = _doc()
    doc["programme"][0]["rule"] = "address IS NOT NULL"
    with pytest.raises(InvalidInput) as err:
        catalogue(doc)
    assert (err.value.code, err.value.params["column"]) == ("rule_column_unknown", "address")


def test_benefits_carry_amounts_and_validity() -> None:
    cat = catalogue(params.load("programmes"))
    blt = cat.programme("blt_dd").benefits_in(2025)[0]
    assert (blt.amount, blt.period, blt.months, blt.annual()) == (300000, "month", 3, 900000)
    assert cat.programme("sembako").benefits_in(2025)[0].annual() == 200000 * 12
    assert cat.programme("pkh").benefits_in(2024) == ()
    assert all(b.source for p in cat.programmes for b in p.benefits)
    with pytest.raises(InvalidInput) as err:
        cat.programme("bpnt")
    assert (err.value.code, err.value.params["programme"]) == (
        "catalogue_programme_unknown",
        "bpnt",
    )
