"""The one reader of files a user gives rpkd: CSV, XLSX and Parquet, with the same findings.

Every command that reads a user's file goes through :func:`stage` (stream to all-text Parquet,
for files of any size) or :func:`read` (in memory, for small files). Both read every column as
text, so that the caller, not the reader, decides what a value must be; both number data rows
from 1 in the source file (``_row``), so every finding can name file, row, field and value::

    table = inputs.read("survey.csv", required=("welfare", "weight"))
    weights = table.numbers("weight")          # decimal comma or dot, per column

* CSV (also ``.tsv``, ``.txt``): UTF-8 with or without BOM or Windows-1252, delimiter ``,`` ``;``
  tab or ``|``, title rows above the header (:mod:`rpkd.inputs.delimited`).
* XLSX: the sheet asked for or the one whose header matches best, title rows above the header,
  streamed (:mod:`rpkd.inputs.workbook`).
* Parquet: any column types, cast to text; :func:`read` keeps integer and floating-point
  columns as the file stores them too, so that :meth:`InputTable.numbers` need not parse
  their text (the same values: Arrow writes a float's shortest round-trip text).

The header row is the one that holds most of the known headers (``headers`` and ``required``,
case and spaces ignored); known headers are written under the caller's spelling
(:mod:`rpkd.inputs.columns`). Numbers follow the rule of :mod:`rpkd.inputs.numbers`. A file
without data rows, a row with more or fewer fields than the header, a missing required column:
findings (:class:`rpkd.findings.Finding`), never a traceback.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rpkd.errors import InvalidInput
from rpkd.findings import Finding, errors
from rpkd.inputs import delimited, numbers, workbook
from rpkd.inputs.columns import (
    ROW,
    Destination,
    Headers,
    Kept,
    Shape,
    Writer,
    fold,
    known_names,
    plan,
    visible,
)

__all__ = ["FORMATS", "ROW", "InputTable", "Layout", "Staged", "fold", "read", "stage"]

FORMATS = {"csv": "csv", "tsv": "csv", "txt": "csv", "xlsx": "xlsx", "parquet": "parquet"}
"""File extension -> format read."""
_PARQUET_BATCH = 262_144

Advance = Callable[[int], None]
"""Progress callback: bytes of the file read so far."""


@dataclass(frozen=True)
class Layout:
    """How a file was read: name, format, SHA-256 and size, encoding, delimiter, sheet, header."""

    file: str
    format: str
    sha256: str
    size: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = None


@dataclass(frozen=True)
class Staged:
    """A file staged as Parquet: every column text, plus ``_row``; its layout and findings."""

    path: Path
    rows: int
    columns: tuple[str, ...]
    layout: Layout
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return errors(self.findings)


@dataclass(frozen=True)
class InputTable:
    """A small file read in memory: the text table (with ``_row``), its layout and warnings.

    ``typed`` holds a Parquet file's integer and floating-point columns as stored.
    """

    table: pa.Table
    layout: Layout
    findings: tuple[Finding, ...]
    typed: Mapping[str, pa.ChunkedArray] = field(default_factory=dict)

    def numbers(self, column: str, required: bool = True) -> pa.Array:
        """Return ``column`` as float64 (decimal comma or dot decided for the column).

        Raises :class:`InvalidInput` (``input_invalid``) with one finding per row that is not a
        number (``not_number``) or, when ``required``, empty (``required_missing``), naming file,
        row, field and value.
        """
        if column not in self.table.column_names:
            missing = Finding("column_missing", "error", file=self.layout.file, field=column)
            raise _invalid(self.layout.file, (missing,))
        values = self.table[column]
        if column in self.typed:
            # A stored number needs no parsing; NaN and infinities are not numbers, as in text.
            parsed = pc.cast(self.typed[column], pa.float64(), safe=False).combine_chunks()
            ok = pc.is_finite(parsed)
        else:
            parsed, ok = numbers.read(values, numbers.fallback(self.layout.delimiter))
            ok = pc.and_kleene(ok, pc.is_finite(parsed))  # 1e400 reads as infinity: no number
        bad = pc.invert(pc.fill_null(ok, not required))
        if pc.any(bad).as_py():
            rows = self.table[ROW].combine_chunks()
            text = values.combine_chunks()
            found = tuple(
                Finding(
                    "required_missing" if v is None else "not_number",
                    "error",
                    file=self.layout.file,
                    sheet=self.layout.sheet,
                    row=r,
                    field=column,
                    value=v,
                )
                for r, v in zip(
                    pc.filter(rows, bad).to_pylist(), pc.filter(text, bad).to_pylist(), strict=True
                )
            )
            raise _invalid(self.layout.file, found)
        return parsed


def _invalid(file: str, found: Sequence[Finding]) -> InvalidInput:
    return InvalidInput(
        "input_invalid", param="path", file=file, count=len(found), findings=tuple(found)
    )


def _format(path: Path) -> str:
    if not path.is_file():
        raise InvalidInput("file_missing", param="path", file=str(path))
    fmt = FORMATS.get(path.suffix.lower().lstrip("."))
    if fmt is None:
        raise InvalidInput(
            "file_format", param="path", file=path.name, formats=sorted(set(FORMATS))
        )
    return fmt


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(delimited.CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def stage(
    path: Path | str,
    dest_parquet: Path | str,
    headers: Headers | None = None,
    required: Sequence[str] = (),
    header_row: int | None = None,
    sheet: str | None = None,
    advance: Advance | None = None,
) -> Staged:
    """Stream the user's file ``path`` to ``dest_parquet`` as text columns plus ``_row``.

    Parameters
    ----------
    headers
        Known headers: names (a header equal to one, case and spaces ignored, is written under
        this spelling), or a mapping from a source header to the column name to write.
    required
        Column names (after ``headers``) the file must have; a missing one is an error finding.
    header_row
        1-based row of the header (XLSX: row of the sheet); default: found by the known headers.
    sheet
        XLSX sheet name; default: the sheet whose header matches best.
    advance
        Called with the bytes of the file read so far.

    Returns a :class:`Staged` whose findings hold every problem of the file's shape (errors
    included: the caller decides whether to go on); raises :class:`InvalidInput` only when the
    file does not exist or its format is not CSV, XLSX or Parquet.
    """
    source, dest = Path(path), Path(dest_parquet)
    layout, shape = _stage(
        source,
        dest,
        dest.with_name(f".{dest.stem}.utf8.csv"),
        known_names(headers, required),
        required,
        header_row,
        sheet,
        advance or (lambda _n: None),
    )
    return Staged(dest, shape.rows, shape.names, layout, shape.findings)


def _stage(
    source: Path,
    dest: Destination,
    transcoded: Path,
    known: dict[str, str],
    required: Sequence[str],
    header_row: int | None,
    sheet: str | None,
    progress: Advance,
) -> tuple[Layout, Shape]:
    """:func:`stage` to a Parquet file or memory; ``transcoded`` holds a CSV re-encoded as
    UTF-8 while it is read."""
    fmt = _format(source)
    size = source.stat().st_size
    encoding: str | None = None
    if fmt == "csv":
        sha, utf8, bom = delimited.digest(source)
        encoding = ("utf-8-sig" if bom else "utf-8") if utf8 else delimited.legacy_encoding(source)
        text = source
        if encoding != "utf-8":
            text = transcoded
            delimited.transcode(source, encoding, text)
        try:
            shape = delimited.stage(source, text, dest, known, required, header_row, progress)
        finally:
            if text != source:
                text.unlink(missing_ok=True)
    else:
        sha = _sha256(source)
        if fmt == "xlsx":
            shape = workbook.stage(source, dest, known, required, header_row, sheet)
        else:
            shape = _stage_parquet(source, dest, known, required)
    progress(size)
    layout = Layout(
        source.name, fmt, sha, size, encoding, shape.delimiter, shape.sheet, shape.header_row
    )
    return layout, shape


def _stage_parquet(
    path: Path, dest: Destination, known: dict[str, str], required: Sequence[str]
) -> Shape:
    try:
        source = pq.ParquetFile(str(path))
    except (pa.ArrowException, OSError):
        Writer(dest, ()).close()
        return Shape(
            0,
            (),
            None,
            (Finding("file_unreadable", "error", {"format": "parquet"}, file=path.name),),
        )
    columns = plan(source.schema_arrow.names, known, required, file=path.name)
    writer = Writer(dest, columns.names)
    try:
        for batch in source.iter_batches(batch_size=_PARQUET_BATCH):
            arrays = [batch.column(i).cast(pa.string()) for i in columns.positions]
            writer.write(arrays, batch.num_rows)
    finally:
        writer.close()
    found = list(columns.findings)
    if writer.rows == 0:
        found.append(Finding("file_empty", "error", file=path.name))
    return Shape(writer.rows, columns.names, None, tuple(found))


def read(
    path: Path | str,
    required: Sequence[str] = (),
    headers: Headers | None = None,
    sheet: str | None = None,
) -> InputTable:
    """Return a small user file in memory, every column as text plus ``_row``.

    Same reading as :func:`stage`; errors (no data rows, ragged rows, a missing required
    column) raise :class:`InvalidInput` (``input_invalid``) with the findings naming file, row
    and field; warnings stay in :attr:`InputTable.findings`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "s.csv").write_bytes("judul\\n\\nArea;Bobot\\nA;1.234,5\\n".encode("cp1252"))
    >>> table = read(folder / "s.csv", required=("area", "bobot"))
    >>> table.table.column_names, table.numbers("bobot").to_pylist()
    (['_row', 'area', 'bobot'], [1234.5])
    """
    if _format(Path(path)) == "parquet":
        return _read_parquet(Path(path), known_names(headers, required), required)
    kept = Kept()
    with tempfile.TemporaryDirectory(prefix="rpkd-input-") as folder:
        known = known_names(headers, required)
        transcoded = Path(folder) / "input.utf8.csv"
        layout, shape = _stage(
            Path(path), kept, transcoded, known, required, None, sheet, lambda _n: None
        )
    if errors(shape.findings):
        raise _invalid(layout.file, errors(shape.findings))
    warnings = tuple(f for f in shape.findings if not f.is_error)
    return InputTable(kept.table(), layout, warnings)


def _read_parquet(path: Path, known: dict[str, str], required: Sequence[str]) -> InputTable:
    """Return a Parquet file in memory as :func:`stage` writes it (text columns, ``_row``),
    without the staging file, keeping its integer and floating-point columns as stored."""
    layout = Layout(path.name, "parquet", _sha256(path), path.stat().st_size)
    try:
        source = pq.ParquetFile(str(path))
        columns = plan(source.schema_arrow.names, known, required, file=path.name)
        names = source.schema_arrow.names
        unique = len(set(names)) == len(names)  # else read every column, taken by position
        chosen = [names[i] for i in columns.positions] if unique else None
        # One thread: a file read in memory is small, and Arrow's threads cost more CPU
        # than they save (0.13 s instead of 0.03 s for 345,000 rows).
        data = source.read(columns=chosen, use_threads=False)
    except (pa.ArrowException, OSError):
        unreadable = Finding("file_unreadable", "error", {"format": "parquet"}, file=path.name)
        raise _invalid(path.name, (unreadable,)) from None
    found = list(columns.findings)
    if data.num_rows == 0:
        found.append(Finding("file_empty", "error", file=path.name))
    if errors(found):
        raise _invalid(path.name, errors(found))
    text: dict[str, pa.ChunkedArray] = {ROW: pa.chunked_array([_row_numbers(data.num_rows)])}
    typed: dict[str, pa.ChunkedArray] = {}
    for position, name in columns.positions.items():
        values = data.column(names[position] if unique else position)
        if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
            typed[name] = values
            text[name] = values.cast(pa.string())  # digits only: nothing invisible to remove
        else:
            text[name] = pa.chunked_array([visible(c.cast(pa.string())) for c in values.chunks])
    warnings = tuple(f for f in found if not f.is_error)
    return InputTable(pa.table(text), layout, warnings, typed)


def _row_numbers(rows: int) -> pa.Array:
    import numpy as np

    return pa.array(np.arange(1, rows + 1, dtype=np.int64))
