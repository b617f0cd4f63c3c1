"""The priority areas (kantong kemiskinan) of RPKD Bab III and the periodic reports: the areas
in each Prioritas class with how sure the class is, the priority-class map, and the table of
classes, P0 with its interval, the estimated poor, the probabilities of being among the k
poorest and the basic-service gaps.

Every number comes from :class:`~rpkd.reports.documents.evidence.Evidence`: the priority areas
of :func:`rpkd.workflows.priority.priority_areas` and the registry profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.documents.disclosure import protect
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.model import Block, CellKind, Column, Figure, Paragraph, Table
from rpkd.reports.documents.text import day, map_source, part_missing, say, value, why, word


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
        return (part_missing("priority", why(ev, "priority", lang), lang),)
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
        return (part_missing("priority", why(ev, "map", lang), lang),)
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
