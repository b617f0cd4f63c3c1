"""Users of the application, their role grants, and password checks (Argon2id).

Passwords are hashed with Argon2id; the hash is the only thing stored. Its cost is one of
argon2-cffi's profiles, named by ``RPKD_PASSWORD_PROFILE``: RFC 9106's low-memory one (the
default: 3 passes over 64 MiB, 4 lanes) or its high-memory one (1 pass over 2 GiB); ``CHEAPEST``
is for test suites only (Django's docs advise a fast hasher there too). A hash made with
another profile is replaced at the next sign-in. A workspace with no users is a single-user
laptop: the first user added must be an admin.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import cast

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from rpkd.access.roles import Grant, Role
from rpkd.errors import InvalidInput, NotFound, UsageError
from rpkd.regions import parse_code
from rpkd.store import Base, UtcDateTime, utcnow

MIN_PASSWORD_LENGTH = 10
LOCAL_USER = "local"
"""The actor of a workspace without users (a single-user laptop), with admin rights."""

PASSWORD_PROFILES = ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")
"""The Argon2id cost profiles ``RPKD_PASSWORD_PROFILE`` may name (argon2-cffi's, RFC 9106)."""

USERNAME = re.compile(r"[A-Za-z0-9._@-]+")
"""The characters of a username (ASCII: it shows in URLs, logs and the audit trail)."""


class UserRow(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    grants: Mapped[list[GrantRow]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="GrantRow.id"
    )


class GrantRow(Base):
    __tablename__ = "user_grant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(64))
    partner: Mapped[str | None] = mapped_column(String(64))
    user: Mapped[UserRow] = relationship(back_populates="grants")


@dataclass(frozen=True)
class User:
    """A user as the rest of the system sees it (never the password hash)."""

    username: str
    full_name: str
    active: bool
    created_at: datetime
    grants: tuple[Grant, ...]


def _user(row: UserRow) -> User:
    return User(
        username=row.username,
        full_name=row.full_name,
        active=row.active,
        created_at=row.created_at,
        grants=tuple(Grant(cast(Role, g.role), g.region, g.agency, g.partner) for g in row.grants),
    )


def count_users(session: Session) -> int:
    """Return how many users the workspace has."""
    return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def add_user(
    session: Session,
    username: str,
    password: str,
    grants: tuple[Grant, ...],
    *,
    full_name: str = "",
) -> User:
    """Create a user with an Argon2id password hash and its role grants."""
    name = username.strip()
    if not name or len(name) > 64:
        raise InvalidInput("username_invalid", param="username", limit=64)
    if not USERNAME.fullmatch(name):
        raise InvalidInput("username_characters", param="username")
    if session.scalar(select(UserRow).where(UserRow.username == name)) is not None:
        raise InvalidInput("username_taken", param="username", username=name)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password_short", param="password", minimum=MIN_PASSWORD_LENGTH)
    if not grants:
        raise InvalidInput("grant_missing", param="role")
    if count_users(session) == 0 and not any(g.role == "admin" for g in grants):
        raise InvalidInput("first_user_admin", param="role")
    row = UserRow(
        username=name,
        full_name=full_name,
        password_hash=_hasher().hash(password),
        active=True,
        created_at=utcnow(),
    )
    for grant in grants:
        _check_scope(grant)
        row.grants.append(
            GrantRow(
                role=grant.role, region=grant.region, agency=grant.agency, partner=grant.partner
            )
        )
    session.add(row)
    session.flush()
    return _user(row)


def _check_scope(grant: Grant) -> None:
    needs: dict[Role, str] = {
        "agency_operator": "agency",
        "area_operator": "region",
        "partner": "partner",
    }
    field = needs.get(grant.role)
    if field is not None and getattr(grant, field) is None:
        raise InvalidInput("scope_missing", param=field, role=grant.role, scope=field)
    if grant.region is not None and parse_code(grant.region) != grant.region:
        raise InvalidInput("grant_region_dotted", param="region", region=grant.region)


def list_users(session: Session) -> tuple[User, ...]:
    """Return every user, by username."""
    rows = session.scalars(select(UserRow).order_by(UserRow.username))
    return tuple(_user(r) for r in rows)


def get_user(session: Session, username: str) -> User:
    """Return the active user ``username``; raise :class:`NotFound` otherwise."""
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None or not row.active:
        raise NotFound("user_unknown", param="user", user=username)
    return _user(row)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the user if the password matches its Argon2 hash, else ``None``.

    A hash made with older parameters is replaced by one with the current ones.
    """
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    hasher = _hasher()
    if row is None or not row.active:
        _spend_a_check(hasher, password)
        return None
    try:
        hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hasher.hash(password)
    return _user(row)


def _profile() -> str:
    """Return the configured Argon2id profile's name (:data:`PASSWORD_PROFILES`)."""
    name = os.environ.get("RPKD_PASSWORD_PROFILE") or PASSWORD_PROFILES[0]
    if name not in PASSWORD_PROFILES:
        raise UsageError(
            "invalid_setting",
            param="RPKD_PASSWORD_PROFILE",
            setting="RPKD_PASSWORD_PROFILE",
            value=name,
            allowed=PASSWORD_PROFILES,
        )
    return name


def _hasher() -> PasswordHasher:
    """Return the Argon2id hasher of the configured profile."""
    return PasswordHasher.from_parameters(getattr(profiles, _profile()))


@cache
def _decoy_hash(profile: str) -> str:
    return PasswordHasher.from_parameters(getattr(profiles, profile)).hash("rpkd decoy password")


def _spend_a_check(hasher: PasswordHasher, password: str) -> None:
    """Verify against a decoy hash, so that an unknown username takes as long as a wrong
    password (no timing oracle for which usernames exist)."""
    try:
        hasher.verify(_decoy_hash(_profile()), password)
    except (VerificationError, InvalidHashError):
        return


def exists(session: Session, username: str) -> bool:
    """Return whether a user (active or not) is called ``username``."""
    return session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None


def set_password(session: Session, username: str, password: str) -> None:
    """Replace the password of the active user ``username`` (Argon2id hash; length checked)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password_short", param="password", minimum=MIN_PASSWORD_LENGTH)
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None or not row.active:
        raise NotFound("user_unknown", param="user", user=username)
    row.password_hash = _hasher().hash(password)
    session.flush()


def acting(session: Session, username: str | None) -> tuple[str, tuple[Grant, ...]]:
    """Return the acting user's name and grants.

    In a workspace without users everything runs as :data:`LOCAL_USER` with admin rights (the
    owner of the laptop holds the database file anyway); once a user exists, every action must
    name an active user (``--as`` or ``RPKD_USER``) and is checked against its grants.
    """
    if count_users(session) == 0:
        return LOCAL_USER, (Grant("admin"),)
    if not username:
        raise UsageError("user_required", param="as")
    user = get_user(session, username)
    return user.username, user.grants
