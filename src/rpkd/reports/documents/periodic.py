"""The periodic documents: the annual implementation report (LP2KD-style), the quarterly
report on extreme-poverty acceleration and the pack for a coordination meeting (rakor).

- **lp2kd** (annual; Permendagri 53/2020's report on implementation, after the LP2KD of
  Permendagri 42/2010): indicators against the RPKD's targets with bands, programmes and budget
  absorption by source, the poverty figures of the year and families graduating from or
  falling back into desil 1–2 since the previous release.
- **triwulan** (every three months to the Mendagri, Inpres 4/2022 and 8/2025): extreme poverty
  now and by kecamatan, the path to zero and what is off track this quarter.
- **rakor** (at least three a year): the headline figures, lagging indicators, the path to
  zero, coverage gaps; decisions and follow-up are the meeting's (no store of them exists in
  rpkd yet, so the pack leaves them as a slot).
"""

from __future__ import annotations

from rpkd.locale import Lang
from rpkd.reports.documents import monitoring, poverty, priority_areas, programmes, registry
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.model import Block, Chapter, Figure, Paragraph, Section, Slot
from rpkd.reports.documents.text import say, survey_source, word


def annual(ev: Evidence, lang: Lang) -> tuple[Chapter, ...]:
    """Return the chapters of the annual implementation report of ``ev.year``."""
    year = str(ev.year)
    return (
        Chapter(
            1,
            word("lp2kd.bab1", lang),
            (),
            (
                Section(
                    word("lp2kd.s1_1", lang),
                    (
                        Paragraph(
                            say("doc_lp2kd_background", lang, district=ev.district_name, year=year)
                        ),
                        Slot(say("doc_slot_background", lang)),
                    ),
                ),
                Section(word("lp2kd.s1_2", lang), (Slot(say("doc_slot_purpose", lang)),)),
            ),
        ),
        Chapter(
            2,
            word("lp2kd.bab2", lang),
            (),
            (
                Section(word("lp2kd.s2_1", lang), monitoring.performance_blocks(ev, lang)),
                Section(
                    word("lp2kd.s2_2", lang),
                    monitoring.targets_over_time_blocks(ev, lang)
                    or (Slot(say("doc_slot_no_realisations", lang, year=year)),),
                ),
            ),
        ),
        Chapter(
            3,
            word("lp2kd.bab3", lang),
            (),
            (
                Section(word("lp2kd.s3_1", lang), programmes.spending_blocks(ev, lang)),
                Section(
                    word("lp2kd.s3_2", lang),
                    monitoring.performance_blocks(ev, lang, kind="activity")
                    or (Slot(say("doc_slot_spending", lang, year=year)),),
                ),
                Section(word("lp2kd.s3_3", lang), registry.coverage_blocks(ev, lang)),
            ),
        ),
        Chapter(
            4,
            word("lp2kd.bab4", lang),
            (),
            (
                Section(
                    word("lp2kd.s4_1", lang),
                    (*poverty.headline_sentences(ev, lang), poverty.headline_table(ev, lang)),
                ),
                Section(word("lp2kd.s4_2", lang), monitoring.transition_blocks(ev, lang)),
            ),
        ),
        Chapter(
            5,
            word("lp2kd.bab5", lang),
            (),
            (
                Section(word("lp2kd.s5_1", lang), monitoring.off_track_blocks(ev, lang)),
                Section(word("lp2kd.s5_2", lang), (Slot(say("doc_slot_follow_up", lang)),)),
            ),
        ),
    )


def quarterly(ev: Evidence, lang: Lang) -> tuple[Chapter, ...]:
    """Return the chapters of the quarterly extreme-poverty report of ``ev.year``/``quarter``."""
    extreme_keys = ("extreme", "extreme_poor", "p0", "poor")
    return (
        Chapter(
            1,
            word("triwulan.bab1", lang),
            (),
            (
                Section(
                    word("triwulan.s1_1", lang),
                    (
                        Paragraph(
                            say(
                                "doc_triwulan_background",
                                lang,
                                quarter=ev.quarter,
                                year=str(ev.year),
                            )
                        ),
                        Slot(say("doc_slot_background", lang)),
                    ),
                ),
            ),
        ),
        Chapter(
            2,
            word("triwulan.bab2", lang),
            (),
            (
                Section(
                    word("triwulan.s2_1", lang),
                    (
                        *poverty.headline_sentences(ev, lang),
                        poverty.headline_table(ev, lang, extreme_keys),
                    ),
                ),
                Section(
                    word("triwulan.s2_2", lang),
                    priority_areas.priority_blocks(ev, lang, extreme=True),
                ),
            ),
        ),
        Chapter(
            3,
            word("triwulan.bab3", lang),
            (),
            (Section(word("triwulan.s3_1", lang), monitoring.path_blocks(ev, lang)),),
        ),
        Chapter(
            4,
            word("triwulan.bab4", lang),
            (),
            (
                Section(word("triwulan.s4_1", lang), monitoring.performance_blocks(ev, lang)),
                Section(word("triwulan.s4_2", lang), monitoring.off_track_blocks(ev, lang)),
            ),
        ),
        Chapter(
            5,
            word("triwulan.bab5", lang),
            (),
            (Section(word("triwulan.s5_1", lang), (Slot(say("doc_slot_follow_up", lang)),)),),
        ),
    )


def rakor(ev: Evidence, lang: Lang) -> tuple[Chapter, ...]:
    """Return the chapters of the pack for a coordination meeting."""
    return (
        Chapter(
            1,
            word("rakor.bab1", lang),
            (),
            (
                Section(
                    word("rakor.s1_1", lang),
                    (
                        *poverty.headline_sentences(ev, lang),
                        poverty.headline_table(ev, lang),
                        *_headline_chart(ev, lang),
                    ),
                ),
            ),
        ),
        Chapter(
            2,
            word("rakor.bab2", lang),
            (),
            (
                Section(word("rakor.s2_1", lang), monitoring.off_track_blocks(ev, lang)),
                Section(word("rakor.s2_2", lang), monitoring.performance_blocks(ev, lang)),
            ),
        ),
        Chapter(
            3,
            word("rakor.bab3", lang),
            (),
            (Section(word("rakor.s3_1", lang), monitoring.path_blocks(ev, lang)),),
        ),
        Chapter(
            4,
            word("rakor.bab4", lang),
            (),
            (Section(word("rakor.s4_1", lang), registry.coverage_blocks(ev, lang)),),
        ),
        Chapter(
            5,
            word("rakor.bab5", lang),
            (),
            (Section(word("rakor.s5_1", lang), (Slot(say("doc_slot_decisions", lang)),)),),
        ),
    )


def _headline_chart(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return the headline figures with their intervals against the year's targets."""
    from rpkd.reports.charts import headline_chart

    targets: dict[str, float] = {}
    if ev.plan is not None:
        scale = {"P0": "p0", "P1": "p1", "P2": "p2", "KE": "extreme"}
        for indicator in ev.plan.indicators:
            target = indicator.target(ev.year)
            if indicator.code in scale and target is not None:
                targets[scale[indicator.code]] = target / 100.0
    rows = [
        {
            "key": key,
            "estimate": f.estimate,
            "ci_low": f.ci_low,
            "ci_high": f.ci_high,
            "target": targets.get(key),
        }
        for key in ("p0", "p1", "p2", "extreme")
        if (f := ev.figure(key)) is not None
    ]
    if not rows:
        return ()
    return (
        Figure(
            "headline.chart",
            say("doc_caption_headline_chart", lang, year=str(ev.year)),
            survey_source(ev, lang),
            spec=headline_chart(rows, lang),
        ),
    )
