"""XLSX as offices keep it: several sheets, title rows above the header, streamed to Parquet.

The workbook is opened with openpyxl in read-only mode, so rows stream from the file and memory
stays flat. The sheet is the one asked for, else the one whose header holds most known headers
(the first sheet with data when none are known). Cells become text as a person reads them:
whole numbers without ``.0``, dates as ``YYYY-MM-DD``, booleans ``true``/``false``.

A formula is read as the value Excel saved with it. Two things a workbook can hide are errors
naming the row and column: a formula saved without its value (written by a program, never
recalculated: ``cell_formula``), and a merged range reaching into the data rows, whose cells
but the first read empty although the sheet shows them filled (``cell_merged``). Formulas are
found by reading the sheet a second time, as written (both reads stream); merged ranges from
the ``mergeCell`` elements of the sheet's XML, which a streaming read of openpyxl skips. The
first 100 of each are listed.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from itertools import chain
from pathlib import Path
from typing import Any

import pyarrow as pa

from rpkd.findings import Finding
from rpkd.inputs.columns import SCAN_ROWS, Destination, Shape, Writer, header_index, plan, width

BATCH = 65_536
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_XML_CHUNK = 1 << 20
_SHOWN = 100  # findings of each kind listed (formulas, merged cells)


def cell(value: Any) -> str | None:
    """Return a cell value as text (None when empty).

    Examples
    --------
    >>> cell(3.0), cell(2.5), cell(datetime(2025, 7, 1)), cell("  ya "), cell(True)
    ('3', '2.5', '2025-07-01', 'ya', 'true')
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _choose(
    book: Any, known: Mapping[str, str], header_row: int | None
) -> tuple[Any, list[tuple[Any, ...]], int]:
    """Return (sheet, its first rows, header index): the sheet whose header matches best."""
    best: tuple[tuple[int, int], Any, list[tuple[Any, ...]], int] | None = None
    for sheet in book.worksheets:
        head = [
            r for _, r in zip(range(SCAN_ROWS), sheet.iter_rows(values_only=True), strict=False)
        ]
        if not any(width(r) for r in head):
            continue
        index, hits = header_index(head, known, header_row)
        score = (hits, width(head[index]) if index < len(head) else 0)
        if best is None or score > best[0]:
            best = (score, sheet, head, index)
    if best is None:
        return None, [], 0
    return best[1], best[2], best[3]


def stage(
    path: Path,
    dest: Destination,
    known: Mapping[str, str],
    required: Sequence[str],
    header_row: int | None,
    sheet: str | None,
) -> Shape:
    """Stream the chosen sheet of the workbook ``path`` to ``dest``; return its shape."""
    from openpyxl import load_workbook

    file = path.name
    try:
        book = load_workbook(str(path), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (zip, XML, key errors) for broken files
        Writer(dest, ()).close()
        finding = Finding("file_unreadable", "error", {"format": "xlsx"}, file=file)
        return Shape(0, (), None, (finding,))
    try:
        if sheet is not None and sheet not in book.sheetnames:
            Writer(dest, ()).close()
            params = {"sheet": sheet, "sheets": list(book.sheetnames)}
            return Shape(0, (), None, (Finding("sheet_missing", "error", params, file=file),))
        if sheet is not None:
            chosen = book[sheet]
            head = [
                r
                for _, r in zip(range(SCAN_ROWS), chosen.iter_rows(values_only=True), strict=False)
            ]
            index = header_index(head, known, header_row)[0]
        else:
            chosen, head, index = _choose(book, known, header_row)
        if chosen is None or index >= len(head) or not width(head[index]):
            Writer(dest, ()).close()
            title = chosen.title if chosen is not None else None
            return Shape(
                0, (), None, (Finding("file_empty", "error", file=file, sheet=title),), sheet=title
            )
        rows: Iterator[tuple[Any, ...]] = chosen.iter_rows(values_only=True)
        for _ in head:  # the rows already scanned
            next(rows, None)
        first = (chosen.min_row or 1) + index  # the sheet row of the header
        merges, formulas = _hidden(path, chosen._worksheet_path)
        written = _Written(path, chosen.title, index + 1) if formulas else None
        try:
            shape = _write(
                chain(head[index + 1 :], rows),
                head[index],
                dest,
                known,
                required,
                file,
                chosen.title,
                index + 1,
                written,
            )
        finally:
            if written is not None:
                written.close()
        return _with_merges(shape, merges, head[index], known, first, file, chosen.title)
    finally:
        book.close()


def _hidden(path: Path, part: str) -> tuple[list[tuple[int, int, int, int]], bool]:
    """Return the merged ranges (first column, first row, last column, last row; 1-based) of a
    sheet and whether it holds formulas, from its XML read in chunks."""
    from openpyxl.utils.cell import column_index_from_string as column

    merges: list[tuple[int, int, int, int]] = []
    formulas, tail = False, b""
    with zipfile.ZipFile(path) as bundle, bundle.open(part.lstrip("/")) as xml:
        while chunk := xml.read(_XML_CHUNK):
            text = tail + chunk
            formulas = formulas or b"<f>" in text or b"<f " in text
            for m in _MERGE.finditer(text):
                c1, r1 = column(m[1].decode()), int(m[2])
                c2, r2 = (column(m[3].decode()), int(m[4])) if m[3] else (c1, r1)
                merges.append((c1, r1, c2, r2))
            cut = text.rfind(b"<")
            tail = text[cut:] if cut >= 0 and b">" not in text[cut:] else b""
    return merges, formulas


class _Written:
    """The rows of a sheet as written (formulas as text), after its header row."""

    def __init__(self, path: Path, title: str, skip: int) -> None:
        from openpyxl import load_workbook

        self.book = load_workbook(str(path), read_only=True, data_only=False)
        self.rows: Iterator[tuple[Any, ...]] = self.book[title].iter_rows(values_only=True)
        for _ in range(skip):
            next(self.rows, None)

    def next(self) -> tuple[Any, ...]:
        return next(self.rows, ())

    def close(self) -> None:
        self.book.close()


def _formula_findings(
    cells: Sequence[str | None],
    raw: tuple[Any, ...],
    positions: Sequence[int],
    names: Sequence[str],
    at: tuple[str, str, int],
) -> list[Finding]:
    """Return a ``cell_formula`` finding for each empty cell written as a formula."""
    file, title, number = at
    return [
        Finding("cell_formula", "error", file=file, sheet=title, row=number, field=name, value=f)
        for value, i, name in zip(cells, positions, names, strict=True)
        if value is None and i < len(raw) and isinstance(f := raw[i], str) and f.startswith("=")
    ]


def _with_merges(
    shape: Shape,
    merges: Sequence[tuple[int, int, int, int]],
    header: Sequence[Any],
    known: Mapping[str, str],
    first: int,
    file: str,
    title: str,
) -> Shape:
    """Return ``shape`` with a ``cell_merged`` finding for each data cell a merge hides."""
    names = plan(header, known, (), file=file).positions
    found: list[Finding] = []
    for c1, r1, c2, r2 in merges:
        for r in range(max(r1, first + 1), r2 + 1):
            for c in range(c1, c2 + 1):
                name = names.get(c - 1)
                if (r, c) != (r1, c1) and name is not None and len(found) < _SHOWN:
                    found.append(
                        Finding(
                            "cell_merged",
                            "error",
                            file=file,
                            sheet=title,
                            row=r - first,
                            field=name,
                        )
                    )
    if not found:
        return shape
    return replace(shape, findings=(*shape.findings, *found))


def _write(
    data: Iterator[tuple[Any, ...]],
    header: Sequence[Any],
    dest: Destination,
    known: Mapping[str, str],
    required: Sequence[str],
    file: str,
    title: str,
    header_row: int,
    written: _Written | None = None,
) -> Shape:
    columns = plan(header, known, required, file=file, sheet=title)
    formulas: list[Finding] = []
    positions, names = list(columns.positions), list(columns.positions.values())
    writer = Writer(dest, columns.names)
    buffer: list[list[str | None]] = [[] for _ in columns.positions]
    numbers: list[int] = []

    def flush() -> None:
        arrays = [pa.array(col, pa.string()) for col in buffer]
        writer.write(arrays, len(numbers), pa.array(numbers, pa.int64()))
        for col in buffer:
            col.clear()
        numbers.clear()

    try:
        for number, row in enumerate(data, start=1):
            cells = [cell(row[i]) if i < len(row) else None for i in columns.positions]
            if written is not None and len(formulas) < _SHOWN:
                at = (file, title, number)
                formulas += _formula_findings(cells, written.next(), positions, names, at)
            if all(c is None for c in cells):
                continue
            for col, value in zip(buffer, cells, strict=True):
                col.append(value)
            numbers.append(number)
            if len(numbers) >= BATCH:
                flush()
        flush()
    finally:
        writer.close()
    found = [*columns.findings, *formulas]
    if writer.rows == 0:
        found.append(Finding("file_empty", "error", file=file, sheet=title))
    return Shape(writer.rows, columns.names, header_row, tuple(found), sheet=title)
