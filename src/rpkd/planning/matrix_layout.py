"""The layout of the RPKD matrices in XLSX, shared by the writer and the reader.

Sheets, column groups, column headers and the words for codes (polarity, level, funding source,
partner kind) are catalogue labels (:mod:`rpkd.locale`), so a workbook is written in the
user's language and read back in either: :func:`names` gives every language's text of a label,
:func:`codes` the code behind a text.

The layout follows the matrices of an RPKD: ``Matriks Program`` (strategy → programme → activity
→ output indicators → OPD → location → indicative budget by year under a merged group header)
and ``Matriks Indikator`` (baseline, then one target column per year), as in Renstra/RPKD
documents; ``Rencana`` (key/value rows), ``Referensi`` and ``Komitmen Mitra`` complete it. The
writer is :mod:`rpkd.reports.plan_matrix`, the reader :mod:`rpkd.planning.matrix_import`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rpkd import locale
from rpkd.locale import LANGS, Lang
from rpkd.planning.model import FUNDING_SOURCES, LEVELS, PARTNER_KINDS, POLARITIES

SHEETS = {
    "plan": "plan_matrix.sheet.plan",
    "reference": "plan_matrix.sheet.reference",
    "programmes": "plan_matrix.sheet.programmes",
    "indicators": "plan_matrix.sheet.indicators",
    "commitments": "plan_matrix.sheet.commitments",
}
"""Sheet key -> label of its name."""

NUMBER = "plan_matrix.number"
BUDGET_GROUP = "plan_matrix.group.budget"
TARGET_GROUP = "plan_matrix.group.target"


@dataclass(frozen=True)
class MatrixColumn:
    """A column: its key, the label of its header and of its group (None: no group).

    A ``year`` column (budget or target of one year) is headed by the year itself.
    """

    key: str
    header: str
    group: str | None = None
    year: int | None = None

    def heading(self, lang: Lang) -> str:
        """Return the header in ``lang``."""
        return str(self.year) if self.year is not None else locale.label(self.header, lang)

    def group_heading(self, lang: Lang) -> str | None:
        """Return the group header in ``lang`` (None without a group)."""
        return None if self.group is None else locale.label(self.group, lang)


def year_column(group: str, year: int) -> MatrixColumn:
    """Return the column of ``year`` under ``group`` (budget or target), keyed ``group:year``."""
    return MatrixColumn(f"{group.rsplit('.', 1)[-1]}:{year}", group, group, year)


PLAN_ITEMS = (
    "name",
    "region",
    "start_year",
    "end_year",
    "extreme_poverty_target_year",
    "extreme_poverty_indicator",
    "description",
)
"""The key/value rows of the plan sheet; each is labelled ``plan_matrix.plan.<key>``."""

PLAN_COLUMNS = (
    MatrixColumn("item", "plan_matrix.item"),
    MatrixColumn("value", "plan_matrix.value"),
)
REFERENCE_COLUMNS = (
    MatrixColumn("kind", "plan_matrix.kind"),
    MatrixColumn("code", "plan_matrix.code"),
    MatrixColumn("name", "plan_matrix.name"),
    MatrixColumn("note", "plan_matrix.note"),
)
PROGRAMME_COLUMNS = (
    MatrixColumn("strategy", "plan_matrix.code", "plan_matrix.group.strategy"),
    MatrixColumn("strategy_name", "plan_matrix.description", "plan_matrix.group.strategy"),
    MatrixColumn("pillar", "plan_matrix.pillar"),
    MatrixColumn("programme", "plan_matrix.code", "plan_matrix.group.programme"),
    MatrixColumn("programme_name", "plan_matrix.name", "plan_matrix.group.programme"),
    MatrixColumn("activity", "plan_matrix.code", "plan_matrix.group.activity"),
    MatrixColumn("activity_name", "plan_matrix.name", "plan_matrix.group.activity"),
    MatrixColumn("outputs", "plan_matrix.outputs"),
    MatrixColumn("agency", "plan_matrix.agency"),
    MatrixColumn("partners", "plan_matrix.partners"),
    MatrixColumn("regions", "plan_matrix.regions", "plan_matrix.group.location"),
    MatrixColumn("release", "plan_matrix.release", "plan_matrix.group.location"),
    MatrixColumn("release_filter", "plan_matrix.release_filter", "plan_matrix.group.location"),
    MatrixColumn("target_group", "plan_matrix.target_group"),
    MatrixColumn("source", "plan_matrix.source"),
)
INDICATOR_COLUMNS = (
    MatrixColumn("code", "plan_matrix.code"),
    MatrixColumn("name", "plan_matrix.indicator"),
    MatrixColumn("level", "plan_matrix.level"),
    MatrixColumn("programme", "plan_matrix.programme"),
    MatrixColumn("activity", "plan_matrix.activity"),
    MatrixColumn("unit", "plan_matrix.unit"),
    MatrixColumn("polarity", "plan_matrix.polarity"),
    MatrixColumn("source", "plan_matrix.data_source"),
    MatrixColumn("baseline_year", "plan_matrix.year", "plan_matrix.group.baseline"),
    MatrixColumn("baseline_value", "plan_matrix.value", "plan_matrix.group.baseline"),
)
FINAL_COLUMN = MatrixColumn("final", "plan_matrix.final")
COMMITMENT_COLUMNS = (
    MatrixColumn("partner", "plan_matrix.partner"),
    MatrixColumn("activity", "plan_matrix.activity"),
    MatrixColumn("year", "plan_matrix.year"),
    MatrixColumn("description", "plan_matrix.description"),
    MatrixColumn("amount", "plan_matrix.amount"),
)

REFERENCE_KINDS = ("pillar", "strategy", "agency", "partner")
CHOICES: dict[str, tuple[str, ...]] = {
    "source": FUNDING_SOURCES,
    "partner_kind": PARTNER_KINDS,
    "polarity": POLARITIES,
    "level": LEVELS,
    "kind": REFERENCE_KINDS,
    "scope": ("national", "local"),
}
"""Coded values written as words: ``plan_matrix.<choice>.<code>`` labels them."""


def word(choice: str, code: str, lang: Lang) -> str:
    """Return the word for ``code`` of ``choice`` (``polarity``, ``source``, ...) in ``lang``."""
    return locale.label(f"plan_matrix.{choice}.{code}", lang)


@cache
def names(label: str) -> frozenset[str]:
    """Return the text of a label in every language, case-folded (for matching headers)."""
    return frozenset(locale.label(label, lang).strip().casefold() for lang in LANGS)


@cache
def codes(choice: str) -> dict[str, str]:
    """Return every accepted text of ``choice`` (its codes and words, case-folded) -> code."""
    out: dict[str, str] = {}
    for code in CHOICES[choice]:
        out[code.casefold()] = code
        for text in names(f"plan_matrix.{choice}.{code}"):
            out[text] = code
    return out


def allowed(choice: str, lang: Lang) -> list[str]:
    """Return the words of ``choice`` in ``lang`` (for a finding that lists them)."""
    return [word(choice, code, lang) for code in CHOICES[choice]]


def plan_item(text: object) -> str | None:
    """Return the plan item (``start_year``, ...) whose label is ``text``, in any language."""
    folded = str(text or "").strip().casefold()
    return next((k for k in PLAN_ITEMS if folded in names(f"plan_matrix.plan.{k}")), None)


def sheet_key(title: str) -> str | None:
    """Return the key of the sheet called ``title`` in any language (None if not a matrix)."""
    folded = title.strip().casefold()
    return next((k for k, label in SHEETS.items() if folded in names(label)), None)
