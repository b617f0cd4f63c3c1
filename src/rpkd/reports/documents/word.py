"""A :class:`~rpkd.reports.documents.model.Document` as an editable DOCX (python-docx).

The file is built for the person who finishes it in Word or LibreOffice: chapters and sections
are real ``Heading 1``/``Heading 2`` paragraphs (the navigation pane and the table of contents
follow them), tables and figures have ``Caption`` paragraphs numbered by ``SEQ`` fields
(``Tabel 1``, ``Gambar 1``), the table of contents and the lists of tables and figures are
``TOC`` fields, pages are numbered by ``PAGE`` fields in the footer (roman in the front
matter, arabic from Bab I), and the cover carries the district's name and its logo or a
marked place for it. Text the author must write is in the paragraph style ``Isian Penulis``
(shaded), so it is easy to find and replace. Fields hold their current result (the numbers,
and the contents with page numbers when :mod:`~rpkd.reports.documents.pdf` has paginated the
document), and the file asks Word to update them when it opens. The styles are
:mod:`~rpkd.reports.documents.word_styles`, the fields
:mod:`~rpkd.reports.documents.word_fields` and the tables
:mod:`~rpkd.reports.documents.word_tables`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rpkd.errors import MissingExtra
from rpkd.reports.documents.model import (
    Bullets,
    Chapter,
    Document,
    Figure,
    Paragraph,
    Slot,
    Table,
    chapter_heading,
    section_heading,
)
from rpkd.reports.documents.word_fields import field, list_field, update_fields_on_open
from rpkd.reports.documents.word_styles import (
    FIGURE_HEIGHT_CM,
    SLOT_STYLE,
    SOURCE_STYLE,
    TEXT_WIDTH_CM,
    add_styles,
)
from rpkd.reports.documents.word_tables import add_table


@dataclass(frozen=True)
class Entry:
    """A line of a table of contents or list: its level (1, 2; 0 for tables and figures), its
    text and, once paginated, its page."""

    level: int
    text: str
    page: str = ""


@dataclass(frozen=True)
class Contents:
    """The entries of the table of contents, the list of tables and the list of figures."""

    headings: tuple[Entry, ...]
    tables: tuple[Entry, ...]
    figures: tuple[Entry, ...]


def _docx() -> Any:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingExtra("python-docx", "reports") from exc
    return docx


def contents(document: Document) -> Contents:
    """Return the entries of ``document``'s contents and lists, without page numbers."""
    tables = tuple(
        Entry(0, caption_text(document, "table", i, t.caption))
        for i, t in enumerate(document.tables())
    )
    figures = tuple(
        Entry(0, caption_text(document, "figure", i, f.caption))
        for i, f in enumerate(document.figures())
    )
    headings = tuple(Entry(level, text) for level, text in document.headings())
    return Contents(headings, tables, figures)


def caption_text(document: Document, what: str, index: int, caption: str) -> str:
    """Return ``Tabel 3. caption`` as the caption paragraph reads."""
    return f"{document.words[what]} {index + 1}. {caption}"


def write_docx(
    document: Document,
    path: Path,
    *,
    pages: Contents | None = None,
    images: Mapping[str, bytes] | None = None,
) -> Path:
    """Write ``document`` to the DOCX file ``path`` and return it.

    ``pages`` gives the contents with page numbers (from a paginated copy); without it the
    fields hold the entries without pages, and the hint to update them. ``images`` holds the
    PNG of each figure by key (:func:`figure_images`), so that a second writing does not draw
    them again.
    """
    docx = _docx()
    book = docx.Document()
    add_styles(book)
    drawn = dict(images or figure_images(document))
    _cover(book, document)
    front = _new_section(book, "lowerRoman")
    _front_matter(book, document, pages or contents(document))
    _footer(front, document)
    body = _new_section(book, "decimal")
    _footer(body, document)
    counters = {"table": 0, "figure": 0}
    for n, chapter in enumerate(document.chapters):
        _chapter(book, document, chapter, counters, drawn, first=n == 0)
    update_fields_on_open(book)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


def figure_images(document: Document) -> dict[str, bytes]:
    """Return the PNG of every figure by key: charts drawn by vl-convert from their Vega-Lite
    specification (the web app's own definitions), images as they are."""
    from rpkd.reports.charts import to_png

    out: dict[str, bytes] = {}
    for figure in document.figures():
        if figure.image is not None:
            out[figure.key] = figure.image
        elif figure.spec is not None:
            out[figure.key] = to_png(dict(figure.spec), document.lang, scale=2.0)
    return out


# --- parts ---------------------------------------------------------------------------------


def _cover(book: Any, document: Document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    cover = document.cover
    for _ in range(3):
        book.add_paragraph()
    logo = book.add_paragraph()
    logo.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if cover.logo is not None:
        logo.add_run().add_picture(io.BytesIO(cover.logo), height=Cm(4.0))
    else:
        logo.style = book.styles[SLOT_STYLE]
        logo.alignment = WD_ALIGN_PARAGRAPH.CENTER
        logo.add_run(f"\n{cover.logo_slot}\n")
    for text, size, bold, space in (
        (cover.title, 20, True, 36),
        (cover.district, 16, True, 12),
        (cover.subtitle, 14, False, 6),
    ):
        paragraph = book.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Pt(space)
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
    for _ in range(6):
        book.add_paragraph()
    for text, size in ((cover.organisation, 12), (cover.date_line, 9)):
        paragraph = book.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(text).font.size = Pt(size)


def _new_section(book: Any, numbering: str) -> Any:
    """Start a section on a new page whose page numbers restart at 1 in ``numbering``."""
    from docx.enum.section import WD_SECTION
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section = book.add_section(WD_SECTION.NEW_PAGE)
    number = OxmlElement("w:pgNumType")
    number.set(qn("w:fmt"), numbering)
    number.set(qn("w:start"), "1")
    section._sectPr.append(number)
    return section


def _footer(section: Any, document: Document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(f"{document.cover.title} {document.cover.district} · ")
    run.font.size = Pt(8)
    field(paragraph, "PAGE", "1")


def _front_matter(book: Any, document: Document, entries: Contents) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

    words = document.words
    lists = (
        (words["contents"], 'TOC \\o "1-2" \\h \\z \\u', entries.headings, "TOC 1"),
        (
            words["tables"],
            f'TOC \\h \\z \\c "{words["table"]}"',
            entries.tables,
            "Table of Figures",
        ),
        (
            words["figures"],
            f'TOC \\h \\z \\c "{words["figure"]}"',
            entries.figures,
            "Table of Figures",
        ),
    )
    for n, (title, instruction, lines, style) in enumerate(lists):
        if n and not lines:
            continue  # no empty list of tables or figures (the LP2KD has no figure)
        if n:
            book.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        heading = book.add_paragraph(style="Title")
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.add_run(title)
        shown = lines or (Entry(1, words["toc_hint"]),)
        list_field(book, instruction, [_line(entry, style) for entry in shown])


def _line(entry: Entry, style: str) -> tuple[str, str]:
    """Return the paragraph style and text of ``entry`` in a list in ``style`` (a heading in its
    level's ``TOC`` style), its page after a tab."""
    name = style if entry.level == 0 else f"TOC {entry.level}"
    return name, entry.text + (f"\t{entry.page}" if entry.page else "")


def _chapter(
    book: Any,
    document: Document,
    chapter: Chapter,
    counters: dict[str, int],
    images: Mapping[str, bytes],
    *,
    first: bool,
) -> None:
    heading = book.add_heading(chapter_heading(chapter, document.lang), level=1)
    heading.paragraph_format.page_break_before = not first
    for block in chapter.blocks:
        _block(book, document, block, counters, images)
    for i, section in enumerate(chapter.sections):
        book.add_heading(section_heading(chapter, i, section), level=2)
        for block in section.blocks:
            _block(book, document, block, counters, images)


def _block(
    book: Any, document: Document, block: Any, counters: dict[str, int], images: Mapping[str, bytes]
) -> None:
    if isinstance(block, Paragraph):
        book.add_paragraph(block.text)
    elif isinstance(block, Bullets):
        for item in block.items:
            book.add_paragraph(item, style="List Bullet")
    elif isinstance(block, Slot):
        paragraph = book.add_paragraph(style=SLOT_STYLE)
        paragraph.add_run(f"[{document.words['slot']}] ").bold = True
        paragraph.add_run(block.text)
    elif isinstance(block, Table):
        counters["table"] += 1
        _table(book, document, block, counters["table"])
    elif isinstance(block, Figure):
        counters["figure"] += 1
        _figure(book, document, block, counters["figure"], images.get(block.key))


def _caption(book: Any, document: Document, what: str, number: int, text: str) -> None:
    paragraph = book.add_paragraph(style="Caption")
    label = document.words[what]
    paragraph.add_run(f"{label} ")
    field(paragraph, f"SEQ {label} \\* ARABIC", str(number))
    paragraph.add_run(f". {text}")


def _notes(book: Any, document: Document, source: str, notes: Sequence[str]) -> None:
    for note in notes:
        book.add_paragraph(f"{document.words['note']}: {note}", style=SOURCE_STYLE)
    book.add_paragraph(f"{document.words['source']}: {source}", style=SOURCE_STYLE)


def _table(book: Any, document: Document, table: Table, number: int) -> None:
    _caption(book, document, "table", number, table.caption)
    add_table(book, table, document.lang)
    _notes(book, document, table.source, table.notes)


def _figure(
    book: Any, document: Document, figure: Figure, number: int, image: bytes | None
) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    if image is not None:
        paragraph = book.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        width, height = _png_size(image)
        shown = min(figure.width_cm, TEXT_WIDTH_CM)
        if height and width and shown * height / width > FIGURE_HEIGHT_CM:
            shown = FIGURE_HEIGHT_CM * width / height
        paragraph.add_run().add_picture(io.BytesIO(image), width=Cm(shown))
    _caption(book, document, "figure", number, figure.caption)
    _notes(book, document, figure.source, ())


def _png_size(image: bytes) -> tuple[int, int]:
    """Return a PNG's width and height in pixels (from its IHDR chunk)."""
    if image[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0
    return int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
