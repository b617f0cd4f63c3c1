"""The XLSX annex of a document (through :func:`rpkd.reports.xlsx.write_workbook`): the
indicator matrix (baseline, a target and a realisation for every year of the plan, with the
achievement), the programme matrix by strategy (OPD, lokus, indicative budget by source and
year) and the coverage matrix (eligible families reached by each programme, by kecamatan).

Coverage counts are protected as in the document (:mod:`~rpkd.reports.documents.disclosure`):
a suppressed cell holds the marker ``s`` instead of its number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from rpkd.locale import Lang
from rpkd.planning import matrix_layout
from rpkd.planning.action_plan import location_text
from rpkd.planning.model import FUNDING_SOURCES, FundingSource
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.model import SUPPRESSED
from rpkd.reports.documents.registry import coverage_hidden, coverage_sums, hidden_cells, listed
from rpkd.reports.documents.text import (
    coverage_source,
    plan_source,
    realisation_source,
    region_name,
    say,
    word,
)
from rpkd.reports.xlsx import Column, Sheet, write_workbook


def write_annex(ev: Evidence, path: Path, lang: Lang = "id") -> Path:
    """Write the annex matrices of ``ev`` to the XLSX file ``path`` and return it."""
    sheets = [
        s
        for s in (_indicators(ev, lang), _programmes(ev, lang), _coverage(ev, lang))
        if s is not None
    ]
    if not sheets:
        sheets = [
            Sheet(
                word("annex.empty", lang),
                [{"note": say("doc_annex_empty", lang)}],
                [Column("note", word("col.note", lang), width=80)],
            )
        ]
    return write_workbook(path, sheets)


def _indicators(ev: Evidence, lang: Lang) -> Sheet | None:
    plan = ev.plan
    if plan is None:
        return None
    realised = {(r.code, r.year): r for r in (ev.targets.rows if ev.targets else ())}
    rows = []
    for indicator in plan.indicators:
        row: dict[str, Any] = {
            "code": indicator.code,
            "name": indicator.name,
            "level": matrix_layout.word("level", indicator.level, lang),
            "unit": indicator.unit,
            "polarity": matrix_layout.word("polarity", indicator.polarity, lang),
            "source": indicator.source,
            "baseline_year": indicator.baseline_year,
            "baseline": indicator.baseline_value,
        }
        for year in plan.years:
            found = realised.get((indicator.code, year))
            row[f"target:{year}"] = indicator.target(year)
            row[f"realisation:{year}"] = None if found is None else found.realisation
            row[f"achievement:{year}"] = None if found is None else found.achievement
        rows.append(row)
    target, real, score = (
        word("annex.group.target", lang),
        word("annex.group.realisation", lang),
        word("annex.group.achievement", lang),
    )
    columns = [
        Column("code", word("col.code", lang)),
        Column("name", word("col.indicator", lang), width=40),
        Column("level", word("col.level", lang)),
        Column("unit", word("col.unit", lang)),
        Column("polarity", word("col.polarity", lang)),
        Column("source", word("col.data_source", lang), width=40),
        Column("baseline_year", word("col.baseline_year", lang), format="text"),
        Column("baseline", word("col.baseline", lang), format="decimal"),
        *(Column(f"target:{y}", str(y), target, "decimal") for y in plan.years),
        *(Column(f"realisation:{y}", str(y), real, "decimal") for y in plan.years),
        *(Column(f"achievement:{y}", str(y), score, "decimal") for y in plan.years),
    ]
    return Sheet(
        word("annex.indicators", lang),
        rows,
        columns,
        title=say("doc_annex_indicators", lang, plan=plan.name),
        notes=(realisation_source(ev, lang), say("doc_note_achievement", lang)),
        numbered=True,
    )


def _programmes(ev: Evidence, lang: Lang) -> Sheet | None:
    plan = ev.plan
    if plan is None:
        return None
    strategies = {s.code: s.name for s in plan.strategies}
    rows: list[dict[str, Any]] = []
    for strategy in plan.strategies:
        for programme in (p for p in plan.programmes if p.strategy == strategy.code):
            for activity in programme.activities or (None,):
                base = {
                    "strategy": strategies.get(programme.strategy, programme.strategy),
                    "programme": f"{programme.code} {programme.name}",
                    "activity": "" if activity is None else f"{activity.code} {activity.name}",
                    "agency": programme.agency if activity is None else activity.agency,
                    "lokus": ""
                    if activity is None
                    else location_text(activity.regions, activity.release, activity.release_filter),
                    "target_group": "" if activity is None else activity.target_group,
                    "partners": "" if activity is None else ", ".join(activity.partners),
                }
                sources: list[FundingSource | None] = (
                    []
                    if activity is None
                    else sorted({b.source for b in activity.budgets}, key=FUNDING_SOURCES.index)
                )
                for source in sources or [None]:
                    row: dict[str, Any] = {
                        **base,
                        "source": ""
                        if source is None
                        else matrix_layout.word("source", source, lang),
                    }
                    for year in plan.years:
                        amounts = [
                            b.amount
                            for b in (activity.budgets if activity else ())
                            if b.year == year and b.source == source
                        ]
                        row[f"budget:{year}"] = sum(amounts) if amounts else None
                    rows.append(row)
    group = word("annex.group.budget", lang)
    columns = [
        Column("strategy", word("col.strategy", lang), width=30),
        Column("programme", word("col.programme", lang), width=36),
        Column("activity", word("col.activity", lang), width=36),
        Column("agency", word("col.agency", lang)),
        Column("lokus", word("col.lokus", lang), width=30),
        Column("target_group", word("col.target_group", lang), width=24),
        Column("partners", word("col.partners", lang)),
        Column("source", word("col.funding_source", lang)),
        *(Column(f"budget:{y}", str(y), group, "rupiah") for y in plan.years),
    ]
    return Sheet(
        word("annex.programmes", lang),
        rows,
        columns,
        title=say("doc_annex_programmes", lang, plan=plan.name),
        notes=(plan_source(ev, lang),),
        numbered=True,
    )


def _coverage(ev: Evidence, lang: Lang) -> Sheet | None:
    if ev.coverage is None:
        return None
    sums = coverage_sums(ev.coverage)
    codes = sorted(str(a) for a, p in sums if a is not None and p == "any")
    programmes = [p for p in (*ev.programmes, "any") if (None, p) in sums]
    rows: list[dict[str, Any]] = [{"area": region_name(c, lang)} for c in codes]
    rows.append({"area": ev.district_name})
    secret = coverage_hidden(ev)
    for programme in programmes:
        keys = [*((c, programme) for c in codes), (None, programme)]
        hidden = {
            (i, "coverage" if k == "coverage_of_eligible" else k)
            for i, k in hidden_cells(keys, secret, ("eligible", "eligible_recipients", "gap"))
        }
        for i, (area, _) in enumerate(keys):
            counts = sums.get((area, programme), {"eligible": 0, "both": 0})
            eligible, both = counts["eligible"], counts["both"]
            cell = {
                "eligible": eligible,
                "eligible_recipients": both,
                "gap": eligible - both,
                "coverage": both / eligible if eligible else None,
            }
            if not listed(ev, programme):
                cell = {
                    "eligible": eligible,
                    "eligible_recipients": None,
                    "gap": None,
                    "coverage": None,
                }
            for key, shown in cell.items():
                rows[i][f"{programme}:{key}"] = SUPPRESSED if (i, key) in hidden else shown
    columns = [Column("area", word("level.kecamatan", lang).capitalize(), width=24)]
    for programme in programmes:
        name = (
            word("programme_any", lang)
            if programme == "any"
            else ev.programmes.get(programme, programme)
        )
        columns += [
            Column(f"{programme}:eligible", word("col.eligible", lang), name, "integer"),
            Column(
                f"{programme}:eligible_recipients",
                word("col.eligible_recipients", lang),
                name,
                "integer",
            ),
            Column(f"{programme}:gap", word("col.gap", lang), name, "integer"),
            Column(
                f"{programme}:coverage", word("col.coverage_of_eligible", lang), name, "percent"
            ),
        ]
    return Sheet(
        word("annex.coverage", lang),
        _table(rows, [c.key for c in columns]),
        columns,
        title=say("doc_annex_coverage", lang, district=ev.district_name),
        notes=(
            coverage_source(ev, lang),
            say("doc_note_coverage", lang),
            say("doc_note_unlisted_annex", lang),
            say("doc_note_suppressed", lang, threshold=ev.min_families),
        ),
    )


def _table(rows: list[dict[str, Any]], keys: list[str]) -> pa.Table:
    """Return ``rows`` as a table whose columns may mix numbers and the suppression marker
    (a dense union of float and text, written as numbers and text by the XLSX writer)."""
    columns = {}
    for key in keys:
        values = [r.get(key) for r in rows]
        if not any(isinstance(v, str) for v in values) or all(
            isinstance(v, str) or v is None for v in values
        ):
            columns[key] = pa.array(values)
            continue
        types: list[int] = []
        offsets: list[int] = []
        numbers: list[float | None] = []
        texts: list[str] = []
        for v in values:
            if isinstance(v, str):
                types.append(1)
                offsets.append(len(texts))
                texts.append(v)
            else:
                types.append(0)
                offsets.append(len(numbers))
                numbers.append(None if v is None else float(v))
        columns[key] = pa.UnionArray.from_dense(
            pa.array(types, pa.int8()),
            pa.array(offsets, pa.int32()),
            [pa.array(numbers, pa.float64()), pa.array(texts, pa.string())],
            ["number", "text"],
        )
    return pa.table(columns)
