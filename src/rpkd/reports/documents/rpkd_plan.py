"""The RPKD (Rencana Penanggulangan Kemiskinan Daerah), Bab I–VI.

Chapter structure after Permendagri 53/2020 as the Bappenas SEPAKAT wiki maps it onto the
RPKD (facts.md §1.2): I Pendahuluan, II Kondisi Umum Daerah, III Profil Kemiskinan Daerah,
IV Permasalahan dan Isu Strategis, V Strategi, Program dan Kegiatan (with targets and lokus),
VI Pemantauan dan Evaluasi. The titles of IV and V are the customary ones and should be
checked against the regulation's annex; a district edits them in the DOCX.

References
----------
Permendagri 53/2020 (Pasal 4: the TKPK drafts the RPKD); TNP2K (2015), *Perencanaan
Penanggulangan Kemiskinan Berbasis Data* (problems, determinants, priority areas);
SEPAKAT wiki, "Sepakat Untuk Dokumen RPKD".
"""

from __future__ import annotations

from rpkd import locale, regions
from rpkd.locale import Lang
from rpkd.reports.documents import monitoring, poverty, priority_areas, programmes, registry
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.issues import issue_blocks
from rpkd.reports.documents.model import (
    Block,
    Bullets,
    Chapter,
    Column,
    Paragraph,
    Section,
    Slot,
    Table,
)
from rpkd.reports.documents.text import day, registry_source, say, value, word

LAWS = (
    "perpres_15_2010",
    "permendagri_53_2020",
    "inpres_4_2022",
    "inpres_4_2025",
    "inpres_8_2025",
    "perpres_72_2021",
    "perpres_39_2019",
)
"""The legal frame of the RPKD (labels ``doc.law.<key>``, facts.md §1.1)."""


def chapters(ev: Evidence, lang: Lang) -> tuple[Chapter, ...]:
    """Return Bab I–VI of the RPKD."""
    return (
        _introduction(ev, lang),
        _conditions(ev, lang),
        Chapter(
            3,
            word("rpkd.bab3", lang),
            (Paragraph(say("doc_bab3_intro", lang)),),
            (
                Section(
                    word("rpkd.s3_1", lang),
                    (
                        *poverty.headline_sentences(ev, lang),
                        poverty.headline_table(ev, lang),
                        poverty.lines_table(ev, lang),
                        *((urban,) if (urban := poverty.urban_table(ev, lang)) else ()),
                    ),
                ),
                Section(word("rpkd.s3_2", lang), poverty.trend_blocks(ev, lang)),
                Section(
                    word("rpkd.s3_3", lang),
                    (*poverty.inequality_blocks(ev, lang), *registry.mpi_blocks(ev, lang)),
                ),
                Section(word("rpkd.s3_4", lang), poverty.map_blocks(ev, lang)),
                Section(
                    word("rpkd.s3_5", lang),
                    (
                        *priority_areas.priority_blocks(ev, lang),
                        *priority_areas.desa_priority_blocks(ev, lang),
                    ),
                ),
                Section(
                    word("rpkd.s3_6", lang),
                    (*registry.desil_blocks(ev, lang), *registry.characteristics_blocks(ev, lang)),
                ),
                Section(word("rpkd.s3_7", lang), registry.coverage_blocks(ev, lang)),
            ),
        ),
        Chapter(
            4,
            word("rpkd.bab4", lang),
            (Paragraph(say("doc_bab4_intro", lang)),),
            (
                Section(word("rpkd.s4_1", lang), issue_blocks(ev, lang)),
                Section(word("rpkd.s4_2", lang), (Slot(say("doc_slot_determinants", lang)),)),
                Section(word("rpkd.s4_3", lang), (Slot(say("doc_slot_strategic_issues", lang)),)),
            ),
        ),
        Chapter(
            5,
            word("rpkd.bab5", lang),
            (Paragraph(say("doc_bab5_intro", lang)),),
            (
                Section(word("rpkd.s5_1", lang), programmes.strategy_blocks(ev, lang)),
                Section(word("rpkd.s5_2", lang), programmes.programme_blocks(ev, lang)),
                Section(
                    word("rpkd.s5_3", lang),
                    (*programmes.target_blocks(ev, lang), *monitoring.path_blocks(ev, lang)),
                ),
                Section(word("rpkd.s5_4", lang), programmes.scenario_blocks(ev, lang)),
            ),
        ),
        Chapter(
            6,
            word("rpkd.bab6", lang),
            (),
            (
                Section(word("rpkd.s6_1", lang), monitoring.framework_blocks(ev, lang)),
                Section(
                    word("rpkd.s6_2", lang),
                    (
                        *monitoring.performance_blocks(ev, lang),
                        *monitoring.off_track_blocks(ev, lang),
                    ),
                ),
                Section(word("rpkd.s6_3", lang), (Slot(say("doc_slot_me_institutions", lang)),)),
            ),
        ),
    )


def _introduction(ev: Evidence, lang: Lang) -> Chapter:
    laws = tuple(locale.label(f"doc.law.{key}", lang) for key in LAWS)
    titles = [word(f"rpkd.bab{i}", lang) for i in range(1, 7)]
    outline = tuple(
        say("doc_outline_item", lang, number=_roman(i + 1), title=t) for i, t in enumerate(titles)
    )
    return Chapter(
        1,
        word("rpkd.bab1", lang),
        (),
        (
            Section(
                word("rpkd.s1_1", lang),
                (
                    Paragraph(say("doc_rpkd_background", lang, district=ev.district_name)),
                    Slot(say("doc_slot_background", lang)),
                ),
            ),
            Section(word("rpkd.s1_2", lang), (Bullets(laws),)),
            Section(word("rpkd.s1_3", lang), (Slot(say("doc_slot_purpose", lang)),)),
            Section(word("rpkd.s1_4", lang), _data_blocks(ev, lang)),
            Section(word("rpkd.s1_5", lang), (Bullets(outline),)),
        ),
    )


def _roman(number: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")[number - 1]


def _data_blocks(ev: Evidence, lang: Lang) -> tuple[Block, ...]:
    """Return where the document's figures come from: the release, the plan, the kit."""
    r = ev.release
    items = [
        say(
            "doc_data_release",
            lang,
            release=r.name,
            date=day(ev, lang),
            families=value(r.families, "integer", lang),
            persons=value(r.persons, "integer", lang),
            households=value(r.survey_households, "integer", lang),
        )
    ]
    if ev.plan is not None:
        items.append(
            say("doc_data_plan", lang, plan=ev.plan.name, date=locale.date_text(ev.made_on, lang))
        )
    items.append(say("doc_data_kit", lang))
    return (
        Paragraph(say("doc_data_intro", lang)),
        Bullets(tuple(items)),
        Paragraph(say("doc_data_disclosure", lang, threshold=ev.min_families)),
    )


def _conditions(ev: Evidence, lang: Lang) -> Chapter:
    code = ev.district_code
    kecamatan = regions.descendants(code, "kecamatan")
    villages = regions.descendants(code, "desa")
    kelurahan = sum(1 for v in villages if v.level == "kelurahan")
    blocks: list[Block] = [
        Paragraph(
            say(
                "doc_admin_sentence",
                lang,
                district=ev.district_name,
                kecamatan=len(kecamatan),
                desa=len(villages) - kelurahan,
                kelurahan=kelurahan,
            )
        )
    ]
    rows = []
    for fact in (f for f in ev.facts if f.region == code):
        kind = {"area_km2": "number", "population_census": "integer"}.get(fact.indicator, "number")
        rows.append(
            {
                "item": word(f"fact.{fact.indicator}", lang),
                "year": fact.year,
                "value": fact.value,
                "kind": kind,
                "source": fact.source,
            }
        )
    r = ev.release
    rows.append(
        {
            "item": word("fact.families", lang),
            "year": r.reference_date.year,
            "value": r.families,
            "kind": "integer",
            "source": registry_source(ev, lang),
        }
    )
    rows.append(
        {
            "item": word("fact.persons", lang),
            "year": r.reference_date.year,
            "value": r.persons,
            "kind": "integer",
            "source": registry_source(ev, lang),
        }
    )
    columns = (
        Column("item", word("col.item", lang)),
        Column("year", word("col.year", lang), "year"),
        Column("value", word("col.value", lang), by_row=True),
        Column("source", word("col.source", lang)),
    )
    blocks.append(
        Table(
            "conditions.facts",
            say("doc_caption_facts", lang, district=ev.district_name),
            columns,
            tuple(rows),
            say("doc_source_facts", lang),
        )
    )
    return Chapter(
        2,
        word("rpkd.bab2", lang),
        (),
        (
            Section(word("rpkd.s2_1", lang), tuple(blocks)),
            Section(word("rpkd.s2_2", lang), (Slot(say("doc_slot_geography", lang)),)),
            Section(word("rpkd.s2_3", lang), (Slot(say("doc_slot_economy", lang)),)),
        ),
    )
