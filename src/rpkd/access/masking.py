"""Masking of personal data for display: one function, one format, everywhere.

Used wherever by-name data leave rpkd for a person without ``personal_data.read`` or for a
printed list (UU 27/2022 on Pelindungan Data Pribadi, data minimisation). Identity numbers (NIK,
KK) keep their first four digits, the province and kabupaten code (Dukcapil), and their last
four; names become initials; birth dates keep their year; any other personal text keeps its
first character. The mask character is always ``*``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

Kind = Literal["number", "name", "date", "text"]
MASK = "*"
_NON_DIGIT = re.compile(r"\D")

FIELD_KINDS: dict[str, Kind] = {
    "nik": "number",
    "head_nik": "number",
    "no_kk": "number",
    "kk": "number",
    "kk_number": "number",
    "name": "name",
    "head_name": "name",
    "mother_name": "name",
    "birth_date": "date",
    "address": "text",
    "phone": "number",
}
"""How each personal-data column of rpkd's tables is masked (others: ``text``)."""


def mask_nik(nik: str | None) -> str | None:
    """Return an identity number with all but the first 4 and last 4 digits masked.

    Examples
    --------
    >>> mask_nik("6203012345678901")
    '6203********8901'
    >>> mask_nik("1234")
    '****'
    """
    if nik is None:
        return None
    digits = _NON_DIGIT.sub("", nik)
    if len(digits) <= 8:
        return MASK * len(digits)
    return digits[:4] + MASK * (len(digits) - 8) + digits[-4:]


def initials(name: str | None) -> str | None:
    """Return a person's name as initials (``"Siti Aminah"`` -> ``"S.A."``).

    Examples
    --------
    >>> initials("  siti   nur aminah ")
    'S.N.A.'
    """
    if name is None:
        return None
    return "".join(f"{part[0].upper()}." for part in name.split() if part)


def mask_date(value: str | None) -> str | None:
    """Return a date as its year (``1987-**-**``); anything else unreadable as ``**``.

    Examples
    --------
    >>> mask_date("1987-03-14")
    '1987-**-**'
    """
    if value is None:
        return None
    text = str(value)
    return text[:4] + "-**-**" if text[:4].isdigit() else MASK * 2


def mask_text(value: str | None) -> str | None:
    """Return any other personal text with only its first character kept (``J********``).

    Examples
    --------
    >>> mask_text("Jl. Tambun Bungai 3")
    'J******************'
    """
    if value is None:
        return None
    text = str(value)
    return text[:1] + MASK * (len(text) - 1)


_MASKS = {"number": mask_nik, "name": initials, "date": mask_date, "text": mask_text}


def mask(value: str | None, field: str) -> str | None:
    """Return ``value`` of column ``field`` masked the way :data:`FIELD_KINDS` says.

    Examples
    --------
    >>> mask("6203012345678901", "nik"), mask("Siti Aminah", "name")
    ('6203********8901', 'S.A.')
    """
    return _MASKS[FIELD_KINDS.get(field, "text")](value)


def mask_column(values: pa.Array | pa.ChunkedArray, field: str) -> pa.ChunkedArray:
    """Return a column of ``field`` masked as :func:`mask` would, value by value (vectorised).

    Examples
    --------
    >>> mask_column(pa.array(["6203014508900001", None]), "nik").to_pylist()
    ['6203********0001', None]
    """
    text = pc.cast(values, pa.string())
    kind = FIELD_KINDS.get(field, "text")
    if kind == "number":
        digits = pc.replace_substring_regex(text, r"\D", "")
        long_form = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(digits, 0, 4),
            pc.replace_substring_regex(pc.utf8_slice_codeunits(digits, 4, -4), ".", MASK),
            pc.utf8_slice_codeunits(digits, -4, 1 << 30),
            "",
        )
        short_form = pc.replace_substring_regex(digits, ".", MASK)
        result = pc.if_else(pc.greater(pc.utf8_length(digits), 8), long_form, short_form)
    elif kind == "text":
        result = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(text, 0, 1),
            pc.replace_substring_regex(pc.utf8_slice_codeunits(text, 1, 1 << 30), ".", MASK),
            "",
        )
    else:
        function = _MASKS[kind]
        result = pa.array([function(v) for v in text.to_pylist()], pa.string())
    return result if isinstance(result, pa.ChunkedArray) else pa.chunked_array([result])


def mask_table(
    table: pa.Table, *, field: Callable[[str], str | None] = lambda name: name
) -> pa.Table:
    """Return ``table`` with every personal-data column masked; ``field`` names the personal-data
    field a column holds (None: not personal), by default the column's own name.

    Examples
    --------
    >>> t = pa.table({"nik": ["6203014508900001"], "desil": [1]})
    >>> mask_table(t).to_pylist()
    [{'nik': '6203********0001', 'desil': 1}]
    """
    for i, name in enumerate(table.column_names):
        kind = field(name)
        if kind is not None and kind in FIELD_KINDS:
            table = table.set_column(i, name, mask_column(table.column(i), kind))
    return table
