"""The tables of the DOCX (:mod:`~rpkd.reports.documents.word`): a centred grid of cells in the
``Isi Tabel`` style, its shaded header row repeated on every page, numbers right-aligned, rows
never split across a page break (a short table kept on one page), smaller type for a wide
table, and column widths that keep numbers whole and wrap text only where it must.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rpkd.locale import Lang
from rpkd.reports.documents.model import Table
from rpkd.reports.documents.word_styles import TABLE_STYLE, TEXT_WIDTH_CM, shade

_NUMERIC = frozenset({"number", "integer", "percent", "index", "ratio", "rupiah", "year"})
_CHAR_CM = 0.18  # average width of a character of the 8.5 pt table text
_PADDING_CM = 0.45  # the cell's left and right margins
_BOLD = 1.3  # a bold header letter against an average letter of the table text


def add_table(book: Any, table: Table, lang: Lang) -> None:
    """Append ``table`` (its header and rows, written in ``lang``) as a grid."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    grid = book.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = book.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    texts = [[table.text(r, c.key, lang) for c in table.columns] for r in range(len(table.rows))]
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
                shade(cell._tc.get_or_add_tcPr(), "DCE6F0")
                continue
            if numeric[j]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(texts[r - 1][j])
            run.bold = (r - 1) in table.strong
            if wide:
                run.font.size = Pt(7.5)
    _repeat_header(grid.rows[0])


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
    if total > TEXT_WIDTH_CM:
        widths = list(wants)
        excess = total - TEXT_WIDTH_CM
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
        return [w * TEXT_WIDTH_CM / sum(widths) for w in widths]
    if text:
        grow = (TEXT_WIDTH_CM - total) / sum(wants[j] for j in text)
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
