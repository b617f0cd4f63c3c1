"""The district's documents: the RPKD, the annual implementation report, the quarterly
extreme-poverty report and the rakor pack, editable (DOCX) and print-ready (PDF), with their
XLSX annex.

:func:`build` turns an :class:`~rpkd.reports.documents.evidence.Evidence` (workflow results as
values) into a :class:`~rpkd.reports.documents.model.Document` (chapters of paragraphs,
tables and figures, all data); :mod:`~rpkd.reports.documents.word` renders it to DOCX,
:mod:`~rpkd.reports.documents.pdf` converts the DOCX to PDF with LibreOffice and
:mod:`~rpkd.reports.documents.annex` writes the annex matrices. Small counts of families are
suppressed before anything is published (:mod:`~rpkd.reports.documents.disclosure`).
"""

from __future__ import annotations

from typing import Literal, get_args

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.documents import text
from rpkd.reports.documents.evidence import Evidence
from rpkd.reports.documents.model import Cover, Document
from rpkd.reports.documents.text import day, say

Kind = Literal["rpkd", "lp2kd", "triwulan", "rakor"]
KINDS: tuple[Kind, ...] = get_args(Kind)


def build(ev: Evidence, lang: Lang = "id") -> Document:
    """Return the document of ``ev.kind`` written in ``lang`` from ``ev``."""
    from rpkd.reports.documents import periodic, rpkd_plan

    makers = {
        "rpkd": rpkd_plan.chapters,
        "lp2kd": periodic.annual,
        "triwulan": periodic.quarterly,
        "rakor": periodic.rakor,
    }
    chapters = makers[ev.kind](ev, lang)
    words = {
        key: text.word(f"front.{key}", lang)
        for key in (
            "contents",
            "tables",
            "figures",
            "page",
            "table",
            "figure",
            "source",
            "note",
            "slot",
            "toc_hint",
        )
    }
    return Document(ev.kind, lang, cover(ev, lang), chapters, words)


def cover(ev: Evidence, lang: Lang) -> Cover:
    """Return the cover: the document's title, the district, the period, the day it was made
    from which release, and the logo (or a slot for it)."""
    if ev.kind == "rpkd" and ev.plan is not None:
        period = f"{ev.plan.start_year}–{ev.plan.end_year}"
    elif ev.kind == "triwulan":
        period = say("doc_period_quarter", lang, quarter=ev.quarter, year=str(ev.year))
    else:
        period = say("doc_period_year", lang, year=str(ev.year))
    return Cover(
        title=text.word(f"title.{ev.kind}", lang),
        district=ev.district_name.upper(),
        subtitle=period,
        organisation=say("doc_organisation", lang, district=ev.district_name),
        date_line=say(
            "doc_date_line",
            lang,
            date=locale.date_text(ev.made_on, lang),
            release=ev.release.name,
            release_date=day(ev, lang),
        ),
        logo=ev.logo,
        logo_slot=say("doc_slot_logo", lang, district=ev.district_name),
    )
