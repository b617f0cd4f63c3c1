"""The document model rendered to DOCX and PDF, read back: real heading styles, numbered
captions (SEQ fields), the contents and list fields, page numbers, the cover, author slots,
cells in Indonesian number format, and LibreOffice's PDF with the contents paginated."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest

from rpkd.reports.documents import pdf, word, word_styles, word_tables
from rpkd.reports.documents.model import (
    SUPPRESSED,
    Bullets,
    Chapter,
    Column,
    Cover,
    Document,
    Figure,
    Paragraph,
    Section,
    Slot,
    Table,
    cell_text,
)

WORDS = {
    "contents": "DAFTAR ISI",
    "tables": "DAFTAR TABEL",
    "figures": "DAFTAR GAMBAR",
    "page": "Halaman",
    "table": "Tabel",
    "figure": "Gambar",
    "source": "Sumber",
    "note": "Catatan",
    "slot": "DIISI PENULIS",
    "toc_hint": "Perbarui bidang ini",
}
SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": 3}]},
    "mark": "line",
    "encoding": {
        "x": {"field": "x", "type": "quantitative"},
        "y": {"field": "y", "type": "quantitative"},
    },
}


def _document() -> Document:
    table = Table(
        "t.counts",
        "Keluarga menurut kecamatan",
        (
            Column("area", "Kecamatan"),
            Column("families", "Keluarga", "integer"),
            Column("share", "Persentase", "percent", 1),
        ),
        (
            {"area": "Selat", "families": 12345, "share": 0.4321},
            {"area": "Basarang", "families": 4, "share": 0.01},
        ),
        "registri rilis r1",
        notes=("s = disembunyikan",),
        hidden=frozenset({(1, "families"), (1, "share")}),
        counts=("families",),
    )
    chapters = (
        Chapter(
            1,
            "Pendahuluan",
            (Paragraph("Kalimat pertama."),),
            (
                Section(
                    "Latar Belakang", (Slot("Tuliskan latar belakang."), Bullets(("satu", "dua")))
                ),
            ),
        ),
        Chapter(
            2,
            "Profil Kemiskinan Daerah",
            (),
            (Section("Angka", (table, Figure("f.line", "Garis", "sumber gambar", spec=SPEC))),),
        ),
    )
    cover = Cover(
        "RENCANA PENANGGULANGAN KEMISKINAN DAERAH (RPKD)",
        "KABUPATEN KAPUAS",
        "2025–2029",
        "TKPKD Kabupaten Kapuas",
        "Disusun 1 Desember 2025",
        logo_slot="Tempat logo",
    )
    return Document("rpkd", "id", cover, chapters, WORDS)


def _xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_cells_are_written_in_the_languages_format() -> None:
    assert cell_text(1234.5, Column("v", "", "number", 1), "id") == "1.234,5"
    assert cell_text(1234.5, Column("v", "", "number", 1), "en") == "1,234.5"
    assert cell_text(0.0523, Column("v", "", "percent"), "id") == "5,23%"
    assert cell_text(0.0123, Column("v", "", "index"), "id") == "1,23"  # P1 x 100 (BPS)
    assert cell_text(0.30058, Column("v", "", "ratio"), "id") == "0,301"
    assert cell_text(2025, Column("v", "", "year"), "id") == "2025"
    assert cell_text(None, Column("v", "", "integer"), "id") == "–"


def test_the_docx_has_headings_captions_fields_footer_cover_and_slots(tmp_path: Path) -> None:
    document = _document()
    path = word.write_docx(document, tmp_path / "d.docx")
    read = docx.Document(str(path))
    headings = [
        (p.style.name, p.text) for p in read.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings == [
        ("Heading 1", "BAB I PENDAHULUAN"),
        ("Heading 2", "1.1 Latar Belakang"),
        ("Heading 1", "BAB II PROFIL KEMISKINAN DAERAH"),
        ("Heading 2", "2.1 Angka"),
    ]
    captions = [p.text for p in read.paragraphs if p.style.name == "Caption"]
    assert captions == ["Tabel 1. Keluarga menurut kecamatan", "Gambar 1. Garis"]
    xml = _xml(path)
    assert "SEQ Tabel" in xml and "SEQ Gambar" in xml
    assert 'TOC \\o "1-2"' in xml and 'TOC \\h \\z \\c "Tabel"' in xml
    assert (
        "<w:updateFields" in xml
        or "updateFields" in zipfile.ZipFile(path).read("word/settings.xml").decode()
    )
    slots = [p.text for p in read.paragraphs if p.style.name == word_styles.SLOT_STYLE]
    assert "[DIISI PENULIS] Tuliskan latar belakang." in slots
    assert any("Tempat logo" in s for s in slots)
    assert "KABUPATEN KAPUAS" in [p.text for p in read.paragraphs]
    footers = [s.footer.paragraphs[0]._p.xml for s in read.sections[1:]]
    assert all("PAGE" in f for f in footers)
    numbering = [s._sectPr.xml for s in read.sections[1:]]
    assert 'w:fmt="lowerRoman"' in numbering[0] and 'w:fmt="decimal"' in numbering[1]
    table = read.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells == [
        ["Kecamatan", "Keluarga", "Persentase"],
        ["Selat", "12.345", "43,2%"],
        ["Basarang", SUPPRESSED, SUPPRESSED],
    ]
    notes = [p.text for p in read.paragraphs if p.style.name == word_styles.SOURCE_STYLE]
    assert notes[:2] == ["Catatan: s = disembunyikan", "Sumber: registri rilis r1"]
    assert len(read.inline_shapes) == 1  # the chart, drawn by vl-convert


def test_a_document_without_figures_has_no_empty_list_of_figures(tmp_path: Path) -> None:
    from dataclasses import replace

    document = _document()
    kept = tuple(
        replace(
            c,
            sections=tuple(
                replace(s, blocks=tuple(b for b in s.blocks if not isinstance(b, Figure)))
                for s in c.sections
            ),
        )
        for c in document.chapters
    )
    path = word.write_docx(replace(document, chapters=kept), tmp_path / "d.docx")
    titles = [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == "Title"]
    assert "DAFTAR TABEL" in titles and "DAFTAR GAMBAR" not in titles


def test_the_contents_are_the_documents_headings() -> None:
    entries = word.contents(_document())
    assert [e.text for e in entries.headings] == [
        "BAB I PENDAHULUAN",
        "1.1 Latar Belakang",
        "BAB II PROFIL KEMISKINAN DAERAH",
        "2.1 Angka",
    ]
    assert [e.text for e in entries.tables] == ["Tabel 1. Keluarga menurut kecamatan"]


def test_indexes_written_by_the_macro_are_parsed_and_matched() -> None:
    text = "@@index\nBAB I PENDAHULUAN\t1\n1.1  Latar Belakang\t2\n@@index\nTabel 1. Keluarga\t3\n"
    indexes = pdf.parse_indexes(text)
    assert indexes == (
        (("BAB I PENDAHULUAN", "1"), ("1.1 Latar Belakang", "2")),
        (("Tabel 1. Keluarga", "3"),),
    )
    assert pdf.pages_of(["1.1 Latar Belakang", "Tabel 1. Keluarga", "absent"], indexes) == [
        "2",
        "3",
        "",
    ]


def _libreoffice() -> None:
    if shutil.which("soffice") is None:
        import os

        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing: scripts/test.sh installs it")
        pytest.skip("LibreOffice (soffice) is not installed")


@pytest.mark.slow
def test_libreoffice_converts_the_docx_and_paginates_its_contents(tmp_path: Path) -> None:
    _libreoffice()
    document = _document()
    draft = word.write_docx(document, tmp_path / "d.docx")
    converted = pdf.convert(draft, tmp_path / "d.pdf")
    assert converted.pdf.read_bytes()[:5] == b"%PDF-"
    entries = word.contents(document)
    pages = pdf.pages_of([e.text for e in entries.headings], converted.indexes)
    assert pages[0] == "1" and all(p.isdigit() for p in pages)  # Bab I starts page 1 (arabic)
    text = (
        subprocess.run(
            ["pdftotext", "-layout", str(converted.pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if shutil.which("pdftotext")
        else ""
    )
    if text:
        assert "BAB I PENDAHULUAN" in text and "12.345" in text
        assert "Perbarui bidang ini" not in text  # LibreOffice filled the contents


def test_a_missing_libreoffice_is_a_usage_error_naming_the_package(monkeypatch) -> None:
    from rpkd.errors import UsageError

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(UsageError) as caught:
        pdf.soffice_path()
    assert caught.value.code == "document_libreoffice_missing"
    assert "libreoffice-writer" in caught.value.message("en")


def test_columns_keep_numbers_whole_and_header_words_unbroken_when_they_fit() -> None:
    headers = ["Kecamatan", "Keluarga desil 1–4", "Rumah tidak layak huni", "Air minum tidak layak"]
    rows = [["Pasak Talawang", "48.044", "86,1%", "18,3%"]]
    widths = word_tables.column_widths(headers, rows, [False, True, True, True])
    char, pad = word_tables._CHAR_CM, word_tables._PADDING_CM
    assert widths[2] >= word_tables._BOLD * len("Rumah") * char + pad  # bold "Rumah" is not split
    assert widths[3] >= word_tables._BOLD * len("minum") * char + pad
    many = word_tables.column_widths(
        ["Nama", *(f"Persentase penduduk {i}" for i in range(8))],
        [["Kapuas", *("12,34%" for _ in range(8))]],
        [False, *(True for _ in range(8))],
    )
    usable = word_styles.PAGE_WIDTH_CM - word_styles.MARGINS_CM[0] - word_styles.MARGINS_CM[1]
    assert abs(sum(many) - usable) < 1e-6
    assert all(w >= len("12,34%") * char + pad - 1e-9 for w in many[1:])  # numbers stay whole


def _png(width: int, height: int) -> bytes:
    """A white RGB PNG of ``width`` × ``height`` pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff" * (3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))  # fmt: skip


def test_a_tall_figure_is_at_most_the_figure_height_and_a_wide_one_the_figure_width(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from docx.shared import Cm

    document = _document()
    tall = Figure("f.map", "Peta", "sumber", image=_png(400, 600))  # a district map: 2 by 3
    wide = Figure("f.chart", "Grafik", "sumber", image=_png(600, 300))
    section = Section("Peta", (tall, wide))
    chapters = (*document.chapters[:1], replace(document.chapters[1], sections=(section,)))
    read = docx.Document(
        str(word.write_docx(replace(document, chapters=chapters), tmp_path / "d.docx"))
    )
    drawn = [(shape.width, shape.height) for shape in read.inline_shapes]
    assert drawn[0][1] == pytest.approx(Cm(word_styles.FIGURE_HEIGHT_CM), rel=1e-3)
    assert drawn[0][0] == pytest.approx(Cm(word_styles.FIGURE_HEIGHT_CM * 400 / 600), rel=1e-3)
    assert drawn[1] == (pytest.approx(Cm(15.5), rel=1e-3), pytest.approx(Cm(7.75), rel=1e-3))
