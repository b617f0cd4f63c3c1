"""Problems the data show (RPKD Bab IV): each a comparison the numbers allow — the rate
against the plan's target and against the province and the nation, the kecamatan above the
district's rate, the most common deprivation of desil 1–4 families, the programme leaving
most eligible families out, the estimates too imprecise to rank on. No problem is stated that
a number does not show; determinants and strategic issues are the author's (slots).

Reference: TNP2K (2015), *Perencanaan Penanggulangan Kemiskinan Berbasis Data*: identify
priority problems by comparing indicators with the province and the nation.
"""

from __future__ import annotations

from rpkd.locale import Lang
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.model import Block, Bullets, Paragraph, Slot
from rpkd.reports.documents.text import region_name, say, value, word


def issue_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the problems the figures show, one sentence each (an author slot if none)."""
    items = [
        *_against_target(ev, lang),
        *_against_others(ev, lang),
        *_areas(ev, lang),
        *_deprivation(ev, lang),
        *_coverage(ev, lang),
        *_precision(ev, lang),
    ]
    if not items:
        return (Slot(say("doc_slot_issues", lang)),)
    return (Paragraph(say("doc_issues_intro", lang)), Bullets(tuple(items)))


def _against_target(ev: Evidence, lang: Lang) -> list[str]:
    out = []
    p0, extreme = ev.figure("p0"), ev.figure("extreme")
    year = ev.release.reference_date.year
    if ev.plan is not None and p0 is not None:
        indicator = next((i for i in ev.plan.indicators if i.code == "P0"), None)
        target = None if indicator is None else indicator.target(year)
        if target is not None:
            code = "doc_issue_p0_above" if p0.estimate * 100 > target else "doc_issue_p0_within"
            out.append(
                say(
                    code,
                    lang,
                    value=value(p0.estimate, "percent", lang),
                    target=value(target / 100, "percent", lang),
                    year=str(year),
                )
            )
    if ev.plan is not None and extreme is not None:
        out.append(
            say(
                "doc_issue_extreme",
                lang,
                value=value(extreme.estimate, "percent", lang),
                year=str(ev.plan.extreme_poverty_target_year),
                years=max(ev.plan.extreme_poverty_target_year - year, 0),
            )
        )
    return out


def _against_others(ev: Evidence, lang: Lang) -> list[str]:
    p0 = ev.figure("p0")
    if p0 is None:
        return []
    province = ev.district_code.split(".")[0]
    out = []
    for region in (province, "00"):
        published = [r for r in ev.references if r.indicator == "p0" and r.region == region]
        if not published:
            continue
        latest = max(published, key=lambda r: r.year)
        code = (
            "doc_issue_compare_above"
            if p0.estimate * 100 > latest.value
            else ("doc_issue_compare_below")
        )
        out.append(
            say(
                code,
                lang,
                value=value(p0.estimate, "percent", lang),
                area=region_name(region, lang),
                year=str(latest.year),
                other=value(latest.value / 100, "percent", lang),
            )
        )
    return out


def _areas(ev: Evidence, lang: Lang) -> list[str]:
    p0 = ev.figure("p0")
    if ev.kecamatan is None or p0 is None:
        return []
    above = sorted(
        (
            a
            for a in ev.kecamatan.areas
            if a.get("ci_low") is not None and float(a["ci_low"]) > p0.estimate
        ),
        key=lambda a: -float(a["estimate"]),
    )
    if not above:
        return [say("doc_issue_areas_none", lang, value=value(p0.estimate, "percent", lang))]
    names = ", ".join(str(a["name"]) for a in above)
    return [
        say(
            "doc_issue_areas",
            lang,
            count=len(above),
            names=names,
            value=value(p0.estimate, "percent", lang),
        )
    ]


def _deprivation(ev: Evidence, lang: Lang) -> list[str]:
    from rpkd.reports.documents.model import Table
    from rpkd.reports.documents.registry import characteristics_blocks

    tables = [
        b
        for b in characteristics_blocks(ev, lang)
        if isinstance(b, Table) and b.key == "registry.characteristics"
    ]
    if not tables:
        return []
    table = tables[0]
    shown = [
        (i, r)
        for i, r in enumerate(table.rows)
        if (i, "share") not in table.hidden and r.get("share")
    ]
    if not shown:
        return []
    _, top = max(shown, key=lambda ir: float(ir[1]["share"]))
    return [
        say(
            "doc_issue_deprivation",
            lang,
            what=str(top["indicator"]).lower(),
            share=value(top["share"], "percent", lang),
        )
    ]


def _coverage(ev: Evidence, lang: Lang) -> list[str]:
    from rpkd.reports.documents.model import Table
    from rpkd.reports.documents.registry import coverage_blocks

    tables = [
        b
        for b in coverage_blocks(ev, lang)
        if isinstance(b, Table) and b.key == "coverage.programmes"
    ]
    if not tables:
        return []
    table = tables[0]
    shown = [
        r
        for i, r in enumerate(table.rows)
        if (i, "gap") not in table.hidden
        and r.get("gap")
        and r["programme"] != word("programme_any", lang)
    ]
    if not shown:
        return []
    top = max(shown, key=lambda r: int(r["gap"]))
    return [
        say(
            "doc_issue_coverage",
            lang,
            programme=str(top["programme"]),
            gap=value(top["gap"], "integer", lang),
            share=value(top["coverage_of_eligible"], "percent", lang),
        )
    ]


def _precision(ev: Evidence, lang: Lang) -> list[str]:
    out = []
    for table, level in ((ev.kecamatan, "kecamatan"), (ev.desa, "desa")):
        if table is None:
            continue
        weak = sum(1 for a in table.areas if a.get("reliable") is False)
        if weak:
            out.append(
                say(
                    "doc_issue_precision",
                    lang,
                    count=weak,
                    areas=len(table.areas),
                    level=word(f"level.{level}", lang),
                )
            )
    return out
