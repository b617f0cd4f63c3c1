"""The poverty profile's survey and small-area parts (RPKD Bab III; the periodic reports):
headline figures with their intervals, the trend against the province and the nation, and the
poverty maps (the priority areas ranked are :mod:`rpkd.reports.documents.priority_areas`).

Every number comes from :class:`~rpkd.reports.documents.evidence.Evidence`: survey estimates
(:func:`rpkd.workflows.poverty.poverty_figures`), Fay–Herriot maps
(:func:`rpkd.workflows.sae.map_release`) and the kit's published reference figures.
"""

from __future__ import annotations

from typing import Any

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.documents.evidence import HEADLINES, AreaTable, Evidence
from rpkd.reports.documents.model import Block, Column, Figure, Paragraph, Slot, Table
from rpkd.reports.documents.text import (
    day,
    estimate_text,
    kind_of,
    map_source,
    part_missing,
    region_name,
    say,
    survey_source,
    value,
    why,
    word,
)


def headline_table(ev: Evidence, lang: Lang, keys: tuple[str, ...] = HEADLINES) -> Table:
    """Return the survey's headline figures with SE and 95% interval (``poverty.headline``)."""
    rows = []
    for key in keys:
        f = ev.figure(key)
        if f is None:
            continue
        rows.append(
            {
                "indicator": word(f"figure.{key}", lang),
                "kind": kind_of(key),
                "estimate": f.estimate,
                "se": f.se,
                "ci_low": f.ci_low,
                "ci_high": f.ci_high,
                "n": f.n,
            }
        )
    columns = (
        Column("indicator", word("col.indicator", lang)),
        Column("estimate", word("col.estimate", lang), by_row=True),
        Column("se", word("col.se", lang), by_row=True),
        Column("ci_low", word("col.ci_low", lang), by_row=True),
        Column("ci_high", word("col.ci_high", lang), by_row=True),
        Column("n", word("col.sample", lang), "integer"),
    )
    caption = say("doc_caption_headline", lang, district=ev.district_name, date=day(ev, lang))
    return Table(
        "poverty.headline",
        caption,
        columns,
        tuple(rows),
        survey_source(ev, lang),
        notes=(say("doc_note_headline", lang),),
    )


def lines_table(ev: Evidence, lang: Lang) -> Table:
    """Return the poverty lines the figures use (``poverty.lines``)."""
    rows = [
        {"line": word(f"line.{k}", lang), "value": line.value, "basis": line.basis}
        for k, line in ev.lines.items()
    ]
    columns = (
        Column("line", word("col.line", lang)),
        Column("value", word("col.line_value", lang), "rupiah"),
        Column("basis", word("col.basis", lang)),
    )
    source = say("doc_source_lines", lang, date=day(ev, lang))
    return Table("poverty.lines", say("doc_caption_lines", lang), columns, tuple(rows), source)


def headline_sentences(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return what the headline figures say, one sentence each."""
    out: list[Block] = []
    p0, poor = ev.figure("p0"), ev.figure("poor")
    if p0 is not None and poor is not None:
        out.append(
            Paragraph(
                say(
                    "doc_p0_sentence",
                    lang,
                    district=ev.district_name,
                    date=day(ev, lang),
                    poor=value(poor.estimate, "integer", lang),
                    **estimate_text(p0, lang),
                )
            )
        )
    p1, p2 = ev.figure("p1"), ev.figure("p2")
    if p1 is not None and p2 is not None:
        out.append(
            Paragraph(
                say(
                    "doc_p1_p2_sentence",
                    lang,
                    p1=value(p1.estimate, "index", lang),
                    p2=value(p2.estimate, "index", lang),
                )
            )
        )
    extreme, extreme_poor = ev.figure("extreme"), ev.figure("extreme_poor")
    if extreme is not None and extreme_poor is not None and "extreme" in ev.lines:
        out.append(
            Paragraph(
                say(
                    "doc_extreme_sentence",
                    lang,
                    line=locale.rupiah(ev.lines["extreme"].value, lang),
                    poor=value(extreme_poor.estimate, "integer", lang),
                    **estimate_text(extreme, lang),
                )
            )
        )
    urban, rural = ev.urban.get("urban", {}).get("p0"), ev.urban.get("rural", {}).get("p0")
    if urban is not None and rural is not None:
        out.append(
            Paragraph(
                say(
                    "doc_urban_sentence",
                    lang,
                    urban=value(urban.estimate, "percent", lang),
                    rural=value(rural.estimate, "percent", lang),
                )
            )
        )
    return tuple(out)


def urban_table(ev: Evidence, lang: Lang) -> Table | None:
    """Return P0, P1, P2 and extreme poverty by urban and rural areas (``poverty.urban``)."""
    if not ev.urban:
        return None
    rows = []
    for area in ("urban", "rural"):
        figures = ev.urban.get(area, {})
        for key in ("p0", "p1", "p2", "extreme"):
            f = figures.get(key)
            if f is not None:
                rows.append(
                    {
                        "area": word(f"area.{area}", lang),
                        "indicator": word(f"figure.{key}", lang),
                        "kind": kind_of(key),
                        "estimate": f.estimate,
                        "ci_low": f.ci_low,
                        "ci_high": f.ci_high,
                        "n": f.n,
                    }
                )
    columns = (
        Column("area", word("col.area_type", lang)),
        Column("indicator", word("col.indicator", lang)),
        Column("estimate", word("col.estimate", lang), by_row=True),
        Column("ci_low", word("col.ci_low", lang), by_row=True),
        Column("ci_high", word("col.ci_high", lang), by_row=True),
        Column("n", word("col.sample", lang), "integer"),
    )
    return Table(
        "poverty.urban",
        say("doc_caption_urban", lang, date=day(ev, lang)),
        columns,
        tuple(rows),
        survey_source(ev, lang),
    )


# --- the trend against the province and the nation ---------------------------------------


def trend_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the P0 trend table (published figures with their sources, then this release's
    estimate) and its chart, with a sentence comparing the latest figures."""
    from rpkd.reports.charts.trends import trend_chart

    province = ev.district_code.split(".")[0]
    order = {ev.district_code: 0, province: 1, "00": 2}
    published = sorted(
        (r for r in ev.references if r.indicator == "p0" and r.region in order),
        key=lambda r: (order[r.region], r.year),
    )
    if not published:
        return (Slot(say("doc_slot_trend", lang)),)
    rows: list[dict[str, Any]] = [
        {
            "area": region_name(r.region, lang),
            "year": r.year,
            "value": r.value / 100.0,
            "source": r.source,
        }
        for r in published
    ]
    p0 = ev.figure("p0")
    points = [dict(r) for r in rows]
    if p0 is not None:
        estimate_row = {
            "area": say("doc_trend_estimate", lang, release=ev.release.name),
            "year": ev.release.reference_date.year,
            "value": p0.estimate,
            "source": survey_source(ev, lang),
        }
        rows.append(estimate_row)
        points.append(
            {**estimate_row, "estimated": True, "ci_low": p0.ci_low, "ci_high": p0.ci_high}
        )
    columns = (
        Column("area", word("col.area", lang)),
        Column("year", word("col.year", lang), "year"),
        Column("value", word("figure.p0", lang), "percent"),
        Column("source", word("col.source", lang)),
    )
    table = Table(
        "poverty.trend",
        say("doc_caption_trend", lang, district=ev.district_name),
        columns,
        tuple(rows),
        say("doc_source_trend", lang),
        notes=(say("doc_note_trend", lang),),
    )
    spec = trend_chart(
        points,
        title=word("chart.trend", lang),
        axis=word("chart.trend_axis", lang),
        estimate_label=ev.release.name,
        lang=lang,
    )
    figure = Figure(
        "poverty.trend",
        say("doc_caption_trend_chart", lang, district=ev.district_name),
        say("doc_source_trend", lang),
        spec=spec,
    )
    out: list[Block] = [table, figure]
    latest = {
        region: max((r for r in published if r.region == region), key=lambda r: r.year)
        for region in order
        if any(r.region == region for r in published)
    }
    if len(latest) > 1:
        parts = [
            say(
                "doc_trend_part",
                lang,
                area=region_name(r.region, lang),
                year=str(r.year),
                value=value(r.value / 100.0, "percent", lang),
            )
            for r in latest.values()
        ]
        out.insert(0, Paragraph(say("doc_trend_sentence", lang, parts="; ".join(parts))))
    return tuple(out)


def inequality_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the sentence on inequality (Gini, S80/S20) with the published Gini beside it."""
    gini, qsr = ev.figure("gini"), ev.figure("qsr")
    if gini is None:
        return ()
    out: list[Block] = [
        Paragraph(
            say(
                "doc_gini_sentence",
                lang,
                gini=value(gini.estimate, "ratio", lang),
                low=value(gini.ci_low, "ratio", lang),
                high=value(gini.ci_high, "ratio", lang),
                qsr=value(None if qsr is None else qsr.estimate, "number", lang),
            )
        )
    ]
    published = [f for f in ev.facts if f.indicator == "gini" and f.region == ev.district_code]
    for fact in published:
        out.append(
            Paragraph(
                say(
                    "doc_gini_published",
                    lang,
                    year=str(fact.year),
                    gini=value(fact.value, "ratio", lang),
                    source=fact.source,
                )
            )
        )
    return tuple(out)


# --- maps and priority areas ---------------------------------------------------------------


def _map_figure(ev: Evidence, table: AreaTable, key: str, caption: str, lang: Lang) -> Figure:
    from rpkd.reports.charts import poverty_figure

    drawn = {"region": ev.district_code, **vars(table), "areas": list(table.areas)}
    spec = poverty_figure(drawn, ev.district_code, lang, release=ev.release.name,
                          made=ev.made_on, size=520 if table.level == "desa" else 440)  # fmt: skip
    return Figure(key, caption, map_source(ev, table.method, lang), spec=spec)


def map_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the kecamatan and desa poverty maps with a sentence on their reliability."""
    out: list[Block] = []
    for table, key in ((ev.kecamatan, "kecamatan"), (ev.desa, "desa")):
        if table is None:
            continue
        estimated = [a for a in table.areas if a.get("estimate") is not None]
        unreliable = sum(1 for a in estimated if a.get("reliable") is False)
        out.append(
            Paragraph(
                say(
                    "doc_map_sentence",
                    lang,
                    level=word(f"level.{key}", lang),
                    areas=len(estimated),
                    unreliable=unreliable,
                    threshold=locale.percent(table.cv_threshold, lang, 0),
                    method=locale.label(f"sae.method.{table.method}", lang),
                )
            )
        )
        caption = say(
            "doc_caption_map",
            lang,
            level=word(f"level.{key}", lang),
            district=ev.district_name,
            date=day(ev, lang),
        )
        out.append(_map_figure(ev, table, f"map.{key}", caption, lang))
    if not out:
        out.append(part_missing("map", why(ev, "map", lang), lang))
    return tuple(out)
