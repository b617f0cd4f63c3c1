"""Words and sentences of the documents, all from the :mod:`rpkd.locale` catalogue.

Sentences are templates (``messages/documents.toml``) filled with numbers already written in
the document's language, so a sentence states what the data show and nothing else; labels
(``labels/documents.toml``, keys ``doc.*``) head tables and name chapters. Source lines name
the release and its reference date, or the plan and the day the document was made.
"""

from __future__ import annotations

from typing import Any

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.documents.evidence import Evidence, Figure
from rpkd.reports.documents.model import Slot

_SURVEY_KINDS = {
    "p0": "percent",
    "extreme": "percent",
    "p1": "index",
    "p2": "index",
    "poor": "integer",
    "extreme_poor": "integer",
    "gini": "ratio",
    "qsr": "ratio",
}
"""How each headline figure is written (BPS: P0 in percent, P1 and P2 ×100)."""


def say(code: str, lang: Lang, **params: Any) -> str:
    """Return the sentence ``code`` of the documents' catalogue, filled in."""
    return locale.message(code, lang, **params)


def word(key: str, lang: Lang) -> str:
    """Return the label ``doc.<key>``."""
    return locale.label(f"doc.{key}", lang)


def kind_of(key: str) -> str:
    """Return how the headline figure ``key`` is written (a :data:`model.CellKind`)."""
    return _SURVEY_KINDS.get(key, "number")


def value(number: float | None, kind: str, lang: Lang) -> str:
    """Return one number as the document writes it (see :func:`model.cell_text`).

    Examples
    --------
    >>> value(0.0523, "percent", "id"), value(0.0123, "index", "id"), value(16718.7, "integer", "id")
    ('5,23%', '1,23', '16.719')
    """
    from rpkd.reports.documents.model import Column, cell_text

    return cell_text(number, Column("v", "", kind), lang)  # type: ignore[arg-type]


def estimate_text(figure: Figure, lang: Lang) -> dict[str, str]:
    """Return a figure's estimate and 95% interval written for a sentence."""
    kind = kind_of(figure.key)
    return {
        "value": value(figure.estimate, kind, lang),
        "low": value(figure.ci_low, kind, lang),
        "high": value(figure.ci_high, kind, lang),
    }


def day(ev: Evidence, lang: Lang) -> str:
    """Return the release's reference date (``1 Maret 2025``)."""
    return locale.date_text(ev.release.reference_date, lang)


def survey_source(ev: Evidence, lang: Lang) -> str:
    """Return the source line of figures estimated from the release's survey."""
    return say(
        "doc_source_survey",
        lang,
        release=ev.release.name,
        date=day(ev, lang),
        households=ev.release.survey_households,
    )


def registry_source(ev: Evidence, lang: Lang) -> str:
    """Return the source line of counts from the release's registry (with the threshold)."""
    return say(
        "doc_source_registry",
        lang,
        release=ev.release.name,
        date=day(ev, lang),
        threshold=ev.min_families,
    )


def map_source(ev: Evidence, method: str, lang: Lang) -> str:
    """Return the source line of a small-area estimate (method named)."""
    return say(
        "doc_source_map",
        lang,
        release=ev.release.name,
        date=day(ev, lang),
        method=locale.label(f"sae.method.{method}", lang),
    )


def coverage_source(ev: Evidence, lang: Lang) -> str:
    """Return the source line of programme coverage (registry and beneficiary lists)."""
    return say(
        "doc_source_coverage",
        lang,
        release=ev.release.name,
        date=day(ev, lang),
        threshold=ev.min_families,
    )


def plan_source(ev: Evidence, lang: Lang) -> str:
    """Return the source line of the stored plan (as of the day the document was made)."""
    name = ev.plan.name if ev.plan is not None else "–"
    return say("doc_source_plan", lang, plan=name, date=locale.date_text(ev.made_on, lang))


def realisation_source(ev: Evidence, lang: Lang) -> str:
    """Return the source line of verified realisations up to the document's quarter."""
    name = ev.plan.name if ev.plan is not None else "–"
    return say(
        "doc_source_realisation",
        lang,
        plan=name,
        year=str(ev.year),
        quarter=ev.quarter,
        date=locale.date_text(ev.made_on, lang),
    )


def region_name(code: str, lang: Lang) -> str:
    """Return a region's name (``Indonesia`` for ``00``), or the code when unknown."""
    from rpkd import regions

    if code == "00":
        return word("indonesia", lang)
    return regions.names([code])[0] or code


def why(ev: Evidence, part: str, lang: Lang, default: str = "document_part_missing") -> str:
    """Return why ``part`` of the evidence is absent (a label; the finding says more)."""
    return word(f"missing.{ev.missing.get(part, default)}", lang)


def part_missing(part: str, reason: str, lang: Lang) -> Slot:
    """Return the slot that stands for document part ``part`` (label ``doc.part.<part>``),
    absent for ``reason`` (usually :func:`why`)."""
    return Slot(say("doc_slot_missing", lang, part=word(f"part.{part}", lang), reason=reason))
