"""Roles, actions and the permission check (role × action × scope).

A user holds one or more :class:`Grant` (a role with an optional region, agency or partner
scope). :func:`allowed` answers whether any grant permits an action on a target scope; it is a
pure function, so the CLI, the web app and the workflows share one rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from rpkd.errors import Forbidden, UsageError
from rpkd.regions import contains

Role = Literal["admin", "analyst", "agency_operator", "area_operator", "partner", "viewer"]
Action = Literal[
    "user.manage",
    "release.manage",
    "audit.read",
    "audit.verify",
    "workspace.backup",
    "workspace.restore",
    "plan.read",
    "plan.edit",
    "realisation.submit",
    "realisation.verify",
    "monitor.read",
    "aggregate.read",
    "records.read",
    "personal_data.read",
]
ROLES: tuple[Role, ...] = get_args(Role)
ACTIONS: tuple[Action, ...] = get_args(Action)

_READ: frozenset[Action] = frozenset({"plan.read", "monitor.read", "aggregate.read"})

PERMISSIONS: dict[Role, frozenset[Action]] = {
    "admin": frozenset(ACTIONS),
    "analyst": _READ
    | {
        "release.manage",
        "plan.edit",
        "realisation.submit",
        "realisation.verify",
        "records.read",
        "personal_data.read",
    },
    "agency_operator": _READ | {"realisation.submit", "records.read", "personal_data.read"},
    "area_operator": _READ | {"realisation.submit", "records.read", "personal_data.read"},
    "partner": _READ | {"realisation.submit"},
    "viewer": frozenset({"aggregate.read", "monitor.read", "plan.read"}),
}
"""What each role may do; the scope of its grant then limits where."""


@dataclass(frozen=True)
class Scope:
    """Where an action applies: a region code, an agency (OPD) code, a partner code."""

    region: str | None = None
    agency: str | None = None
    partner: str | None = None

    def text(self) -> str:
        """Return the scope as ``region=62.03.01, agency=dinsos`` (empty when unrestricted)."""
        return ", ".join(f"{k}={v}" for k, v in vars(self).items() if v is not None)


@dataclass(frozen=True)
class Grant:
    """A role held by a user, limited to a scope (``None`` fields mean unrestricted)."""

    role: Role
    region: str | None = None
    agency: str | None = None
    partner: str | None = None


def parse_role(text: str) -> Role:
    """Return ``text`` as a role; raise :class:`rpkd.errors.UsageError` otherwise."""
    if text not in ROLES:
        raise UsageError("role_unknown", param="role", role=text, roles=ROLES)
    return text


def _covers(grant: Grant, target: Scope) -> bool:
    if grant.region is not None and (
        target.region is None or not contains(grant.region, target.region)
    ):
        return False
    if grant.agency is not None and grant.agency != target.agency:
        return False
    return grant.partner is None or grant.partner == target.partner


def allowed(grants: tuple[Grant, ...], action: Action, target: Scope | None = None) -> bool:
    """Return whether any grant permits ``action`` on ``target``.

    A grant with a region permits targets inside that region (a kecamatan operator covers its
    desa); a grant with an agency or partner permits only targets of that agency or partner. A
    scoped grant never covers a target whose scope is unknown.

    Examples
    --------
    >>> op = Grant("agency_operator", agency="dinsos")
    >>> allowed((op,), "realisation.submit", Scope(agency="dinsos"))
    True
    >>> allowed((op,), "realisation.verify", Scope(agency="dinsos"))
    False
    """
    scope = target or Scope()
    return any(action in PERMISSIONS[g.role] and _covers(g, scope) for g in grants)


def require(
    grants: tuple[Grant, ...], action: Action, target: Scope | None = None, *, user: str = ""
) -> None:
    """Raise :class:`rpkd.errors.Forbidden` unless :func:`allowed`."""
    if not allowed(grants, action, target):
        raise Forbidden(
            "forbidden",
            param=action,
            user=user or "?",
            action=action,
            scope=(target or Scope()).text() or "-",
        )
