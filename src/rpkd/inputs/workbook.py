"""XLSX as offices keep it: several sheets, title rows above the header, streamed to Parquet.

The workbook is opened with openpyxl in read-only mode, so rows stream from the file and memory
stays flat. The sheet is the one asked for, else the one whose header holds most known headers
(the first sheet with data when none are known). Cells become text as a person reads them:
whole numbers without ``.0``, dates as ``YYYY-MM-DD``, booleans ``true``/``false``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time
from itertools import chain
from pathlib import Path
from typing import Any

import pyarrow as pa

from rpkd.findings import Finding
from rpkd.inputs.columns import SCAN_ROWS, Shape, Writer, header_index, plan, width

BATCH = 65_536


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
    dest: Path,
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
        return _write(
            chain(head[index + 1 :], rows),
            head[index],
            dest,
            known,
            required,
            file,
            chosen.title,
            index + 1,
        )
    finally:
        book.close()


def _write(
    data: Iterator[tuple[Any, ...]],
    header: Sequence[Any],
    dest: Path,
    known: Mapping[str, str],
    required: Sequence[str],
    file: str,
    title: str,
    header_row: int,
) -> Shape:
    columns = plan(header, known, required, file=file, sheet=title)
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
    found = list(columns.findings)
    if writer.rows == 0:
        found.append(Finding("file_empty", "error", file=file, sheet=title))
    return Shape(writer.rows, columns.names, header_row, tuple(found), sheet=title)
