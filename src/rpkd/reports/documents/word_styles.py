"""The page and paragraph styles of the DOCX (:mod:`~rpkd.reports.documents.word`).

A4 with the margins of Indonesian government documents, Arial in every script's font slot
(Latin, complex, East Asian), dark blue bold headings, and the styles the writer names:
``Isian Penulis`` for the text the author must write (shaded and boxed), ``Isi Tabel`` for
table cells, ``Sumber`` for notes and sources, ``TOC 1``, ``TOC 2`` and ``Table of Figures``
for the contents and lists (a dotted right tab before the page number).
"""

from __future__ import annotations

from typing import Any

FONT = "Arial"
"""Body font (LibreOffice draws it with the metric-compatible Liberation Sans)."""
SLOT_STYLE = "Isian Penulis"
TABLE_STYLE = "Isi Tabel"
SOURCE_STYLE = "Sumber"
PAGE_WIDTH_CM = 21.0
MARGINS_CM = (3.0, 2.5, 2.5, 2.5)  # left, right, top, bottom (Indonesian government practice)
TEXT_WIDTH_CM = PAGE_WIDTH_CM - MARGINS_CM[0] - MARGINS_CM[1]
"""The width between the margins: the widest a table or figure may be."""
FIGURE_HEIGHT_CM = 16.0
"""The tallest a figure is drawn (a district's map is taller than wide): with its caption and
source it fits a page below a heading and a paragraph (24.7 cm of text height), so the
section's opening does not stand alone on a page."""


def add_styles(book: Any) -> None:
    """Set the first section's page (A4, :data:`MARGINS_CM`) and add or adjust the styles."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    section = book.sections[0]
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(29.7)
    left, right, top, bottom = MARGINS_CM
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
    shade(slot.element.get_or_add_pPr(), "FFF2CC", border="E0A800")
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


def shade(ppr: Any, fill: str, *, border: str | None = None) -> None:
    """Shade the paragraph or cell properties ``ppr`` with ``fill``, boxed in ``border`` if given."""
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
    tab.set(qn("w:pos"), str(int(TEXT_WIDTH_CM / 2.54 * 1440)))
    tabs.append(tab)
    ppr.append(tabs)
