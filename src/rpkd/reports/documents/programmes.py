"""The plan in the documents (RPKD Bab V; the annual report's budget): strategies, the
programme matrix by strategy with OPD, lokus and indicative budget by source, the indicator
targets to the zero-extreme-poverty year, the chosen scenario's cost and poverty projection,
and budget absorption by activity and by source.

Everything is read from the stored plan (:func:`rpkd.workflows.plan.stored_plan`), its verified
realisations and its chosen scenario as the scenario workflows ran it; nothing is added that
they do not hold.
"""

from __future__ import annotations

from typing import Any

from rpkd import locale
from rpkd.locale import Lang
from rpkd.planning import matrix_layout
from rpkd.planning.action_plan import location_text
from rpkd.planning.model import FUNDING_SOURCES, Plan
from rpkd.reports.documents.disclosure import protect
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.model import Block, Bullets, Column, Paragraph, Slot, Table
from rpkd.reports.documents.text import (
    estimate_text,
    part_missing,
    plan_source,
    realisation_source,
    say,
    value,
    why,
    word,
)


def _no_plan(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    return (part_missing("plan", why(ev, "plan", lang, "document_plan_missing"), lang),)


def strategy_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the strategies (national and local) and the district's pillars."""
    plan = ev.plan
    if plan is None:
        return _no_plan(ev, lang)
    rows = tuple(
        {
            "code": s.code,
            "strategy": s.name,
            "scope": matrix_layout.word("scope", "national" if s.national else "local", lang),
            "programmes": sum(1 for p in plan.programmes if p.strategy == s.code),
        }
        for s in plan.strategies
    )
    columns = (
        Column("code", word("col.code", lang)),
        Column("strategy", word("col.strategy", lang)),
        Column("scope", word("col.scope", lang)),
        Column("programmes", word("col.programmes", lang), "integer"),
    )
    out: list[Block] = [
        Paragraph(
            say(
                "doc_strategy_sentence",
                lang,
                plan=plan.name,
                strategies=len(plan.strategies),
                programmes=len(plan.programmes),
                activities=len(plan.activities()),
            )
        ),
        Table(
            "plan.strategies",
            say("doc_caption_strategies", lang, plan=plan.name),
            columns,
            rows,
            plan_source(ev, lang),
        ),
    ]
    if plan.pillars:
        out.append(Paragraph(say("doc_pillars_sentence", lang, pillars=len(plan.pillars))))
        out.append(Bullets(tuple(p.name for p in plan.pillars)))
    return tuple(out)


def _budget_total(plan: Plan, sources: tuple[str, ...] | None = None) -> dict[str, float]:
    totals: dict[str, float] = {}
    for _, activity in plan.activities():
        for line in activity.budgets:
            if sources is None or line.source in sources:
                totals[line.source] = totals.get(line.source, 0.0) + line.amount
    return totals


def programme_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the programme matrix by strategy (``plan.programmes``): programme, activity,
    OPD, lokus and the indicative budget of the whole period by funding source."""
    plan = ev.plan
    if plan is None:
        return _no_plan(ev, lang)
    strategies = {s.code: s.name for s in plan.strategies}
    used = [
        s
        for s in FUNDING_SOURCES
        if any(b.source == s for _, a in plan.activities() for b in a.budgets)
    ]
    rows: list[dict[str, Any]] = []
    for strategy in plan.strategies:
        for programme in (p for p in plan.programmes if p.strategy == strategy.code):
            members = programme.activities or (None,)
            for activity in members:
                row: dict[str, Any] = {
                    "strategy": strategies.get(programme.strategy, programme.strategy),
                    "programme": f"{programme.code} {programme.name}",
                    "activity": "" if activity is None else f"{activity.code} {activity.name}",
                    "agency": programme.agency if activity is None else activity.agency,
                    "lokus": ""
                    if activity is None
                    else location_text(activity.regions, activity.release, activity.release_filter),
                }
                for source in used:
                    row[source] = (
                        None
                        if activity is None
                        else (sum(b.amount for b in activity.budgets if b.source == source) or None)
                    )
                rows.append(row)
    columns = (
        Column("strategy", word("col.strategy", lang)),
        Column("programme", word("col.programme", lang)),
        Column("activity", word("col.activity", lang)),
        Column("agency", word("col.agency", lang)),
        Column("lokus", word("col.lokus", lang)),
        *(Column(s, matrix_layout.word("source", s, lang), "rupiah") for s in used),
    )
    caption = say(
        "doc_caption_programmes",
        lang,
        plan=plan.name,
        start=str(plan.start_year),
        end=str(plan.end_year),
    )
    out: list[Block] = []
    totals = _budget_total(plan)
    if totals:
        parts = [
            say(
                "doc_budget_part",
                lang,
                source=matrix_layout.word("source", s, lang),
                amount=value(totals[s], "rupiah", lang),
            )
            for s in used
        ]
        out.append(
            Paragraph(
                say(
                    "doc_budget_sentence",
                    lang,
                    total=value(sum(totals.values()), "rupiah", lang),
                    parts="; ".join(parts),
                )
            )
        )
    else:
        out.append(Slot(say("doc_slot_activities", lang, plan=plan.name)))
    out.append(
        Table(
            "plan.programmes",
            caption,
            columns,
            tuple(rows),
            plan_source(ev, lang),
            notes=(say("doc_note_programmes", lang),),
        )
    )
    return tuple(out)


def target_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the outcome indicators with baseline and a target for every year of the plan
    (``plan.targets``) and the sentence on the zero-extreme-poverty year."""
    plan = ev.plan
    if plan is None:
        return _no_plan(ev, lang)
    rows = []
    for indicator in plan.indicators:
        row: dict[str, Any] = {
            "indicator": f"{indicator.code} {indicator.name}",
            "unit": indicator.unit,
            "baseline": indicator.baseline_value,
            "baseline_year": indicator.baseline_year,
        }
        row.update({f"y{year}": indicator.target(year) for year in plan.years})
        rows.append(row)
    columns = (
        Column("indicator", word("col.indicator", lang)),
        Column("unit", word("col.unit", lang)),
        Column("baseline", word("col.baseline", lang), "number"),
        Column("baseline_year", word("col.baseline_year", lang), "year"),
        *(Column(f"y{year}", str(year), "number") for year in plan.years),
    )
    out: list[Block] = []
    if plan.extreme_poverty_indicator is not None:
        out.append(
            Paragraph(
                say(
                    "doc_target_year_sentence",
                    lang,
                    year=str(plan.extreme_poverty_target_year),
                    indicator=plan.extreme_poverty_indicator,
                )
            )
        )
    missing = [i.code for i in plan.indicators if not i.targets]
    out.append(
        Table(
            "plan.targets",
            say("doc_caption_targets", lang, plan=plan.name),
            columns,
            tuple(rows),
            plan_source(ev, lang),
            notes=(say("doc_note_targets", lang),),
        )
    )
    if missing:
        out.append(Slot(say("doc_slot_targets", lang, indicators=", ".join(missing))))
    return tuple(out)


def spending_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return budget absorption of the year by activity (``budget.activities``) and by funding
    source (``budget.sources``), with the number of beneficiaries reported."""
    plan = ev.plan
    if plan is None:
        return _no_plan(ev, lang)
    spent = {s.activity: s for s in ev.spending}
    rows: list[dict[str, Any]] = []
    by_source: dict[str, list[float]] = {}
    for _, activity in plan.activities():
        budget = activity.budget(ev.year)
        if not budget and activity.code not in spent:
            continue
        planned = sum(budget.values())
        done = spent.get(activity.code)
        paid = None if done is None else done.budget_spent
        rows.append(
            {
                "activity": f"{activity.code} {activity.name}",
                "agency": activity.agency,
                "planned": planned or None,
                "spent": paid,
                "absorption": paid / planned if paid is not None and planned else None,
                "beneficiaries": None if done is None else done.beneficiaries,
                "quarter": None if done is None else done.quarter,
            }
        )
        for source, amount in budget.items():
            share = by_source.setdefault(source, [0.0, 0.0])
            share[0] += amount
            if paid is not None and planned:
                share[1] += paid * amount / planned
    if not rows:
        return (Slot(say("doc_slot_spending", lang, year=str(ev.year))),)
    columns = (
        Column("activity", word("col.activity", lang)),
        Column("agency", word("col.agency", lang)),
        Column("planned", word("col.planned", lang), "rupiah"),
        Column("spent", word("col.spent", lang), "rupiah"),
        Column("absorption", word("col.absorption", lang), "percent", 1),
        Column("beneficiaries", word("col.beneficiaries", lang), "integer"),
        Column("quarter", word("col.quarter_reported", lang), "integer"),
    )
    planned_total = sum(r["planned"] or 0.0 for r in rows)
    spent_total = sum(r["spent"] or 0.0 for r in rows)
    rows.append(
        {
            "activity": word("total", lang),
            "agency": "",
            "planned": planned_total,
            "spent": spent_total,
            "absorption": spent_total / planned_total if planned_total else None,
            "beneficiaries": sum(r["beneficiaries"] or 0 for r in rows) or None,
            "quarter": None,
        }
    )
    hidden = protect(rows, counts=("beneficiaries",), min_families=ev.min_families, total_row=True)
    source_rows = [
        {
            "source": matrix_layout.word("source", s, lang),
            "planned": amounts[0],
            "spent": amounts[1],
            "absorption": amounts[1] / amounts[0] if amounts[0] else None,
        }
        for s in FUNDING_SOURCES
        if (amounts := by_source.get(s))
    ]
    source_columns = (
        Column("source", word("col.funding_source", lang)),
        Column("planned", word("col.planned", lang), "rupiah"),
        Column("spent", word("col.spent_attributed", lang), "rupiah"),
        Column("absorption", word("col.absorption", lang), "percent", 1),
    )
    return (
        Paragraph(
            say(
                "doc_spending_sentence",
                lang,
                year=str(ev.year),
                planned=value(planned_total, "rupiah", lang),
                spent=value(spent_total, "rupiah", lang),
                share=value(
                    spent_total / planned_total if planned_total else None, "percent", lang
                ),
            )
        ),
        Table(
            "budget.activities",
            say("doc_caption_spending", lang, year=str(ev.year)),
            columns,
            tuple(rows),
            realisation_source(ev, lang),
            notes=(say("doc_note_suppressed", lang, threshold=ev.min_families),),
            hidden=hidden,
            strong=frozenset({len(rows) - 1}),
            counts=("beneficiaries",),
            total_row=True,
        ),
        Table(
            "budget.sources",
            say("doc_caption_sources", lang, year=str(ev.year)),
            source_columns,
            tuple(source_rows),
            realisation_source(ev, lang),
            notes=(say("doc_note_sources", lang),),
        ),
    )


def scenario_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the chosen scenario (``rpkd scenario save --chosen``): a sentence on the target
    year's extreme poverty and P0 with and without it, its cost, and a table by year; an
    author's slot saying how to choose one when none is chosen."""
    chosen = ev.scenario
    if chosen is None:
        if "scenario" in ev.missing:
            return (part_missing("scenario", why(ev, "scenario", lang), lang),)
        return (Slot(say("doc_slot_no_scenario", lang)),)

    def span(f: Any) -> str | None:
        if f is None or f.ci_low is None:
            return None
        text = estimate_text(f, lang)
        return f"{text['low']}–{text['high']}"

    rows = tuple(
        {
            "year": y.year,
            "cost": y.cost,
            "p0_baseline": _estimate(y.baseline.get("p0")),
            "p0_scenario": _estimate(y.scenario.get("p0")),
            "p0_ci": span(y.scenario.get("p0")),
            "extreme_baseline": _estimate(y.baseline.get("extreme")),
            "extreme_scenario": _estimate(y.scenario.get("extreme")),
            "extreme_ci": span(y.scenario.get("extreme")),
        }
        for y in chosen.years
    )
    columns = (
        Column("year", word("col.year", lang), "year"),
        Column("cost", word("col.scenario_cost", lang), "rupiah"),  # cells say "Rp"
        Column("p0_baseline", word("col.p0_baseline", lang), "percent"),
        Column("p0_scenario", word("col.p0_scenario", lang), "percent"),
        Column("p0_ci", word("col.ci95", lang)),
        Column("extreme_baseline", word("col.extreme_baseline", lang), "percent"),
        Column("extreme_scenario", word("col.extreme_scenario", lang), "percent"),
        Column("extreme_ci", word("col.ci95", lang)),
    )
    out: list[Block] = []
    last = chosen.years[-1] if chosen.years else None
    if last is not None:
        base, scen = last.baseline, last.scenario
        extreme, p0 = scen.get("extreme"), scen.get("p0")
        low_high = {
            f"{key}_{end}": value(getattr(f, f"ci_{end}") if f else None, "percent", lang)
            for key, f in (("extreme", extreme), ("p0", p0))
            for end in ("low", "high")
        }
        out.append(
            Paragraph(
                say(
                    "doc_scenario_sentence",
                    lang,
                    name=chosen.name,
                    year=str(last.year),
                    extreme=value(_estimate(extreme), "percent", lang),
                    extreme_base=value(_estimate(base.get("extreme")), "percent", lang),
                    p0=value(_estimate(p0), "percent", lang),
                    p0_base=value(_estimate(base.get("p0")), "percent", lang),
                    **low_high,
                )
            )
        )
        out.append(
            Paragraph(
                say(
                    "doc_scenario_cost_sentence",
                    lang,
                    total=value(sum(y.cost for y in chosen.years), "rupiah", lang),
                    first=str(chosen.years[0].year),
                    last=str(last.year),
                )
            )
        )
    out.append(
        Table(
            "scenario.years",
            say("doc_caption_scenario", lang, name=chosen.name),
            columns,
            rows,
            say(
                "doc_source_scenario",
                lang,
                name=chosen.name,
                release=chosen.release,
                date=locale.date_text(chosen.release_date, lang),
                draws=chosen.draws,
                seed=str(chosen.seed),
            ),
            notes=(say("doc_note_scenario", lang, draws=chosen.draws),),
        )
    )
    return tuple(out)


def _estimate(figure: Any) -> float | None:
    return None if figure is None else float(figure.estimate)
