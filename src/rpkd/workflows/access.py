"""Use cases of users, sign-in and the audit log (``rpkd user``, ``rpkd audit``, the web app).

A workspace without users runs as the local admin; the first user added must be an admin, and
from then on every user is added by someone holding ``user.manage``. Reading the audit log needs
``audit.read``. Passwords arrive as values (the interface prompts for them) and are stored only
as Argon2id hashes (:mod:`rpkd.access.users`).

Signing in (:func:`sign_in` for a browser session, :func:`issue_token` for an API token) checks
the password, counts failures per username and client address and refuses with
:class:`rpkd.errors.RateLimited` once either has too many (:mod:`rpkd.access.sessions`). Every
sign-in, failed sign-in, sign-out and password change is audited, without personal data: the
account's name (or ``-`` for a name that is no account), never the name typed, the password or
the client address.

A server process keeps each session or token it resolved (:func:`session_actor`,
:func:`token_actor`) for :data:`SIGNED_IN_SECONDS`, so that a page or an API call costs no
query for who is asking; :func:`sign_out` and :func:`change_password` forget the closed ones in
this process at once. Another process (a second web worker) may still accept a closed session
until its copy is that old (``docs/web.md``).
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd import locale
from rpkd.access.roles import ROLES, Grant, Role
from rpkd.access.users import MIN_PASSWORD_LENGTH
from rpkd.errors import InvalidInput, RateLimited, Unauthenticated
from rpkd.locale import Lang
from rpkd.workflows import gate
from rpkd.workflows.results import records

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "SIGNED_IN_SECONDS",
    "ApiToken",
    "AuditLog",
    "FirstAdmin",
    "PasswordChanged",
    "Role",
    "Session",
    "SignedIn",
    "SignedOut",
    "UserAdded",
    "Users",
    "add_user",
    "change_password",
    "first_admin",
    "forget_signed_in",
    "grant_text",
    "issue_token",
    "kept_actor",
    "list_audit",
    "list_users",
    "session_actor",
    "sign_in",
    "sign_out",
    "token_actor",
]

if TYPE_CHECKING:
    from rpkd.access.audit import AuditEntry
    from rpkd.access.sessions import Kind, Opened
    from rpkd.access.users import User
    from rpkd.workflows.workspace import Actor, Workspace

UNKNOWN_ACCOUNT = "-"
"""The audit log's user for a failed sign-in with a name that is no account (not kept)."""


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
    from rpkd.workflows.realisation_work import typed_text

    full_name = typed_text(ws, full_name, "full_name", "web.users.full_name", line=True)
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


# --- signing in --------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A browser session just opened: ``token`` is the cookie's value (given once, stored
    hashed), ``csrf_token`` the value every form of the session sends back."""

    token: str
    csrf_token: str
    username: str
    expires_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Return who is signed in until when (never the secrets)."""
        return {"username": self.username, "expires_at": self.expires_at.isoformat()}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])


@dataclass(frozen=True)
class ApiToken:
    """An API token just issued (OAuth2 bearer, RFC 6750); stored hashed, given once."""

    access_token: str
    username: str
    expires_at: datetime

    def to_json(self) -> dict[str, str]:
        """Return the OAuth2 token response of ``POST /api/v1/token`` (DESIGN.md §8)."""
        return {"access_token": self.access_token, "token_type": "bearer"}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([{"username": self.username, "expires_at": self.expires_at}])


@dataclass(frozen=True)
class SignedIn:
    """Who a live session or API token acts for, with its CSRF token (None for API tokens)."""

    actor: Actor
    kind: Literal["session", "token"]
    csrf_token: str | None
    expires_at: datetime

    @property
    def roles(self) -> frozenset[Role]:
        """The roles the actor holds (in any scope)."""
        return frozenset(g.role for g in self.actor.grants)

    def to_json(self) -> dict[str, Any]:
        return {
            "username": self.actor.username,
            "kind": self.kind,
            "roles": sorted(self.roles),
            "expires_at": self.expires_at.isoformat(),
        }

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])


@dataclass(frozen=True)
class SignedOut:
    """The session closed by :func:`sign_out` (``username`` None: there was none)."""

    username: str | None

    def to_json(self) -> dict[str, Any]:
        return {"username": self.username}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])


@dataclass(frozen=True)
class PasswordChanged:
    """A password changed, and how many other sessions and tokens of the user were closed."""

    username: str
    closed: int

    def to_json(self) -> dict[str, Any]:
        return {"username": self.username, "closed": self.closed}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])


@dataclass(frozen=True)
class FirstAdmin:
    """The first admin of a workspace without users, with the password made for it (shown once)."""

    username: str
    password: str

    def to_json(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])


def _refused(seconds: int) -> RateLimited:
    return RateLimited(
        "sign_in_rate_limited", param="username", seconds=seconds, minutes=math.ceil(seconds / 60)
    )


def _open(ws: Workspace, username: str, password: str, client: str, kind: Kind) -> Opened:
    """Check the password (within the rate limit), open a session or token; audit either way."""
    from rpkd.access import sessions, users

    name = username.strip()
    action = "auth.sign_in" if kind == "session" else "auth.token"
    opened: Opened | None = None
    with ws.atomic():  # the session (or the failure) and its audit row: both kept or neither
        with ws.transaction() as db:
            if users.count_users(db) == 0:
                raise Unauthenticated("no_users", param="username")
            wait = sessions.limit_reached(db, name, client)
            # a name no user can have (a NUL, a script) is not looked up: PostgreSQL refuses NUL
            possible = users.USERNAME.fullmatch(name) is not None
            if wait is None:
                user = users.authenticate(db, name, password) if possible else None
                if user is not None:
                    sessions.clear_failures(db, name)
                    opened = sessions.open_session(db, user.username, kind)
                else:
                    sessions.record_failure(db, name, client)
            known = possible and users.exists(db, name)
        account = name if known else UNKNOWN_ACCOUNT
        if opened is not None:
            gate.audit_as(ws, opened.user.username, action)
            return opened
        reason = "rate_limited" if wait is not None else "password" if known else "unknown_user"
        gate.audit_as(ws, account, f"{action}_failed", parameters={"reason": reason})
    if wait is not None:
        raise _refused(wait)
    raise Unauthenticated("sign_in_failed", param="password")


def sign_in(ws: Workspace, username: str, password: str, *, client: str) -> Session:
    """Open a browser session for ``username`` if ``password`` matches (Argon2id).

    ``client`` is the client's address, for the rate limit only (it is not stored: a hash of it
    counts failures). Raises :class:`rpkd.errors.Unauthenticated` (``sign_in_failed``, or
    ``no_users`` in a workspace without users) and :class:`rpkd.errors.RateLimited` after too
    many failures of the username or the client. Audited as ``auth.sign_in`` or
    ``auth.sign_in_failed`` (with the reason).
    """
    opened = _open(ws, username, password, client, "session")
    return Session(opened.token, opened.csrf_token or "", opened.user.username, opened.expires_at)


def issue_token(ws: Workspace, username: str, password: str, *, client: str) -> ApiToken:
    """Issue an API bearer token for ``username`` if ``password`` matches (as :func:`sign_in`;
    audited as ``auth.token`` or ``auth.token_failed``)."""
    opened = _open(ws, username, password, client, "token")
    return ApiToken(opened.token, opened.user.username, opened.expires_at)


SIGNED_IN_SECONDS = 5.0
"""How long a server process keeps a resolved session or token before it asks the database
again (the longest another process may accept a session closed by sign-out or a password
change)."""
SIGNED_IN_KEPT = 10_000
"""Resolved sessions and tokens kept at most per process (the oldest go first)."""


class _Resolved:
    """Sessions and tokens resolved lately, by database and token hash (never the token).

    ``generation`` counts what was forgotten: a lookup that started before a sign-out or a
    password change does not keep what it found (it may be the closed session).
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str, str], tuple[float, SignedIn]] = OrderedDict()
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, key: tuple[str, str, str]) -> SignedIn | None:
        from rpkd.store import utcnow

        with self._lock:
            kept = self._entries.get(key)
        if kept is None:
            return None
        until, who = kept
        if until <= time.monotonic() or who.expires_at <= utcnow():
            return None
        return who

    def put(self, key: tuple[str, str, str], who: SignedIn, generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return
            self._entries[key] = (time.monotonic() + SIGNED_IN_SECONDS, who)
            self._entries.move_to_end(key)
            while len(self._entries) > SIGNED_IN_KEPT:
                self._entries.popitem(last=False)

    def forget_token(self, hashed: str) -> None:
        with self._lock:
            self.generation += 1
            for key in [k for k in self._entries if k[2] == hashed]:
                del self._entries[key]

    def forget_user(self, username: str) -> None:
        with self._lock:
            self.generation += 1
            for key in [k for k, (_, w) in self._entries.items() if w.actor.username == username]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()


_RESOLVED = _Resolved()


def _key(ws: Workspace, token: str, kind: Kind) -> tuple[str, str, str]:
    from rpkd.access.sessions import token_hash

    return (str(ws.database.url), kind, token_hash(token))


def kept_actor(ws: Workspace, token: str, kind: Kind) -> SignedIn | None:
    """Return who the session or API token ``token`` acts for if this process resolved it
    within :data:`SIGNED_IN_SECONDS`, else None; never queries (an async server may call it
    on its event loop, and resolve a token not kept with :func:`session_actor` or
    :func:`token_actor` in a thread)."""
    return _RESOLVED.get(_key(ws, token, kind)) if token else None


def _signed_in(ws: Workspace, token: str, kind: Kind) -> SignedIn | None:
    from rpkd.access import sessions
    from rpkd.workflows.workspace import Actor

    if not token:
        return None
    key = _key(ws, token, kind)
    kept = _RESOLVED.get(key)
    if kept is not None:
        return kept
    generation = _RESOLVED.generation
    with ws.transaction() as db:
        found = sessions.find(db, token, kind, touch=False)
    if found is not None and found.touch_due():
        with ws.transaction() as db:  # a write of its own: it waits for the write lock
            found = sessions.mark_used(db, token, found)
    if found is None:
        return None
    actor = Actor(found.user.username, found.user.grants)
    who = SignedIn(actor, found.kind, found.csrf_token, found.expires_at)
    _RESOLVED.put(key, who, generation)
    return who


def forget_signed_in() -> None:
    """Forget every session and token this process resolved (tests; a restored database)."""
    _RESOLVED.clear()


def session_actor(ws: Workspace, token: str) -> SignedIn | None:
    """Return who the browser session ``token`` acts for, None if it is unknown or expired."""
    return _signed_in(ws, token, "session")


def token_actor(ws: Workspace, token: str) -> SignedIn | None:
    """Return who the API token ``token`` acts for, None if it is unknown or expired."""
    return _signed_in(ws, token, "token")


def sign_out(ws: Workspace, token: str) -> SignedOut:
    """Close the session (or API token) ``token``; audited as ``auth.sign_out``."""
    from rpkd.access import sessions

    with ws.transaction() as db:
        username = sessions.close(db, token)
    _RESOLVED.forget_token(sessions.token_hash(token))
    if username is not None:
        gate.audit_as(ws, username, "auth.sign_out")
    return SignedOut(username)


def change_password(
    ws: Workspace, old: str, new: str, *, keep: str | None = None
) -> PasswordChanged:
    """Change the acting user's password from ``old`` to ``new``; close every other session
    and API token of the user (all but ``keep``, the session asking).

    A wrong ``old`` raises :class:`rpkd.errors.InvalidInput` (``password_wrong``) and counts as
    a failed login of the user (so it is rate-limited too). Audited as
    ``auth.password_change`` or ``auth.password_change_failed``.
    """
    from rpkd.access import sessions, users

    name = ws.actor.username
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password_short", param="new_password", minimum=MIN_PASSWORD_LENGTH)
    closed: int | None = None
    with ws.transaction() as db:
        wait = sessions.limit_reached(db, name, None)
        if wait is None and users.authenticate(db, name, old) is not None:
            users.set_password(db, name, new)
            closed = sessions.close_all(db, name, keep=keep)
        elif wait is None:
            sessions.record_failure(db, name, None)
    if closed is not None:
        _RESOLVED.forget_user(name)
        gate.audit_as(ws, name, "auth.password_change", parameters={"closed": closed})
        return PasswordChanged(name, closed)
    reason = "rate_limited" if wait is not None else "password"
    gate.audit_as(ws, name, "auth.password_change_failed", parameters={"reason": reason})
    if wait is not None:
        raise _refused(wait)
    raise InvalidInput("password_wrong", param="old_password")


def first_admin(ws: Workspace, username: str = "admin") -> FirstAdmin | None:
    """Create the first admin, with a new random password, in a workspace without users
    (``rpkd demo --serve``); return None if the workspace has users already."""
    from rpkd.access import users

    password = secrets.token_urlsafe(12)
    with ws.transaction() as db:
        if users.count_users(db) > 0:
            return None
        users.add_user(db, username, password, (Grant("admin"),))
    gate.audit_as(
        ws,
        users.LOCAL_USER,
        "user.add",
        records=1,
        parameters={"username": username, "role": "admin"},
    )
    return FirstAdmin(username, password)
