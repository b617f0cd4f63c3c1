"""Fields of the DOCX (:mod:`~rpkd.reports.documents.word`): page numbers (``PAGE``), caption
numbers (``SEQ Tabel``) and the ``TOC`` fields of the contents and the lists of tables and
figures, each written with its current result, and the setting that asks Word to update every
field when it opens the file.

A field is a sequence of runs: the ``begin`` field character, the instruction, the
``separate`` character, the result and the ``end`` character; a ``TOC`` field's result spans
one paragraph per entry.

References
----------
ECMA-376 Part 1 (Office Open XML File Formats), §17.16 Fields and Hyperlinks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def field(paragraph: Any, instruction: str, result: str) -> None:
    """Append a simple field (``PAGE``, ``SEQ Tabel``) holding ``result``."""
    _field_char(paragraph, "begin")
    _instruction(paragraph, instruction)
    _field_char(paragraph, "separate")
    paragraph.add_run(result)
    _field_char(paragraph, "end")


def list_field(book: Any, instruction: str, lines: Sequence[tuple[str, str]]) -> None:
    """Append a ``TOC`` field spanning one paragraph per line (its current result), each line
    its paragraph style and text."""
    for i, (style, text) in enumerate(lines):
        paragraph = book.add_paragraph(style=style)
        if i == 0:
            _field_char(paragraph, "begin")
            _instruction(paragraph, instruction)
            _field_char(paragraph, "separate")
        paragraph.add_run(text)
        if i == len(lines) - 1:
            _field_char(paragraph, "end")


def update_fields_on_open(book: Any) -> None:
    """Ask Word to update the document's fields when it opens the file."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    book.settings.element.append(update)


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
