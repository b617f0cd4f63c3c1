"""The one gate for permission and audit: every workflow decides and records here.

:func:`authorise` answers whether the acting user may do an action on a scope (the rule itself
is :func:`rpkd.access.roles.allowed`, pure and shared); :func:`audit` appends one row to the
append-only log. Workflows that return or write personal data (names, NIK, KK, addresses, birth
dates) are marked with :func:`personal_data`; they call :func:`authorise_records` before any
query and :func:`audit_records` once the rows exist, so that every view or export of personal
data writes exactly one audit row (who, when, action, release, scope, record count), whichever
interface asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rpkd.access import audit as audit_log
from rpkd.access.roles import Action, Scope, require

if TYPE_CHECKING:
    from rpkd.access.audit import AuditEntry
    from rpkd.workflows.workspace import Actor, Workspace

F = TypeVar("F", bound=Callable[..., Any])

PERSONAL_DATA_WORKFLOWS: dict[str, str] = {}
"""Every workflow that returns or writes personal data: qualified name -> its audit action."""


def personal_data(action: str) -> Callable[[F], F]:
    """Mark a workflow as returning or writing personal data, audited as ``action``."""

    def mark(function: F) -> F:
        PERSONAL_DATA_WORKFLOWS[f"{function.__module__}.{function.__qualname__}"] = action
        return function

    return mark


def authorise(actor: Actor, action: Action, scope: Scope | None = None) -> None:
    """Raise :class:`rpkd.errors.Forbidden` unless ``actor`` may do ``action`` on ``scope``."""
    require(actor.grants, action, scope, user=actor.username)


def scope_text(scopes: Sequence[Scope]) -> str | None:
    """Return scopes as one audit field (``region=62.03.01; region=62.03.02``), None if none."""
    parts = [s.text() for s in scopes if s.text()]
    return "; ".join(dict.fromkeys(parts)) or None


def audit(
    ws: Workspace,
    action: str,
    *,
    release: str | None = None,
    scopes: Sequence[Scope] = (),
    records: int | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit log for the workspace's actor and return it."""
    return audit_as(
        ws,
        ws.actor.username,
        action,
        release=release,
        scopes=scopes,
        records=records,
        parameters=parameters,
    )


def audit_as(
    ws: Workspace,
    username: str,
    action: str,
    *,
    release: str | None = None,
    scopes: Sequence[Scope] = (),
    records: int | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit log for ``username`` (sign-in events, which happen before
    the workspace has an actor) and return it."""
    with ws.transaction() as db:
        return audit_log.record(
            db,
            username,
            action,
            release=release,
            records=records,
            parameters=parameters,
            scope=scope_text(scopes),
        )


def authorise_records(ws: Workspace, scopes: Sequence[Scope], *, unmask: bool) -> None:
    """Check, before any query, that the actor may see by-name records of every scope.

    Masked records need ``records.read``; unmasked ones ``personal_data.read``, on each scope
    (a desa operator may unmask the lists of its own desa only).
    """
    action: Action = "personal_data.read" if unmask else "records.read"
    for scope in scopes or (Scope(),):
        authorise(ws.actor, action, scope)


def audit_records(
    ws: Workspace,
    action: str,
    *,
    release: str | None,
    scopes: Sequence[Scope],
    records: int,
    unmask: bool,
    parameters: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write the one audit row of a view or export of by-name records."""
    return audit(
        ws,
        action,
        release=release,
        scopes=scopes,
        records=records,
        parameters={"unmasked": unmask, **(parameters or {})},
    )
