"""The header of a user's file: which row it is, what each column is called, what is missing.

Files as people keep them have title rows above the header (``DATA TERPADU ...``, a period, an
empty row). The header is the row among the first :data:`SCAN_ROWS` that holds most of the
known headers (case and spaces ignored), or the first non-empty row when none are known. Each
column is then written under its name: a known header under the name the caller gave for it,
any other under its text as written. A required name that no column has, or a known name two
columns have, is an error finding. Values are written without zero-width characters and with
non-breaking spaces as spaces (:func:`visible`), so that a code copied from a web page or a PDF
reads as the code.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from rpkd.findings import Finding

SCAN_ROWS = 30
ROW = "_row"
"""The column of 1-based data row numbers in the source file."""

Headers = Collection[str] | Mapping[str, str]
"""Known headers: names, or a mapping from a source header to the name it is written under."""


def fold(text: object) -> str:
    """Return ``text`` as headers are compared: trimmed, upper case, single spaces, no BOM.

    Examples
    --------
    >>> fold("  Jenis   kelamin ")
    'JENIS KELAMIN'
    """
    return " ".join(str(text).lstrip("\ufeff").split()).upper()


def known_names(headers: Headers | None, required: Sequence[str]) -> dict[str, str]:
    """Return {folded header: column name} of every known and required header."""
    names: dict[str, str] = {}
    if isinstance(headers, Mapping):
        names.update({fold(k): str(v) for k, v in headers.items()})
    elif headers is not None:
        names.update({fold(h): str(h) for h in headers})
    for name in required:
        names.setdefault(fold(name), name)
    return names


def header_index(
    rows: Sequence[Sequence[Any]], known: Mapping[str, str], header_row: int | None
) -> tuple[int, int]:
    """Return (0-based index of the header row in ``rows``, number of known headers in it)."""

    def hits(row: Sequence[Any]) -> int:
        return sum(v is not None and fold(v) in known for v in row)

    if header_row is not None:
        index = header_row - 1
        return index, hits(rows[index]) if index < len(rows) else 0
    best, most = -1, 0
    for i, row in enumerate(rows):
        count = hits(row)
        if count > most:
            best, most = i, count
    if best >= 0:
        return best, most
    return _widest_common(rows), 0


def _widest_common(rows: Sequence[Sequence[Any]]) -> int:
    """Return the first row at least as wide as most rows (title rows above are narrower)."""
    widths = [width(r) for r in rows]
    counts: dict[int, int] = {}
    for w in widths:
        if w:
            counts[w] = counts.get(w, 0) + 1
    if not counts:
        return 0
    common = max(counts, key=lambda w: (counts[w], w))
    return next(i for i, w in enumerate(widths) if w >= common)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip().lstrip("\ufeff").strip()


@dataclass(frozen=True)
class Plan:
    """How the columns of a header are written: source position -> column name."""

    positions: dict[int, str]
    findings: tuple[Finding, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.positions.values())


def plan(
    header: Sequence[Any],
    known: Mapping[str, str],
    required: Sequence[str],
    *,
    file: str,
    sheet: str | None = None,
) -> Plan:
    """Return the column plan of a header row and its findings (missing or duplicated names).

    Empty headers are skipped; a second column with the same unknown header is written as
    ``NAME (2)``; a second column with a known name is a ``column_duplicate`` error.
    """
    positions: dict[int, str] = {}
    findings: list[Finding] = []
    taken: set[str] = {ROW}
    for i, value in enumerate(header):
        text = _text(value)
        if not text:
            continue
        name = known.get(fold(text), text)
        if name in taken:
            if fold(text) in known:
                findings.append(
                    Finding(
                        "column_duplicate",
                        "error",
                        {"header": text},
                        file=file,
                        sheet=sheet,
                        field=name,
                    )
                )
                continue
            n = 2
            while f"{name} ({n})" in taken:
                n += 1
            name = f"{name} ({n})"
        taken.add(name)
        positions[i] = name
    findings.extend(
        Finding("column_missing", "error", file=file, sheet=sheet, field=name)
        for name in required
        if name not in taken
    )
    return Plan(positions, tuple(findings))


@dataclass(frozen=True)
class Shape:
    """What reading a file found: rows written, column names, where the header was, findings."""

    rows: int
    names: tuple[str, ...]
    header_row: int | None
    findings: tuple[Finding, ...]
    delimiter: str | None = None
    sheet: str | None = None


def width(row: Sequence[Any]) -> int:
    """Return the number of cells of a row up to its last non-empty one."""
    filled = [i for i, v in enumerate(row) if _text(v)]
    return filled[-1] + 1 if filled else 0


INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"
"""Zero-width characters and soft hyphens, which copying from web pages and PDFs leaves in
cells: removed from every value."""
SPACES = "[\u00a0\u2007\u202f]"
"""Non-breaking spaces: read as ordinary spaces, so that trimming removes them."""


def visible(values: pa.Array) -> pa.Array:
    """Return text values without invisible characters, non-breaking spaces as spaces.

    Examples
    --------
    >>> visible(pa.array(["\u200b6203\u200d", "\u00a0anak\u00a0", None])).to_pylist()
    ['6203', ' anak ', None]
    """
    import pyarrow.compute as pc

    # Every character repaired here is outside ASCII: an ASCII column needs no regex pass.
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return values
    if not pc.any(pc.match_substring_regex(values, f"{INVISIBLE}|{SPACES}")).as_py():
        return values
    text = pc.replace_substring_regex(values, INVISIBLE, "")
    return pc.replace_substring_regex(text, SPACES, " ")


def _counting(first: int, rows: int) -> pa.Array:
    """Return the int64 array ``first, first + 1, …`` of ``rows`` values.

    Built from the NumPy buffer: ``pa.array`` given a ``range`` or an ndarray imports pandas to
    inspect it, a quarter of a second of a command's start-up.
    """
    values = np.arange(first, first + rows, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), rows, [None, pa.py_buffer(values)])


class Kept:
    """A staging destination in memory, for a file read whole (:func:`rpkd.inputs.read`).

    Writing a small file's columns to Parquet and reading them back cost more than its parsing:
    0.11 of 0.21 s for a 345,000-row survey CSV (cProfile of ``rpkd.inputs.read``).
    """

    def __init__(self) -> None:
        self.schema = pa.schema([(ROW, pa.int64())])
        self.batches: list[pa.RecordBatch] = []

    def table(self) -> pa.Table:
        """Return the batches written, as one table."""
        return pa.Table.from_batches(self.batches, schema=self.schema)


Destination = Path | Kept
"""Where a :class:`Writer` stages: a Parquet file, or memory."""


class Writer:
    """Append text batches with their row numbers to a staging Parquet file (or :class:`Kept`)."""

    def __init__(self, dest: Destination, names: Sequence[str]) -> None:
        self.schema = pa.schema([(ROW, pa.int64())] + [(n, pa.string()) for n in names])
        self.kept = dest if isinstance(dest, Kept) else None
        self.writer = None
        if self.kept is not None:
            self.kept.schema, self.kept.batches = self.schema, []
        else:
            self.writer = pq.ParquetWriter(str(dest), self.schema, compression="none")
        self.rows = 0

    def write(self, arrays: Sequence[pa.Array], rows: int, numbers: pa.Array | None = None) -> None:
        """Write one batch of ``rows`` rows; ``numbers`` default to the next row numbers."""
        if rows == 0:
            return
        if numbers is None:
            numbers = _counting(self.rows + 1, rows)
        texts = [visible(a) for a in arrays]
        batch = pa.record_batch([numbers, *texts], schema=self.schema)
        if self.writer is not None:
            self.writer.write_batch(batch)
        else:
            assert self.kept is not None
            self.kept.batches.append(batch)
        self.rows += rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
