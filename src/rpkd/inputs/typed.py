"""Values typed into a form, checked by one rule wherever a form sends them.

A number is read as an officer types it: digits grouped by thousands ``1.234.567``, a decimal
comma ``1.234,5`` or ``0,5``, or what a browser's number input sends (``1234.5``); the decimal
mark is decided by :func:`rpkd.inputs.numbers.decide`'s rules applied to the one value, and a
value with no evidence (``1.234``) is read with a decimal dot, as a number input sends it. Not
a number: words, ``inf``, ``nan``, digits of other scripts (``٣``), a value too large to hold
(``1e400``), and, where a whole number is asked (a year, a count), a fraction.

A text is trimmed, its zero-width characters (U+200B-U+200D, U+2060, BOM, soft hyphen) removed
and non-breaking spaces read as spaces (the repairs :func:`rpkd.inputs.columns.visible` makes
to files); control characters (NUL, escape, …; a line break too, in a one-line field) are
refused, and so is a text longer than the field allows. A formula-like text (``=HYPERLINK(…)``)
is kept as typed: every XLSX and CSV rpkd writes neutralises it (:mod:`rpkd.reports.xlsx`).

Examples
--------
>>> number("1.234.567", param="amount", field="jumlah")
1234567.0
>>> number("1.234,5", param="amount", field="jumlah"), number("0,5", param="v", field="v")
(1234.5, 0.5)
>>> number("1234.5", param="v", field="v"), number(" ", param="v", field="v") is None
(1234.5, True)
>>> text("  Bedah\\u200b rumah\\u00a0", param="note", field="catatan")
'Bedah rumah'
"""

from __future__ import annotations

import math
import re

from rpkd.errors import InvalidInput

LINE_LIMIT = 200
"""The longest one-line text (a name, a title) a form takes, in characters."""
NOTE_LIMIT = 2000
"""The longest multi-line text (a note, a reason) a form takes, in characters."""

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile("[\u00a0\u2007\u202f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_BREAKS = re.compile("[\t\n\r]")
_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?|[+-]?,\d+", re.ASCII)
_DOT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?|[+-]?\.\d+", re.ASCII)
_COMMA_EVIDENCE = re.compile(r"[+-]?([\d.]*\.\d*,\d*|\d+(\.\d+){2,}|\d*,\d+)", re.ASCII)


def _decimal(text: str) -> str:
    """Return the decimal mark of one typed number: a comma when only a comma reading fits
    (``1.234.567``, ``1.234,5``, ``0,5``), else a dot."""
    return "," if _COMMA_EVIDENCE.fullmatch(text) and "e" not in text.lower() else "."


def number(text: str, *, param: str, field: str, whole: bool = False) -> float | None:
    """Return the number typed in a form field, None when it is empty.

    ``field`` is the field's name as the user reads it (a catalogue label in the page's
    language); ``whole`` asks for a whole number (a year, a count).

    Raises
    ------
    InvalidInput
        ``form_number_invalid`` (not a number in either convention, or not finite) or
        ``form_number_whole`` (a fraction where a whole number is asked), naming the field and
        the value typed.
    """
    typed = clean(text)
    if not typed:
        return None
    compact = typed.replace(" ", "")
    decimal = _decimal(compact)
    pattern = _COMMA if decimal == "," else _DOT
    value = math.nan
    if pattern.fullmatch(compact):
        grouping = "." if decimal == "," else ","
        value = float(compact.replace(grouping, "").replace(",", "."))
    if not math.isfinite(value):
        raise InvalidInput("form_number_invalid", param=param, field=field, value=typed[:40])
    if whole and value != int(value):
        raise InvalidInput("form_number_whole", param=param, field=field, value=typed[:40])
    return value


def finite(**values: float | None) -> None:
    """Refuse a value that is not finite (``inf``, ``nan``), naming its parameter: the check
    of numbers given to a workflow by a program rather than typed.

    Raises
    ------
    InvalidInput
        ``form_number_invalid`` naming the first such parameter.
    """
    for name, value in values.items():
        if value is not None and not math.isfinite(value):
            raise InvalidInput("form_number_invalid", param=name, field=name, value=str(value))


def clean(value: str) -> str:
    """Return a typed text trimmed, without invisible characters, non-breaking spaces as
    spaces."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", value)).strip()


def has_control(value: str, *, lines: bool = True) -> bool:
    """Return whether a text holds control characters (line breaks too unless ``lines``)."""
    return bool(_CONTROL.search(value) or (not lines and _BREAKS.search(value)))


def text(value: str, *, param: str, field: str, limit: int = NOTE_LIMIT, lines: bool = True) -> str:
    """Return a typed text :func:`clean`; refuse control characters (line breaks too when
    ``lines`` is False) and a text longer than ``limit`` characters.

    Raises
    ------
    InvalidInput
        ``form_text_control`` or ``form_text_long``, naming the field.
    """
    cleaned = clean(value)
    if has_control(cleaned, lines=lines):
        raise InvalidInput("form_text_control", param=param, field=field)
    if len(cleaned) > limit:
        raise InvalidInput("form_text_long", param=param, field=field, limit=limit)
    return cleaned
