"""The one door to table engines (DESIGN.md §5): Ibis over DuckDB by default, PySpark at scale.

Everything that queries registry-scale tables takes an :class:`Engine` and builds Ibis
expressions; only this package imports ``duckdb`` or ``pyspark``. Each backend is a small
class in its own module; nothing outside this package branches on the engine name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from rpkd.errors import UsageError
from rpkd.settings import EngineName, Settings

if TYPE_CHECKING:
    from ibis.expr.types import Table

__all__ = [
    "Engine",
    "batches",
    "close",
    "connect",
    "fetch",
    "linkage_api",
    "materialise",
    "named",
    "read_csv",
    "table",
    "write_parquet",
]

PathLike = str | Path


class Backend(Protocol):
    """What each engine module provides; the rest of rpkd never sees it."""

    @property
    def name(self) -> EngineName: ...

    ibis: Any  # the Ibis backend (ibis.BaseBackend)
    native: Any  # duckdb connection or SparkSession, handed to Splink

    def read_parquet(self, paths: Sequence[str], name: str) -> Table: ...

    def from_arrow(self, data: pa.Table, name: str) -> Table: ...

    def read_csv(self, path: str, name: str, columns: Sequence[str], delimiter: str) -> Table: ...

    def write_parquet(self, expr: Table, path: str) -> None: ...

    def batches(self, expr: Table, rows: int) -> Iterator[pa.RecordBatch]: ...

    def linkage_api(self) -> Any: ...

    def materialise(self, expr: Table, name: str) -> Table: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Engine:
    """An open engine: pass it to functions that build queries; close it when done."""

    backend: Backend

    @property
    def name(self) -> EngineName:
        return self.backend.name


def connect(settings: Settings | None = None, *, name: EngineName | None = None) -> Engine:
    """Open the engine named in ``settings`` (DuckDB in-process unless ``spark`` is chosen)."""
    settings = settings or Settings()
    chosen = name or settings.engine
    if chosen == "duckdb":
        from rpkd.engine.duckdb import DuckDBBackend

        return Engine(DuckDBBackend(memory_limit=settings.memory_limit, threads=settings.threads))
    if chosen == "spark":
        from rpkd.engine.spark import SparkBackend

        return Engine(SparkBackend(master=settings.spark_master))
    raise UsageError("engine_unknown", param="engine", value=chosen, allowed=("duckdb", "spark"))


_counter = iter(range(1, 1 << 62))


def _name(prefix: str) -> str:
    return f"rpkd_{prefix}_{next(_counter)}"


def table(
    engine: Engine, source: PathLike | Sequence[PathLike] | pa.Table, name: str | None = None
) -> Table:
    """Return an Ibis table over Parquet file(s) or an in-memory Arrow table."""
    if isinstance(source, pa.Table):
        return engine.backend.from_arrow(source, name or _name("arrow"))
    paths = [str(source)] if isinstance(source, str | Path) else [str(p) for p in source]
    return engine.backend.read_parquet(paths, name or _name("parquet"))


def read_csv(
    engine: Engine,
    path: PathLike,
    columns: Sequence[str],
    *,
    delimiter: str = ",",
    name: str | None = None,
) -> Table:
    """Return a CSV file (UTF-8, with a header row) as a table whose ``columns`` are all strings.

    Every value is read as text so that validation, not the reader, decides what is wrong.
    """
    return engine.backend.read_csv(str(path), name or _name("csv"), list(columns), delimiter)


def fetch(expr: Table, *, limit: int | None = None) -> pa.Table:
    """Execute ``expr`` and return its rows as Arrow."""
    if limit is not None:
        expr = expr.limit(limit)
    return expr.to_pyarrow()


def batches(engine: Engine, expr: Table, *, rows: int = 1_000_000) -> Iterator[pa.RecordBatch]:
    """Execute ``expr`` and stream its rows as Arrow record batches of at most ``rows`` rows."""
    yield from engine.backend.batches(expr, rows)


def write_parquet(engine: Engine, expr: Table | pa.Table, path: PathLike) -> None:
    """Write ``expr`` (or an Arrow table) to one Parquet file at ``path``."""
    if isinstance(expr, pa.Table):
        pq.write_table(expr, str(path), compression="zstd")
        return
    engine.backend.write_parquet(expr, str(path))


def linkage_api(engine: Engine) -> Any:
    """Return a Splink database API bound to this engine's connection or session."""
    return engine.backend.linkage_api()


def materialise(engine: Engine, expr: Table, name: str) -> Table:
    """Compute ``expr`` once into a session table called ``name`` and return that table.

    Use it where a costly expression is read many times, or where a library handed the same
    connection (Splink through :func:`linkage_api`) must find it by name.
    """
    return engine.backend.materialise(expr, name)


def named(engine: Engine, name: str) -> Table:
    """Return the session table called ``name`` (one written by :func:`materialise` or Splink)."""
    table: Table = engine.backend.ibis.table(name)
    return table


def close(engine: Engine) -> None:
    """Release the engine's connection or session."""
    engine.backend.close()


def literal_table(engine: Engine, columns: Mapping[str, Sequence[object]]) -> Table:
    """Return a small table from Python columns (parameter lists, code lists)."""
    return table(engine, pa.table(dict(columns)))
