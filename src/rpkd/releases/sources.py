"""Source files as agencies send them, staged as all-text Parquet with 1-based data row numbers.

CSV as Excel saves it (UTF-8 with or without BOM, or Windows-1252; comma, semicolon, tab or pipe
delimited; title rows above the header), XLSX (streamed with openpyxl in read-only mode, title
rows above the header) and Parquet are read with every column as text, so that validation, not
the reader, decides what is wrong. Headers are renamed to canonical names by the mapping; the
staged file holds ``_row`` (data row number in the source file) and the canonical columns.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from rpkd.errors import InvalidInput
from rpkd.releases.mapping import KindMapping, SourceMapping, fold
from rpkd.releases.schema import KINDS, table_schema

EXTENSIONS = ("csv", "xlsx", "parquet")
_CHUNK = 1 << 22
_SCAN_ROWS = 30
_DELIMITERS = (",", ";", "\t", "|")
_BATCH = 65_536
_BLOCK = 1 << 24  # bytes of CSV text the streaming reader parses at a time
_PROGRAMME = re.compile(r"^beneficiaries_([a-z0-9_]+)$")
# Filled in by the importer, so a list without them is not missing anything.
_FILLED = {"beneficiaries": ("programme", "record")}

Advance = Callable[[int], None]  # bytes of the current file read so far


@dataclass(frozen=True)
class SourceFile:
    """One file of SOURCE_DIR and the kind (and programme, for lists) it holds."""

    kind: str
    path: Path
    programme: str | None = None


@dataclass(frozen=True)
class ColumnIssue:
    """A file- or column-level problem found while staging (row is None)."""

    rule: str
    field: str | None
    detail: str = ""
    row: int | None = None


@dataclass(frozen=True)
class Staged:
    """A source file staged as Parquet: where, how it was read, and what was wrong with its shape."""

    source: SourceFile
    path: Path
    rows: int
    columns: tuple[str, ...]
    sha256: str
    size: int
    encoding: str | None
    delimiter: str | None
    header_row: int
    sheet: str | None
    issues: tuple[ColumnIssue, ...]

    def describe(self) -> dict[str, Any]:
        return {
            "file": self.source.path.name,
            "kind": self.source.kind,
            "programme": self.source.programme,
            "rows": self.rows,
            "sha256": self.sha256,
            "bytes": self.size,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header_row": self.header_row,
            "sheet": self.sheet,
        }


def discover(source_dir: Path, mapping: SourceMapping) -> tuple[SourceFile, ...]:
    """Return the source files of ``source_dir`` (``truth/``, ``synth.json`` and others ignored)."""
    if not source_dir.is_dir():
        raise InvalidInput("source_missing", f"{source_dir} is not a folder", param="source_dir")
    found: list[SourceFile] = []
    for kind in KINDS:
        km = mapping.of(kind)
        if kind == "beneficiaries":
            found.extend(_lists(source_dir, km))
            continue
        if km.file:
            path = source_dir / km.file
            if not path.is_file():
                raise InvalidInput(
                    "source_missing", f"{path} (from the mapping) does not exist", param="mapping"
                )
            found.append(SourceFile(kind, path))
            continue
        paths = [
            source_dir / f"{kind}.{ext}"
            for ext in EXTENSIONS
            if (source_dir / f"{kind}.{ext}").is_file()
        ]
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            raise InvalidInput(
                "file_ambiguous",
                f"{source_dir}: more than one {kind} file: {names}",
                param="source_dir",
            )
        found.extend(SourceFile(kind, p) for p in paths)
    if not found:
        raise InvalidInput(
            "source_empty",
            f"{source_dir}: no source file (families, persons, survey, villages, "
            "beneficiaries_<programme> as .csv, .xlsx or .parquet)",
            param="source_dir",
        )
    return tuple(found)


def _lists(source_dir: Path, km: KindMapping) -> list[SourceFile]:
    by_programme: dict[str, list[Path]] = {}
    for programme, name in km.files.items():
        by_programme.setdefault(programme.lower(), []).append(source_dir / name)
    for path in sorted(source_dir.iterdir()):
        match = _PROGRAMME.match(path.stem.lower())
        listed = match is not None and path in by_programme.get(match.group(1), [])
        if (
            path.is_file()
            and match
            and path.suffix.lower().lstrip(".") in EXTENSIONS
            and not listed
        ):
            by_programme.setdefault(match.group(1), []).append(path)
    out = []
    for programme, paths in sorted(by_programme.items()):
        if len(paths) > 1:
            raise InvalidInput(
                "file_ambiguous",
                f"more than one list for {programme}: " + ", ".join(p.name for p in paths),
                param="source_dir",
            )
        if not paths[0].is_file():
            raise InvalidInput("source_missing", f"{paths[0]} does not exist", param="mapping")
        out.append(SourceFile("beneficiaries", paths[0], programme))
    return out


def _digest(path: Path) -> tuple[str, bool, bool]:
    """Return (sha256, is strict UTF-8, starts with a BOM), reading the file once in chunks."""
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8, first = True, True
    bom = False
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
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


def _legacy_encoding(path: Path) -> str:
    """Return the encoding of a non-UTF-8 text file: Windows-1252 (what Excel writes on Windows)
    when every byte is defined in it, else charset-normalizer's guess on a 1 MB sample."""
    decoder = codecs.getincrementaldecoder("cp1252")("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
        return "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    best = from_bytes(sample).best()
    return best.encoding if best is not None else "latin_1"


def _transcode(path: Path, encoding: str, dest: Path) -> None:
    """Write ``path`` re-encoded as UTF-8 (no BOM) to ``dest``, streaming in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(_CHUNK):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))


def _header(rows: Sequence[Sequence[Any]], km: KindMapping) -> tuple[int, int]:
    """Return (0-based header row index, number of known headers in it)."""
    known = km.known_headers()
    if km.header_row is not None:
        index = km.header_row - 1
        hits = sum(fold(str(v)) in known for v in rows[index]) if index < len(rows) else 0
        return index, hits
    best, hits = 0, 0
    for i, row in enumerate(rows):
        count = sum(v is not None and fold(str(v)) in known for v in row)
        if count > hits:
            best, hits = i, count
    return best, hits


def _csv_layout(path: Path, km: KindMapping) -> tuple[str, int, list[str]]:
    with path.open("r", encoding="utf-8", newline="") as fh:
        lines = [line for _, line in zip(range(_SCAN_ROWS), fh, strict=False)]
    best: tuple[int, int, str, int, list[str]] = (-1, 0, ",", 0, [])
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))
        if not rows:
            continue
        index, hits = _header(rows, km)
        width = len(rows[index]) if index < len(rows) else 0
        if (hits, width) > (best[0], best[3]):
            best = (hits, index, delimiter, width, list(rows[index]) if index < len(rows) else [])
    return best[2], best[1], best[4]


def _resolve(
    kind: str, headers: Sequence[str], km: KindMapping
) -> tuple[dict[int, str], list[ColumnIssue]]:
    """Return {position: canonical column} and the column-level issues of a header row."""
    positions: dict[int, str] = {}
    issues: list[ColumnIssue] = []
    seen: set[str] = set()
    for i, header in enumerate(headers):
        label = "" if header is None else str(header).strip().lstrip("\ufeff")
        if not label:
            continue
        name = km.canonical(label)
        if name is None:
            issues.append(ColumnIssue("column_unknown", label))
        elif name in seen:
            issues.append(ColumnIssue("column_duplicate", name))
        else:
            seen.add(name)
            positions[i] = name
    filled = _FILLED.get(kind, ())
    issues.extend(
        ColumnIssue("column_missing", c)
        for c in table_schema(kind).required
        if c not in seen and c not in filled
    )
    return positions, issues


class _Writer:
    """Append text batches with row numbers to a staging Parquet file."""

    def __init__(self, dest: Path, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.schema = pa.schema([("_row", pa.int64())] + [(c, pa.string()) for c in self.columns])
        self.writer = pq.ParquetWriter(str(dest), self.schema, compression="none")
        self.rows = 0

    def write(self, arrays: Sequence[pa.Array], rows: pa.Array | None = None) -> None:
        n = len(arrays[0]) if arrays else 0
        if n == 0:
            return
        numbers = (
            rows
            if rows is not None
            else pa.array(range(self.rows + 1, self.rows + n + 1), pa.int64())
        )
        self.writer.write_batch(pa.record_batch([numbers, *arrays], schema=self.schema))
        self.rows += n

    def close(self) -> None:
        self.writer.close()


def _stage_csv(
    path: Path,
    text_path: Path,
    km: KindMapping,
    dest: Path,
    advance: Advance,
) -> tuple[int, tuple[str, ...], str, int, list[ColumnIssue]]:
    import pyarrow.csv as pacsv

    delimiter, index, headers = _csv_layout(text_path, km)
    positions, issues = _resolve(km.kind, headers, km)
    names = [f"c{i}" for i in range(len(headers))]
    bad: list[int] = []

    def invalid(row: Any) -> str:
        bad.append(row.actual_columns)
        return "skip"

    writer = _Writer(dest, list(positions.values()))
    reader = pacsv.open_csv(
        str(text_path),
        read_options=pacsv.ReadOptions(skip_rows=index + 1, column_names=names, block_size=_BLOCK),
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
        writer.write([batch.column(i) for i in positions])
        done += _BLOCK
        advance(min(done, size))
    writer.close()
    if bad:
        issues = issues + _ragged(text_path, delimiter, index, len(headers))
    return writer.rows, tuple(positions.values()), delimiter, index + 1, issues


def _ragged(path: Path, delimiter: str, index: int, width: int) -> list[ColumnIssue]:
    """Return the rows whose number of fields differs from the header's (first 100).

    Only run when the fast reader met such rows: it cannot say which data rows they were.
    """
    found = []
    with path.open("r", encoding="utf-8", newline="") as fh:
        records = csv.reader(fh, delimiter=delimiter)
        for number, record in enumerate(records, start=-index):
            if number >= 1 and record and len(record) != width:
                detail = f"{len(record)} kolom/columns, {width} expected"
                found.append(ColumnIssue("file_unreadable", None, detail, number))
                if len(found) == 100:
                    break
    return found


def _cell(value: Any) -> str | None:
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


def _stage_xlsx(
    path: Path, km: KindMapping, dest: Path
) -> tuple[int, tuple[str, ...], str, int, list[ColumnIssue]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        return 0, (), "", 1, [ColumnIssue("file_unreadable", None, str(exc))]
    try:
        if km.sheet is not None and km.sheet not in book.sheetnames:
            return (
                0,
                (),
                km.sheet,
                1,
                [ColumnIssue("file_unreadable", None, f"sheet {km.sheet!r} not found")],
            )
        sheet = book[km.sheet] if km.sheet else book.worksheets[0]
        rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        head = [r for _, r in zip(range(_SCAN_ROWS), rows, strict=False)]
        if not head:
            return 0, (), sheet.title, 1, [ColumnIssue("file_empty", None)]
        index, _ = _header(head, km)
        headers = ["" if v is None else str(v) for v in head[index]]
        positions, issues = _resolve(km.kind, headers, km)
        writer = _Writer(dest, list(positions.values()))
        buffer: list[list[str | None]] = [[] for _ in positions]
        numbers: list[int] = []

        def flush() -> None:
            writer.write(
                [pa.array(col, pa.string()) for col in buffer], pa.array(numbers, pa.int64())
            )
            for col in buffer:
                col.clear()
            numbers.clear()

        data = (r for part in (head[index + 1 :], rows) for r in part)
        for number, row in enumerate(data, start=1):
            cells = [_cell(row[i]) if i < len(row) else None for i in positions]
            if all(c is None for c in cells):
                continue
            for col, cell in zip(buffer, cells, strict=True):
                col.append(cell)
            numbers.append(number)
            if len(numbers) >= _BATCH:
                flush()
        flush()
        writer.close()
        return writer.rows, tuple(positions.values()), sheet.title, index + 1, issues
    finally:
        book.close()


def _stage_parquet(
    path: Path, km: KindMapping, dest: Path
) -> tuple[int, tuple[str, ...], list[ColumnIssue]]:
    try:
        source = pq.ParquetFile(str(path))
    except (pa.ArrowException, OSError) as exc:
        return 0, (), [ColumnIssue("file_unreadable", None, str(exc))]
    positions, issues = _resolve(km.kind, source.schema_arrow.names, km)
    writer = _Writer(dest, list(positions.values()))
    for batch in source.iter_batches(batch_size=_BATCH * 4):
        writer.write([batch.column(i).cast(pa.string()) for i in positions])
    writer.close()
    return writer.rows, tuple(positions.values()), issues


def stage(source: SourceFile, mapping: SourceMapping, folder: Path, advance: Advance) -> Staged:
    """Stage one source file as all-text Parquet in ``folder``; shape problems become issues."""
    km = mapping.of(source.kind)
    dest = folder / f"{source.kind}_{source.programme or 'all'}.parquet"
    fmt = source.path.suffix.lower().lstrip(".")
    size = source.path.stat().st_size
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row = 1
    if fmt == "csv":
        sha, utf8, bom = _digest(source.path)
        encoding = ("utf-8-sig" if bom else "utf-8") if utf8 else _legacy_encoding(source.path)
        text_path = source.path
        if encoding != "utf-8":
            text_path = folder / f"{dest.stem}.utf8.csv"
            _transcode(source.path, encoding, text_path)
        rows, columns, delimiter, header_row, issues = _stage_csv(
            source.path, text_path, km, dest, advance
        )
        if text_path != source.path:
            text_path.unlink()
    else:
        sha = _digest(source.path)[0]
        if fmt == "xlsx":
            rows, columns, sheet, header_row, issues = _stage_xlsx(source.path, km, dest)
        else:
            rows, columns, issues = _stage_parquet(source.path, km, dest)
        advance(size)
    if rows == 0 and not any(i.rule in ("file_unreadable", "file_empty") for i in issues):
        issues = [*issues, ColumnIssue("file_empty", None)]
    return Staged(
        source,
        dest,
        rows,
        columns,
        sha,
        size,
        encoding,
        delimiter,
        header_row,
        sheet,
        tuple(issues),
    )
