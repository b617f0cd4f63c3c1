"""The RPKD matrices as an XLSX workbook, through the one writer (:mod:`rpkd.reports.xlsx`).

Sheets (layout in :mod:`rpkd.planning.matrix_layout`, headers in the user's language, group
headers merged over their columns as in RPKD/Renstra matrices):

- plan (``Rencana``): name, region, period, zero-extreme-poverty target year (key/value rows);
- reference (``Referensi``): pillars, strategies, OPD and partners (kind, code, name, note);
- programmes (``Matriks Program``): strategy → programme → activity → output indicators → OPD →
  location → indicative budget by year, one row per activity and funding source;
- indicators (``Matriks Indikator``): indicator, level, unit, polarity, source, baseline, target
  per year, final condition;
- commitments (``Komitmen Mitra``): partner commitments.

:func:`rpkd.planning.matrix_import.read_plan_matrix` reads them back; derived columns (names
beside codes, the output-indicator list, the final condition) are written for the reader and
ignored on import. :func:`finding_rows` and :func:`write_findings_csv` give the findings report
of an import (of the matrices or of a realisations file) in the user's language.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rpkd import locale
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.planning import matrix_layout as layout
from rpkd.planning.matrix_layout import MatrixColumn
from rpkd.planning.model import FUNDING_SOURCES, Activity, Plan
from rpkd.reports.xlsx import Column, Format, Sheet, neutralise_row, write_workbook

_WIDTHS = {"name": 36, "programme_name": 36, "activity_name": 36, "strategy_name": 36}
_FORMATS: dict[str, Format] = {"baseline_year": "text", "year": "text"}


def _columns(columns: Sequence[MatrixColumn], lang: Lang) -> list[Column]:
    out = []
    for c in columns:
        fmt: Format | None = _FORMATS.get(c.key)
        if c.key.startswith("budget:") or c.key == "amount":
            fmt = "integer"
        out.append(Column(c.key, c.heading(lang), c.group_heading(lang), fmt, _WIDTHS.get(c.key)))
    return out


def _title(key: str, lang: Lang, plan: Plan | None = None) -> str:
    text = locale.label(f"plan_matrix.title.{key}", lang)
    return f"{text} {plan.name.upper()}" if plan is not None else text


def write_plan_matrix(plan: Plan, path: Path, lang: Lang = "id") -> Path:
    """Write the plan's matrices to the XLSX workbook ``path`` and return it."""
    sheets = [
        _plan_sheet(plan, lang),
        _reference_sheet(plan, lang),
        _programme_sheet(plan, lang),
        _indicator_sheet(plan, lang),
        _commitment_sheet(plan, lang),
    ]
    return write_workbook(path, sheets)


def _sheet(key: str, lang: Lang, **fields: Any) -> Sheet:
    return Sheet(locale.label(layout.SHEETS[key], lang), **fields)


def _plan_sheet(plan: Plan, lang: Lang) -> Sheet:
    rows = []
    for key in layout.PLAN_ITEMS:
        value = getattr(plan, key)
        rows.append(
            {
                "item": locale.label(f"plan_matrix.plan.{key}", lang),
                "value": "" if value is None else str(value),
            }
        )
    columns = _columns(layout.PLAN_COLUMNS, lang)
    columns = [Column(columns[0].key, columns[0].header, width=38), columns[1]]
    return _sheet("plan", lang, rows=rows, columns=columns, title=_title("plan", lang))


def _reference_sheet(plan: Plan, lang: Lang) -> Sheet:
    def row(kind: str, code: str, name: str, note: str = "") -> dict[str, str]:
        return {"kind": layout.word("kind", kind, lang), "code": code, "name": name, "note": note}

    rows = (
        [row("pillar", p.code, p.name) for p in plan.pillars]
        + [
            row(
                "strategy",
                s.code,
                s.name,
                layout.word("scope", "national" if s.national else "local", lang),
            )
            for s in plan.strategies
        ]
        + [row("agency", a.code, a.name) for a in plan.agencies]
        + [
            row("partner", p.code, p.name, layout.word("partner_kind", p.kind, lang))
            for p in plan.partners
        ]
    )
    columns = _columns(layout.REFERENCE_COLUMNS, lang)
    columns[2] = Column("name", columns[2].header, width=70)
    return _sheet("reference", lang, rows=rows, columns=columns, title=_title("reference", lang))


def _programme_rows(plan: Plan, lang: Lang) -> list[dict[str, Any]]:
    strategies = {s.code: s.name for s in plan.strategies}
    rows: list[dict[str, Any]] = []
    for programme in plan.programmes:
        lines: list[tuple[Activity | None, str | None]] = []
        members: tuple[Activity | None, ...] = programme.activities or (None,)
        for activity in members:
            sources = (
                sorted({b.source for b in activity.budgets}, key=FUNDING_SOURCES.index)
                if activity
                else []
            )
            lines += [(activity, s) for s in sources] or [(activity, None)]
        for activity, source in lines:
            row: dict[str, Any] = {
                "strategy": programme.strategy,
                "strategy_name": strategies.get(programme.strategy, ""),
                "pillar": programme.pillar or "",
                "programme": programme.code,
                "programme_name": programme.name,
                "activity": activity.code if activity else "",
                "activity_name": activity.name if activity else "",
                "outputs": ", ".join(
                    i.code for i in plan.indicators if activity and i.activity == activity.code
                ),
                "agency": activity.agency if activity else programme.agency,
                "partners": ", ".join(activity.partners) if activity else "",
                "regions": ", ".join(activity.regions) if activity else "",
                "release": (activity.release or "") if activity else "",
                "release_filter": (activity.release_filter or "") if activity else "",
                "target_group": activity.target_group if activity else "",
                "source": layout.word("source", source, lang) if source else "",
            }
            for year in plan.years:
                lines_of_year = [
                    b.amount
                    for b in (activity.budgets if activity else ())
                    if b.year == year and b.source == source
                ]
                row[f"budget:{year}"] = sum(lines_of_year) if lines_of_year else None
            rows.append(row)
    return rows


def _programme_sheet(plan: Plan, lang: Lang) -> Sheet:
    columns = [
        *layout.PROGRAMME_COLUMNS,
        *(layout.year_column(layout.BUDGET_GROUP, y) for y in plan.years),
    ]
    return _sheet(
        "programmes",
        lang,
        rows=_programme_rows(plan, lang),
        columns=_columns(columns, lang),
        title=_title("programmes", lang, plan),
        numbered=True,
        number_header=locale.label(layout.NUMBER, lang),
    )


def _indicator_sheet(plan: Plan, lang: Lang) -> Sheet:
    rows = []
    for indicator in plan.indicators:
        row: dict[str, Any] = {
            "code": indicator.code,
            "name": indicator.name,
            "level": layout.word("level", indicator.level, lang),
            "programme": indicator.programme or "",
            "activity": indicator.activity or "",
            "unit": indicator.unit,
            "polarity": layout.word("polarity", indicator.polarity, lang),
            "source": indicator.source,
            "baseline_year": indicator.baseline_year,
            "baseline_value": indicator.baseline_value,
        }
        for year in plan.years:
            row[f"target:{year}"] = indicator.target(year)
        row["final"] = indicator.target(plan.end_year)
        rows.append(row)
    columns = [
        *layout.INDICATOR_COLUMNS,
        *(layout.year_column(layout.TARGET_GROUP, y) for y in plan.years),
        layout.FINAL_COLUMN,
    ]
    return _sheet(
        "indicators",
        lang,
        rows=rows,
        columns=_columns(columns, lang),
        title=_title("indicators", lang, plan),
        numbered=True,
        number_header=locale.label(layout.NUMBER, lang),
    )


def _commitment_sheet(plan: Plan, lang: Lang) -> Sheet:
    rows = [
        {
            "partner": c.partner,
            "activity": c.activity or "",
            "year": c.year,
            "description": c.description,
            "amount": c.amount,
        }
        for c in plan.commitments
    ]
    return _sheet(
        "commitments",
        lang,
        rows=rows,
        columns=_columns(layout.COMMITMENT_COLUMNS, lang),
        title=_title("commitments", lang),
    )


FINDING_COLUMNS = ("sheet", "row", "field", "value", "rule", "message", "severity")
"""Columns of the findings report of a plan or realisation import (``rule`` is the code)."""


def finding_rows(findings: Sequence[Finding], lang: Lang = "id") -> list[dict[str, Any]]:
    """Return findings as report rows: location, code (``rule``), sentence in ``lang``, severity."""
    rows = []
    for f in findings:
        params = {"field": f.field, **f.params}
        rows.append(
            {
                "sheet": f.sheet,
                "row": f.row,
                "field": f.field,
                "value": f.value,
                "rule": f.code,
                "message": locale.message(f.code, lang, **params),
                "severity": f.severity,
            }
        )
    return rows


def write_findings_csv(path: Path, findings: Sequence[Finding], lang: Lang = "id") -> Path:
    """Write the findings report (:data:`FINDING_COLUMNS`) as a UTF-8 CSV file and return it."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(FINDING_COLUMNS)
        rows = finding_rows(findings, lang)
        writer.writerows(neutralise_row(r[c] for c in FINDING_COLUMNS) for r in rows)
    return path
