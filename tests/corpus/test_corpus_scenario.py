"""Bad-input corpus of scenario files (TOML, :func:`rpkd.workflows.scenarios.save_scenario`).

The good file is a one-package scenario written here; each case breaks one thing. A refused
file names file, programme (the row: 1 = first ``[[programme]]``) and key, and nothing is saved.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpkd.errors import InvalidInput
from rpkd.locale import render
from rpkd.settings import Settings
from rpkd.workflows import scenarios
from rpkd.workflows.workspace import Workspace

GOOD = """name = "Bansos desil 1-2"

[macro]
growth = 0.05
inflation = 0.03

[[programme]]
code = "bansos"
unit = "family"
rule = "desil <= 2"
amount = 200000
uptake = 0.9
"""


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace(Settings(workspace=tmp_path / "ws")) as workspace:
        yield workspace


def edited(old: str, new: str) -> bytes:
    assert old in GOOD
    return GOOD.replace(old, new).encode()


SECOND = '\n[[programme]]\ncode = "bansos"\nunit = "family"\nrule = "desil <= 1"\namount = 1\n'

Where = tuple[str, str, int | None, str | None]  # outer code, finding code, row, field

REFUSED: dict[str, tuple[bytes, Where]] = {
    "toml_syntax_error": (edited("growth = 0.05", "growth = "), ("scenario_toml", "", None, None)),
    "duplicate_key": (
        edited("uptake = 0.9", "uptake = 0.9\nuptake = 1"),
        ("scenario_toml", "", None, None),
    ),
    "encoding_latin_1": (
        GOOD.replace("Bansos", "Bansos Désa").encode("latin-1"),
        ("scenario_toml", "", None, None),
    ),
    "encoding_utf16_bom": (
        codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"),
        ("scenario_toml", "", None, None),
    ),
    "empty_file": (b"", ("scenario_invalid", "scenario_field_missing", None, "name")),
    "missing_required_field": (
        edited('name = "Bansos desil 1-2"\n', ""),
        ("scenario_invalid", "scenario_field_missing", None, "name"),
    ),
    "number_as_text_thousands": (
        edited("amount = 200000", 'amount = "200.000"'),
        ("scenario_invalid", "scenario_not_number", 1, "amount"),
    ),
    "infinity": (
        edited("amount = 200000", "amount = inf"),
        ("scenario_invalid", "scenario_not_number", 1, "amount"),
    ),
    "not_a_number": (
        edited("uptake = 0.9", "uptake = nan"),
        ("scenario_invalid", "scenario_not_number", 1, "uptake"),
    ),
    "share_above_one": (
        edited("uptake = 0.9", "uptake = 1.5"),
        ("scenario_invalid", "scenario_value_range", 1, "uptake"),
    ),
    "negative_amount": (
        edited("amount = 200000", "amount = -5"),
        ("scenario_invalid", "scenario_value_range", 1, "amount"),
    ),
    "unknown_enum_value": (
        edited('unit = "family"', 'unit = "rumah"'),
        ("scenario_invalid", "scenario_choice", 1, "unit"),
    ),
    "duplicate_code": (
        GOOD.encode() + SECOND.encode(),
        ("scenario_invalid", "scenario_code_duplicate", 2, "code"),
    ),
    "zero_width_in_code": (
        edited('code = "bansos"', 'code = "bansos\u200b"'),
        ("scenario_invalid", "scenario_code_invalid", 1, "code"),
    ),
    "unknown_column_in_rule": (
        edited('rule = "desil <= 2"', 'rule = "desile <= 2"'),
        ("scenario_invalid", "rule_column_unknown", 1, "rule"),
    ),
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_scenario_refused(kind: str, ws: Workspace, tmp_path: Path) -> None:
    raw, (outer, code, row, field) = REFUSED[kind]
    path = tmp_path / "skenario.toml"
    path.write_bytes(raw)
    with pytest.raises(InvalidInput) as caught:
        scenarios.save_scenario(ws, path)
    assert scenarios.list_scenarios(ws).scenarios == ()
    error = caught.value
    assert error.code == outer
    for lang in ("id", "en"):
        assert error.message(lang)
    if not code:
        assert error.params["file"] == str(path)
        return
    at = [f for f in error.findings if f.code == code]
    assert [(f.file, f.row, f.field) for f in at][:1] == [(str(path), row, field)], [
        (f.code, f.row, f.field) for f in error.findings
    ]
    said = {lang: render(at[0], lang) for lang in ("id", "en")}
    assert str(path) in said["id"] and str(path) in said["en"] and said["id"] != said["en"]


def test_scenario_formula_like_name_is_text(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "skenario.toml"
    path.write_bytes(edited('name = "Bansos desil 1-2"', 'name = "=HYPERLINK(\\"x\\")"'))
    saved = scenarios.save_scenario(ws, path)
    assert saved.name == '=HYPERLINK("x")'


def test_scenario_unknown_key_is_kept_as_a_warning(ws: Workspace, tmp_path: Path) -> None:
    """A key rpkd does not know (a newer version's, a typo) is a warning, not a refusal."""
    from rpkd.simulation.scenario import read_scenario
    from rpkd.targeting.eligibility import catalogue

    text = edited("[macro]", "nama = 'x'\n[macro]").decode()
    parsed = read_scenario(text, catalogue=catalogue(ws.kit.document("programmes")),
                           defaults=ws.kit.document("scenarios"), file="s.toml")  # fmt: skip
    assert [(f.code, f.severity, f.field) for f in parsed.findings] == [
        ("scenario_key_unknown", "warning", "nama")
    ]
