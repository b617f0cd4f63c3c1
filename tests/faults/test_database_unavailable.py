"""A lost database server is the coded ``database_unavailable``, found fast; other database
errors stay what they are (a SQLite error never means the server is gone)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from rpkd.errors import Unavailable
from rpkd.store import connect, session


def test_a_postgres_server_that_does_not_answer_is_unavailable() -> None:
    pytest.importorskip("psycopg")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = connect(f"postgresql+psycopg://rpkd@127.0.0.1:{port}/postgres")
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught, session(engine) as db:
        db.execute(text("SELECT 1"))
    assert caught.value.code == "database_unavailable"
    assert "the application database cannot be reached" in caught.value.message("en")
    assert time.monotonic() - started < 5
    engine.dispose()


def test_a_sqlite_error_is_not_a_lost_server(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'rpkd.db'}")
    with pytest.raises(OperationalError), session(engine) as db:
        db.execute(text("SELECT * FROM no_such_table"))
    engine.dispose()
