"""Copy the application database out of and back into a backup folder.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database page by page
from one read transaction, so the copy is consistent while the web app writes; a restore copies
the file back the same way (into a new file, renamed into place by the caller).

PostgreSQL: a **logical copy through SQLAlchemy**, one Parquet file per table, read in one
``REPEATABLE READ READ ONLY`` transaction (one snapshot, as ``pg_dump`` takes it), and loaded
back in one transaction into a schema first migrated to the backup's revision, then upgraded to
the code's head. We chose it over ``pg_dump``/``pg_restore`` because a dump names its schema
(it cannot be loaded into another schema or database without editing), ``pg_dump`` must be at
least the server's major version (the Debian client beside a managed server often is not), and
no password has to be handed to a subprocess; the application database is small (users, plan,
realisations, audit log), so speed does not decide. Sequences are set past the largest id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from alembic import command
from sqlalchemy import Connection, Engine, MetaData, Table, text
from sqlalchemy.engine import make_url

from rpkd.errors import InvalidInput
from rpkd.store.database import alembic_config

VERSION_TABLE = "alembic_version"
_BATCH = 5_000


def sqlite_path(url: str) -> Path | None:
    """Return the file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def copy_sqlite(source: Path, dest: Path) -> None:
    """Copy the SQLite database ``source`` to the new file ``dest`` with the online backup API."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(dest)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def revision(connection: Connection) -> str | None:
    """Return the database's Alembic revision (None before the first migration)."""
    tables = MetaData()
    tables.reflect(connection, only=lambda name, _meta: name == VERSION_TABLE)
    if VERSION_TABLE not in tables.tables:
        return None
    found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return None if found is None else str(found)


def _tables(connection: Connection) -> list[Table]:
    meta = MetaData()
    meta.reflect(connection)
    return [t for t in meta.sorted_tables if t.name != VERSION_TABLE]


def rows_held(connection: Connection) -> int:
    """Return how many rows the application's tables hold (0 for an empty database)."""
    total = 0
    for table in _tables(connection):
        total += int(connection.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one())
    return total


def _arrow_type(column: Any) -> pa.DataType:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = None
    if kind is bool:
        return pa.bool_()
    if kind is int:
        return pa.int64()
    if kind is float:
        return pa.float64()
    if kind is datetime:
        return pa.timestamp("us", tz="UTC" if getattr(column.type, "timezone", False) else None)
    if kind is date:
        return pa.date32()
    if kind is str:
        return pa.string()
    if kind is bytes:
        return pa.binary()
    raise InvalidInput(
        "backup_type_unsupported", param="database", table=column.table.name, column=column.name
    )


def dump_tables(engine: Engine, folder: Path) -> dict[str, Any]:
    """Write every table of ``engine``'s schema to ``folder/<table>.parquet`` from one snapshot.

    Returns the revision and the rows written per table.
    """
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        rev = revision(connection)
        for table in _tables(connection):
            schema = pa.schema([(c.name, _arrow_type(c)) for c in table.columns])
            query = table.select().order_by(*table.primary_key.columns)
            result = connection.execution_options(yield_per=_BATCH).execute(query)
            with pq.ParquetWriter(str(folder / f"{table.name}.parquet"), schema) as writer:
                counts[table.name] = 0
                for part in result.partitions():
                    rows = [dict(r._mapping) for r in part]
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                    counts[table.name] += len(rows)
    return {"revision": rev, "tables": counts}


def _batches(path: Path) -> Iterator[list[dict[str, Any]]]:
    for batch in pq.ParquetFile(str(path)).iter_batches(batch_size=_BATCH):
        yield batch.to_pylist()


def clear_schema(connection: Connection) -> None:
    """Drop every table, function and sequence of the connection's schema (PostgreSQL)."""
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    for table in reversed(_tables(connection)):
        connection.execute(text(f'DROP TABLE IF EXISTS "{schema}"."{table.name}" CASCADE'))
    connection.execute(text(f'DROP TABLE IF EXISTS "{schema}"."{VERSION_TABLE}"'))
    functions = connection.execute(
        text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema"
        ),
        {"schema": schema},
    ).scalars()
    for function in list(functions):
        connection.execute(text(f"DROP FUNCTION IF EXISTS {function} CASCADE"))


def load_tables(connection: Connection, folder: Path, rev: str) -> dict[str, int]:
    """Migrate the (empty) schema to ``rev``, load the Parquet tables, then upgrade to head.

    Runs on ``connection`` inside the caller's transaction, so a failure leaves nothing.
    """
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, rev)
    counts: dict[str, int] = {}
    for table in _tables(connection):
        path = folder / f"{table.name}.parquet"
        counts[table.name] = 0
        if not path.is_file():
            continue
        for rows in _batches(path):
            connection.execute(table.insert(), rows)
            counts[table.name] += len(rows)
        _advance_sequences(connection, table)
    command.upgrade(config, "head")
    return counts


def _advance_sequences(connection: Connection, table: Table) -> None:
    for column in table.primary_key.columns:
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{table.name}"', "column": column.name},
        ).scalar()
        if sequence is not None:
            connection.execute(
                text(
                    f'SELECT setval(:sequence, COALESCE((SELECT max("{column.name}") '
                    f'FROM "{table.name}"), 0) + 1, false)'
                ),
                {"sequence": sequence},
            )
