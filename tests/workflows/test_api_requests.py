"""The rules of bad input to the JSON API without the web (:mod:`rpkd.workflows.api_requests`):
pydantic's problems turned into codes naming the parameter, parameters checked, JSON bodies
read strictly. Expected codes and parameters are written out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from rpkd.errors import InvalidInput
from rpkd.workflows.api_requests import PARAMETER_LIMIT, check_parameters, json_object, refusal

JSON = "application/json"
FIELDS = {"record": 64, "decision": 16}


@pytest.mark.parametrize(
    ("problem", "code", "params"),
    [
        ({"type": "missing", "loc": ("query", "desa"), "input": None},
         "api_parameter_missing", {"field": "desa"}),
        ({"type": "int_parsing", "loc": ("query", "year"), "input": "1e400"},
         "api_parameter_integer", {"field": "year", "value": "1e400"}),
        ({"type": "less_than_equal", "loc": ("query", "target"), "input": "NaN",
          "ctx": {"le": 1.0}}, "api_parameter_number", {"field": "target", "value": "NaN"}),
        ({"type": "greater_than_equal", "loc": ("query", "target"), "input": "-inf",
          "ctx": {"ge": 0.0}}, "api_parameter_number", {"field": "target", "value": "-inf"}),
        ({"type": "less_than_equal", "loc": ("query", "k"), "input": "99999",
          "ctx": {"le": 10000}}, "api_parameter_above",
         {"field": "k", "value": "99999", "limit": 10000}),
        ({"type": "greater_than", "loc": ("query", "k"), "input": "0", "ctx": {"gt": 0}},
         "api_parameter_below", {"field": "k", "value": "0", "limit": 0}),
        ({"type": "string_too_short", "loc": ("query", "desa"), "input": "62.03",
          "ctx": {"min_length": 10}}, "api_parameter_short",
         {"field": "desa", "value": "62.03", "limit": 10}),
        ({"type": "literal_error", "loc": ("query", "level"), "input": "provinsi",
          "ctx": {"expected": "'kecamatan', 'desa' or 'kabupaten'"}}, "api_parameter_choice",
         {"field": "level", "value": "provinsi", "choices": "kecamatan, desa, kabupaten"}),
        ({"type": "date_from_datetime_parsing", "loc": ("query", "since"), "input": "x"},
         "api_parameter_date", {"field": "since", "value": "x"}),
        ({"type": "string_pattern_mismatch", "loc": ("path", "name"), "input": ".."},
         "api_parameter_pattern", {"field": "name", "value": ".."}),
        ({"type": "list_type", "loc": ("query", "programme", 0), "input": 3},
         "api_parameter_invalid", {"field": "programme", "value": "3"}),
    ],
)  # fmt: skip
def test_a_problem_becomes_a_code_naming_its_parameter(
    problem: dict[str, Any], code: str, params: dict[str, Any]
) -> None:
    error = refusal([problem])
    assert (error.code, error.param, error.params) == (code, params["field"], params)
    assert [f.code for f in error.findings] == [code]


def test_every_problem_is_a_finding_the_first_is_the_error() -> None:
    error = refusal([
        {"type": "int_parsing", "loc": ("query", "year"), "input": "x"},
        {"type": "missing", "loc": ("body", "password"), "input": None},
    ])  # fmt: skip
    assert (error.code, error.param) == ("api_parameter_integer", "year")
    assert [(f.code, f.field) for f in error.findings] == [
        ("api_parameter_integer", "year"), ("api_parameter_missing", "password")]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "code", "param"),
    [
        ([("levl", "desa")], "api_parameter_unknown", "levl"),
        ([("year", "2025"), ("year", "2026")], "api_parameter_repeated", "year"),
        ([("user", "ad\x00min")], "api_parameter_control", "user"),
        ([("plan", "a\nb")], "api_parameter_control", "plan"),
        ([("plan", "a" * (PARAMETER_LIMIT + 1))], "api_parameter_long", "plan"),
    ],
)
def test_a_parameter_refused(values: list[tuple[str, str]], code: str, param: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_parameters(values, {"year", "user", "plan", "programme"}, repeatable={"programme"})
    assert (refused.value.code, refused.value.param) == (code, param)


def test_parameters_that_fit_pass() -> None:
    values = [("programme", "pkh"), ("programme", "pip"), ("plan", "a" * PARAMETER_LIMIT)]
    check_parameters(values, {"programme", "plan"}, repeatable={"programme"})


@pytest.mark.parametrize(
    ("body", "content_type", "code", "param"),
    [
        (b'{"record": "1", "decision": "accept"}', "text/plain", "api_content_type", "body"),
        (b'{"record": "1", "decision": "accept"}', "", "api_content_type", "body"),
        (b'{"record": "1",', JSON, "api_json_invalid", "body"),
        (b"", JSON, "api_json_invalid", "body"),
        ('{"record": "\xe9"}'.encode("latin-1"), JSON, "api_json_encoding", "body"),
        (b'{"record": NaN}', JSON, "api_json_number", "body"),
        (b'{"record": Infinity}', JSON, "api_json_number", "body"),
        (b'{"record": 1e400}', JSON, "api_json_number", "body"),
        (b'{"record": ' + b"9" * 5000 + b"}", JSON, "api_json_number", "body"),
        (b"[" * 100_000 + b"]" * 100_000, JSON, "api_json_nesting", "body"),
        (b'[{"record": "1"}]', JSON, "api_json_not_object", "body"),
        (b'{"record": "1", "record": "2", "decision": "accept"}', JSON,
         "api_json_key_duplicate", "record"),
        (b'{"record": "1", "decision": "accept", "x": 1}', JSON, "api_json_field_unknown", "x"),
        (b'{"record": "1"}', JSON, "api_json_field_missing", "decision"),
        (b'{"record": " \\u200b ", "decision": "accept"}', JSON, "api_json_field_missing",
         "record"),
        (b'{"record": 1, "decision": "accept"}', JSON, "api_json_field_text", "record"),
        (b'{"record": "1\\u0000", "decision": "accept"}', JSON, "form_text_control", "record"),
        (b'{"record": "1", "decision": "' + b"a" * 17 + b'"}', JSON, "form_text_long",
         "decision"),
    ],
)  # fmt: skip
def test_a_json_body_refused(body: bytes, content_type: str, code: str, param: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        json_object(body, content_type, FIELDS)
    assert (refused.value.code, refused.value.param) == (code, param)


def test_a_json_body_read_as_meant() -> None:
    body = '\ufeff{"record": " 12\u200b ", "decision": "accept"}'.encode()
    assert json_object(body, "application/json; charset=utf-8", FIELDS) == {
        "record": "12", "decision": "accept"}  # fmt: skip
    assert json_object(b'{"record": "1", "decision": "x"}', "application/merge-patch+json",
                       FIELDS) == {"record": "1", "decision": "x"}  # fmt: skip
