"""Typed values from text, as Ibis expressions: every source column arrives as text.

Each parser returns the typed value: null when the text is missing *or* unparseable. A finding
is due exactly where the text is present and the value is null, so validation and conversion can
never disagree. Numbers follow the rule of :mod:`rpkd.inputs.numbers` (decimal comma or dot per
column, thousands grouped or not), written as the same regular expressions for the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

import ibis

from rpkd.inputs import numbers
from rpkd.releases.mapping import KindMapping, date_directives
from rpkd.releases.schema import Column

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, DateValue, StringValue, Table, Value

ISO = "%Y-%m-%d"
_DIRECTIVES = {"%d": r"(\d{1,2})", "%m": r"(\d{1,2})", "%Y": r"(\d{4})", "%y": r"(\d{2})"}
_DESA = r"^\d{10}$"


def text_of(table: Table, column: str) -> StringValue:
    """Return the trimmed text of ``column`` (null when missing, empty or absent from the file)."""
    if column not in table.columns:
        return ibis.null().cast("string")
    return table[column].cast("string").strip().nullif("")


def _folded(text: StringValue) -> StringValue:
    return text.re_replace(r"\s+", " ").upper()


def recoded(text: StringValue, column: Column, mapping: KindMapping) -> StringValue:
    """Return text after the mapping's value recoding and, for code lists, case-folding."""
    out = text
    recode = mapping.values.get(column.name)
    if recode:
        out = _folded(text).substitute(dict(recode), else_=text)
    if column.codes:
        # Most values are already codes: fold (regex) only the others.
        canonical = {c.upper(): c for c in column.codes}
        folded = _folded(out).re_replace(r"[ -]", "_").substitute(canonical, else_=out)
        out = out.isin(list(column.codes)).ifelse(out, folded)
    return out


def number(text: StringValue, decimal: numbers.Decimal) -> Value:
    """Return a float64 from text written with decimal mark ``decimal`` (null if not a number)."""
    plain = text.replace(numbers.GROUPING[decimal], "")
    if decimal == ",":
        plain = plain.replace(",", ".")
    valid = text.re_search(numbers.PATTERNS[decimal])
    return valid.ifelse(plain.try_cast("float64"), ibis.null().cast("float64"))


def integer(text: StringValue, decimal: numbers.Decimal) -> Value:
    """Return an int64 from text (null when not a number or not whole)."""
    value = number(text, decimal)
    whole = (value.abs() < 1e15) & (value == value.floor())
    return whole.ifelse(value.cast("int64"), ibis.null().cast("int64"))


def decimal_votes(table: Table, columns: Mapping[str, StringValue]) -> Table:
    """Return one row: for each column, the values that need a decimal comma and a decimal dot."""
    votes: dict[str, Value] = {}
    for name, text in columns.items():
        votes[f"{name}__comma"] = text.re_search(numbers.COMMA_EVIDENCE).cast("int64").sum()
        votes[f"{name}__dot"] = text.re_search(numbers.DOT_EVIDENCE).cast("int64").sum()
    return table.aggregate(**votes)


def boolean(text: StringValue, mapping: KindMapping) -> BooleanValue:
    """Return true/false from the mapping's spellings (true/false, ya/tidak, y/t, 1/0 by default)."""
    folded = text.upper()
    return (
        folded.isin(list(mapping.true))
        .ifelse(
            ibis.literal(True), folded.isin(list(mapping.false)).ifelse(ibis.literal(False), None)
        )
        .cast("boolean")
    )


def _pattern(fmt: str) -> str:
    """Return the regular expression of a date format (checked by the mapping)."""
    parts, i = ["^"], 0
    while i < len(fmt):
        token = fmt[i : i + 2]
        if token in _DIRECTIVES:
            parts.append(_DIRECTIVES[token])
            i += 2
        else:
            parts.append(re.escape(fmt[i]))
            i += 1
    return "".join(parts) + r"(?:[ T].*)?$"


def _formatted(text: StringValue, fmt: str, today: date) -> DateValue:
    """Return dates in format ``fmt``; two-digit years are at most ``today``'s year."""
    pattern, order = _pattern(fmt), date_directives(fmt)
    part = {token: text.re_extract(pattern, i + 1) for i, token in enumerate(order)}
    if "%y" in part:
        two = part["%y"].try_cast("int64")
        pivot = today.year % 100
        year = (two > pivot).ifelse(two + 1900, two + 2000).cast("string")
    else:
        year = part["%Y"]
    iso = year + "-" + part["%m"].lpad(2, "0") + "-" + part["%d"].lpad(2, "0")
    return text.re_search(pattern).ifelse(iso.try_cast("date"), ibis.null().cast("date"))


def day(text: StringValue, mapping: KindMapping, today: date) -> DateValue:
    """Return a date from ISO text (``YYYY-MM-DD``, optionally with a time) or the mapping's format."""
    direct = text.try_cast("date")
    iso = direct.notnull().ifelse(direct, text.substr(0, 10).try_cast("date"))
    if mapping.date_format and mapping.date_format != ISO:
        custom = _formatted(text, mapping.date_format, today)
        return iso.notnull().ifelse(iso, custom)
    return iso


LIST_FORMATS = ("%d-%m-%Y", "%d/%m/%Y")


def list_day(text: StringValue, mapping: KindMapping, today: date) -> DateValue:
    """Return a date as agencies write it on lists: ISO, the mapping's format, DD-MM-YYYY or
    DD/MM/YYYY."""
    out = day(text, mapping, today)
    for fmt in LIST_FORMATS:
        out = out.notnull().ifelse(out, _formatted(text, fmt, today))
    return out


def desa(text: StringValue) -> StringValue:
    """Return a desa code as dotted Kemendagri code (``62.03.01.2001``), null when malformed."""
    digits = text.replace(".", "")
    dotted = (
        digits.substr(0, 2)
        + "."
        + digits.substr(2, 2)
        + "."
        + digits.substr(4, 2)
        + "."
        + digits.substr(6, 4)
    )
    return digits.re_search(_DESA).ifelse(dotted, ibis.null().cast("string"))


def formats(mapping: KindMapping) -> str:
    """Return the accepted date formats, for messages."""
    accepted = ["YYYY-MM-DD"]
    if mapping.date_format and mapping.date_format != ISO:
        accepted.insert(
            0,
            mapping.date_format.replace("%d", "DD")
            .replace("%m", "MM")
            .replace("%Y", "YYYY")
            .replace("%y", "YY"),
        )
    return ", ".join(accepted)


VALUE = "__v"
LIST_DATE = "__d"


def cleaned(table: Table, columns: tuple[Column, ...], mapping: KindMapping) -> Table:
    """Return ``_row`` and the trimmed, recoded text of every schema column present."""
    return table.select(
        "_row",
        **{
            c.name: recoded(text_of(table, c.name), c, mapping)
            for c in columns
            if c.name in table.columns
        },
    )


def parsed(
    clean: Table,
    columns: tuple[Column, ...],
    mapping: KindMapping,
    decimals: Mapping[str, numbers.Decimal],
    today: date,
) -> Table:
    """Return ``_row`` and, for each column present, its clean text and ``<name>__v`` typed value.

    ``clean`` is :func:`cleaned`'s table; ``decimals`` the decimal mark of each number column.
    Run once per file and stored, so that checks compare plain columns instead of re-parsing.
    Lists keep birth dates as written; ``birth_date__d`` is their parsed date, for checks only.
    """
    fields: dict[str, Value] = {"_row": clean._row}
    for column in columns:
        if column.name not in clean.columns:
            continue
        text = clean[column.name]
        fields[column.name] = text
        if column.dtype != "string" or column.name == "desa_code":  # text is its own value
            fields[column.name + VALUE] = _typed(text, column, mapping, decimals, today)
        if column.name == "birth_date" and column.dtype == "string":
            fields[column.name + LIST_DATE] = list_day(text, mapping, today)
    return clean.select(**fields)


def _typed(
    text: StringValue,
    column: Column,
    mapping: KindMapping,
    decimals: Mapping[str, numbers.Decimal],
    today: date,
) -> Value:
    if column.name == "desa_code":
        return desa(text)
    if column.dtype == "int":
        return integer(text, decimals.get(column.name, "."))
    if column.dtype == "float":
        return number(text, decimals.get(column.name, "."))
    if column.dtype == "bool":
        return boolean(text, mapping)
    if column.dtype == "date":
        return day(text, mapping, today)
    return text
