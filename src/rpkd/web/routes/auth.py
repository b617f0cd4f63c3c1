"""Sign in, sign out and change one's password (pages ``/login``, ``/logout``,
``/account/password``); each calls one workflow of :mod:`rpkd.workflows.access`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rpkd import locale
from rpkd.errors import InvalidInput, RateLimited, RpkdError, Unauthenticated
from rpkd.web import pages
from rpkd.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    Language,
    MaybeUser,
    RequestWorkspace,
    ServerState,
    set_cookie,
)
from rpkd.web.errors import status_of
from rpkd.workflows.access import MIN_PASSWORD_LENGTH, change_password, sign_in, sign_out

router = APIRouter(include_in_schema=False)


def client_address(request: Request) -> str:
    """Return the client's address (behind a trusted reverse proxy: the forwarded one)."""
    return request.client.host if request.client else "unknown"


def field_errors(error: RpkdError, lang: locale.Lang) -> dict[str, str]:
    """Return an error's sentence under the form field it names (``error.param``)."""
    return {error.param or "": error.message(lang)}


@router.get("/login")
def login_page(
    request: Request,
    who: MaybeUser,
    lang: Language,
    next: str | None = None,
    signed_out: bool = False,
) -> Response:
    """The login form (a signed-in user goes straight on to ``next``)."""
    target = pages.safe_next(next)
    if who is not None:
        return RedirectResponse(target, status_code=303)
    notice = locale.message("web_signed_out", lang) if signed_out else None
    return pages.render(
        request,
        "auth/login.html",
        {"next": target, "username": "", "notice": notice, "error": None},
    )


@router.post("/login")
def login(
    request: Request,
    state: ServerState,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next_page: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Check the password (rate-limited); set the session cookie and go on to ``next``."""
    target = pages.safe_next(next_page)
    try:
        session = sign_in(state.workspace, username, password, client=client_address(request))
    except (Unauthenticated, RateLimited) as error:
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else {}
        context = {"next": target, "username": username, "error": error, "notice": None}
        return pages.render(
            request, "auth/login.html", context, status_code=status_of(error), headers=headers
        )
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, session.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, state: ServerState, _who: CurrentUser) -> Response:
    """Close the session and forget its cookie."""
    sign_out(state.workspace, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login?signed_out=true", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _password_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    error: RpkdError | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "errors": errors or {},
        "error": error,
        "notice": notice,
        "minimum": MIN_PASSWORD_LENGTH,
    }
    return pages.render(request, "auth/password.html", context, status_code=status_code)


@router.get("/account/password")
def password_page(request: Request, _who: CurrentUser) -> Response:
    """The password change form."""
    return _password_page(request)


@router.post("/account/password")
def password_change(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    old_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_confirm: Annotated[str, Form()] = "",
) -> Response:
    """Change the signed-in user's password; other sessions of the user are closed."""
    if new_password != new_password_confirm:
        mismatch = {"new_password_confirm": locale.message("password_mismatch", lang)}
        return _password_page(request, errors=mismatch, status_code=422)
    try:
        changed = change_password(
            ws, old_password, new_password, keep=request.cookies.get(SESSION_COOKIE)
        )
    except InvalidInput as error:
        return _password_page(request, errors=field_errors(error, lang), status_code=422)
    except RateLimited as error:
        return _password_page(request, error=error, status_code=429)
    notice = locale.message("web_password_changed", lang, closed=changed.closed)
    return _password_page(request, notice=notice)
