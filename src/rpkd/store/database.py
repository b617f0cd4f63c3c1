"""Open the application database and bring its schema to the latest migration.

Opening a workspace runs ``alembic upgrade head`` programmatically, so a database is never
behind the code. SQLite gets foreign keys switched on for every connection, write-ahead logging (readers
never wait for a writer, nor a writer for readers) and a busy timeout (a writer waits for
another writer instead of failing).

A PostgreSQL server that restarts under a running process (a web server's pool) costs only the
requests it interrupts: each checked-out connection is pinged first (``pool_pre_ping``, which
also throws away the pool's connections from before the restart), a connection attempt gives up
after :data:`CONNECT_TIMEOUT` seconds, and a transaction that loses its server ends with the coded
error ``database_unavailable`` (:class:`~rpkd.errors.Unavailable`) after its rollback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rpkd.errors import InvalidInput, MissingExtra, Unavailable, UsageError
from rpkd.settings import Settings

SQLITE_BUSY_MS = 30_000  # how long a SQLite transaction waits for another writer
SQLITE_FULL = 13  # sqlite3 result code: "database or disk is full"
CONNECT_TIMEOUT = 10  # seconds a PostgreSQL connection attempt may take (libpq connect_timeout)
SERVER_GONE = ("08", "57P01", "57P02", "57P03")
"""SQLSTATEs of a lost server: class 08 (connection exception), admin or crash shutdown,
"cannot connect now" (starting up or shutting down)."""


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and transactional DDL; SQLAlchemy's
    # documented recipe turns it off and emits BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # The audit chain hashes inside its INSERT statement (rpkd.access.audit_chain).
    dbapi_connection.create_function("rpkd_sha256", 1, sha256_hex, deterministic=True)


def sha256_hex(value: str) -> str:
    """Return SHA-256 of ``value`` (UTF-8) in hexadecimal (SQL function ``rpkd_sha256``)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _sqlite_begin(connection: Any) -> None:
    # Reads begin deferred, so concurrent requests read side by side (WAL); a transaction that
    # must not fail on a stale snapshot when it starts writing (a migration) asks for the write
    # lock up front with the execution option ``sqlite_begin="immediate"``.
    immediate = connection.get_execution_options().get("sqlite_begin") == "immediate"
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def connect(url: str) -> Engine:
    """Return an SQLAlchemy engine for ``url`` (SQLite folders are created as needed)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:  # the URL is not echoed: it may hold a password
        raise UsageError("database_url_invalid", param="database_url") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            timeout = (
                {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT}
            )
            return create_engine(url, pool_pre_ping=True, connect_args=timeout)
        except ModuleNotFoundError as exc:
            raise MissingExtra("psycopg", "postgres") from exc
    raise UsageError(
        "database_unsupported",
        param="database_url",
        backend=parsed.get_backend_name(),
        allowed=("sqlite", "postgresql"),
    )


def alembic_config() -> Config:
    """Return the Alembic configuration of the shipped migrations.

    The migration environment runs on the connection put in ``config.attributes["connection"]``.
    """
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("rpkd").joinpath("store/migrations"))
    )
    return config


MIGRATION_LOCK = 0x72706B64  # "rpkd": the PostgreSQL advisory lock held while migrating


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (``alembic upgrade head``) on ``engine``.

    On PostgreSQL the migration runs under a transaction-level advisory lock, so several
    processes opening a new database at once (web workers behind a proxy) migrate it once: the
    others wait, then find it at head. On SQLite it takes the write lock when it begins.
    """
    config = alembic_config()
    with _disk_full(), engine.connect() as connection:
        connection.execution_options(sqlite_begin="immediate")
        with connection.begin():
            _migrate(connection, config)


@contextmanager
def _disk_full() -> Iterator[None]:
    """Turn SQLite's ``database or disk is full`` (SQLITE_FULL) into the coded ``disk_full``.

    The transaction is rolled back when the error reaches its block, so nothing was written.
    """
    try:
        yield
    except OperationalError as exc:
        if getattr(exc.orig, "sqlite_errorcode", None) != SQLITE_FULL:
            raise
        raise InvalidInput("disk_full") from exc


def _migrate(connection: Any, config: Config) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def open_database(settings: Settings) -> Engine:
    """Return the workspace's database engine with its schema at the latest migration."""
    engine = connect(settings.database)
    upgrade(engine)
    return engine


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """Yield one session in one transaction: committed on success, rolled back on any error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with _server_gone(), _disk_full(), factory() as active, active.begin():
        yield active


def server_gone(error: DBAPIError) -> bool:
    """Return whether ``error`` says the database server cannot be reached or dropped the
    connection (never for SQLite, whose errors carry no SQLSTATE)."""
    if error.connection_invalidated:
        return True
    missing = object()
    state = getattr(error.orig, "sqlstate", missing)
    if state is missing:  # SQLite
        return False
    if state is None:  # the driver's own connection failures carry no SQLSTATE
        return isinstance(error, OperationalError | InterfaceError)
    return str(state).startswith(SERVER_GONE)


@contextmanager
def _server_gone() -> Iterator[None]:
    """Turn a lost database server into the coded ``database_unavailable``.

    The transaction never began or was rolled back with its connection; only a ``COMMIT`` the
    server carried out just before the connection broke can have been kept, whole.
    """
    try:
        yield
    except DBAPIError as exc:
        if not server_gone(exc):
            raise
        raise Unavailable("database_unavailable") from exc
