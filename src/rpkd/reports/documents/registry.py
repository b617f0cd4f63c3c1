"""The registry parts of the poverty profile (RPKD Bab III) and programme coverage: families
by desil, the characteristics of desil 1–4 families, the registry MPI, and who the programmes
reach and leave out — all counts of families, so every table passes disclosure control.

Counts come from the registry profile published with small cells already suppressed
(:func:`rpkd.workflows.profile.profile_release` with the kit's threshold) and from programme
coverage counts (:func:`rpkd.targeting.convergence.coverage_table`, aggregates only); each
table is protected again with its own row and column relations
(:func:`rpkd.reports.documents.disclosure.protect`), so no hidden cell can be recovered from
what the table shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rpkd import locale
from rpkd.locale import Lang
from rpkd.measures.characteristics import FAMILY_FLAGS
from rpkd.reports.documents.disclosure import Relation, protect, secure
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.model import Block, Column, Figure, Paragraph, Table
from rpkd.reports.documents.text import (
    coverage_source,
    day,
    part_missing,
    registry_source,
    say,
    value,
    why,
    word,
)

DESIL_COUNTS = ("families_desil_1", "families_desil_2", "families_desil_3", "families_desil_4")
KEY_CHARACTERISTICS = (
    "rtlh",
    "unsafe_water",
    "no_proper_sanitation",
    "child_out_of_school",
    "head_agriculture",
    "female_head",
)
"""Characteristics shown by kecamatan (all of them are shown for the district)."""


def _profile(ev: Evidence) -> dict[tuple[str, str], dict[str, Any]]:
    """Return the profile's rows by (area code, indicator) for kabupaten and kecamatan."""
    if ev.profile is None:
        return {}
    return {
        (r["code"], r["indicator"]): r
        for r in ev.profile.to_pylist()
        if r["level"] in ("kabupaten", "kecamatan")
    }


def _areas(ev: Evidence) -> list[tuple[str, str]]:
    """Return (code, name) of the kecamatan, then the kabupaten (the total row)."""
    assert ev.profile is not None
    seen: dict[str, str] = {}
    district: tuple[str, str] | None = None
    for row in ev.profile.to_pylist():
        if row["level"] == "kecamatan":
            seen.setdefault(row["code"], row["name"] or row["code"])
        elif row["level"] == "kabupaten":
            district = (row["code"], row["name"] or row["code"])
    out = sorted(seen.items())
    return out + ([district] if district else [])


def _cells(
    ev: Evidence, indicators: Sequence[str], shares: Sequence[str] = ()
) -> tuple[list[dict[str, Any]], frozenset[tuple[int, str]]]:
    """Return one row per area (kecamatan, then the district) with each indicator's count
    (``shares``: its share too, as ``<indicator>_share``) and the cells hidden upstream."""
    cells = _profile(ev)
    rows: list[dict[str, Any]] = []
    hidden: set[tuple[int, str]] = set()
    for i, (code, name) in enumerate(_areas(ev)):
        row: dict[str, Any] = {"code": code, "area": name}
        for indicator in indicators:
            found = cells.get((code, indicator), {})
            row[indicator] = found.get("value")
            if found.get("suppressed"):
                hidden.add((i, indicator))
            if indicator in shares:
                row[f"{indicator}_share"] = found.get("share")
        rows.append(row)
    return rows, frozenset(hidden)


def desil_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return families by desil 1–4 by kecamatan (``registry.desil``) and the desil chart."""
    if ev.profile is None:
        return (part_missing("profile", why(ev, "profile", lang), lang),)
    from rpkd.reports.charts import desil_chart

    indicators = ("families_total", *DESIL_COUNTS, "families_desil_1_4")
    rows, upstream = _cells(ev, indicators, shares=("families_desil_1_4",))
    hidden = protect(
        rows,
        counts=indicators,
        min_families=ev.min_families,
        relations=[Relation(DESIL_COUNTS, "families_desil_1_4")],
        total_row=True,
        derived={"families_desil_1_4_share": ("families_desil_1_4", "families_total")},
        hidden=upstream,
    )
    columns = (
        Column("area", word("level.kecamatan", lang).capitalize()),
        Column("families_total", word("col.families", lang), "integer"),
        *(Column(k, locale.label(f"profile.{k}", lang), "integer") for k in DESIL_COUNTS),
        Column("families_desil_1_4", locale.label("profile.families_desil_1_4", lang), "integer"),
        Column("families_desil_1_4_share", word("col.share_desil_1_4", lang), "percent", 1),
    )
    table = Table(
        "registry.desil",
        say("doc_caption_desil", lang, date=day(ev, lang)),
        columns,
        tuple(rows),
        registry_source(ev, lang),
        notes=(say("doc_note_suppressed", lang, threshold=ev.min_families),),
        hidden=hidden,
        strong=frozenset({len(rows) - 1}),
        counts=indicators,
        relations=(Relation(DESIL_COUNTS, "families_desil_1_4"),),
        total_row=True,
    )
    district = rows[-1]
    out: list[Block] = []
    if (
        "families_desil_1_4" not in {k for i, k in hidden if i == len(rows) - 1}
        and district.get("families_desil_1_4") is not None
    ):
        out.append(
            Paragraph(
                say(
                    "doc_desil_sentence",
                    lang,
                    district=ev.district_name,
                    families=value(district["families_total"], "integer", lang),
                    poorest=value(district["families_desil_1_4"], "integer", lang),
                    share=value(district["families_desil_1_4_share"], "percent", lang),
                )
            )
        )
    out.append(table)
    records = [r for r in ev.profile.to_pylist() if r["level"] == "kabupaten"]
    out.append(
        Figure(
            "registry.desil",
            say("doc_caption_desil_chart", lang, district=ev.district_name),
            registry_source(ev, lang),
            spec=desil_chart(records, lang),
        )
    )
    return tuple(out)


def characteristics_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the characteristics of desil 1–4 families in the district
    (``registry.characteristics``), by kecamatan (``registry.characteristics_kecamatan``),
    and the chart."""
    if ev.profile is None:
        return ()
    from rpkd.reports.charts import share_chart

    cells = _profile(ev)
    district = next(code for code, _ in reversed(_areas(ev)))
    rows: list[dict[str, Any]] = []
    upstream: set[tuple[int, str]] = set()
    for i, flag in enumerate(FAMILY_FLAGS):
        found = cells.get((district, flag), {})
        rows.append(
            {
                "indicator": locale.label(f"profile.{flag}", lang),
                "families": found.get("value"),
                "share": found.get("share"),
            }
        )
        if found.get("suppressed"):
            upstream.add((i, "families"))
    hidden = protect(
        rows,
        counts=("families",),
        min_families=ev.min_families,
        derived={"share": ("families",)},
        hidden=frozenset(upstream),
    )
    columns = (
        Column("indicator", word("col.characteristic", lang)),
        Column("families", word("col.families_desil_1_4", lang), "integer"),
        Column("share", word("col.share_of_desil_1_4", lang), "percent", 1),
    )
    table = Table(
        "registry.characteristics",
        say("doc_caption_characteristics", lang, district=ev.district_name, date=day(ev, lang)),
        columns,
        tuple(rows),
        registry_source(ev, lang),
        notes=(
            say("doc_note_characteristics", lang),
            say("doc_note_suppressed", lang, threshold=ev.min_families),
        ),
        hidden=hidden,
        counts=("families",),
    )
    out: list[Block] = []
    shown = [
        (r, i)
        for i, r in enumerate(rows)
        if (i, "share") not in hidden and r.get("share") is not None
    ]
    if shown:
        top = sorted(shown, key=lambda ri: -float(ri[0]["share"]))[:3]
        parts = [
            say(
                "doc_share_part",
                lang,
                what=r["indicator"].lower(),
                share=value(r["share"], "percent", lang),
            )
            for r, _ in top
        ]
        out.append(Paragraph(say("doc_characteristics_sentence", lang, parts="; ".join(parts))))
    out.append(table)
    records = [r for r in ev.profile.to_pylist() if r["level"] == "kabupaten"]
    spec = share_chart(records, FAMILY_FLAGS, title="characteristics.caption", lang=lang)
    out.append(
        Figure(
            "registry.characteristics",
            say("doc_caption_characteristics_chart", lang, district=ev.district_name),
            registry_source(ev, lang),
            spec=spec,
        )
    )
    out.append(_kecamatan_characteristics(ev, lang))
    return tuple(out)


def _kecamatan_characteristics(ev: Evidence, lang: Lang) -> Table:
    indicators = ("families_desil_1_4", *KEY_CHARACTERISTICS)
    rows, upstream = _cells(ev, indicators, shares=KEY_CHARACTERISTICS)
    hidden = protect(
        rows,
        counts=indicators,
        min_families=ev.min_families,
        total_row=True,
        derived={f"{k}_share": (k, "families_desil_1_4") for k in KEY_CHARACTERISTICS},
        hidden=upstream,
    )
    columns = (
        Column("area", word("level.kecamatan", lang).capitalize()),
        Column("families_desil_1_4", word("col.families_desil_1_4", lang), "integer"),
        *(
            Column(f"{k}_share", locale.label(f"profile.{k}", lang), "percent", 1)
            for k in KEY_CHARACTERISTICS
        ),
    )
    return Table(
        "registry.characteristics_kecamatan",
        say("doc_caption_characteristics_kecamatan", lang, date=day(ev, lang)),
        columns,
        tuple(rows),
        registry_source(ev, lang),
        notes=(
            say("doc_note_characteristics", lang),
            say("doc_note_suppressed", lang, threshold=ev.min_families),
        ),
        hidden=hidden,
        strong=frozenset({len(rows) - 1}),
        counts=indicators,
        total_row=True,
    )


def mpi_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the registry MPI (H, A, M0) by kecamatan with the count of MPI-poor families."""
    if ev.profile is None:
        return ()
    indicators = ("mpi_headcount", "mpi_intensity", "mpi_m0")
    rows, upstream = _cells(ev, indicators, shares=indicators)
    hidden = protect(
        rows,
        counts=("mpi_headcount",),
        min_families=ev.min_families,
        total_row=True,
        derived={f"{k}_share": ("mpi_headcount",) for k in indicators},
        hidden=frozenset(c for c in upstream if c[1] == "mpi_headcount"),
    )
    columns = (
        Column("area", word("level.kecamatan", lang).capitalize()),
        Column("mpi_headcount", word("col.mpi_families", lang), "integer"),
        Column("mpi_headcount_share", word("col.mpi_h", lang), "percent", 1),
        Column("mpi_intensity_share", word("col.mpi_a", lang), "percent", 1),
        Column("mpi_m0_share", word("col.mpi_m0", lang), "ratio"),
    )
    table = Table(
        "registry.mpi",
        say("doc_caption_mpi", lang, date=day(ev, lang)),
        columns,
        tuple(rows),
        registry_source(ev, lang),
        notes=(
            say("doc_note_mpi", lang),
            say("doc_note_suppressed", lang, threshold=ev.min_families),
        ),
        hidden=hidden,
        strong=frozenset({len(rows) - 1}),
        counts=("mpi_headcount",),
        total_row=True,
    )
    district = rows[-1]
    out: list[Block] = []
    if (len(rows) - 1, "mpi_headcount_share") not in hidden and district.get(
        "mpi_headcount_share"
    ) is not None:
        out.append(
            Paragraph(
                say(
                    "doc_mpi_sentence",
                    lang,
                    h=value(district["mpi_headcount_share"], "percent", lang),
                    a=value(district["mpi_intensity_share"], "percent", lang),
                    m0=value(district["mpi_m0_share"], "ratio", lang),
                )
            )
        )
    out.append(table)
    return tuple(out)


# --- programme coverage (aggregates only) -------------------------------------------------

_COVERAGE_COUNTS = ("eligible", "eligible_recipients", "gap", "recipients", "outside")
_COVERAGE_RELATIONS = (
    Relation(("eligible_recipients", "gap"), "eligible"),
    Relation(("eligible_recipients", "outside"), "recipients"),
)
_COVERAGE_DERIVED = {
    "coverage_of_eligible": ("eligible_recipients", "eligible"),
    "outside_rule": ("outside", "recipients"),
}


def _coverage_row(counts: Mapping[str, int], listed: bool = True) -> dict[str, Any]:
    eligible, both, recipients = counts["eligible"], counts["both"], counts["recipients"]
    if not listed:  # no beneficiary list: nobody to count as receiving
        return {"families": counts["families"], "eligible": eligible}
    return {
        "families": counts["families"],
        "eligible": eligible,
        "eligible_recipients": both,
        "gap": eligible - both,
        "recipients": recipients,
        "outside": recipients - both,
        "coverage_of_eligible": both / eligible if eligible else None,
        "outside_rule": (recipients - both) / recipients if recipients else None,
    }


def coverage_sums(coverage: Any) -> dict[tuple[str | None, str], dict[str, int]]:
    """Return coverage counts by (kecamatan code, programme) and (None, programme) summed over
    the district (counts of families add up across areas)."""
    out: dict[tuple[str | None, str], dict[str, int]] = {}
    for row in coverage.to_pylist():
        for key in ((row["area"], row["programme"]), (None, row["programme"])):
            held = out.setdefault(key, {"families": 0, "eligible": 0, "recipients": 0, "both": 0})
            held["families"] += int(row["families"])
            held["eligible"] += int(row["eligible"])
            held["recipients"] += int(row["recipients"])
            held["both"] += int(row["eligible_recipients"])
    return out


CoverageCell = tuple[str | None, str, str]
"""A coverage count: (kecamatan code, or None for the district; programme; measure)."""


def coverage_hidden(ev: Evidence) -> frozenset[CoverageCell]:
    """Return the coverage counts to hide, protected once for every table that shows them.

    The cells are the district's eligible, eligible recipients, gap, recipients and recipients
    outside the rule of each programme (and of any programme), and the same first three by
    kecamatan; the relations are eligible recipients + gap = eligible, eligible recipients +
    outside = recipients (district), and the kecamatan summing to the district. The document's
    tables and the annex all read their hidden cells from here, so none reveals what another
    hides.
    """
    from rpkd.measures.disclosure import Equation

    sums = coverage_sums(ev.coverage)
    cells: list[CoverageCell] = []
    for area, programme in sums:
        measures = _COVERAGE_COUNTS if area is None else _AREA_COUNTS
        cells += [
            (area, programme, m) for m in measures if listed(ev, programme) or m == "eligible"
        ]
    position = {c: i for i, c in enumerate(cells)}
    values = np.zeros(len(cells), dtype=np.int64)
    for (area, programme, measure), i in position.items():
        values[i] = _coverage_row(sums[(area, programme)])[measure]
    equations = []
    for area, programme in sums:
        if not listed(ev, programme):
            continue
        for relation in _COVERAGE_RELATIONS[: 2 if area is None else 1]:
            equations.append(
                Equation(
                    tuple(position[(area, programme, p)] for p in relation.parts),
                    position[(area, programme, relation.total)],
                )
            )
    areas = sorted({a for a, _ in sums if a is not None})
    for programme in {p for _, p in sums}:
        for measure in _AREA_COUNTS:
            parts = tuple(
                position[(a, programme, measure)]
                for a in areas
                if (a, programme, measure) in position
            )
            if parts and (None, programme, measure) in position:
                equations.append(Equation(parts, position[(None, programme, measure)]))
    mask = secure(values, values, equations, min_cell=ev.min_families)
    return frozenset(c for c, i in position.items() if mask[i])


def coverage_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return coverage and gaps by programme (``coverage.programmes``) and, for any
    programme, by kecamatan (``coverage.kecamatan``), protected together
    (:func:`coverage_hidden`)."""
    if ev.coverage is None:
        return (part_missing("coverage", why(ev, "coverage", lang), lang),)
    from rpkd.reports.documents.text import region_name

    sums = coverage_sums(ev.coverage)
    secret = coverage_hidden(ev)
    programmes = [p for p in (*ev.programmes, "any") if (None, p) in sums]
    rows = [
        {"programme": _programme(ev, p, lang), **_coverage_row(sums[(None, p)], listed(ev, p))}
        for p in programmes
    ]
    hidden = hidden_cells([(None, p) for p in programmes], secret, _COVERAGE_COUNTS)
    codes = sorted(str(a) for a, p in sums if a is not None and p == "any")
    areas = [{"area": region_name(c, lang), **_coverage_row(sums[(c, "any")])} for c in codes]
    areas.append({"area": ev.district_name, **_coverage_row(sums[(None, "any")])})
    area_hidden = hidden_cells([*((c, "any") for c in codes), (None, "any")], secret, _AREA_COUNTS)
    columns = (
        Column("programme", word("col.programme", lang)),
        Column("eligible", word("col.eligible", lang), "integer"),
        Column("eligible_recipients", word("col.eligible_recipients", lang), "integer"),
        Column("gap", word("col.gap", lang), "integer"),
        Column("coverage_of_eligible", word("col.coverage_of_eligible", lang), "percent", 1),
        Column("recipients", word("col.recipients", lang), "integer"),
        Column("outside", word("col.outside", lang), "integer"),
        Column("outside_rule", word("col.outside_rule", lang), "percent", 1),
    )
    notes = (
        say("doc_note_coverage", lang),
        say("doc_note_suppressed", lang, threshold=ev.min_families),
    )
    unlisted = [_programme(ev, p, lang) for p in programmes if not listed(ev, p)]
    programme_notes = notes + (
        (say("doc_note_unlisted", lang, programmes=", ".join(unlisted)),) if unlisted else ()
    )
    by_programme = Table(
        "coverage.programmes",
        say("doc_caption_coverage", lang, date=day(ev, lang)),
        columns,
        tuple(rows),
        coverage_source(ev, lang),
        notes=programme_notes,
        hidden=hidden,
        counts=_COVERAGE_COUNTS,
        relations=_COVERAGE_RELATIONS,
    )
    area_columns = (
        Column("area", word("level.kecamatan", lang).capitalize()),
        Column("eligible", word("col.eligible_any", lang), "integer"),
        Column("eligible_recipients", word("col.eligible_recipients", lang), "integer"),
        Column("gap", word("col.gap", lang), "integer"),
        Column("coverage_of_eligible", word("col.coverage_of_eligible", lang), "percent", 1),
    )
    by_area = Table(
        "coverage.kecamatan",
        say("doc_caption_coverage_kecamatan", lang, date=day(ev, lang)),
        area_columns,
        tuple(areas),
        coverage_source(ev, lang),
        notes=notes,
        hidden=area_hidden,
        strong=frozenset({len(areas) - 1}),
        counts=_AREA_COUNTS,
        relations=_COVERAGE_RELATIONS[:1],
        total_row=True,
    )
    out: list[Block] = []
    shown = [
        r
        for i, r in enumerate(rows)
        if programmes[i] != "any"
        and listed(ev, programmes[i])
        and (i, "coverage_of_eligible") not in hidden
        and r["coverage_of_eligible"] is not None
    ]
    if shown:
        low = min(shown, key=lambda r: float(r["coverage_of_eligible"]))
        out.append(
            Paragraph(
                say(
                    "doc_coverage_sentence",
                    lang,
                    programme=low["programme"],
                    share=value(low["coverage_of_eligible"], "percent", lang),
                    gap=value(low["gap"], "integer", lang),
                )
            )
        )
    out += [by_programme, by_area]
    return tuple(out)


_AREA_COUNTS = ("eligible", "eligible_recipients", "gap")


def listed(ev: Evidence, programme: str) -> bool:
    """Return whether the release holds ``programme``'s beneficiary list ("any" always)."""
    return programme == "any" or programme in ev.listed


def hidden_cells(
    keys: Sequence[tuple[str | None, str]], secret: frozenset[CoverageCell], measures: Sequence[str]
) -> frozenset[tuple[int, str]]:
    """Return a table's hidden cells (row i shows ``keys[i]``), shares following counts."""
    out = {
        (i, m)
        for i, (area, programme) in enumerate(keys)
        for m in measures
        if (area, programme, m) in secret
    }
    for column, sources in _COVERAGE_DERIVED.items():
        out |= {(i, column) for i in range(len(keys)) if any((i, s) in out for s in sources)}
    return frozenset(out)


def _programme(ev: Evidence, code: str, lang: Lang) -> str:
    if code == "any":
        return word("programme_any", lang)
    return ev.programmes.get(code, code)
