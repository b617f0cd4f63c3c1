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
document), and the file asks Word to update them when it opens.
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

FONT = "Arial"
"""Body font (LibreOffice draws it with the metric-compatible Liberation Sans)."""
SLOT_STYLE = "Isian Penulis"
TABLE_STYLE = "Isi Tabel"
SOURCE_STYLE = "Sumber"
_NUMERIC = frozenset({"number", "integer", "percent", "index", "ratio", "rupiah", "year"})
_PAGE_WIDTH_CM = 21.0
_MARGINS_CM = (3.0, 2.5, 2.5, 2.5)  # left, right, top, bottom (Indonesian government practice)


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
    _styles(book)
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
    _update_fields_on_open(book)
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


# --- styles --------------------------------------------------------------------------------


def _styles(book: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    section = book.sections[0]
    section.page_width, section.page_height = Cm(_PAGE_WIDTH_CM), Cm(29.7)
    left, right, top, bottom = _MARGINS_CM
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    styles = book.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    _east_asian_font(normal)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for name, size, centre in (
        ("Heading 1", 14, True),
        ("Heading 2", 12, False),
        ("Title", 22, True),
    ):
        style = styles[name]
        style.font.name = FONT
        _east_asian_font(style)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
        style.paragraph_format.space_before = Pt(18 if name == "Heading 1" else 12)
        style.paragraph_format.space_after = Pt(12 if name == "Heading 1" else 6)
        style.paragraph_format.keep_with_next = True
        if centre:
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = styles["Caption"]
    caption.font.name = FONT
    caption.font.size = Pt(10)
    caption.font.bold = True
    caption.font.italic = False
    caption.font.color.rgb = RGBColor(0x22, 0x22, 0x22)
    caption.paragraph_format.space_before = Pt(8)
    caption.paragraph_format.space_after = Pt(4)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    caption.paragraph_format.keep_with_next = True
    table_text = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(8.5)
    table_text.paragraph_format.space_after = Pt(0)
    table_text.paragraph_format.line_spacing = 1.0
    table_text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    source = styles.add_style(SOURCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    source.base_style = normal
    source.font.size = Pt(8)
    source.font.italic = True
    source.paragraph_format.space_after = Pt(2)
    source.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    slot = styles.add_style(SLOT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    slot.base_style = normal
    slot.font.italic = True
    slot.font.color.rgb = RGBColor(0x7A, 0x4A, 0x00)
    _shade(slot.element.get_or_add_pPr(), "FFF2CC", border="E0A800")
    for level in (1, 2):
        entry = styles.add_style(f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH)
        entry.base_style = normal
        entry.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        entry.paragraph_format.space_after = Pt(2)
        entry.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        entry.font.bold = level == 1
        _right_tab(entry.element.get_or_add_pPr())
    figures = styles.add_style("Table of Figures", WD_STYLE_TYPE.PARAGRAPH)
    figures.base_style = normal
    figures.paragraph_format.space_after = Pt(2)
    figures.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _right_tab(figures.element.get_or_add_pPr())


def _east_asian_font(style: Any) -> None:
    from docx.oxml.ns import qn

    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def _right_tab(ppr: Any) -> None:
    """Add a right-aligned tab with a dot leader at the right margin (page numbers)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tabs = OxmlElement("w:tabs")
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    tab.set(qn("w:leader"), "dot")
    width = _PAGE_WIDTH_CM - _MARGINS_CM[0] - _MARGINS_CM[1]
    tab.set(qn("w:pos"), str(int(width / 2.54 * 1440)))
    tabs.append(tab)
    ppr.append(tabs)


def _shade(ppr: Any, fill: str, *, border: str | None = None) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if border is not None:
        borders = OxmlElement("w:pBdr")
        for side in ("top", "left", "bottom", "right"):
            edge = OxmlElement(f"w:{side}")
            edge.set(qn("w:val"), "single")
            edge.set(qn("w:sz"), "6")
            edge.set(qn("w:space"), "4")
            edge.set(qn("w:color"), border)
            borders.append(edge)
        ppr.append(borders)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    ppr.append(shading)


# --- fields --------------------------------------------------------------------------------


def _field_char(paragraph: Any, kind: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run._r.append(char)


def _instruction(paragraph: Any, text: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {text} "
    run._r.append(instr)


def _field(paragraph: Any, instruction: str, result: str) -> None:
    """Append a simple field (``PAGE``, ``SEQ Tabel``) holding ``result``."""
    _field_char(paragraph, "begin")
    _instruction(paragraph, instruction)
    _field_char(paragraph, "separate")
    paragraph.add_run(result)
    _field_char(paragraph, "end")


def _list_field(
    book: Any, instruction: str, entries: Sequence[Entry], hint: str, style: str
) -> None:
    """Append a ``TOC`` field spanning one paragraph per entry (its current result)."""
    lines = list(entries) or [Entry(1, hint)]
    for i, entry in enumerate(lines):
        name = style if entry.level == 0 else f"TOC {entry.level}"
        paragraph = book.add_paragraph(style=name)
        if i == 0:
            _field_char(paragraph, "begin")
            _instruction(paragraph, instruction)
            _field_char(paragraph, "separate")
        paragraph.add_run(entry.text + (f"\t{entry.page}" if entry.page else ""))
        if i == len(lines) - 1:
            _field_char(paragraph, "end")


def _update_fields_on_open(book: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    book.settings.element.append(update)


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
    _field(paragraph, "PAGE", "1")


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
        _list_field(book, instruction, lines, words["toc_hint"], style)


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
    _field(paragraph, f"SEQ {label} \\* ARABIC", str(number))
    paragraph.add_run(f". {text}")


def _notes(book: Any, document: Document, source: str, notes: Sequence[str]) -> None:
    for note in notes:
        book.add_paragraph(f"{document.words['note']}: {note}", style=SOURCE_STYLE)
    book.add_paragraph(f"{document.words['source']}: {source}", style=SOURCE_STYLE)


def _table(book: Any, document: Document, table: Table, number: int) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    _caption(book, document, "table", number, table.caption)
    grid = book.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = book.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    texts = [
        [table.text(r, c.key, document.lang) for c in table.columns] for r in range(len(table.rows))
    ]
    numeric = [c.kind in _NUMERIC or c.by_row for c in table.columns]
    wide = len(table.columns) >= 8  # smaller type, so that numbers need not wrap
    widths = column_widths(
        [c.header for c in table.columns], texts, numeric, scale=7.5 / 8.5 if wide else 1.0
    )
    for j, width in enumerate(widths):
        grid.columns[j].width = Cm(width)
    together = len(table.rows) <= 25  # a short table stays on one page
    style = book.styles[TABLE_STYLE].style_id  # looked up once: python-docx's lookup is slow
    for r, row in enumerate(grid.rows):
        _keep_row(row)
        last = r == len(grid.rows) - 1
        cells = row.cells
        for j, column in enumerate(table.columns):
            cell = cells[j]
            cell.width = Cm(widths[j])
            paragraph = cell.paragraphs[0]
            paragraph._p.get_or_add_pPr().style = style
            paragraph.paragraph_format.keep_with_next = together or last or r == 0
            if r == 0:
                run = paragraph.add_run(column.header)
                run.bold = True
                if wide:
                    run.font.size = Pt(7.5)
                _shade(cell._tc.get_or_add_tcPr(), "DCE6F0")
                continue
            if numeric[j]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(texts[r - 1][j])
            run.bold = (r - 1) in table.strong
            if wide:
                run.font.size = Pt(7.5)
    _repeat_header(grid.rows[0])
    _notes(book, document, table.source, table.notes)


_CHAR_CM = 0.18  # average width of a character of the 8.5 pt table text
_PADDING_CM = 0.45  # the cell's left and right margins
_BOLD = 1.3  # a bold header letter against an average letter of the table text


def column_widths(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool],
    *,
    scale: float = 1.0,
) -> list[float]:
    """Return column widths (cm): numbers unbroken, text wrapped at most where it must.

    Each column wants its longest cell (text capped at 30 characters) and needs at least its
    longest word (a header's bold words count :data:`_BOLD` times; ``scale``: the type's size
    against 8.5 pt). When the wants exceed the text width, text columns give way down to their
    needs, then number columns down to their longest number (their headers wrap), then every
    column shrinks alike; when they fall short, text columns take the rest.

    Examples
    --------
    >>> [round(w, 1) for w in column_widths(["Nama", "Nilai"], [["Kapuas Hilir", "1.234"]],
    ...                                     [False, True])]
    [13.9, 1.6]
    """
    usable = _PAGE_WIDTH_CM - _MARGINS_CM[0] - _MARGINS_CM[1]
    wants: list[float] = []
    needs: list[float] = []
    for j, header in enumerate(headers):
        cells = [r[j] for r in rows]
        word = max(
            [_BOLD * len(w) for w in header.split()]
            + [float(len(w)) for text in cells for w in text.split()]
            or [1.0]
        )
        longest = max([len(c) for c in cells] or [1])
        need: float
        want: float
        if numeric[j]:  # a number never wraps; its header's words give way first
            need = max(longest, 4)
            want = max(need, min(word, 12))
        else:
            need = min(word, 18)
            want = max(min(longest, 30), need, min(len(header), 16))
        wants.append(want * _CHAR_CM * scale + _PADDING_CM)
        needs.append(need * _CHAR_CM * scale + _PADDING_CM)
    text = [j for j, n in enumerate(numeric) if not n]
    total = sum(wants)
    if total > usable:
        widths = list(wants)
        excess = total - usable
        for group in (text, [j for j, n in enumerate(numeric) if n]):
            spare = sum(widths[j] - needs[j] for j in group)
            if spare <= 0:
                continue
            share = min(1.0, excess / spare)
            for j in group:
                widths[j] -= (widths[j] - needs[j]) * share
            excess -= spare * share
            if excess <= 1e-9:
                return widths
        return [w * usable / sum(widths) for w in widths]
    if text:
        grow = (usable - total) / sum(wants[j] for j in text)
        return [w * (1 + grow) if j in text else w for j, w in enumerate(wants)]
    return wants


def _keep_row(row: Any) -> None:
    """Keep a table row on one page (never split across a page break)."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _figure(
    book: Any, document: Document, figure: Figure, number: int, image: bytes | None
) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    if image is not None:
        paragraph = book.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        usable = _PAGE_WIDTH_CM - _MARGINS_CM[0] - _MARGINS_CM[1]
        width, height = _png_size(image)
        shown = min(figure.width_cm, usable)
        if height and width and shown * height / width > 19.0:  # keep tall maps on one page
            shown = 19.0 * width / height
        paragraph.add_run().add_picture(io.BytesIO(image), width=Cm(shown))
    _caption(book, document, "figure", number, figure.caption)
    _notes(book, document, figure.source, ())


def _png_size(image: bytes) -> tuple[int, int]:
    """Return a PNG's width and height in pixels (from its IHDR chunk)."""
    if image[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0
    return int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
