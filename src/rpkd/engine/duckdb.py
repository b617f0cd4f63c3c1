"""DuckDB in-process backend: the default engine for a district on a laptop."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import duckdb
import ibis
import pyarrow as pa

from rpkd.engine.compiled import CompiledShapes
from rpkd.errors import MissingExtra, UsageError

if TYPE_CHECKING:
    from ibis.expr.types import Table


class DuckDBBackend:
    """One in-memory DuckDB database that spills to a temporary directory when memory is short."""

    name: Final = "duckdb"

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None) -> None:
        config: dict[str, Any] = {"temp_directory": tempfile.gettempdir()}
        if memory_limit:
            config["memory_limit"] = memory_limit
        if threads:
            config["threads"] = threads
        try:
            self.native = duckdb.connect(":memory:", config=config)
        except duckdb.ParserException as exc:  # the one setting DuckDB parses is memory_limit
            if not memory_limit:
                raise
            raise UsageError(
                "memory_limit_invalid", param="memory_limit", value=memory_limit
            ) from exc
        self.ibis = ibis.duckdb.from_connection(self.native)
        self.ibis.compile = CompiledShapes(self.ibis.compile)  # every query compiles here

    def read_parquet(self, paths: Sequence[str], name: str) -> Table:
        # A folder (as Spark writes) stands for the Parquet files inside it.
        files = [f"{p}/**/*.parquet" if Path(p).is_dir() else p for p in paths]
        return self.ibis.read_parquet(files, table_name=name)

    def from_arrow(self, data: pa.Table, name: str) -> Table:
        self.native.register(name, data)
        return self.ibis.table(name)

    def read_csv(self, path: str, name: str, columns: Sequence[str], delimiter: str) -> Table:
        relation = self.native.read_csv(
            path,
            header=True,
            delimiter=delimiter,
            quotechar='"',
            all_varchar=True,
            encoding="utf-8",
            null_padding=True,
            strict_mode=False,
        )
        self.native.register(name, relation)
        present = set(relation.columns)
        table = self.ibis.table(name)
        return table.select([c for c in columns if c in present]) if columns else table

    def write_parquet(self, expr: Table, path: str) -> None:
        self.ibis.to_parquet(expr, path, compression="zstd")

    def batches(self, expr: Table, rows: int) -> Iterator[pa.RecordBatch]:
        reader = self.native.sql(str(self.ibis.compile(expr))).to_arrow_reader(rows)
        yield from reader

    def linkage_api(self) -> Any:
        try:
            from splink import DuckDBAPI
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise MissingExtra("splink", "linkage") from exc
        return DuckDBAPI(connection=self.native)

    def materialise(self, expr: Table, name: str) -> Table:
        sql = str(self.ibis.compile(expr))
        self.native.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
        return self.ibis.table(name)

    def close(self) -> None:
        self.native.close()
