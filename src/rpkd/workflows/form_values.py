"""The rules of values typed into a form (:mod:`rpkd.inputs.typed`), for the interfaces: a
route reads a number or a text with them, and the workflows check notes, reasons and names with
the same rules.

Examples
--------
>>> number("1.234.567", param="amount", field="jumlah")
1234567.0
"""

from __future__ import annotations

from rpkd.inputs.typed import LINE_LIMIT, NOTE_LIMIT, number, text

__all__ = ["LINE_LIMIT", "NOTE_LIMIT", "number", "text"]
