"""The context every workflow runs in: settings, parameter kit, engine, database, acting user.

A :class:`Workspace` is opened once per use (a command, a web request, a notebook session) and
closed in one place::

    with Workspace.open("rpkd-workspace", actor="sekretariat") as ws:
        figures = poverty_figures(ws, "dtsen-2025q3")

The parameter kit is read once, as values; the table engine (DuckDB or Spark) and the
application database are opened on first use and closed by :meth:`Workspace.close`. The acting
user is resolved from the database on first use (a workspace without users acts as the local
admin, see :func:`rpkd.access.users.acting`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from rpkd import params
from rpkd.settings import Lang, Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database
    from sqlalchemy.orm import Session

    from rpkd import engine as eng
    from rpkd.access.roles import Grant


_UNIT: ContextVar[tuple[Database, Session] | None] = ContextVar("rpkd_unit", default=None)
"""The transaction of the :meth:`Workspace.atomic` block running in this thread or task."""


@dataclass(frozen=True)
class Actor:
    """The user a workflow acts for, with the grants that decide what it may do."""

    username: str
    grants: tuple[Grant, ...]


class Workspace:
    """Settings, kit, engine, database and actor of one workspace; a context manager.

    Build it with :meth:`open` (or from resolved :class:`Settings`); use it in a ``with`` block
    or call :meth:`close`.
    """

    def __init__(self, settings: Settings, *, actor: str | None = None) -> None:
        self.settings = settings
        self._actor_name = actor
        self._engine: eng.Engine | None = None
        self._opening: _EngineOpening | None = None
        self._database: Database | None = None
        self._shared: Workspace | None = None

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        engine: str | None = None,
        lang: str | None = None,
        actor: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Workspace:
        """Return the workspace at ``path`` (argument > ``RPKD_*`` env > rpkd.toml > default).

        ``actor`` defaults to ``RPKD_USER``.
        """
        import os

        env = os.environ if environ is None else environ
        settings = load_settings(path, engine=engine, lang=lang, environ=env)
        return cls(settings, actor=actor if actor is not None else env.get("RPKD_USER") or None)

    def acting(self, actor: Actor, *, lang: Lang | None = None) -> Workspace:
        """Return a workspace for one request of a server, acting for ``actor`` (already
        resolved, e.g. from a signed-in session), in ``lang`` (default: this one's).

        It shares this workspace's settings, kit and application database (opened once per
        server process, a connection pool for every request) and opens its own table engine on
        first use; closing it closes only that engine.
        """
        settings = self.settings if lang is None else replace(self.settings, lang=lang)
        child = Workspace(settings, actor=actor.username)
        child._shared = self
        child.__dict__["actor"] = actor
        child.__dict__["kit"] = self.kit
        return child

    # --- values --------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.settings.workspace

    @property
    def lang(self) -> Lang:
        return self.settings.lang

    @cached_property
    def kit(self) -> params.Kit:
        """The parameter kit with this workspace's overrides, read once."""
        return params.load_kit(self.path)

    # --- resources opened on first use --------------------------------------------------

    @property
    def engine(self) -> eng.Engine:
        """The table engine (DuckDB or Spark), opened on first use."""
        if self._engine is None:
            opening, self._opening = self._opening, None
            if opening is not None:
                self._engine = opening.result()
            else:
                from rpkd import engine as eng

                self._engine = eng.connect(self.settings)
        return self._engine

    def open_engine_early(self) -> None:
        """Start opening the DuckDB engine in a background thread, so that its imports and
        connection overlap work that does not need it (reading a data file); :attr:`engine`
        waits for it and raises what opening raised.

        The imports alone (Ibis, sqlglot, the DuckDB backend) take about 0.3 s of a 1.5 s
        ``rpkd survey estimate``; the file's reading and parsing run in Arrow, which releases
        the interpreter. Spark is always opened where it is used: its start-up installs the
        Ctrl-C handler that cancels running jobs, which Python allows only in the main thread.
        """
        if self._engine is None and self._opening is None and self.settings.engine == "duckdb":
            self._opening = _EngineOpening(self.settings)

    @property
    def engine_open(self) -> bool:
        """Whether this workspace has opened (or is opening) its table engine (:meth:`close`
        releases it)."""
        return self._engine is not None or self._opening is not None

    @property
    def database(self) -> Database:
        """The application database with its schema at the latest migration, opened on first use."""
        if self._shared is not None:
            return self._shared.database
        if self._database is None:
            from rpkd.store import open_database

            self._database = open_database(self.settings)
        return self._database

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a database session in one transaction (committed on success, else rolled back)."""
        from rpkd.store import session

        database = self.database
        unit = _UNIT.get()
        if unit is not None and unit[0] is database:
            with unit[1].begin_nested():  # a failure inside rolls back to here only
                yield unit[1]
            return
        with session(database) as db:
            yield db

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Make every :meth:`transaction` opened inside the block (in this thread or task) part
        of one transaction, committed when the block ends, rolled back whole on any error: a
        write and its audit row are kept together or not at all. Each inner transaction is a
        savepoint of it."""
        from rpkd.store import session

        if _UNIT.get() is not None:  # already inside one
            yield
            return
        database = self.database
        with session(database) as db:
            token = _UNIT.set((database, db))
            try:
                yield
            finally:
                _UNIT.reset(token)

    @cached_property
    def actor(self) -> Actor:
        """The acting user and grants (the local admin in a workspace without users)."""
        from rpkd.access import users

        with self.transaction() as db:
            name, grants = users.acting(db, self._actor_name)
        return Actor(name, grants)

    def close(self) -> None:
        """Close the engine and the database (safe to call twice)."""
        engine, self._engine = self._engine, None
        opening, self._opening = self._opening, None
        database, self._database = self._database, None
        try:
            if opening is not None:
                engine = opening.opened()
            if engine is not None:
                from rpkd import engine as eng

                eng.close(engine)
        finally:
            if database is not None:
                database.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _EngineOpening:
    """A table engine being opened in a thread (see :meth:`Workspace.open_engine_early`)."""

    def __init__(self, settings: Settings) -> None:
        import threading

        self._engine: eng.Engine | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._open, args=(settings,), daemon=True)
        self._thread.start()

    def _open(self, settings: Settings) -> None:
        try:
            from rpkd import engine as eng

            self._engine = eng.connect(settings)
        except BaseException as exc:  # re-raised in the thread that asks for the engine
            self._error = exc

    def result(self) -> eng.Engine:
        """Return the opened engine, or raise what opening it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._engine is not None
        return self._engine

    def opened(self) -> eng.Engine | None:
        """Return the engine once the thread is done, None when opening it failed (unused)."""
        self._thread.join()
        return self._engine
