"""Signed-in sessions and API tokens, stored hashed, with expiry; failed logins for rate limits.

A session (browser cookie) or an API token (OAuth2 bearer) is a random 256-bit value given to
the client once; the database keeps only its SHA-256, so a copy of the database opens no
session. A session carries its own CSRF token (OWASP CSRF Prevention Cheat Sheet, synchroniser
token pattern) and expires after :data:`SESSION_IDLE` without use or :data:`SESSION_LIFETIME`
after sign-in; an API token after :data:`TOKEN_LIFETIME`. Failed logins are counted per
username and per client address in a table (hashed keys: neither the names typed nor the
addresses are stored), so that several server processes share one limit (OWASP Authentication
Cheat Sheet, "Protect against automated attacks").
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, cast

from sqlalchemy import ForeignKey, Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from rpkd.access.roles import Grant, Role
from rpkd.access.users import GrantRow, User, UserRow, get_user
from rpkd.store import Base, UtcDateTime, utcnow

Kind = Literal["session", "token"]

SESSION_IDLE = timedelta(hours=2)
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_LIFETIME = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)
"""A session's last use is written at most this often (one write per minute, not per request)."""

ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20


class SessionRow(Base):
    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LoginAttemptRow(Base):
    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


@dataclass(frozen=True)
class Opened:
    """A session or token just opened: the secret ``token`` exists only in this value."""

    token: str
    kind: Kind
    user: User
    csrf_token: str | None
    expires_at: datetime


@dataclass(frozen=True)
class Found:
    """A live session or token: its user (with grants), CSRF token, expiry and last use."""

    kind: Kind
    user: User
    csrf_token: str | None
    expires_at: datetime
    created_at: datetime
    last_seen_at: datetime

    def touch_due(self, now: datetime | None = None) -> bool:
        """Return whether a session's last use is older than :data:`TOUCH_EVERY` (tokens: never)."""
        return self.kind == "session" and (now or utcnow()) - self.last_seen_at >= TOUCH_EVERY


def token_hash(token: str) -> str:
    """Return the SHA-256 (hex) under which a token is stored.

    Examples
    --------
    >>> len(token_hash("abc")), token_hash("abc") == token_hash("abc")
    (64, True)
    """
    return hashlib.sha256(token.encode()).hexdigest()


def _expiry(kind: str, created: datetime, last_seen: datetime) -> datetime:
    if kind == "token":
        return created + TOKEN_LIFETIME
    return min(created + SESSION_LIFETIME, last_seen + SESSION_IDLE)


def open_session(session: Session, username: str, kind: Kind) -> Opened:
    """Open a session (with a CSRF token) or an API token for the active user ``username``."""
    user = get_user(session, username)
    user_id = session.scalar(select(UserRow.id).where(UserRow.username == user.username))
    now = utcnow()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == "session" else None
    expires = _expiry(kind, now, now)
    session.add(
        SessionRow(
            token_hash=token_hash(token),
            kind=kind,
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=expires,
        )
    )
    session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
    session.flush()
    return Opened(token, kind, user, csrf, expires)


def find(session: Session, token: str, kind: Kind, *, touch: bool = True) -> Found | None:
    """Return the live session or token ``token`` of an active user, else ``None``.

    One query finds the session, its user and the user's grants. A session's idle expiry moves
    forward with use (written at most every :data:`TOUCH_EVERY`, by :func:`mark_used`); with
    ``touch=False`` the caller writes it, in a transaction of its own (a read that turns into a
    write can fail on SQLite when another connection wrote in between).
    """
    if not token:
        return None
    rows = session.execute(
        select(
            SessionRow.kind,
            SessionRow.csrf_token,
            SessionRow.created_at,
            SessionRow.last_seen_at,
            SessionRow.expires_at,
            UserRow.username,
            UserRow.full_name,
            UserRow.created_at,
            GrantRow.role,
            GrantRow.region,
            GrantRow.agency,
            GrantRow.partner,
        )
        .join(UserRow, UserRow.id == SessionRow.user_id)
        .outerjoin(GrantRow, GrantRow.user_id == UserRow.id)
        .where(
            SessionRow.token_hash == token_hash(token),
            SessionRow.kind == kind,
            UserRow.active.is_(True),
        )
        .order_by(GrantRow.id)
    ).all()
    if not rows:
        return None
    found_kind, csrf, created, last_seen, expires, username, full_name, joined = rows[0][:8]
    if expires <= utcnow():
        return None
    grants = tuple(
        Grant(cast(Role, role), region, agency, partner)
        for *_, role, region, agency, partner in rows
        if role is not None
    )
    user = User(username, full_name, True, joined, grants)
    found = Found(cast(Kind, found_kind), user, csrf, expires, created, last_seen)
    if touch and found.touch_due():
        return mark_used(session, token, found)
    return found


def mark_used(session: Session, token: str, found: Found) -> Found | None:
    """Write the session's use now (its idle expiry moves forward, within its lifetime); return
    it as now stored, or None when it was closed meanwhile."""
    now = utcnow()
    expires = _expiry(found.kind, found.created_at, now)
    changed = session.execute(
        update(SessionRow)
        .where(SessionRow.token_hash == token_hash(token), SessionRow.kind == found.kind)
        .values(last_seen_at=now, expires_at=expires)
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        return None
    return replace(found, last_seen_at=now, expires_at=expires)


def close(session: Session, token: str) -> str | None:
    """Close the session or token ``token``; return its user's name (None if none was open)."""
    row = session.scalar(select(SessionRow).where(SessionRow.token_hash == token_hash(token)))
    if row is None:
        return None
    owner = session.get(UserRow, row.user_id)
    session.delete(row)
    session.flush()
    return owner.username if owner is not None else None


def close_all(session: Session, username: str, *, keep: str | None = None) -> int:
    """Close every session and token of ``username`` except ``keep``; return how many closed."""
    user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
    if user_id is None:
        return 0
    query = delete(SessionRow).where(SessionRow.user_id == user_id)
    if keep:
        query = query.where(SessionRow.token_hash != token_hash(keep))
    closed = session.execute(query).rowcount  # type: ignore[attr-defined]
    return int(closed or 0)


# --- failed logins -------------------------------------------------------------------------


def attempt_key(kind: Literal["user", "client"], value: str) -> str:
    """Return the stored key of a username or client address (SHA-256; the value is not kept).

    Usernames are compared without case, as people type them.
    """
    text = value.strip().casefold() if kind == "user" else value.strip()
    return hashlib.sha256(f"{kind}:{text}".encode()).hexdigest()


def failures(session: Session, key: str) -> tuple[int, datetime | None]:
    """Return how many failed logins ``key`` has within :data:`ATTEMPT_WINDOW`, and the oldest."""
    since = utcnow() - ATTEMPT_WINDOW
    count, oldest = session.execute(
        select(func.count(), func.min(LoginAttemptRow.at)).where(
            LoginAttemptRow.key == key, LoginAttemptRow.at > since
        )
    ).one()
    return int(count or 0), oldest


def _keys(username: str, client: str | None) -> list[tuple[str, int]]:
    keys = [(attempt_key("user", username), MAX_FAILURES_PER_USER)]
    if client is not None:
        keys.append((attempt_key("client", client), MAX_FAILURES_PER_CLIENT))
    return keys


def limit_reached(session: Session, username: str, client: str | None) -> int | None:
    """Return the seconds to wait when the username or the client address (None: not checked)
    has used up its failed logins (:data:`MAX_FAILURES_PER_USER`,
    :data:`MAX_FAILURES_PER_CLIENT` within :data:`ATTEMPT_WINDOW`), else ``None``."""
    waits = []
    for key, limit in _keys(username, client):
        count, oldest = failures(session, key)
        if count >= limit and oldest is not None:
            left = oldest + ATTEMPT_WINDOW - utcnow()
            waits.append(max(1, int(left.total_seconds()) + 1))
    return max(waits) if waits else None


def record_failure(session: Session, username: str, client: str | None) -> None:
    """Count one failed login against the username and the client address (if given)."""
    now = utcnow()
    session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at <= now - ATTEMPT_WINDOW))
    for key, _limit in _keys(username, client):
        session.add(LoginAttemptRow(key=key, at=now))
    session.flush()


def clear_failures(session: Session, username: str) -> None:
    """Forget the failed logins of ``username`` (after a successful one; the client's stay)."""
    session.execute(
        delete(LoginAttemptRow).where(LoginAttemptRow.key == attempt_key("user", username))
    )
