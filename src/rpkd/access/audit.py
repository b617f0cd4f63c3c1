"""The append-only audit log: who did what, when, on which release, to how many records.

Entries hold parameters but never personal data: :func:`record` refuses parameter keys that
name personal-data columns and values that look like a NIK or KK number. There is no update or
delete function, and the database refuses UPDATE and DELETE on the table with a trigger (on
PostgreSQL and on SQLite; migrations 0001 and 0010). Each row carries the hash of the row
before it and of its own content (:mod:`rpkd.access.audit_chain`), so an edit made by someone
who drops the triggers is found by :func:`rpkd.access.audit_chain.verify`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from rpkd.access import audit_chain
from rpkd.errors import InvalidInput
from rpkd.store import Base, UtcDateTime, utcnow

PII_KEYS = frozenset(
    {"nik", "no_kk", "kk", "nama", "name", "alamat", "address", "phone", "telepon"}
)
_ID_NUMBER = re.compile(r"\b\d{16}\b")


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    release: Mapped[str | None] = mapped_column(String(200))
    records: Mapped[int | None] = mapped_column(Integer)
    parameters: Mapped[str] = mapped_column(Text, default="{}")
    scope: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


@dataclass(frozen=True)
class AuditEntry:
    """One audit entry."""

    id: int
    at: datetime
    username: str
    action: str
    release: str | None
    records: int | None
    parameters: dict[str, Any]
    scope: str | None = None


def _check_parameters(parameters: Mapping[str, Any]) -> str:
    bad = sorted(k for k in parameters if k.casefold() in PII_KEYS)
    if bad:
        raise InvalidInput("audit_pii", param=bad[0], fields=bad)
    text = json.dumps(dict(parameters), ensure_ascii=False, sort_keys=True, default=str)
    if _ID_NUMBER.search(text):
        raise InvalidInput("audit_pii_number", param="parameters")
    return text


def record(
    session: Session,
    username: str,
    action: str,
    *,
    release: str | None = None,
    records: int | None = None,
    parameters: Mapping[str, Any] | None = None,
    scope: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    ``scope`` says where the action applied (``region=62.03.01, agency=dinsos``).
    """
    at = utcnow()
    text = _check_parameters(parameters or {})
    row_id = audit_chain.append(session, at, username, action, release, records, text, scope)
    return AuditEntry(row_id, at, username, action, release, records, json.loads(text), scope)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.id,
        row.at,
        row.username,
        row.action,
        row.release,
        row.records,
        json.loads(row.parameters),
        row.scope,
    )


def entries(
    session: Session,
    *,
    username: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[AuditEntry, ...]:
    """Return audit entries in time order, filtered by user, action prefix and time range."""
    query = select(AuditRow).order_by(AuditRow.id)
    if username is not None:
        query = query.where(AuditRow.username == username)
    if action is not None:
        query = query.where(AuditRow.action.startswith(action))
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if until is not None:
        query = query.where(AuditRow.at < until)
    return tuple(_entry(r) for r in session.scalars(query))
