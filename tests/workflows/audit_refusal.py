"""The audit write made to fail for real, and what a user could see of a workspace.

:func:`audit_refused` installs a trigger that refuses every new ``audit_log`` row (SQLite
``RAISE(ABORT)``, a PL/pgSQL ``RAISE EXCEPTION`` on PostgreSQL), as a full disk, a lost
connection or a broken chain lock would refuse it after the workflow's own write; the trigger
is removed afterwards. :func:`seen` is the workspace's files and folders (path -> SHA-256;
the SQLite database files left out) and every table's rows, to compare before and after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect, text

from rpkd.workflows.workspace import Workspace

REFUSAL = "audit write refused by the test"
"""The message of the trigger's error (what the failed workflow's exception carries)."""

_SQLITE = f"""CREATE TRIGGER audit_log_refused_by_test BEFORE INSERT ON audit_log
BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"""
_POSTGRES = (
    f"""CREATE FUNCTION audit_log_refused_by_test() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$""",
    """CREATE TRIGGER audit_log_refused_by_test BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refused_by_test()""",
)


@contextmanager
def audit_refused(ws: Workspace) -> Iterator[None]:
    """Make every audit row of ``ws``'s application database fail inside the block."""
    database = ws.database
    postgres = database.dialect.name == "postgresql"
    with database.begin() as connection:
        for statement in _POSTGRES if postgres else (_SQLITE,):
            connection.execute(text(statement))
    try:
        yield
    finally:
        with database.begin() as connection:
            if postgres:
                connection.execute(text("DROP TRIGGER audit_log_refused_by_test ON audit_log"))
                connection.execute(text("DROP FUNCTION audit_log_refused_by_test()"))
            else:
                connection.execute(text("DROP TRIGGER audit_log_refused_by_test"))


def seen(ws: Workspace) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Return the workspace's files (relative path -> SHA-256, a folder -> ``folder``) and
    every table's rows (sorted)."""
    files = {
        str(p.relative_to(ws.path)): (
            "folder" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
        )
        for p in sorted(Path(ws.path).rglob("*"))
        if not p.name.startswith("rpkd.db")
    }
    rows: dict[str, list[str]] = {}
    with ws.database.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            found = connection.execute(text(f'SELECT * FROM "{table}"'))
            rows[table] = sorted(repr(tuple(r)) for r in found)
    return files, rows
