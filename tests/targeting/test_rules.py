"""The rule parser accepts only whitelisted syntax and columns, and compiles to the engine."""

from __future__ import annotations

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.targeting.rules import compile_rule, parse_rule

COLUMNS = {
    "desil": ("int", None),
    "n_pregnant": ("int", None),
    "floor_area_m2": ("float", None),
    "family_size": ("int", None),
    "toilet": ("string", ("sendiri", "bersama", "umum", "tidak_ada")),
    "has_severe_disability": ("bool", None),
    "head_age": ("int", None),
}

ROWS = pa.table(
    {
        "desil": [1, 4, 5, None],
        "n_pregnant": [0, 1, 1, 0],
        "floor_area_m2": [20.0, 60.0, 10.0, 30.0],
        "family_size": [4, 2, 1, 3],
        "toilet": ["tidak_ada", "sendiri", "umum", None],
        "has_severe_disability": [True, False, False, None],
        "head_age": [40, None, 70, 65],
    }
)


CASES: list[tuple[str, list[bool]]] = [
    ("desil <= 4", [True, True, False, False]),  # null desil is not eligible
    ("desil <= 4 AND (n_pregnant > 0 OR has_severe_disability)", [True, True, False, False]),
    ("NOT desil <= 4", [False, False, True, False]),
    ("toilet IN ('umum', 'tidak_ada')", [True, False, True, False]),
    ("toilet NOT IN ('umum', 'tidak_ada')", [False, True, False, False]),
    ("desil BETWEEN 2 AND 5", [False, True, True, False]),
    ("toilet IS NULL", [False, False, False, True]),
    ("head_age IS NOT NULL AND head_age >= 65", [False, False, True, True]),
    ("floor_area_m2 / family_size < 7.2", [True, False, False, False]),  # 5, 30, 10, 10
    ("coalesce(desil, 0) = 0", [False, False, False, True]),
    ("has_severe_disability IS TRUE", [True, False, False, False]),
    # greatest skips nulls (DuckDB and Spark alike): greatest(null, 3) = 3
    ("greatest(desil, 3) = 3 OR lower(toilet) = 'umum'", [True, False, True, True]),
    ("-desil > -2", [True, False, False, False]),
]


def test_rules_evaluate_as_sql_on_every_engine(engine: eng.Engine) -> None:
    t = eng.table(engine, ROWS)
    rules = [parse_rule(text, name=f"r{i}", columns=COLUMNS) for i, (text, _) in enumerate(CASES)]
    got = eng.fetch(t.select(**{r.name: compile_rule(r, t) for r in rules}))
    for rule, (text, expected) in zip(rules, CASES, strict=True):
        assert got.column(rule.name).to_pylist() == expected, text


@pytest.mark.parametrize(
    ("text", "code", "named"),
    [
        ("income < 500000", "rule_column_unknown", {"column": "income"}),
        ("desil <= 4 AND foo(desil) > 1", "rule_function_forbidden", {"function": "foo"}),
        ("sum(desil) > 1", "rule_function_forbidden", {"function": "sum"}),
        ("desil IN (SELECT 1)", "rule_in_subquery", {}),
        ("desil = 1; DROP TABLE families", "rule_not_single", {}),
        ("families.desil = 1", "rule_column_qualified", {"column": "families.desil"}),
        ("toilet = 'tidakada'", "rule_code_unknown", {"value": "tidakada", "column": "toilet"}),
        ("toilet IN ('umum', 'jamban')", "rule_code_unknown", {"value": "jamban"}),
        ("__import__('os').system('true')", "rule_form_forbidden", {}),
    ],
)
def test_unknown_columns_functions_and_syntax_fail_naming_them(
    text: str, code: str, named: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_rule(text, name="pkh", columns=COLUMNS)
    assert err.value.code == code
    assert err.value.params["rule"] == "pkh"
    assert named.items() <= err.value.params.items()
    # Both languages name the rule and what is wrong with it.
    for lang in ("id", "en"):
        assert "'pkh'" in err.value.message(lang)
        assert all(repr(v) in err.value.message(lang) for v in named.values())


def test_type_mismatch_fails_with_the_rule_named(engine: eng.Engine) -> None:
    rule = parse_rule("toilet > 3", name="stbm", columns=COLUMNS)
    t = eng.table(engine, ROWS)
    with pytest.raises(InvalidInput) as err:
        compile_rule(rule, t)
    assert (err.value.code, err.value.params["rule"]) == ("rule_type_mismatch", "stbm")


def test_a_non_boolean_rule_fails(engine: eng.Engine) -> None:
    rule = parse_rule("desil + 1", name="x", columns=COLUMNS)
    with pytest.raises(InvalidInput) as err:
        compile_rule(rule, eng.table(engine, ROWS))
    assert err.value.code == "rule_not_boolean"


def test_empty_rule_fails() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_rule("  ", name="x", columns=COLUMNS)
    assert (err.value.code, err.value.params["rule"]) == ("rule_empty", "x")
