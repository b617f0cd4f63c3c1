"""Monitoring and evaluation in the documents (RPKD Bab VI; the annual, quarterly and rakor
reports): the M&E framework, performance against targets with bands, what is off track, the
path to zero extreme poverty, and families graduating from or falling back into desil 1–2.

Values are those of :func:`rpkd.workflows.monitoring.monitor` and
:func:`rpkd.workflows.monitoring.evaluate` (targets and realisations in the plan's units,
achievement in percent of target with the polarity's formula, bands of the kit's scheme).
"""

from __future__ import annotations

from typing import Any

from rpkd import locale
from rpkd.locale import Lang
from rpkd.planning import matrix_layout
from rpkd.reports.documents.disclosure import Relation, coarsen, protect
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.model import (
    Block,
    Bullets,
    CellKind,
    Column,
    Figure,
    Paragraph,
    Table,
)
from rpkd.reports.documents.text import (
    part_missing,
    plan_source,
    realisation_source,
    registry_source,
    say,
    value,
    why,
    word,
)


def framework_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the M&E framework: each indicator's level, unit, polarity, source and OPD
    (``me.framework``), the achievement formulas, the bands (``me.bands``) and the cadence."""
    out: list[Block] = [Paragraph(say("doc_me_intro", lang))]
    if ev.plan is not None:
        agency = {r.code: r.agency for r in ev.performance.rows} if ev.performance else {}
        rows = tuple(
            {
                "indicator": f"{i.code} {i.name}",
                "level": matrix_layout.word("level", i.level, lang),
                "unit": i.unit,
                "polarity": matrix_layout.word("polarity", i.polarity, lang),
                "source": i.source,
                "agency": agency.get(i.code) or "",
            }
            for i in ev.plan.indicators
        )
        columns = (
            Column("indicator", word("col.indicator", lang)),
            Column("level", word("col.level", lang)),
            Column("unit", word("col.unit", lang)),
            Column("polarity", word("col.polarity", lang)),
            Column("source", word("col.data_source", lang)),
            Column("agency", word("col.agency", lang)),
        )
        out.append(
            Table(
                "me.framework",
                say("doc_caption_framework", lang, plan=ev.plan.name),
                columns,
                rows,
                plan_source(ev, lang),
            )
        )
    out.append(Paragraph(say("doc_me_formula", lang)))
    if ev.bands is not None:
        bands = ev.bands.bands
        band_rows = tuple(
            {
                "band": b.label_id if lang == "id" else b.label_en,
                "range": _range(b.above, bands[i - 1].above if i else None, lang),
                "light": word(f"light.{b.light}", lang),
            }
            for i, b in enumerate(bands)
        )
        band_columns = (
            Column("band", word("col.band", lang)),
            Column("range", word("col.range", lang)),
            Column("light", word("col.light", lang)),
        )
        out.append(
            Table(
                "me.bands",
                say("doc_caption_bands", lang, scheme=ev.bands.name),
                band_columns,
                band_rows,
                ev.bands.source,
                notes=(ev.bands.caveat,) if ev.bands.caveat else (),
            )
        )
    cadence = ev.cadence
    out.append(Paragraph(say("doc_me_cadence_intro", lang)))
    out.append(
        Bullets(
            (
                say("doc_me_cadence_quarterly", lang),
                say("doc_me_cadence_annual", lang),
                say("doc_me_cadence_rakor", lang, times=int(cadence.get("rakor_per_year", 3))),
                say("doc_me_cadence_rpkd", lang, years=int(cadence.get("rpkd_years", 5))),
            )
        )
    )
    return tuple(out)


def _range(above: float | None, upper: float | None, lang: Lang) -> str:
    low = "" if above is None else locale.number(above, lang)
    high = "" if upper is None else locale.number(upper, lang)
    if above is None:
        return say("doc_band_below", lang, high=high)
    if upper is None:
        return say("doc_band_above", lang, low=low)
    return say("doc_band_between", lang, low=low, high=high)


def performance_blocks(ev: Evidence, lang: Lang, *, kind: str = "indicator") -> tuple[Block, ...]:
    """Return target, realisation, achievement and band of the year up to the quarter
    (``performance.indicators``; ``kind="activity"``: ``performance.activities``)."""
    if ev.performance is None:
        return (part_missing("performance", why(ev, "plan", lang, "document_plan_missing"), lang),)
    items = [r for r in ev.performance.rows if r.kind == kind]
    if not items:
        return ()
    rows = tuple(
        {
            "item": f"{r.code} {r.name}",
            "unit": r.unit,
            "target": r.target,
            "realisation": r.realisation,
            "achievement": r.achievement,
            "band": (r.band if lang == "id" else r.band_en) or "",
            "status": word(f"status.{r.status}", lang),
        }
        for r in items
    )
    money: CellKind = "rupiah" if kind == "activity" else "number"
    columns = (
        Column("item", word("col.indicator" if kind == "indicator" else "col.activity", lang)),
        Column("unit", word("col.unit", lang)),
        Column("target", word("col.target", lang), money),
        Column("realisation", word("col.realisation", lang), money),
        Column("achievement", word("col.achievement", lang), "number", 1),
        Column("band", word("col.band", lang)),
        Column("status", word("col.status", lang)),
    )
    counts = ev.performance.counts()
    out: list[Block] = [
        Paragraph(
            say(
                "doc_performance_sentence",
                lang,
                year=str(ev.year),
                quarter=ev.quarter,
                items=len(items),
                scored=sum(r.status == "scored" for r in items),
                lagging=sum(r.lagging for r in items),
                missing=counts.get("no_realisation", 0),
            )
        )
    ]
    caption = say(
        "doc_caption_performance",
        lang,
        year=str(ev.year),
        quarter=ev.quarter,
        what=word(f"items.{kind}", lang),
    )
    out.append(
        Table(
            f"performance.{kind}s",
            caption,
            columns,
            rows,
            realisation_source(ev, lang),
            notes=(say("doc_note_achievement", lang),),
        )
    )
    return tuple(out)


def off_track_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return what is off track: items in a red band, then items without a realisation."""
    if ev.performance is None:
        return ()
    lagging = [r for r in ev.performance.rows if r.lagging]
    waiting = [r for r in ev.performance.rows if r.status == "no_realisation"]
    out: list[Block] = []
    if lagging:
        out.append(Paragraph(say("doc_lagging_intro", lang, count=len(lagging))))
        out.append(
            Bullets(
                tuple(
                    say(
                        "doc_lagging_item",
                        lang,
                        item=f"{r.code} {r.name}",
                        achievement=locale.number(r.achievement, lang, 1),
                        band=(r.band if lang == "id" else r.band_en) or "",
                    )
                    for r in lagging
                )
            )
        )
    else:
        out.append(Paragraph(say("doc_lagging_none", lang, year=str(ev.year), quarter=ev.quarter)))
    if waiting:
        out.append(
            Paragraph(
                say(
                    "doc_waiting_intro",
                    lang,
                    count=len(waiting),
                    items=", ".join(r.code for r in waiting),
                )
            )
        )
    return tuple(out)


def targets_over_time_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return target against realisation by indicator and year (``evaluation.targets``),
    for the years with a target or a realisation."""
    if ev.targets is None:
        return ()
    kept = [r for r in ev.targets.rows if r.target is not None or r.realisation is not None]
    if not kept:
        return ()
    rows = tuple(
        {
            "indicator": f"{r.code} {r.name}",
            "year": r.year,
            "target": r.target,
            "realisation": r.realisation,
            "achievement": r.achievement,
            "band": r.band or "",
        }
        for r in kept
    )
    columns = (
        Column("indicator", word("col.indicator", lang)),
        Column("year", word("col.year", lang), "year"),
        Column("target", word("col.target", lang), "number"),
        Column("realisation", word("col.realisation", lang), "number"),
        Column("achievement", word("col.achievement", lang), "number", 1),
        Column("band", word("col.band", lang)),
    )
    return (
        Table(
            "evaluation.targets",
            say("doc_caption_targets_over_time", lang),
            columns,
            rows,
            realisation_source(ev, lang),
            notes=(say("doc_note_achievement", lang),),
        ),
    )


def path_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the path to zero extreme poverty: observed points (``path.points``), the chart,
    and what the projection says for the target year."""
    path = ev.path
    if path is None or not path.get("points"):
        return (
            part_missing(
                "path",
                why(ev, "plan", lang)
                if ev.plan is None
                else word("missing.document_path_missing", lang),
                lang,
            ),
        )
    from rpkd.reports.charts import path_chart

    rows = tuple(
        {
            "year": p["year"],
            "value": p["value"],
            "ci_low": p.get("ci_low"),
            "ci_high": p.get("ci_high"),
            "source": word(f"point.{p['source']}", lang),
        }
        for p in path["points"]
    )
    columns = (
        Column("year", word("col.year", lang), "year"),
        Column("value", word("figure.extreme", lang), "percent"),
        Column("ci_low", word("col.ci_low", lang), "percent"),
        Column("ci_high", word("col.ci_high", lang), "percent"),
        Column("source", word("col.kind", lang)),
    )
    out: list[Block] = []
    projection = path.get("projection")
    if projection:
        verdict = "doc_path_on_track" if projection["on_track"] else "doc_path_off_track"
        out.append(
            Paragraph(
                say(
                    verdict,
                    lang,
                    year=str(path["target_year"]),
                    target=value(path["target"], "percent", lang),
                    projected=value(projection["projected"], "percent", lang),
                    low=value(max(0.0, projection["projected_low"] or 0.0), "percent", lang),
                    high=value(projection["projected_high"], "percent", lang),
                )
            )
        )
    else:
        out.append(Paragraph(say("doc_path_points_only", lang, points=len(rows))))
    out.append(
        Table(
            "path.points",
            say("doc_caption_path", lang),
            columns,
            rows,
            realisation_source(ev, lang),
        )
    )
    if projection:
        out.append(
            Figure(
                "path.chart",
                say("doc_caption_path_chart", lang, year=str(path["target_year"])),
                realisation_source(ev, lang),
                spec=path_chart(path, lang),
            )
        )
    return tuple(out)


def _group(desil: object) -> str:
    if desil in (1, 2):
        return "1_2"
    if desil in (3, 4):
        return "3_4"
    if desil is None:
        return "out"
    return "5_10"


_GROUPS = ("1_2", "3_4", "5_10", "out")


def transition_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return families by desil group in the earlier release and in this one (desil merged
    into 1–2, 3–4 and 5–10, ``evaluation.transitions``), with graduation and falling back."""
    moved = ev.transitions
    if moved is None:
        return (
            part_missing(
                "transitions", why(ev, "transitions", lang, "document_previous_missing"), lang
            ),
        )
    cells = {
        (r["desil_before"], r["desil_after"]): int(r["n"])
        for r in moved.transitions.to_arrow().to_pylist()
    }
    merged = coarsen(cells, _group)
    rows: list[dict[str, Any]] = []
    for before in _GROUPS:
        row: dict[str, Any] = {"before": word(f"desil_group.{before}", lang)}
        row.update({after: merged.get((before, after), 0) for after in _GROUPS})
        row["total"] = sum(row[a] for a in _GROUPS)
        rows.append(row)
    total = {"before": word("total", lang), **{a: sum(r[a] for r in rows) for a in _GROUPS}}
    total["total"] = sum(total[a] for a in _GROUPS)
    rows.append(total)
    counts = (*_GROUPS, "total")
    hidden = protect(
        rows,
        counts=counts,
        min_families=ev.min_families,
        relations=[Relation(_GROUPS, "total")],
        total_row=True,
    )
    columns = (
        Column("before", say("doc_col_before", lang, release=moved.first)),
        *(Column(g, word(f"desil_group.{g}", lang), "integer") for g in _GROUPS),
        Column("total", word("total", lang), "integer"),
    )
    notes = (
        say("doc_note_transitions", lang, first=moved.first, second=moved.second),
        say("doc_note_suppressed", lang, threshold=ev.min_families),
    )
    row_of = {g: i for i, g in enumerate(_GROUPS)}

    def moved_sum(cells: tuple[tuple[str, str], ...]) -> str:
        if any((row_of[b], a) in hidden for b, a in cells):
            return word("not_published", lang)
        return value(sum(merged.get(c, 0) for c in cells), "integer", lang)

    return (
        Paragraph(
            say(
                "doc_transitions_sentence",
                lang,
                first=moved.first,
                second=moved.second,
                moved_out=moved_sum((("1_2", "3_4"), ("1_2", "5_10"))),
                moved_in=moved_sum((("3_4", "1_2"), ("5_10", "1_2"))),
            )
        ),
        Table(
            "evaluation.transitions",
            say("doc_caption_transitions", lang, first=moved.first, second=moved.second),
            columns,
            tuple(rows),
            registry_source(ev, lang),
            notes=notes,
            hidden=hidden,
            strong=frozenset({len(rows) - 1}),
            counts=counts,
            relations=(Relation(_GROUPS, "total"),),
            total_row=True,
        ),
    )
