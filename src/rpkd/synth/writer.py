"""Streaming table sinks: CSV (UTF-8, header, ISO dates, true/false, empty = missing) or Parquet.

Tables are written chunk by chunk (``pyarrow.csv.CSVWriter`` / ``pyarrow.parquet.ParquetWriter``)
so that no table is ever held whole in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rpkd.releases.schema import TableSchema

FileFormat = Literal["csv", "parquet"]

_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}


def coded(table: TableSchema) -> tuple[str, ...]:
    """Return the columns worth dictionary-encoding: code lists, booleans and desa codes."""
    return tuple(
        c.name for c in table.columns if c.codes or c.dtype == "bool" or c.name == "desa_code"
    )


def arrow_schema(table: TableSchema) -> pa.Schema:
    """Return the Arrow schema of a release table (columns in canonical order)."""
    return pa.schema([pa.field(c.name, _TYPES[c.dtype]) for c in table.columns])


class Sink:
    """One output file, opened lazily on the first write so that its schema is known."""

    def __init__(
        self,
        path: Path,
        fmt: FileFormat,
        schema: pa.Schema,
        dictionary: tuple[str, ...] = (),
        *,
        keep_empty: bool = True,
    ) -> None:
        self.path, self.fmt, self.schema = path, fmt, schema
        self.keep_empty = keep_empty
        self.dictionary = [name for name in dictionary if name in schema.names]
        self.rows = 0
        self._writer: pacsv.CSVWriter | pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (columns are selected and cast to the sink's schema)."""
        table = table.select(self.schema.names).cast(self.schema)
        if self._writer is None:
            self._writer = self._open()
        self._writer.write_table(table)
        self.rows += table.num_rows

    def _open(self) -> pacsv.CSVWriter | pq.ParquetWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "parquet":
            # dictionary-encode only code columns: identifiers and names would only fall back
            return pq.ParquetWriter(
                self.path,
                self.schema,
                compression="snappy",
                use_dictionary=self.dictionary,
                write_statistics=False,
            )
        options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
        return pacsv.CSVWriter(self.path, self.schema, write_options=options)

    def close(self) -> None:
        """Close the file, writing an empty table with header if nothing was written; with
        ``keep_empty=False`` a sink that received no row leaves no file (a programme without
        beneficiaries in a small district has no list, as an agency would send none)."""
        if self._writer is None:
            if not self.keep_empty:
                return
            self._writer = self._open()
        self._writer.close()
        if self.rows == 0 and not self.keep_empty:
            self.path.unlink()
