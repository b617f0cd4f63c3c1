"""The one XLSX writer: every workbook rpkd writes (findings reports, estimates, profiles, plan
matrices, verification lists, demo results) goes through :func:`write_workbook`.

A workbook is a sequence of :class:`Sheet` values: a title and notes above, an optional row of
group headers (merged over consecutive columns of the same group, as RPKD matrices have them),
the column headers, then the rows. Numbers stay numbers with a display format (thousands
grouped, percent for fractions), which Excel shows in the reader's own locale (``1.234,5`` on an
Indonesian Windows). Text is always written as text, and text a spreadsheet would take for a
formula (``=HYPERLINK(...)``, ``+``, ``-``, ``@``, a leading tab or carriage return) is
neutralised by :func:`neutralise`, the one rule every XLSX and CSV file rpkd writes follows (the
CSV writers call it too, through :func:`neutralise_row` and :func:`neutralise_table`). Sheets may
be streamed (record batches, constant memory) for findings reports of
millions of rows; they stop at Excel's row limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

Format = Literal["text", "integer", "decimal", "percent", "rupiah", "date"]
XLSX_MAX_ROWS = 1_048_576
_NUMBER_FORMATS: dict[Format, str] = {
    "integer": "#,##0",
    "decimal": "#,##0.0###",
    "percent": "0.00%",
    "rupiah": '"Rp"#,##0',
    "date": "yyyy-mm-dd",
}
_BATCH = 65_536
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(?:\d[\d.,]*(?:[eE][-+]?\d+)?%?)?")


def neutralise(text: str) -> str:
    """Return ``text`` as a spreadsheet shows it without running it: ``'`` before a formula.

    Text starting (after spaces) with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading apostrophe, which Excel and LibreOffice read as "this cell is text"; a plain
    number written as text (``-15000``, ``1.234,5``, ``+62``) and a lone sign stay as they are:
    they are no formula.

    References
    ----------
    OWASP, "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection).

    Examples
    --------
    >>> neutralise("=HYPERLINK(A1)"), neutralise("@SUM(A1)"), neutralise("-2+3")
    ("'=HYPERLINK(A1)", "'@SUM(A1)", "'-2+3")
    >>> neutralise("Siti Aminah"), neutralise("-15000"), neutralise("-")
    ('Siti Aminah', '-15000', '-')
    """
    start = text.lstrip(" ")
    if start.startswith(_FORMULA_START) and not _NUMBER.fullmatch(start):
        return "'" + text
    return text


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    """Return a CSV row with every text value :func:`neutralise`-d (numbers stay numbers)."""
    return [neutralise(v) if isinstance(v, str) else v for v in values]


def neutralise_table(table: pa.Table) -> pa.Table:
    """Return ``table`` with its text columns :func:`neutralise`-d, for Arrow's CSV writer."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            values = [None if v is None else neutralise(v) for v in column.to_pylist()]
            column = pa.chunked_array([pa.array(values, column.type)])
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)


@dataclass(frozen=True)
class Column:
    """A column of a sheet: the table column ``key``, its header, group and display format.

    ``row_format`` names a field of the rows holding each cell's format (a :data:`Format`),
    for columns that mix kinds row by row (a headcount in percent beside a mean in rupiah);
    where that field is empty, ``format`` applies.
    """

    key: str
    header: str
    group: str | None = None
    format: Format | None = None
    width: float | None = None
    row_format: str | None = None


@dataclass(frozen=True)
class Sheet:
    """One worksheet: rows (a table, record batches or dicts) and how to show them."""

    name: str
    rows: pa.Table | Iterable[pa.RecordBatch] | Sequence[Mapping[str, Any]]
    columns: Sequence[Column] | None = None
    title: str | None = None
    notes: Sequence[str] = field(default_factory=tuple)
    numbered: bool = False
    number_header: str = "No."


def _batches(rows: Sheet) -> Iterable[pa.RecordBatch]:
    data = rows.rows
    if isinstance(data, pa.Table):
        batches: list[pa.RecordBatch] = data.to_batches(_BATCH)
        return batches
    if isinstance(data, Sequence):
        if not data:
            return []
        table = pa.Table.from_pylist([dict(r) for r in data])
        listed: list[pa.RecordBatch] = table.to_batches(_BATCH)
        return listed
    return data


def _columns(sheet: Sheet, names: Sequence[str]) -> list[Column]:
    if sheet.columns is not None:
        return list(sheet.columns)
    return [Column(n, n) for n in names]


def _first_names(sheet: Sheet) -> tuple[list[str], Iterable[pa.RecordBatch]]:
    """Return the column names and the batches (peeking at a stream's first batch)."""
    data = sheet.rows
    if isinstance(data, pa.Table):
        return list(data.column_names), _batches(sheet)
    if isinstance(data, Sequence):
        return (list(data[0]) if data else []), _batches(sheet)
    iterator = iter(data)
    first = next(iterator, None)
    if first is None:
        return [], []

    def chained() -> Iterable[pa.RecordBatch]:
        yield first
        yield from iterator

    return list(first.schema.names), chained()


def write_workbook(path: Path, sheets: Sequence[Sheet], *, streaming: bool = False) -> Path:
    """Write ``sheets`` to the XLSX file ``path`` and return it.

    ``streaming`` writes row by row in constant memory (xlsxwriter's ``constant_memory``), for
    sheets given as record batches of any length.
    """
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": streaming})
    styles: dict[str, Any] = {
        "title": book.add_format({"bold": True, "font_size": 13}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
        "header": book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4", "border": 1}
        ),
        **{k: book.add_format({"num_format": v}) for k, v in _NUMBER_FORMATS.items()},
    }
    try:
        used: set[str] = set()
        for sheet in sheets:
            _write_sheet(book, styles, sheet, _sheet_name(sheet.name, used))
    finally:
        book.close()
    return path


def _sheet_name(name: str, used: set[str]) -> str:
    """Return a name Excel accepts (31 characters, no ``[]:*?/\\``), unique in the workbook."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _write_sheet(book: Any, styles: dict[str, Any], sheet: Sheet, name: str) -> None:
    ws = book.add_worksheet(name)
    names, batches = _first_names(sheet)
    columns = _columns(sheet, names)
    offset = 1 if sheet.numbered else 0
    row = 0
    if sheet.title:
        ws.write_string(row, 0, sheet.title, styles["title"])
        row += 1
    for note in sheet.notes:
        ws.write_string(row, 0, note, styles["note"])
        row += 1
    if sheet.title or sheet.notes:
        row += 1
    if any(c.group for c in columns):
        _group_row(ws, styles["header"], columns, row, offset)
        row += 1
    header_row = row
    if sheet.numbered:
        ws.write_string(row, 0, sheet.number_header, styles["header"])
    for i, column in enumerate(columns):
        ws.write_string(row, i + offset, column.header, styles["header"])
        width = column.width or min(max(len(column.header), 10) + 2, 40)
        ws.set_column(i + offset, i + offset, width)
    row += 1
    number = 0
    for batch in batches:
        data = [batch.column(c.key).to_pylist() if c.key in batch.schema.names else None
                for c in columns]  # fmt: skip
        formats = [batch.column(c.row_format).to_pylist()
                   if c.row_format and c.row_format in batch.schema.names else None
                   for c in columns]  # fmt: skip
        for r in range(batch.num_rows):
            if row >= XLSX_MAX_ROWS:
                break
            number += 1
            if sheet.numbered:
                ws.write_number(row, 0, number)
            for i, column in enumerate(columns):
                values, kinds = data[i], formats[i]
                if kinds is not None and kinds[r]:
                    column = replace(column, format=kinds[r])
                _cell(ws, styles, row, i + offset, None if values is None else values[r], column)
            row += 1
    last = len(columns) + offset - 1
    if last >= 0:
        ws.freeze_panes(header_row + 1, 0)
        ws.autofilter(header_row, 0, max(row - 1, header_row), last)


def _group_row(ws: Any, style: Any, columns: Sequence[Column], row: int, offset: int) -> None:
    start = 0
    while start < len(columns):
        end = start
        while end + 1 < len(columns) and columns[end + 1].group == columns[start].group:
            end += 1
        text = columns[start].group or ""
        if end > start:
            ws.merge_range(row, start + offset, row, end + offset, text, style)
        else:
            ws.write_string(row, start + offset, text, style)
        start = end + 1


def _cell(ws: Any, styles: dict[str, Any], row: int, col: int, value: Any, column: Column) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        if isinstance(value, float) and value != value:  # NaN: leave the cell empty
            return
        style = styles.get(column.format or ("integer" if isinstance(value, int) else "decimal"))
        ws.write_number(row, col, value, style)
    elif isinstance(value, datetime | date):
        ws.write_string(row, col, value.isoformat())
    else:
        ws.write_string(row, col, neutralise(str(value)))
