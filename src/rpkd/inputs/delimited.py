"""CSV as Excel and agencies save it: encoding, delimiter and header found, streamed to Parquet.

Encoding: UTF-8 (with or without byte-order mark) when every byte decodes as UTF-8; else
UTF-16 or UTF-32 when the file starts with their byte-order mark; else Windows-1252 (what Excel writes on an Indonesian or English Windows) when every byte is defined
in it; else charset-normalizer's guess on the first megabyte. Anything but plain UTF-8 is first
re-encoded to a temporary UTF-8 file beside the destination. Delimiter: of ``,`` ``;`` tab and
``|``, the one whose header row holds most known headers, then the one that splits most of the
first rows into as many fields as the header has. The file is then parsed in blocks by Arrow's
streaming CSV reader (every column as text), so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from rpkd.findings import Finding
from rpkd.inputs.columns import SCAN_ROWS, Destination, Shape, Writer, header_index, plan, width

DELIMITERS = (",", ";", "\t", "|")
CHUNK = 1 << 22
BLOCK = 1 << 24  # bytes of CSV text the streaming reader parses at a time
RAGGED_SHOWN = 100
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
"""Byte-order marks of the wide encodings, UTF-32 first (its LE mark starts with UTF-16's)."""

Advance = Callable[[int], None]


def digest(path: Path) -> tuple[str, bool, bool]:
    """Return (SHA-256, is strict UTF-8, starts with a BOM), reading the file once in chunks."""
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8, bom, first = True, False, True
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            if first:
                bom, first = chunk.startswith(codecs.BOM_UTF8), False
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return sha.hexdigest(), utf8, bom


def legacy_encoding(path: Path) -> str:
    """Return the encoding of a text file that is not UTF-8: UTF-16 or UTF-32 when it starts
    with their byte-order mark (Excel's "Unicode text"), else Windows-1252 when it fits."""
    with path.open("rb") as fh:
        start = fh.read(4)
    for bom, encoding in _BOMS:
        if start.startswith(bom):
            return encoding
    decoder = codecs.getincrementaldecoder("cp1252")("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
        return "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    best = from_bytes(sample).best()
    return best.encoding if best is not None else "latin_1"


def transcode(path: Path, encoding: str, dest: Path) -> None:
    """Write ``path`` re-encoded as UTF-8 without BOM to ``dest``, streaming in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
        first = True
        while chunk := src.read(CHUNK):
            text = decoder.decode(chunk)
            if first:
                text, first = text.lstrip("\ufeff"), False
            out.write(text)
        out.write(decoder.decode(b"", final=True))


def _layout(
    path: Path, known: Mapping[str, str], header_row: int | None
) -> tuple[str, int, list[str], bool] | None:
    """Return (delimiter, 0-based header index, header, whether data rows may follow), or None
    when the file is no text (NUL characters: a workbook or archive under a .csv name) or no
    delimiter splits it."""
    with path.open("r", encoding="utf-8", newline="") as fh:
        lines = [line for _, line in zip(range(SCAN_ROWS), fh, strict=False)]
    if any("\x00" in line for line in lines):
        return None
    ended = len(lines) < SCAN_ROWS
    best: tuple[tuple[int, int, int], str, int, list[list[str]]] = ((-1, -1, -1), ",", 0, [])
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))
        except csv.Error:  # a field longer than the csv module allows: not this delimiter
            continue
        index, hits = header_index(rows, known, header_row)
        wide = width(rows[index]) if index < len(rows) else 0
        agree = sum(1 for r in rows[index + 1 :] if r and len(r) == wide) if wide > 1 else 0
        if (hits, agree, wide) > best[0]:
            best = ((hits, agree, wide), delimiter, index, rows)
    if best[0][0] < 0:
        return None
    _, delimiter, index, rows = best
    header = list(rows[index]) if index < len(rows) else []
    data = any(any(v.strip() for v in r) for r in rows[index + 1 :])
    return delimiter, index, header, data or not ended


def stage(
    path: Path,
    text_path: Path,
    dest: Destination,
    known: Mapping[str, str],
    required: Sequence[str],
    header_row: int | None,
    advance: Advance,
) -> Shape:
    """Stream the UTF-8 text ``text_path`` (of source ``path``) to ``dest``; return its shape."""
    import pyarrow.csv as pacsv

    file = path.name
    layout = _layout(text_path, known, header_row)
    if layout is None:
        Writer(dest, ()).close()
        unreadable = Finding("file_unreadable", "error", {"format": "csv"}, file=file)
        return Shape(0, (), None, (unreadable,))
    delimiter, index, header, data = layout
    if not any(v.strip() for v in header):
        Writer(dest, ()).close()
        return Shape(0, (), None, (Finding("file_empty", "error", file=file),), delimiter)
    columns = plan(header, known, required, file=file)
    writer = Writer(dest, columns.names)
    ragged: list[int] = []
    found = list(columns.findings)
    names = [f"c{i}" for i in range(len(header))]

    def invalid(row: Any) -> str:
        ragged.append(row.actual_columns)
        return "skip"

    try:
        if data:
            reader = pacsv.open_csv(
                str(text_path),
                read_options=pacsv.ReadOptions(
                    skip_rows=index + 1, column_names=names, block_size=BLOCK
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter, newlines_in_values=True, invalid_row_handler=invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    null_values=[""],
                ),
            )
            size, done = path.stat().st_size, 0
            for batch in reader:
                writer.write([batch.column(i) for i in columns.positions], batch.num_rows)
                done += BLOCK
                advance(min(done, size))
    except pa.ArrowInvalid as exc:  # "Empty CSV file" after title rows; else a broken quote
        if "empty" not in str(exc).lower():
            found.append(Finding("file_unreadable", "error", {"format": "csv"}, file=file))
    finally:
        writer.close()
    if ragged:
        found += _ragged(text_path, file, delimiter, index, len(header))
    if writer.rows == 0 and not any(f.is_error and f.field is None for f in found):
        found.append(Finding("file_empty", "error", file=file))
    return Shape(writer.rows, columns.names, index + 1, tuple(found), delimiter)


def _ragged(path: Path, file: str, delimiter: str, index: int, expected: int) -> list[Finding]:
    """Return the data rows whose number of fields differs from the header's (the first 100).

    Only run when the streaming reader met such rows: it cannot say which data rows they were.
    """
    found: list[Finding] = []
    with path.open("r", encoding="utf-8", newline="") as fh, contextlib.suppress(csv.Error):
        number = 0
        for i, record in enumerate(csv.reader(fh, delimiter=delimiter)):
            if i <= index or not record:
                continue
            number += 1
            if len(record) != expected:
                params = {"fields": len(record), "expected": expected}
                found.append(Finding("row_ragged", "error", params, file=file, row=number))
                if len(found) == RAGGED_SHOWN:
                    break
    return found or [Finding("file_unreadable", "error", {"format": "csv"}, file=file)]
