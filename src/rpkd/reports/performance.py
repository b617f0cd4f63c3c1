"""The performance table (``rpkd monitor``) as an officer reads it: labelled columns, coded words
(kind, band light, status) in the reader's language, and a workbook of it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.xlsx import Column, Sheet, write_workbook

COLUMNS = (
    "kind", "code", "name", "agency", "target", "realisation", "achievement", "band", "light",
    "lagging", "status",
)  # fmt: skip
"""The columns of the performance table an officer reads, in order."""
WORDS: Mapping[str, str] = {"kind": "plan.kind", "light": "plan.light", "status": "plan.status"}
"""Columns holding codes, and the label prefix that names each code."""


def performance_rows(table: pa.Table, lang: Lang) -> list[dict[str, Any]]:
    """Return the rows of a performance table with codes named in ``lang`` (band in its own
    language column), keeping only :data:`COLUMNS`."""
    rows = []
    for row in table.to_pylist():
        shown: dict[str, Any] = {}
        for column in COLUMNS:
            value = row.get("band_en") if column == "band" and lang == "en" else row.get(column)
            prefix = WORDS.get(column)
            if prefix is not None and isinstance(value, str):
                value = locale.label(f"{prefix}.{value}", lang)
            shown[column] = value
        rows.append(shown)
    return rows


def performance_workbook(path: Path, table: pa.Table, lang: Lang, *, title: str) -> Path:
    """Write the performance table to the workbook ``path`` (achievement in percent points)."""
    formats: dict[str, Any] = {
        "target": "decimal",
        "realisation": "decimal",
        "achievement": "decimal",
    }
    columns = [Column(c, locale.label(f"plan.{c}", lang), format=formats.get(c)) for c in COLUMNS]
    sheet = Sheet(locale.label("plan.title.performance_sheet", lang), performance_rows(table, lang),
                  columns, title=title)  # fmt: skip
    return write_workbook(path, [sheet])
