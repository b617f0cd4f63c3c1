"""The estimates table (DESIGN.md §7) as an officer reads it: a terminal view and a workbook.

The JSON and CSV forms keep fractions; here each measure is written the way BPS publishes it:
headcounts and shares in percent (P0 ``12,34%``), the poverty gap and severity indices P1 and
P2 multiplied by 100 (``2,15``), mean expenditure in rupiah, the number of poor as a whole
number, the coefficient of variation (se / estimate) in percent. Headers and measure names come
from the :mod:`rpkd.locale` catalogue; domains that are region codes get their names beside.

References
----------
BPS (2023). *Penghitungan dan Analisis Kemiskinan Makro Indonesia*: P0 in percent, P1 and P2 as
indices ×100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from rpkd import locale, regions
from rpkd.errors import RpkdError
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.reports.xlsx import Column, Format, Sheet, write_workbook

Kind = Literal["percent", "index", "rupiah", "integer", "ratio", "number"]
KINDS: dict[str, Kind] = {
    "fgt0": "percent",
    "fgt1": "index",
    "fgt2": "index",
    "poor": "integer",
    "mean": "rupiah",
    "H": "percent",
    "A": "percent",
    "censored_headcount": "percent",
    "raw_headcount": "percent",
    "contribution": "percent",
    "subgroup_contribution": "percent",
    "decile_share": "percent",
    "gini": "ratio",
    "qsr": "ratio",
    "palma": "ratio",
    "M0": "ratio",
}
"""How each measure is shown (ratios with three decimals, as BPS publishes the Gini ratio);
measures not listed as plain numbers."""

VALUES = ("estimate", "se", "ci_low", "ci_high")
_XLSX: dict[Kind, Format] = {
    "percent": "percent",
    "index": "decimal",
    "rupiah": "rupiah",
    "integer": "integer",
    "ratio": "decimal",
    "number": "decimal",
}


def kind(measure: str) -> Kind:
    """Return how values of ``measure`` are shown (percent, index ×100, rupiah, ...)."""
    return KINDS.get(measure, "number")


def shown(value: float | None, how: Kind, lang: Lang) -> str:
    """Return one value as an officer reads it (``12,34%``, ``2,15``, ``Rp612.345``)."""
    if value is None:
        return "–"
    if how == "percent":
        return locale.percent(value, lang)
    if how == "index":
        return locale.number(100.0 * value, lang, 2)
    if how == "rupiah":
        return locale.rupiah(value, lang)
    if how == "integer":
        return locale.number(round(value), lang, 0)
    if how == "ratio":
        return locale.number(value, lang, 3)
    return locale.number(value, lang)


def measure_name(measure: str, lang: Lang, *, long: bool = False) -> str:
    """Return the catalogue's name of a measure: short for tables (``P0 (%)``), ``long`` for
    documents (``P0 persentase penduduk miskin (%)``); a measure without one, its code."""
    return locale.label(f"estimates.{'name' if long else 'measure'}.{measure}", lang)


def region_text(value: str | None) -> str | None:
    """Return a region code with its name (``62.03.01 Selat``); other values as they are."""
    if value is None or "." not in value:
        return value
    try:
        if regions.exists(value):
            return f"{value} {regions.name(value)}"
    except RpkdError:
        return value
    return value


def line_text(value: str | None, lang: Lang) -> str | None:
    """Return a poverty line: a rupiah amount, or the name of a line column."""
    if value is None:
        return None
    try:
        return locale.rupiah(float(value), lang)
    except ValueError:
        return value


def _cv(row: Mapping[str, Any]) -> float | None:
    estimate, se = row.get("estimate"), row.get("se")
    if estimate is None or se is None or estimate == 0:
        return None
    return float(se) / abs(float(estimate))


def view(table: pa.Table, lang: Lang) -> pa.Table:
    """Return the estimates table as text for a terminal or a page, columns named by label keys.

    Columns that hold nothing (no indicator, no line) are left out, as are ``by`` (the domain
    column says it) and the standard error (the CV, as BPS publishes it, says the same).
    """
    rows = table.to_pylist()
    out: dict[str, list[str | None]] = {
        "estimates.measure": [measure_name(r["measure"], lang) for r in rows],
        "estimates.indicator": [r["indicator"] for r in rows],
        "estimates.line": [line_text(r["line"], lang) for r in rows],
        "estimates.domain": [
            locale.label("estimates.all", lang) if r["domain"] is None else region_text(r["domain"])
            for r in rows
        ],
    }
    for name in ("estimate", "ci_low", "ci_high"):  # the CV says what the SE would
        out[f"estimates.{name}"] = [shown(r[name], kind(r["measure"]), lang) for r in rows]
    out["estimates.cv"] = [shown(_cv(r), "percent", lang) for r in rows]
    out["estimates.n"] = [shown(r["n"], "integer", lang) for r in rows]
    out["estimates.population"] = [shown(r["population"], "integer", lang) for r in rows]
    kept = {k: v for k, v in out.items() if any(x is not None for x in v)}
    return pa.table({k: pa.array(v, pa.string()) for k, v in kept.items()})


def _numeric_lines(values: Sequence[str | None]) -> list[float | None] | None:
    """Return the lines as numbers when every line is a rupiah amount, else None."""
    try:
        return [None if v is None else float(v) for v in values]
    except ValueError:
        return None


def _workbook_rows(table: pa.Table, lang: Lang) -> list[dict[str, Any]]:
    records = table.to_pylist()
    lines = _numeric_lines([r["line"] for r in records])
    rows = []
    for i, r in enumerate(records):
        how = kind(r["measure"])
        scale = 100.0 if how == "index" else 1.0
        row = dict(r)
        for name in VALUES:
            row[name] = None if r[name] is None else scale * r[name]
        row["cv"] = _cv(r)
        row["domain_name"] = region_text(r["domain"])
        row["measure_name"] = measure_name(r["measure"], lang, long=True)
        row["_format"] = _XLSX[how]
        if lines is not None:
            row["line"] = lines[i]
        rows.append(row)
    return rows


def write_estimates(
    path: Path, table: pa.Table, findings: Sequence[Finding], lang: Lang, *, title: str
) -> Path:
    """Write the estimates and their findings to the workbook ``path`` (Indonesian headers).

    Values keep full precision; percent rows are formatted as percent, P1 and P2 are written
    ×100 as BPS publishes them.
    """
    rows = _workbook_rows(table, lang)
    h = locale.label
    columns = [
        Column("measure_name", h("estimates.measure", lang), width=28),
        Column("indicator", h("estimates.indicator", lang)),
        Column("line", h("estimates.line_long", lang), format="rupiah"),
        Column("by", h("estimates.by", lang)),
        Column("domain_name", h("estimates.domain", lang), width=28),
        *(Column(v, h(f"estimates.{v}", lang), row_format="_format") for v in VALUES),
        Column("cv", h("estimates.cv", lang), format="percent"),
        Column("n", h("estimates.n", lang), format="integer"),
        Column("population", h("estimates.population", lang), format="integer"),
    ]
    notes = [{"code": f.code, "message": locale.render(f, lang)} for f in findings]
    sheets = [Sheet(h("estimates.sheet.estimates", lang), rows, columns, title=title)]
    if notes:
        sheets.append(
            Sheet(
                h("estimates.sheet.findings", lang),
                notes,
                [
                    Column("code", h("estimates.code", lang), width=20),
                    Column("message", h("estimates.message", lang), width=90),
                ],
            )
        )
    return write_workbook(path, sheets)
