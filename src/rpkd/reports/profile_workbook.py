"""The registry profile for a reader: indicator labels, a table per topic and the workbook.

The profile's long table (:class:`rpkd.measures.profile.RegistryProfile`) is what machines
read; an officer reads each topic with the indicators named in their language (``rtlh_floor``
is "RTLH: lantai"), counts beside shares in percent, and the areas by code and name. The
workbook holds one sheet per topic in wide form (one row per area, one column per indicator
and its share), the long table and the findings, each rendered by code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from rpkd import locale
from rpkd.findings import findings_table
from rpkd.locale import Lang
from rpkd.reports.xlsx import Column, Sheet, write_workbook

if TYPE_CHECKING:
    from rpkd.measures.profile import RegistryProfile

TOPICS: tuple[str, ...] = ("desil", "characteristics", "vulnerable", "mpi")
SHARE_ONLY: tuple[str, ...] = ("mpi_intensity", "mpi_m0")
"""Indicators published as a share only (their counts are deprivation points, not families)."""
READING_CELLS: dict[str, Literal["integer", "percent"]] = {
    "profile.column.value": "integer",
    "profile.column.share": "percent",
}
"""How the cells of :func:`reading_table` are shown (kinds of :func:`rpkd.cli.common.cell`)."""


def indicator_label(indicator: str, lang: Lang = "id") -> str:
    """Return the name of a profile indicator in ``lang`` (``rtlh_floor`` -> ``RTLH: lantai``).

    Examples
    --------
    >>> indicator_label("rtlh_floor", "id")
    'RTLH: lantai'
    """
    return locale.label(f"profile.{indicator}", lang)


def reading_table(table: pa.Table, lang: Lang = "id") -> pa.Table:
    """Return rows of the long table as an officer reads them: code, name, indicator, value, share.

    Columns are named by their catalogue label keys (``profile.column.<name>``), so a terminal
    table or a page shows them in ``lang``; the indicator is named in ``lang``; the share stays
    a fraction (shown as percent, :data:`READING_CELLS`).
    """
    labels = [indicator_label(i, lang) for i in table["indicator"].to_pylist()]
    columns = {
        "code": table["code"],
        "name": table["name"],
        "indicator": pa.array(labels, pa.string()),
        "value": table["value"],
        "share": table["share"],
    }
    return pa.table({f"profile.column.{k}": v for k, v in columns.items()})


def wide(table: pa.Table, lang: Lang = "id") -> tuple[pa.Table, list[Column]]:
    """Return one row per area and one column per indicator (count, then share), with headers."""
    indicators = list(dict.fromkeys(table["indicator"].to_pylist()))
    keys = list(dict.fromkeys(zip(*(table[c].to_pylist() for c in ("level", "code", "name")),
                                  strict=True)))  # fmt: skip
    data: dict[str, list[Any]] = {
        "level": [k[0] for k in keys],
        "code": [k[1] for k in keys],
        "name": [k[2] for k in keys],
    }
    columns = [Column(c, locale.label(f"profile.column.{c}", lang)) for c in data]
    for ind in indicators:
        rows = table.filter(pc.equal(table["indicator"], ind)).to_pylist()
        cell = {(r["level"], r["code"]): r for r in rows}
        found = [cell.get((k[0], k[1])) for k in keys]
        title = indicator_label(ind, lang)
        if ind not in SHARE_ONLY:
            data[ind] = [r["value"] if r else None for r in found]
            columns.append(Column(ind, title, format="integer"))
        if not ind.endswith("_total"):  # a total has no share; the rest always show theirs
            data[f"share_{ind}"] = [r["share"] if r else None for r in found]
            columns.append(Column(f"share_{ind}", f"% {title}", format="percent"))
    return pa.table(data), columns


def _findings(profile: RegistryProfile, lang: Lang) -> tuple[pa.Table, list[Column]]:
    found = findings_table(profile.findings).select(["code", "severity"])
    text = [locale.render(f, lang) for f in profile.findings]
    table = found.append_column("message", pa.array(text, pa.string()))
    return table, [Column(c, locale.label(f"profile.column.{c}", lang)) for c in table.column_names]


def profile_workbook(path: Path, profile: RegistryProfile, lang: Lang = "id") -> Path:
    """Write the profile to the XLSX file ``path`` and return it.

    Sheets: one per topic (wide), the long table (as ``--format json`` gives it) and the
    findings, every header and sheet name in ``lang``.
    """
    sheets = []
    for topic in TOPICS:
        rows, columns = wide(getattr(profile, topic), lang)
        name = locale.label(f"profile.sheet.{topic}", lang)
        sheets.append(Sheet(name, rows, columns, title=name))
    long_table = profile.to_arrow()
    long_columns = [
        Column(
            c, locale.label(f"profile.column.{c}", lang), format="percent" if c == "share" else None
        )
        for c in long_table.column_names
    ]
    sheets.append(Sheet(locale.label("profile.sheet.long_table", lang), long_table, long_columns))
    table, columns = _findings(profile, lang)
    sheets.append(Sheet(locale.label("profile.sheet.findings", lang), table, columns))
    return write_workbook(path, sheets)
