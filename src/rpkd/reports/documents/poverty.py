"""The poverty profile's survey and small-area parts (RPKD Bab III; the periodic reports):
headline figures with their intervals, the trend against the province and the nation, the
poverty maps and the priority areas (kantong kemiskinan) ranked.

Every number comes from :class:`~rpkd.reports.documents.evidence.Evidence`: survey estimates
(:func:`rpkd.workflows.poverty.poverty_figures`), Fay–Herriot maps
(:func:`rpkd.workflows.sae.map_release`) and the kit's published reference figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rpkd import locale
from rpkd.locale import Lang
from rpkd.regions import Depth
from rpkd.reports.documents.disclosure import protect
from rpkd.reports.documents.evidence import HEADLINES, AreaTable, Evidence
from rpkd.reports.documents.model import Block, CellKind, Column, Figure, Paragraph, Slot, Table
from rpkd.reports.documents.text import (
    day,
    estimate_text,
    kind_of,
    map_source,
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
    from rpkd.reports.charts import area_map_chart

    depth: Depth = "kecamatan" if table.level == "kecamatan" else "desa"
    spec = area_map_chart(
        ev.district_code,
        depth,
        list(table.areas),
        cv_threshold=table.cv_threshold,
        measure=table.measure,
        lang=lang,
        title="",
        size=520 if depth == "desa" else 440,
    )
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
        out.append(
            Slot(
                say(
                    "doc_slot_missing",
                    lang,
                    part=word("part.map", lang),
                    reason=why(ev, "map", lang),
                )
            )
        )
    return tuple(out)


def _families(ev: Evidence) -> dict[str, tuple[int | None, bool]]:
    """Return registry families (count, suppressed) by kecamatan code from the profile."""
    if ev.profile is None:
        return {}
    out = {}
    for row in ev.profile.to_pylist():
        if row["level"] == "kecamatan" and row["indicator"] == "families_total":
            out[row["code"]] = (row["value"], bool(row["suppressed"]))
    return out


def kantong_blocks(ev: Evidence, level: str, lang: Lang) -> tuple[Block, ...]:
    """Return the kantong-kemiskinan part of ``level`` (``kecamatan`` or ``desa``) from the
    priority areas (:attr:`Evidence.priorities`): a sentence saying how many areas are in each
    class and how sure a class is, the priority-class map (the figure of ``rpkd priority
    --map`` and the web) and the table ``priority.<level>``: class, P0 with its interval, the
    estimated poor, the probabilities of being among the k poorest by rate and by number of
    poor, families in desil 1–2 (small counts hidden) and basic-service gaps. The kecamatan
    table lists every kecamatan; the desa table the desa in a class."""
    from rpkd.reports.charts import priority_figure
    from rpkd.sae.priority_calibration import calibration_finding

    result = ev.priorities.get(level)
    if result is None:
        reason = why(ev, "priority", lang)
        return (Slot(say("doc_slot_missing", lang, part=word("part.priority", lang),
                         reason=reason)),)  # fmt: skip
    areas = list(result["areas"])
    shown = areas if level == "kecamatan" else [a for a in areas if a["priority"] is not None]
    counts = [sum(1 for a in areas if a["priority"] == c) for c in (1, 2, 3)]
    first, second, third = (locale.percent(t, lang, 0) for t in result["thresholds"])
    level_word = word(f"level.{level}", lang)
    draws = int(result["draws"])
    sentence = say(
        "doc_kantong_sentence", lang, areas=len(areas), level=level_word, p1=counts[0],
        p2=counts[1], p3=counts[2], first=first, second=second, third=third, k=result["k"],
        draws=locale.number(draws, lang, 0),
        method=locale.label(f"sae.method.{result['method']}", lang),
        error=locale.number(100 * 0.5 / draws**0.5, lang, 1),
    )  # fmt: skip
    measured = calibration_finding(level, result["method"])
    if measured is not None:  # how often such classes held on synthetic districts
        sentence += " " + locale.render(measured, lang)
    rows: list[dict[str, Any]] = []
    upstream: set[tuple[int, str]] = set()
    for i, area in enumerate(shown):
        if area["families_desil_12"] is None:
            upstream.add((i, "families"))
        rows.append(
            {
                "class": area["priority"],
                "area": area["name"]
                if area["parent"] is None
                else f"{area['name']} ({area['parent']})",
                "estimate": area["estimate"],
                "ci": f"{locale.percent(area['ci_low'], lang, 1)}–"
                f"{locale.percent(area['ci_high'], lang, 1)}",
                "poor": area["poor"],
                "probability_rate": area["probability_rate"],
                "probability_count": area["probability_count"],
                "families": area["families_desil_12"],
                "gaps": _gaps(area, lang),
            }
        )
    hide = protect(rows, counts=("families",), min_families=ev.min_families,
                   hidden=frozenset(upstream))  # fmt: skip
    columns = (
        Column("class", word("col.priority_class", lang), "integer"),
        Column("area", level_word.capitalize() if level == "kecamatan"
               else word("col.desa_kecamatan", lang)),
        Column("estimate", "P0", "percent", 1),
        Column("ci", word("col.ci_short", lang)),
        Column("poor", word("col.poor_short", lang), "integer"),
        Column("probability_rate", word("col.probability_rate", lang), "percent", 0),
        Column("probability_count", word("col.probability_count", lang), "percent", 0),
        Column("families", word("col.families_desil_12", lang), "integer"),
        *((Column("gaps", word("col.service_gaps_desa", lang)),) if level == "desa" else ()),
    )  # fmt: skip
    caption = say("doc_caption_kantong", lang, level=level_word, k=result["k"], date=day(ev, lang))
    notes = (
        say(
            "doc_note_kantong",
            lang,
            k=result["k"],
            level=level_word,
            first=first,
            second=second,
            third=third,
        ),
        say("doc_note_suppressed", lang, threshold=ev.min_families),
    )
    source = map_source(ev, str(result["method"]), lang)
    figure = Figure(
        f"map.priority.{level}",
        say("doc_caption_priority_map", lang, level=level_word, k=result["k"],
            district=ev.district_name, date=day(ev, lang)),
        source,
        spec=priority_figure(result, ev.district_code, lang, made=ev.made_on,
                             size=520 if level == "desa" else 440),
    )  # fmt: skip
    table = Table(f"priority.{level}", caption, columns, tuple(rows), source, notes=notes,
                  hidden=hide, counts=("families",))  # fmt: skip
    gaps = _gaps_table(ev, shown, lang) if level == "kecamatan" else None
    return (Paragraph(sentence), figure, table, *((gaps,) if gaps is not None else ()))


def _gaps_table(ev: Evidence, areas: list[Mapping[str, Any]], lang: Lang) -> Table | None:
    """Return the kecamatan's desa lacking each basic service (``priority.gaps``; counts of
    desa, not of families), in the kantong-kemiskinan table's order; None without village
    data."""
    from rpkd.measures.service_gaps import GAPS

    if all(a.get("desa") is None for a in areas):
        return None
    rows = tuple(
        {"class": a["priority"], "area": a["name"], "desa": a.get("desa"),
         **{g: a.get(g) for g in GAPS}}
        for a in areas
    )  # fmt: skip
    columns = (
        Column("class", word("col.priority_class", lang), "integer"),
        Column("area", word("level.kecamatan", lang).capitalize()),
        Column("desa", word("col.desa_count", lang), "integer"),
        *(Column(g, _first_upper(word(f"gap.{g}", lang)), "integer") for g in GAPS),
    )
    caption = say("doc_caption_kantong_gaps", lang, date=day(ev, lang))
    note = say("doc_note_kantong_gaps", lang)
    return Table("priority.gaps", caption, columns, rows, say("doc_source_villages", lang,
                 release=ev.release.name, date=day(ev, lang)), notes=(note,))  # fmt: skip


def priority_blocks(ev: Evidence, lang: Lang, *, extreme: bool = False) -> tuple[Block, ...]:
    """Return the kecamatan's kantong-kemiskinan part (:func:`kantong_blocks`); on the
    extreme-poverty line (``priority.extreme``) the kecamatan ranked by estimated rate (with
    interval and CV) and by the estimated number of poor."""
    if not extreme:
        return kantong_blocks(ev, "kecamatan", lang)
    table = ev.extreme_kecamatan
    key = "priority.extreme"
    line = "extreme"
    if table is None:
        return (
            Slot(
                say(
                    "doc_slot_missing",
                    lang,
                    part=word("part.priority", lang),
                    reason=why(ev, "map", lang),
                )
            ),
        )
    families = _families(ev)
    ranked = sorted(
        (a for a in table.areas if a.get("estimate") is not None),
        key=lambda a: -float(a["estimate"]),
    )
    by_count = sorted(ranked, key=lambda a: -_poor(a))
    count_rank = {a["code"]: i + 1 for i, a in enumerate(by_count)}
    rows: list[dict[str, Any]] = []
    upstream: set[tuple[int, str]] = set()
    for i, area in enumerate(ranked):
        count, hidden = families.get(str(area["code"]), (None, False))
        if hidden:
            upstream.add((i, "families"))
        rows.append(
            {
                "rank": i + 1,
                "area": area["name"],
                "estimate": area["estimate"],
                "ci_low": max(0.0, area["ci_low"]) if area.get("ci_low") is not None else None,
                "ci_high": area.get("ci_high"),
                "cv": area.get("cv"),
                "families": count,
                "poor": _poor(area) if area.get("population") else None,
                "rank_count": count_rank[area["code"]],
            }
        )
    hide = protect(
        rows,
        counts=("families",),
        min_families=ev.min_families,
        derived={"poor": ("families",), "rank_count": ("families",)},
        hidden=frozenset(upstream),
    )
    kind: CellKind = "percent" if table.measure == "fgt0" else "index"
    columns = (
        Column("rank", word("col.rank", lang), "integer"),
        Column("area", word(f"level.{table.level}", lang).capitalize()),
        Column("estimate", word("figure.extreme" if extreme else "figure.p0", lang), kind),
        Column("ci_low", word("col.ci_low", lang), kind),
        Column("ci_high", word("col.ci_high", lang), kind),
        Column("cv", word("col.cv", lang), "percent", 1),
        Column("families", word("col.families", lang), "integer"),
        Column("poor", word("col.poor_estimated", lang), "integer"),
        Column("rank_count", word("col.rank_count", lang), "integer"),
    )
    caption = say(
        "doc_caption_priority",
        lang,
        level=word(f"level.{table.level}", lang),
        line=word(f"line.{line}", lang),
        date=day(ev, lang),
    )
    notes = (
        say("doc_note_priority", lang, threshold=locale.percent(table.cv_threshold, lang, 0)),
        say("doc_note_suppressed", lang, threshold=ev.min_families),
    )
    out: list[Block] = []
    if ranked:
        top, most = ranked[0], by_count[0]
        out.append(
            Paragraph(
                say(
                    "doc_priority_extreme_sentence" if extreme else "doc_priority_sentence",
                    lang,
                    level=word(f"level.{table.level}", lang).capitalize(),
                    first=top["name"],
                    value=value(top["estimate"], kind, lang),
                    low=value(
                        max(0.0, top["ci_low"]) if top.get("ci_low") is not None else None,
                        kind,
                        lang,
                    ),
                    high=value(top.get("ci_high"), kind, lang),
                    most=most["name"],
                    poor=value(_poor(most), "integer", lang),
                )
            )
        )
    out.append(
        Table(
            key,
            caption,
            columns,
            tuple(rows),
            map_source(ev, table.method, lang),
            notes=notes,
            hidden=hide,
            counts=("families",),
        )
    )
    return tuple(out)


def desa_priority_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the desa's kantong-kemiskinan part (:func:`kantong_blocks`: the desa in a class),
    nothing when the desa priority areas are absent (the kecamatan's part says why)."""
    if "desa" not in ev.priorities:
        return ()
    return kantong_blocks(ev, "desa", lang)


def _gaps(area: Mapping[str, Any], lang: Lang) -> str:
    """Return the basic services a desa lacks (``puskesmas, SMP``); ``–`` without village
    data."""
    from rpkd.measures.service_gaps import GAPS

    if area.get("desa") is None:
        return "–"
    lacking = [word(f"gap.{g}", lang) for g in GAPS if area.get(g)]
    return ", ".join(lacking) or word("gap.none", lang)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _poor(area: Mapping[str, Any]) -> float:
    """Return an area's estimated number of poor persons (rate × registry persons)."""
    population = area.get("population")
    return float(area["estimate"]) * float(population) if population else 0.0


def _reliability(area: Mapping[str, Any], lang: Lang) -> str:
    if area.get("reliable") is None:
        return "–"
    return locale.label("sae.reliable" if area["reliable"] else "sae.unreliable", lang)
