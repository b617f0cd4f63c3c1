"""The audit log made tamper-evident: each row carries the hash of the previous one.

Adds ``prev_hash`` and ``hash`` to ``audit_log`` and back-fills the chain over the rows already
there, in id order (:mod:`rpkd.store.chain`); the append-only triggers are lifted for the
back-fill only, inside this migration's transaction. It also closes two ways round the triggers
of 0001: on PostgreSQL ``TRUNCATE`` (which fires no row trigger) is refused; on SQLite
``INSERT OR REPLACE`` of an existing id (a delete that fires no delete trigger) is refused.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rpkd.store import UtcDateTime
from rpkd.store.chain import GENESIS, content, link

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_MESSAGE = "audit_log is append-only"
_LOG = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", UtcDateTime()),
    sa.column("username", sa.String()),
    sa.column("action", sa.String()),
    sa.column("release", sa.String()),
    sa.column("records", sa.Integer()),
    sa.column("parameters", sa.Text()),
    sa.column("scope", sa.Text()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy), so the SQLite triggers of 0001 stay in place.
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("hash", sa.String(length=64), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    _back_fill()
    if postgres:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        op.execute(
            """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"""
        )
        return
    op.execute(
        f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"""
    )
    op.execute(
        f"""CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
        WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"""
    )


def _back_fill() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_LOG).order_by(_LOG.c.id)).all()
    prev = GENESIS
    for row in rows:
        own = content(
            row.at, row.username, row.action, row.release, row.records, row.parameters, row.scope
        )
        digest = link(prev, own)
        bind.execute(_LOG.update().where(_LOG.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    op.drop_column("audit_log", "hash")
    op.drop_column("audit_log", "prev_hash")
