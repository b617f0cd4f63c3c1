"""Numbers, percentages, rupiah and dates as a reader of each language writes them.

Indonesian uses a dot to group thousands and a comma for decimals (``1.234,5``; PUEBI and BPS
publications), English the reverse; dates are written ``28 November 2025`` in both.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from rpkd.locale.catalogue import Lang

_MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip
_SWAP = str.maketrans({",": ".", ".": ","})


def _localise(text: str, lang: Lang) -> str:
    return text.translate(_SWAP) if lang == "id" else text


def number(value: float | int | None, lang: Lang = "id", digits: int | None = None) -> str:
    """Return ``value`` with grouped thousands; ``digits`` decimals (default: as needed, max 4).

    Examples
    --------
    >>> number(1234.5, "id", 1)
    '1.234,5'
    >>> number(16718.699999999997, "en", 0)
    '16,719'
    >>> number(None)
    '–'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if digits is None:
        if isinstance(value, int) or float(value).is_integer():
            text = f"{round(value):,}"
        else:
            text = f"{value:,.4f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{digits}f}"
    return _localise(text, lang)


def percent(fraction: float | None, lang: Lang = "id", digits: int = 2) -> str:
    """Return a fraction as a percentage (``0.0523`` -> ``5,23%`` in Indonesian).

    Examples
    --------
    >>> percent(0.05234, "id")
    '5,23%'
    """
    if fraction is None or not math.isfinite(fraction):
        return "–"
    return number(100.0 * fraction, lang, digits) + "%"


def rupiah(value: float | None, lang: Lang = "id") -> str:
    """Return an amount in rupiah, without decimals (``Rp612.345``).

    Examples
    --------
    >>> rupiah(612345.4)
    'Rp612.345'
    """
    return "–" if value is None else "Rp" + number(value, lang, 0)


def date_text(day: date | datetime | None, lang: Lang = "id") -> str:
    """Return a date as ``28 November 2025`` (month named in ``lang``).

    Examples
    --------
    >>> date_text(date(2025, 8, 17))
    '17 Agustus 2025'
    """
    if day is None:
        return "–"
    return f"{day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


class _Formatter(string.Formatter):
    """str.format where numbers take the language's separators and lists are comma-joined."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float):
            if not format_spec:
                return number(value, self.lang)
            return _localise(format(value, format_spec), self.lang)
        if isinstance(value, date | datetime) and not format_spec:
            return date_text(value, self.lang)
        if isinstance(value, list | tuple | set | frozenset):
            return ", ".join(self.format_field(v, format_spec) for v in value)
        try:
            return format(value if value is not None else "–", format_spec)
        except ValueError:  # a parameter of another type than the template expects
            return str(value)


def fill(template: str, lang: Lang, params: Mapping[str, Any]) -> str:
    """Return ``template`` with ``params`` formatted for ``lang`` (missing ones shown as ``{x}``)."""

    class _Keep(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return _Formatter(lang).vformat(template, (), _Keep(params))
