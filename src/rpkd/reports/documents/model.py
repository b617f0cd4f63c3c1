"""A document as data: a cover, chapters of sections, and blocks (paragraphs, lists, tables,
figures, author slots), rendered to DOCX by :mod:`rpkd.reports.documents.word`.

Every block is a frozen value built from workflow results: a paragraph's sentence is a
catalogue template filled with numbers, a table holds the raw values (fractions, counts,
rupiah) with each column's kind, and cells are written in the document's language only when
rendered (:func:`cell_text`: ``1.234,5``, ``5,23%``, P1 and P2 ×100 as BPS publishes them).
Tables and figures carry their caption and source (release and date); cells hidden by
disclosure control are listed in ``Table.hidden`` and written as the suppression marker. Text
an author must write is a :class:`Slot`, never an invented sentence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.documents.disclosure import Relation

CellKind = Literal["text", "number", "integer", "percent", "index", "ratio", "rupiah", "year"]
"""How a cell is written: ``percent`` a fraction as percent, ``index`` BPS's ×100 (P1, P2),
``ratio`` three decimals (Gini), ``integer`` rounded, ``year`` as digits, ``number`` as given."""

SUPPRESSED = "s"
"""What a suppressed cell shows (explained in the table's note)."""


@dataclass(frozen=True)
class Column:
    """A table column: the row key it shows, its header, how its cells are written."""

    key: str
    header: str
    kind: CellKind = "text"
    digits: int | None = None
    by_row: bool = False
    """Take the kind from each row's ``kind`` value (a table of figures of several kinds)."""


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text (a sentence generated from a catalogue template and numbers)."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Slot:
    """Text the author must write (shown shaded and marked, never filled by rpkd)."""

    text: str


@dataclass(frozen=True)
class Table:
    """A captioned, numbered table with its source.

    ``key`` names the table for readers and tests (``poverty.headline``); ``rows`` hold raw
    values by column key; ``hidden`` lists the (row index, column key) cells suppressed by
    disclosure control; ``strong`` the row indices written in bold (totals).
    """

    key: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...]
    source: str
    notes: tuple[str, ...] = ()
    hidden: frozenset[tuple[int, str]] = frozenset()
    strong: frozenset[int] = frozenset()
    counts: tuple[str, ...] = ()
    """Columns that are counts of families (what disclosure control protects)."""
    relations: tuple[Relation, ...] = ()
    """Column sums within each row that a reader can use (see :mod:`.disclosure`)."""
    total_row: bool = False
    """Whether the last row sums the rows above (for every column of ``counts``)."""

    def text(self, row: int, key: str, lang: Lang) -> str:
        """Return the cell as the document writes it (the marker when suppressed)."""
        if (row, key) in self.hidden:
            return SUPPRESSED
        column = next(c for c in self.columns if c.key == key)
        values = self.rows[row]
        if column.by_row:
            column = Column(column.key, column.header, values.get("kind", "text"), column.digits)
        return cell_text(values.get(key), column, lang)


@dataclass(frozen=True)
class Figure:
    """A captioned, numbered figure: a Vega-Lite chart (``spec``) or a drawn image (PNG)."""

    key: str
    caption: str
    source: str
    spec: Mapping[str, Any] | None = None
    image: bytes | None = None
    width_cm: float = 15.5


Block = Paragraph | Bullets | Slot | Table | Figure


@dataclass(frozen=True)
class Section:
    """A numbered section (heading level 2) of a chapter."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Chapter:
    """A chapter (``BAB III``, heading level 1): introductory blocks, then sections."""

    number: int
    title: str
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Cover:
    """The cover: document title, the district's name, period, date and the logo (or a slot)."""

    title: str
    district: str
    subtitle: str
    organisation: str
    date_line: str
    logo: bytes | None = None
    logo_slot: str = ""


@dataclass(frozen=True)
class Document:
    """A whole document: kind (``rpkd``, ``lp2kd``, ``triwulan``, ``rakor``), language, cover,
    chapters and the words of its front matter (table of contents, lists, footer)."""

    kind: str
    lang: Lang
    cover: Cover
    chapters: tuple[Chapter, ...]
    words: Mapping[str, str] = field(default_factory=dict)

    def blocks(self) -> Iterator[Block]:
        """Yield every block in reading order."""
        for chapter in self.chapters:
            yield from chapter.blocks
            for section in chapter.sections:
                yield from section.blocks

    def tables(self) -> tuple[Table, ...]:
        """Every table, in order (their numbers are their positions + 1)."""
        return tuple(b for b in self.blocks() if isinstance(b, Table))

    def figures(self) -> tuple[Figure, ...]:
        """Every figure, in order."""
        return tuple(b for b in self.blocks() if isinstance(b, Figure))

    def table(self, key: str) -> Table:
        """Return the table ``key``; raise ``KeyError`` if the document has none."""
        for table in self.tables():
            if table.key == key:
                return table
        raise KeyError(key)

    def headings(self) -> tuple[tuple[int, str], ...]:
        """Return (level, text) of every heading, as the table of contents lists them."""
        out: list[tuple[int, str]] = []
        for chapter in self.chapters:
            out.append((1, chapter_heading(chapter, self.lang)))
            out += [(2, section_heading(chapter, i, s)) for i, s in enumerate(chapter.sections)]
        return tuple(out)


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def chapter_heading(chapter: Chapter, lang: Lang) -> str:
    """Return ``BAB III PROFIL KEMISKINAN DAERAH`` (``CHAPTER III ...`` in English)."""
    word = locale.label("doc.chapter", lang)
    return f"{word} {_ROMAN[chapter.number - 1]} {chapter.title.upper()}"


def section_heading(chapter: Chapter, index: int, section: Section) -> str:
    """Return ``3.2 Tren kemiskinan`` (chapter number, section position)."""
    return f"{chapter.number}.{index + 1} {section.title}"


def cell_text(value: Any, column: Column, lang: Lang) -> str:
    """Return a cell as a reader of ``lang`` writes it; ``–`` where there is no value.

    Examples
    --------
    >>> cell_text(0.05234, Column("p0", "P0", "percent"), "id")
    '5,23%'
    >>> cell_text(0.0123, Column("p1", "P1", "index"), "id")
    '1,23'
    >>> cell_text(1234567, Column("budget", "Pagu", "rupiah"), "id")
    'Rp1.234.567'
    >>> cell_text(3.9034, Column("v", "Realisasi", "number"), "id")
    '3,9'
    """
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return locale.label("yes" if value else "no", lang)
    kind = column.kind
    if kind == "text" or not isinstance(value, int | float):
        return str(value)
    if kind == "year":
        return str(int(value))
    if kind == "percent":
        return locale.percent(float(value), lang, 2 if column.digits is None else column.digits)
    if kind == "index":
        return locale.number(
            100.0 * float(value), lang, 2 if column.digits is None else column.digits
        )
    if kind == "ratio":
        return locale.number(float(value), lang, 3 if column.digits is None else column.digits)
    if kind == "rupiah":
        return locale.rupiah(float(value), lang)
    if kind == "integer":
        return locale.number(round(value), lang, 0)
    if column.digits is None and isinstance(value, float):
        value = round(value, 2)  # as needed, at most two decimals (3,9; 0,92; 98)
    return locale.number(value, lang, column.digits)
