"""The audit log's hash chain: each row carries SHA-256 of the previous row's hash and its own content.

A row's **content** is a canonical text (JSON, keys sorted, no spaces, UTF-8) of every field
but its id: time (UTC, microseconds), user, action, release, records, parameters and scope.
Its **hash** is ``SHA-256(prev_hash + "\\n" + content)`` in hexadecimal, ``prev_hash`` being the
hash of the row before it (:data:`GENESIS` for the first). Editing a row changes its content,
so its hash no longer matches; deleting or inserting a row breaks the next row's link; either is
found by :func:`verify`, which names the first broken row. (Removing the newest rows leaves a
shorter chain that still verifies: compare the head hash with one kept elsewhere, e.g. a
backup's manifest.)

The chain is written under a lock so that concurrent writers keep one chain: the new row is
inserted by one ``INSERT ... SELECT`` that reads the previous hash and computes the new one
inside the database (SQLite: the statement holds the write lock, and ``rpkd_sha256`` is a
function registered on every connection; PostgreSQL: its built-in ``sha256`` after a
transaction-level advisory lock, so the next writer waits until this transaction ends).

References
----------
Schneier & Kelsey (1999), "Secure audit logs to support computer forensics", ACM TISSEC 2(2);
Crosby & Wallach (2009), "Efficient data structures for tamper-evident logging", USENIX Security.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from rpkd.store import UtcDateTime
from rpkd.store.chain import GENESIS, content, link

CHAIN_LOCK = 0x72706B65  # PostgreSQL advisory lock of audit writers ("rpke")
Break = Literal["link", "content", "unhashed"]


_COLUMNS = "at, username, action, release, records, parameters, scope, prev_hash, hash"
_INSERT = """
INSERT INTO audit_log ({columns})
SELECT :at, :username, :action, :release, :records, :parameters, :scope, head.h, {digest}
FROM (SELECT COALESCE((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), :genesis) AS h)
  AS head
RETURNING id
"""
_DIGEST = {
    "sqlite": "rpkd_sha256(head.h || :tail)",
    "postgresql": "encode(sha256(convert_to(head.h || :tail, 'UTF8')), 'hex')",
}


def append(
    session: Session,
    at: datetime,
    username: str,
    action: str,
    release: str | None,
    records: int | None,
    parameters: str,
    scope: str | None,
) -> int:
    """Insert one chained row in ``session``'s transaction and return its id.

    Pending ORM changes of the session are flushed first, so rows keep the order in which the
    caller made them.
    """
    session.flush()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    statement = text(_INSERT.format(columns=_COLUMNS, digest=_DIGEST[dialect])).bindparams(
        bindparam("at", type_=UtcDateTime())
    )
    tail = "\n" + content(at, username, action, release, records, parameters, scope)
    values: dict[str, Any] = {
        "at": at,
        "username": username,
        "action": action,
        "release": release,
        "records": records,
        "parameters": parameters,
        "scope": scope,
        "genesis": GENESIS,
        "tail": tail,
    }
    return int(session.execute(statement, values).scalar_one())


@dataclass(frozen=True)
class BrokenRow:
    """The first row where the chain breaks: its id and why.

    ``link``: its previous hash is not the hash of the row before it (a row was deleted,
    inserted or re-hashed before it); ``content``: its hash does not match its own content
    (the row was edited); ``unhashed``: it carries no hash.
    """

    id: int
    reason: Break
    expected: str | None
    found: str | None


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify` found: rows checked, the head hash, the first broken row if any."""

    rows: int
    head: str
    broken: BrokenRow | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _rows(session: Session) -> Iterator[Any]:
    statement = text(f"SELECT id, {_COLUMNS} FROM audit_log ORDER BY id").columns(at=UtcDateTime())
    yield from session.execute(statement.execution_options(yield_per=10_000))


def verify(session: Session) -> ChainCheck:
    """Recompute the chain over every row in id order; return the first broken row, if any."""
    prev, rows = GENESIS, 0
    for row in _rows(session):
        rows += 1
        if row.hash is None or row.prev_hash is None:
            return ChainCheck(rows, prev, BrokenRow(row.id, "unhashed", None, None))
        if row.prev_hash != prev:
            return ChainCheck(rows, prev, BrokenRow(row.id, "link", prev, row.prev_hash))
        own = content(
            row.at, row.username, row.action, row.release, row.records, row.parameters, row.scope
        )
        expected = link(prev, own)
        if row.hash != expected:
            return ChainCheck(rows, prev, BrokenRow(row.id, "content", expected, row.hash))
        prev = row.hash
    return ChainCheck(rows, prev, None)
