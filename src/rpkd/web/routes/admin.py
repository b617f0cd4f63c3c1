"""Admin pages: ``Pengguna`` (list users, add one with a role and scope) and ``Log audit``
(the audit log filtered by user, action prefix and dates). Admin only (ROUTES); the workflows
``add_user``, ``list_users`` and ``list_audit`` check ``user.manage`` and ``audit.read``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rpkd import locale
from rpkd.errors import InvalidInput, RpkdError, UsageError
from rpkd.locale import Lang
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.access import MIN_PASSWORD_LENGTH, ROLES, add_user, list_audit, list_users
from rpkd.workflows.workspace import Workspace

router = APIRouter(prefix="/admin", include_in_schema=False)

USER_FIELDS = ("username", "full_name", "role", "region", "agency", "partner")
AUDIT_ROWS = 500
"""The audit page shows the newest entries up to this many (narrow the filter for older)."""


def _users_page(
    request: Request,
    ws: Workspace,
    lang: Lang,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    users = list_users(ws)
    table = pages.data_table(
        users.to_arrow(lang),
        lang,
        columns=("username", "full_name", "roles", "active", "created_at"),
        labels="access.",
    )
    context = {
        "table": table,
        "roles": [(role, locale.label(f"role.{role}", lang)) for role in ROLES],
        "form": form or dict.fromkeys(USER_FIELDS, ""),
        "errors": errors or {},
        "notice": notice,
        "minimum": MIN_PASSWORD_LENGTH,
    }
    return pages.render(request, "admin/users.html", context, status_code=status_code)


@router.get("/users")
def users_page(
    request: Request, ws: RequestWorkspace, lang: Language, added: str | None = None
) -> Response:
    """Every user with their roles, and the form to add one."""
    notice = locale.message("web_user_added", lang, username=added) if added else None
    return _users_page(request, ws, lang, notice=notice)


@router.post("/users")
def user_add(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    username: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    agency: Annotated[str, Form()] = "",
    partner: Annotated[str, Form()] = "",
) -> Response:
    """Add a user (the workflow validates); field errors re-render the form (422)."""
    form = {
        "username": username,
        "full_name": full_name,
        "role": role,
        "region": region,
        "agency": agency,
        "partner": partner,
    }
    if password != password_confirm:
        errors = {"password_confirm": locale.message("password_mismatch", lang)}
        return _users_page(request, ws, lang, form=form, errors=errors, status_code=422)
    if not role:  # the form offers no role by default: the admin chooses one
        errors = {"role": locale.message("web_role_required", lang)}
        return _users_page(request, ws, lang, form=form, errors=errors, status_code=422)
    try:
        added = add_user(
            ws,
            username,
            password,
            role=role,
            region=region.strip() or None,
            agency=agency.strip() or None,
            partner=partner.strip() or None,
            full_name=full_name.strip(),
        )
    except (InvalidInput, UsageError) as error:
        errors = {_field(error): error.message(lang)}
        return _users_page(request, ws, lang, form=form, errors=errors, status_code=422)
    return RedirectResponse(f"/admin/users?added={added.user.username}", status_code=303)


def _field(error: RpkdError) -> str:
    """Return the form field an error of ``add_user`` is about."""
    return error.param if error.param in (*USER_FIELDS, "password") else "username"


def action_label(action: str, lang: Lang) -> str:
    """Return an audit action's name in ``lang`` (``auth.sign_in``: "Masuk"), or the code
    itself for an action the catalogue does not name."""
    key = f"web.audit.action.{action}"
    return locale.label(key, lang) if locale.has_label(key) else action


def _day(text: str, field: str, errors: dict[str, str], lang: Lang) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = UsageError(
            "audit_date_invalid", param=field, flag=field, value=text
        ).message(lang)
        return None


@router.get("/audit")
def audit_page(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    user: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    """The audit log, newest first, filtered; HTMX asks for the table part only."""
    errors: dict[str, str] = {}
    first, last = _day(since, "since", errors, lang), _day(until, "until", errors, lang)
    log = list_audit(
        ws, user=user.strip() or None, action=action.strip() or None, since=first, until=last
    )
    rows: list[dict[str, Any]] = [
        {**r, "parameters": ", ".join(f"{k}={v}" for k, v in r["parameters"].items())}
        for r in reversed(log.to_json())
    ]
    for row in rows:
        row["at"] = row["at"].replace("T", " ")[:19]
    table = pages.data_table(
        [{**r, "action": action_label(r["action"], lang)} for r in rows],
        lang,
        columns=("at", "username", "action", "scope", "release", "records", "parameters"),
        cells={"records": "integer", "at": "text"},
        labels="access.",
        limit=AUDIT_ROWS,
    )
    context = {
        "table": table,
        "codes": {"action": [r["action"] for r in rows[:AUDIT_ROWS]]},
        "filters": {"user": user, "action": action, "since": since, "until": until},
        "errors": errors,
    }
    template = "admin/_audit_table.html" if pages.is_htmx(request) else "admin/audit.html"
    return pages.render(request, template, context, status_code=422 if errors else 200)
