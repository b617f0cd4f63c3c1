"""The rules of bad input to the JSON API: parameters and JSON bodies refused by code.

The API's routes declare their parameters (type, range, length, pattern, choices); what does
not fit is refused before a workflow runs. This module turns each refusal into a coded
:class:`~rpkd.errors.InvalidInput` naming the parameter, so that the answer carries the
catalogue's sentence in the caller's language (``docs/bad-input.md``, "The JSON API"):

- :func:`refusal` reads the problems FastAPI found (pydantic's error records: ``type``,
  ``loc``, ``input``, ``ctx``) and returns one error, the first problem its code, every problem
  a finding;
- :func:`check_parameters` refuses what the declarations let through: a parameter the address
  does not know (a typo would silently give the default), control characters (NUL cannot be
  stored or queried on PostgreSQL) and a text longer than :data:`PARAMETER_LIMIT`;
- :func:`json_object` reads a JSON body strictly (RFC 8259): UTF-8, one object, no key twice,
  no ``NaN``, ``Infinity`` or number out of range, only the fields named, each a text checked by
  :func:`rpkd.inputs.typed.text`.

Examples
--------
>>> error = refusal([{"type": "int_parsing", "loc": ("query", "year"), "input": "20x5"}])
>>> error.code, error.param, error.message("en")
('api_parameter_integer', 'year', 'parameter year: 20x5 is not a whole number')
>>> json_object(b'{"decision": "accept"}', "application/json", {"decision": 16})
{'decision': 'accept'}
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.inputs.typed import LINE_LIMIT, has_control, text

__all__ = ["PARAMETER_LIMIT", "check_parameters", "json_object", "refusal"]

PARAMETER_LIMIT = LINE_LIMIT
"""The longest value of a query or path parameter, in characters (a name, a code, a date)."""
SHOWN = 40
"""How much of a refused value an answer repeats."""

_KINDS: dict[str, str] = {
    "missing": "api_parameter_missing",
    "int_parsing": "api_parameter_integer",
    "int_from_float": "api_parameter_integer",
    "int_type": "api_parameter_integer",
    "float_parsing": "api_parameter_number",
    "float_type": "api_parameter_number",
    "finite_number": "api_parameter_number",
    "bool_parsing": "api_parameter_boolean",
    "bool_type": "api_parameter_boolean",
    "less_than_equal": "api_parameter_above",
    "less_than": "api_parameter_above",
    "greater_than_equal": "api_parameter_below",
    "greater_than": "api_parameter_below",
    "string_too_long": "api_parameter_long",
    "string_too_short": "api_parameter_short",
    "string_pattern_mismatch": "api_parameter_pattern",
    "literal_error": "api_parameter_choice",
    "enum": "api_parameter_choice",
    "extra_forbidden": "api_json_field_unknown",
    "model_attributes_type": "api_json_not_object",
    "dict_type": "api_json_not_object",
}
"""pydantic's error type -> the catalogue code (dates: any ``date_*`` or ``datetime_*``)."""
_LIMITS = {
    "api_parameter_above": ("le", "lt"),
    "api_parameter_below": ("ge", "gt"),
    "api_parameter_long": ("max_length",),
    "api_parameter_short": ("min_length",),
}


def _shown(value: object) -> str:
    return str(value)[:SHOWN]


def _not_finite(value: object) -> bool:
    try:
        return not math.isfinite(float(str(value)))
    except ValueError:
        return False


def _code(problem: Mapping[str, Any]) -> str:
    kind = str(problem.get("type", ""))
    if kind.startswith(("date_", "datetime_")):
        return "api_parameter_date"
    code = _KINDS.get(kind, "api_parameter_invalid")
    bound = code in ("api_parameter_above", "api_parameter_below")
    if bound and _not_finite(problem.get("input")):
        return "api_parameter_number"  # NaN compares false with every bound; inf passes one
    return code


def _finding(problem: Mapping[str, Any]) -> Finding:
    loc = [part for part in problem.get("loc", ()) if isinstance(part, str)]
    param = loc[-1] if len(loc) > 1 else (loc[0] if loc else "body")
    code = _code(problem)
    context = problem.get("ctx") or {}
    params: dict[str, Any] = {"field": param}
    if code != "api_parameter_missing":
        params["value"] = _shown(problem.get("input", ""))
    if code in _LIMITS:
        params["limit"] = next((context[k] for k in _LIMITS[code] if k in context), "")
    if code == "api_parameter_choice":
        expected = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ")
        params["choices"] = expected  # pydantic's "'a', 'b' or 'c'", as a list: "a, b, c"
    if code in ("api_json_field_unknown", "api_json_not_object"):
        params = {"field": param, "known": "", "kind": type(problem.get("input")).__name__}
    return Finding(code, "error", params, field=param)


def refusal(problems: Sequence[Mapping[str, Any]]) -> InvalidInput:
    """Return the error of a request whose parameters or body FastAPI refused: the first
    problem's code naming its parameter, every problem a finding (the order FastAPI found
    them: path, query, header, body)."""
    findings = tuple(_finding(p) for p in problems) or (
        Finding("api_parameter_invalid", "error", {"field": "body"}, field="body"),
    )
    first = findings[0]
    return InvalidInput(first.code, param=first.field, findings=findings, **first.params)


def check_parameters(
    values: Iterable[tuple[str, str]],
    known: Collection[str],
    *,
    repeatable: Collection[str] = (),
) -> None:
    """Refuse a parameter the address does not know, one given twice that takes one value (a
    server would silently keep one of them), a value with control characters and a value
    longer than :data:`PARAMETER_LIMIT` (``values``: name and value of every query and path
    parameter of the request; ``known``: the names the address declares; ``repeatable``: those
    that take several values).

    Raises
    ------
    InvalidInput
        ``api_parameter_unknown``, ``api_parameter_repeated``, ``api_parameter_control`` or
        ``api_parameter_long``, naming the parameter.

    Examples
    --------
    >>> try:
    ...     check_parameters([("year", "2025"), ("year", "2026")], {"year"})
    ... except InvalidInput as error:
    ...     print(error.code, error.param)
    api_parameter_repeated year
    >>> check_parameters([("programme", "pkh"), ("programme", "pip")], {"programme"},
    ...                  repeatable={"programme"})
    """
    seen: set[str] = set()
    for name, value in values:
        if name in seen and name not in repeatable:
            raise InvalidInput("api_parameter_repeated", param=name, field=name)
        seen.add(name)
        if name not in known:
            listed = ", ".join(sorted(known)) or "-"
            raise InvalidInput("api_parameter_unknown", param=name[:SHOWN], field=name[:SHOWN],
                               known=listed)  # fmt: skip
        if has_control(value, lines=False):
            raise InvalidInput("api_parameter_control", param=name, field=name)
        if len(value) > PARAMETER_LIMIT:
            raise InvalidInput("api_parameter_long", param=name, field=name,
                               limit=PARAMETER_LIMIT)  # fmt: skip


def _no_constant(value: str) -> Any:
    raise InvalidInput("api_json_number", param="body", value=value)


def _finite(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput("api_json_number", param="body", value=_shown(value))
    return number


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InvalidInput("api_json_key_duplicate", param=key[:SHOWN], field=key[:SHOWN])
        found[key] = value
    return found


def _kind(value: object) -> str:
    kinds = {list: "array", dict: "object", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")


def json_object(body: bytes, content_type: str, fields: Mapping[str, int]) -> dict[str, str]:
    """Return the text fields of a JSON request body, each cleaned and checked.

    ``fields``: every field the body must hold, with its longest length in characters.

    Raises
    ------
    InvalidInput
        ``api_content_type`` (not ``application/json``), ``api_json_encoding``,
        ``api_json_invalid`` (line and column), ``api_json_number``, ``api_json_nesting``,
        ``api_json_key_duplicate``,
        ``api_json_not_object``, ``api_json_field_unknown``, ``api_json_field_missing``,
        ``api_json_field_text``, ``form_text_control`` or ``form_text_long``, naming the field.
    """
    media = content_type.partition(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise InvalidInput("api_content_type", param="body", content_type=_shown(media or "-"))
    try:
        decoded = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("api_json_encoding", param="body") from None
    try:
        value = json.loads(decoded, object_pairs_hook=_pairs, parse_constant=_no_constant,
                           parse_float=_finite)  # fmt: skip
    except json.JSONDecodeError as error:
        raise InvalidInput("api_json_invalid", param="body", line=error.lineno,
                           column=error.colno) from None  # fmt: skip
    except RecursionError:
        raise InvalidInput("api_json_nesting", param="body") from None
    except ValueError:  # an integer of more digits than Python converts
        raise InvalidInput("api_json_number", param="body", value=_shown(decoded)) from None
    if not isinstance(value, dict):
        raise InvalidInput("api_json_not_object", param="body", kind=_kind(value))
    known = ", ".join(fields)
    for key in value:
        if key not in fields:
            raise InvalidInput("api_json_field_unknown", param=key[:SHOWN], field=key[:SHOWN],
                               known=known)  # fmt: skip
    out: dict[str, str] = {}
    for name, limit in fields.items():
        raw = value.get(name)
        if raw is None or raw == "":
            raise InvalidInput("api_json_field_missing", param=name, field=name)
        if not isinstance(raw, str):
            raise InvalidInput("api_json_field_text", param=name, field=name, kind=_kind(raw))
        out[name] = text(raw, param=name, field=name, limit=limit, lines=False)
        if not out[name]:
            raise InvalidInput("api_json_field_missing", param=name, field=name)
    return out
