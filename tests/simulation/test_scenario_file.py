"""A scenario as data: defaults from the catalogue and the kit, findings by row and field."""

from __future__ import annotations

from typing import Any

import pytest

from rpkd.errors import InvalidInput
from rpkd.params import load
from rpkd.simulation.scenario import ByYear, Macro, parse_scenario, read_scenario
from rpkd.targeting.eligibility import catalogue

KIT = catalogue(load("programmes"))
DEFAULTS = load("scenarios")


def parse(doc: dict[str, Any]) -> Any:
    return parse_scenario(doc, catalogue=KIT, defaults=DEFAULTS, file="s.toml")


def refused(doc: dict[str, Any]) -> list[tuple[str, int | None, str | None]]:
    with pytest.raises(InvalidInput) as error:
        parse(doc)
    assert error.value.code == "scenario_invalid"
    return [(f.code, f.row, f.field) for f in error.value.findings if f.is_error]


def test_a_catalogue_programme_brings_its_rule_and_the_kit_menu_its_amount() -> None:
    s = parse({"name": "x", "programme": [{"programme": "blt_dd", "uptake": 0.8}]})
    p = s.packages[0]
    assert (p.code, p.unit, p.rule.text, p.programme) == ("blt_dd", "family",
                                                          KIT.programme("blt_dd").rule.text,
                                                          "blt_dd")  # fmt: skip
    assert (p.monthly_amount(2026), p.months, p.consumption, p.uptake) == (300000, 3, 1.0, 0.8)
    assert s.macro == Macro(ByYear(0.0), ByYear(0.025))  # the kit's defaults


def test_values_by_year_priority_and_the_macro() -> None:
    s = parse({
        "name": "x",
        "macro": {"growth": {"2026": 0.03, "2027": 0.04}, "inflation": 0.02},
        "programme": [
            {"code": "b", "rule": "desil <= 2", "top_up_to": "extreme", "priority": 2},
            {"code": "a", "rule": "n_under6 > 0", "amount": {"2026": 1e5, "2027": 2e5},
             "budget": {"2027": 5e9}, "priority": 1, "years": [2027, 2026]},
        ],
    })  # fmt: skip
    assert s.codes == ("a", "b")
    a = s.packages[0]
    assert (a.monthly_amount(2026), a.monthly_amount(2027), a.monthly_amount(2028)) == (
        1e5, 2e5, 0.0)  # fmt: skip
    # a budget table gives no money in the years it does not list; no budget is no cap
    assert (a.cap(2026), a.cap(2027), a.years) == (0.0, 5e9, (2026, 2027))
    assert s.packages[1].cap(2026) is None
    consumption, lines = s.macro.factors(2025, 2027)
    assert consumption == pytest.approx(1.03 * 1.02 * 1.04 * 1.02)
    assert lines == pytest.approx(1.02**2)
    assert s.macro.factors(2025, 2025) == (1.0, 1.0)


def test_every_problem_is_located_at_its_row_and_field() -> None:
    found = refused({
        "programme": [
            {"code": "ok", "rule": "desil <= 2", "amount": 1000},
            {"code": "Bad code", "rule": "desil <= 2", "amount": -5, "uptake": 1.5,
             "targeting": "psychic"},
            {"code": "c", "rule": "income > 3", "amount": 1},
            {"code": "d", "rule": "desil <= 1"},
            {"code": "e", "rule": "desil <= 1", "amount": 1, "top_up_to": "poverty"},
            {"code": "ok", "rule": "desil <= 1", "amount": 1, "exclusive_with": ["zzz"]},
            {"programme": "bansos_mars"},
        ],
    })  # fmt: skip
    assert found == [
        ("scenario_field_missing", None, "name"),
        ("scenario_code_invalid", 2, "code"),
        ("scenario_value_range", 2, "amount"),
        ("scenario_value_range", 2, "uptake"),
        ("scenario_choice", 2, "targeting"),
        ("rule_column_unknown", 3, "rule"),
        ("scenario_benefit_missing", 4, "amount"),
        ("scenario_benefit_both", 5, "amount"),
        ("scenario_programme_unknown", 7, "programme"),
        ("scenario_code_duplicate", 6, "code"),
        ("scenario_exclusive_unknown", 6, "exclusive_with"),
    ]


def test_unknown_keys_are_warnings_and_toml_errors_name_the_file() -> None:
    s = parse({"name": "x", "colour": "red", "programme": [
        {"code": "a", "rule": "desil <= 1", "amount": 1, "budgett": 5}]})  # fmt: skip
    assert [(f.code, f.row, f.field, f.severity) for f in s.findings] == [
        ("scenario_key_unknown", None, "colour", "warning"),
        ("scenario_key_unknown", 1, "budgett", "warning"),
    ]
    with pytest.raises(InvalidInput) as error:
        read_scenario("name = ", catalogue=KIT, defaults=DEFAULTS, file="broken.toml")
    assert (error.value.code, error.value.params["file"]) == ("scenario_toml", "broken.toml")


def test_person_rules_read_person_columns_and_predicates_are_known() -> None:
    s = parse({"name": "x", "programme": [
        {"code": "lansia", "unit": "person", "rule": "age >= 70 AND extreme_poor",
         "amount": 200000}]})  # fmt: skip
    assert set(s.packages[0].rule.columns) == {"age", "extreme_poor"}
    assert refused({"name": "x", "programme": [
        {"code": "l", "rule": "age >= 70", "amount": 1}]}) == [  # family rule: no age
        ("rule_column_unknown", 1, "rule")]  # fmt: skip


def test_values_of_the_wrong_type_are_named_by_kind() -> None:
    found = refused({"name": "x", "macro": {"growth": {"next year": 0.1}}, "programme": [
        {"code": "a", "rule": "desil <= 1", "amount": "banyak", "per_member": "yes",
         "months": 2.5, "years": 2026, "exclusive_with": "b"}]})  # fmt: skip
    assert found == [
        ("scenario_year_key", None, "macro.growth"),
        ("scenario_not_number", 1, "amount"),
        ("scenario_not_integer", 1, "months"),
        ("scenario_not_flag", 1, "per_member"),
        ("scenario_not_list", 1, "years"),
        ("scenario_not_list", 1, "exclusive_with"),
    ]
