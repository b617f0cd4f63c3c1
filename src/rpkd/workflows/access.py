"""Use cases of ``rpkd user`` and ``rpkd audit``: users with their role grants, and the audit log.

A workspace without users runs as the local admin; the first user added must be an admin, and
from then on every user is added by someone holding ``user.manage``. Reading the audit log needs
``audit.read``. Passwords arrive as values (the interface prompts for them) and are stored only
as Argon2id hashes (:mod:`rpkd.access.users`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import locale
from rpkd.access.roles import ROLES, Grant
from rpkd.locale import Lang
from rpkd.workflows import gate
from rpkd.workflows.results import records

__all__ = [
    "ROLES",
    "AuditLog",
    "UserAdded",
    "Users",
    "add_user",
    "grant_text",
    "list_audit",
    "list_users",
]

if TYPE_CHECKING:
    from rpkd.access.audit import AuditEntry
    from rpkd.access.users import User
    from rpkd.workflows.workspace import Workspace


def grant_text(grant: Grant, lang: Lang = "id") -> str:
    """Return a grant as its role's name with the scope, e.g. ``Operator OPD (DINSOS)``."""
    name = locale.label(f"role.{grant.role}", lang)
    scope = [v for v in (grant.region, grant.agency, grant.partner) if v]
    return f"{name} ({', '.join(scope)})" if scope else name


@dataclass(frozen=True)
class UserAdded:
    """The user created by :func:`add_user`."""

    user: User

    def to_json(self, lang: Lang = "id") -> list[dict[str, Any]]:
        roles = "; ".join(grant_text(g, lang) for g in self.user.grants)
        return [{"username": self.user.username, "roles": roles}]

    def to_arrow(self, lang: Lang = "id") -> pa.Table:
        return pa.Table.from_pylist(self.to_json(lang))


@dataclass(frozen=True)
class Users:
    """Every user of the workspace, by username (never a password hash)."""

    users: tuple[User, ...]

    def to_json(self, lang: Lang = "id") -> list[dict[str, Any]]:
        return records(self._rows(lang))

    def to_arrow(self, lang: Lang = "id") -> pa.Table:
        return pa.Table.from_pylist(self._rows(lang), schema=_USER_SCHEMA)

    def _rows(self, lang: Lang) -> list[dict[str, Any]]:
        return [
            {
                "username": u.username,
                "full_name": u.full_name,
                "active": u.active,
                "roles": "; ".join(grant_text(g, lang) for g in u.grants),
                "created_at": u.created_at,
            }
            for u in self.users
        ]


_USER_SCHEMA = pa.schema(
    [
        ("username", pa.string()),
        ("full_name", pa.string()),
        ("active", pa.bool_()),
        ("roles", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
    ]
)


def add_user(
    ws: Workspace,
    username: str,
    password: str,
    *,
    role: str,
    region: str | None = None,
    agency: str | None = None,
    partner: str | None = None,
    full_name: str = "",
) -> UserAdded:
    """Create a user with one role grant, scoped to a region, an agency or a partner.

    The first user of a workspace must be an admin; later ones need ``user.manage``.
    """
    from rpkd import regions
    from rpkd.access import users
    from rpkd.access.roles import parse_role

    grant = Grant(parse_role(role), regions.parse_code(region) if region else None, agency, partner)
    gate.authorise(ws.actor, "user.manage")
    with ws.transaction() as db:
        user = users.add_user(db, username, password, (grant,), full_name=full_name)
    gate.audit(
        ws, "user.add", records=1, parameters={"username": user.username, "role": grant.role}
    )
    return UserAdded(user)


def list_users(ws: Workspace) -> Users:
    """Return every user with their grants (``user.manage``)."""
    from rpkd.access import users

    gate.authorise(ws.actor, "user.manage")
    with ws.transaction() as db:
        return Users(users.list_users(db))


@dataclass(frozen=True)
class AuditLog:
    """Audit entries in time order: who, when, what, on which release and scope, how many."""

    entries: tuple[AuditEntry, ...]

    def _rows(self) -> list[dict[str, Any]]:
        return [
            {
                "id": e.id,
                "at": e.at,
                "username": e.username,
                "action": e.action,
                "release": e.release,
                "records": e.records,
                "parameters": e.parameters,
                "scope": e.scope,
            }
            for e in self.entries
        ]

    def to_json(self) -> list[dict[str, Any]]:
        """Return the entries; ``parameters`` stay a JSON object."""
        return records(self._rows())

    def to_arrow(self) -> pa.Table:
        """Return the entries; ``parameters`` as JSON text."""
        rows = [
            {**r, "parameters": json.dumps(r["parameters"], ensure_ascii=False, sort_keys=True)}
            for r in self._rows()
        ]
        return pa.Table.from_pylist(rows, schema=_AUDIT_SCHEMA)


_AUDIT_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("username", pa.string()),
        ("action", pa.string()),
        ("release", pa.string()),
        ("records", pa.int64()),
        ("parameters", pa.string()),
        ("scope", pa.string()),
    ]
)


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, datetime.min.time(), UTC)


def list_audit(
    ws: Workspace,
    *,
    user: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> AuditLog:
    """Return the audit entries of ``user``, of actions starting with ``action``, from the start
    of ``since`` to the end of ``until`` (UTC days, both inclusive); needs ``audit.read``."""
    from rpkd.access import audit

    gate.authorise(ws.actor, "audit.read")
    end = _start(until + timedelta(days=1)) if until is not None else None
    with ws.transaction() as db:
        found = audit.entries(db, username=user, action=action, since=_start(since), until=end)
    return AuditLog(found)
