"""Typed dependencies of every route: the signed-in user, the request's workspace, the language.

Handlers declare what they need with the ``Annotated`` types below and nothing else::

    @router.get("/profile")
    def profile(request: Request, ws: RequestWorkspace, lang: Language) -> HTMLResponse:
        result = profile_release(ws, ...)   # the workflow checks the scope
        return pages.render(request, "profile/index.html", {"result": result})

:func:`guard` runs before every handler (a global dependency of the app): it finds the route's
entry in :data:`rpkd.web.access.ROUTES`, checks the CSRF token of unsafe requests, that someone
is signed in (pages: the ``rpkd_session`` cookie; the API: an ``Authorization: Bearer`` token)
and that one of their roles is listed. The request's :class:`~rpkd.workflows.Workspace` acts for
the signed-in user, shares the server's database and closes its own table engine afterwards.

The dependencies are coroutines that do not block: they run on the event loop, not in a
thread each. Who is signed in comes from the sessions this process resolved lately
(:func:`rpkd.workflows.access.kept_actor`); only a session not kept is looked up in the
database, in a thread.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Literal, Union, get_args, get_origin

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from rpkd.errors import Forbidden, Unauthenticated
from rpkd.locale import Lang
from rpkd.web.access import API_PREFIX, SAFE_METHODS, Route, table
from rpkd.workflows.access import SignedIn, kept_actor, session_actor, token_actor
from rpkd.workflows.api_requests import check_parameters
from rpkd.workflows.workspace import Workspace

if TYPE_CHECKING:
    from fastapi.dependencies.models import Dependant
    from starlette.templating import Jinja2Templates

    from rpkd.workflows.districts import District

SESSION_COOKIE = "rpkd_session"
LANG_COOKIE = "rpkd_lang"
LOGIN_CSRF_COOKIE = "rpkd_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

bearer = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/token", auto_error=False)
"""The API's security scheme (OpenAPI); :func:`signed_in` reads the token itself."""


@dataclass
class Server:
    """What one server process holds for every request (``app.state.server``)."""

    workspace: Workspace
    templates: Jinja2Templates
    district: District | None
    plain_http: bool
    routes: dict[tuple[str, str], Route] = field(default_factory=table)
    served: frozenset[tuple[str, str]] = frozenset()


def server(request: Request) -> Server:
    """Return the server state of the app handling ``request``."""
    state: Server = request.app.state.server
    return state


def is_api(request: Request) -> bool:
    """Return whether ``request`` is for the JSON API (bearer tokens, JSON errors)."""
    return request.url.path.startswith(API_PREFIX + "/") or request.url.path == API_PREFIX


def language(request: Request) -> Lang:
    """Return the page language: the ``rpkd_lang`` cookie, else Bahasa Indonesia; an API
    request without the cookie may ask by ``Accept-Language`` (:func:`accepted_language`)."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen is None and is_api(request):
        return accepted_language(request.headers.get("accept-language", ""))
    return "en" if chosen == "en" else "id"


def accepted_language(header: str) -> Lang:
    """Return the language an ``Accept-Language`` header prefers of Indonesian and English
    (RFC 9110 §12.5.4: the highest ``q``, the first listed on a tie), else Indonesian.

    >>> accepted_language("en-US,en;q=0.9"), accepted_language("fr, id;q=0.5, en;q=0.4")
    ('en', 'id')
    """
    best: tuple[float, Lang] | None = None
    for part in header.split(",")[:20]:
        tag, _, rest = part.strip().partition(";")
        primary = tag.strip().lower().partition("-")[0]
        if primary not in ("id", "en"):
            continue
        weight = rest.strip().removeprefix("q=")
        try:
            q = float(weight) if weight else 1.0
        except ValueError:
            continue
        if q > 0 and (best is None or q > best[0]):
            best = (q, "en" if primary == "en" else "id")
    return best[1] if best is not None else "id"


def bearer_token(request: Request) -> str | None:
    """Return the API token of an ``Authorization: Bearer`` header, None without one."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def secure_cookies(request: Request) -> bool:
    """Return whether cookies must be ``Secure``: always over HTTPS (a reverse proxy's
    ``X-Forwarded-Proto: https`` counts), and over plain HTTP unless the server allows it
    (``rpkd serve`` on a loopback address: the traffic never leaves the machine)."""
    return request.url.scheme == "https" or not server(request).plain_http


def set_cookie(
    response: Response,
    request: Request,
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    httponly: bool = True,
    samesite: Literal["lax", "strict"] = "lax",
) -> None:
    """Set a cookie of the app: HttpOnly, SameSite, Secure as :func:`secure_cookies` says."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=secure_cookies(request),
        httponly=httponly,
        samesite=samesite,
    )


async def signed_in(request: Request) -> SignedIn | None:
    """Return who is signed in: the session cookie for pages, the bearer token for the API.

    Kept on ``request.state.signed_in`` for the templates and the error pages.
    """
    if hasattr(request.state, "signed_in"):
        found: SignedIn | None = request.state.signed_in
        return found
    ws = server(request).workspace
    if is_api(request):
        token, resolve = bearer_token(request), token_actor
        found = kept_actor(ws, token, "token") if token else None
    else:
        token, resolve = request.cookies.get(SESSION_COOKIE), session_actor
        found = kept_actor(ws, token, "session") if token else None
    if found is None and token:
        found = await run_in_threadpool(resolve, ws, token)
    request.state.signed_in = found
    return found


def route_of(request: Request) -> Route:
    """Return the ROUTES entry of the route that matched ``request``."""
    matched = request.scope["route"]
    method = "GET" if request.method == "HEAD" else request.method
    return server(request).routes[(method, matched.path)]


async def _sent_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _same(sent: str, expected: str | None) -> bool:
    return bool(sent) and expected is not None and hmac.compare_digest(sent, expected)


async def guard(request: Request, who: Annotated[SignedIn | None, Depends(signed_in)]) -> None:
    """Enforce the route table before the handler: sign-in (401), role (403), CSRF (403).

    A public form (the login) carries the token of the ``rpkd_login_csrf`` cookie (double
    submit); a signed-in form or HTMX request the session's token (field ``csrf_token`` or
    header ``X-CSRF-Token``).
    """
    route = route_of(request)
    unsafe = request.method not in SAFE_METHODS and route.csrf
    if route.who == "public":
        if not unsafe:
            return
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
        session = who.csrf_token if who is not None else None
        no_cookie = expected is None and session is None
        if no_cookie and request.url.scheme == "http" and secure_cookies(request):
            raise Forbidden("https_required", param=CSRF_FIELD)  # Secure cookies need HTTPS
        sent = await _sent_csrf(request)
        if not (_same(sent, expected) or _same(sent, session)):
            raise Forbidden("csrf_failed", param=CSRF_FIELD)
        return
    if who is None:
        raise Unauthenticated("sign_in_required")
    # The role first: a refused request's body (an upload, say) is never read.
    if not route.admits(who.roles):
        raise Forbidden("route_forbidden", param="role", user=who.actor.username)
    if unsafe and who.kind == "session" and not _same(await _sent_csrf(request), who.csrf_token):
        raise Forbidden("csrf_failed", param=CSRF_FIELD)
    if request.method not in SAFE_METHODS:
        from rpkd.web.notices import forget_notices

        forget_notices()  # a write may change what anyone is notified of (this process)


def _repeatable(annotation: object) -> bool:
    """Return whether a parameter's type takes several values (``list[str] | None``)."""
    union = get_origin(annotation) in (Union, UnionType)
    kinds = get_args(annotation) if union else (annotation,)
    return any(get_origin(kind) in (list, tuple, set, frozenset) for kind in kinds)


def _declared(dependant: Dependant) -> dict[str, bool]:
    """Return the query and path parameters ``dependant`` (and its own dependencies)
    declares, each with whether it may be given more than once."""
    names = {f.alias: _repeatable(f.field_info.annotation)
             for f in (*dependant.query_params, *dependant.path_params)}  # fmt: skip
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return names


async def api_parameters(request: Request) -> None:
    """Refuse an API request's parameter its address does not declare, given twice (unless it
    takes several values), or holding control characters or too long a text
    (:func:`rpkd.workflows.api_requests.check_parameters`), before the parameters are parsed;
    runs after :func:`guard` (401 and 403 first)."""
    if not is_api(request):
        return
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    values = [*request.query_params.multi_items(), *request.path_params.items()]
    declared = _declared(dependant)
    check_parameters(values, declared, repeatable={n for n, many in declared.items() if many})


async def current_user(who: Annotated[SignedIn | None, Depends(signed_in)]) -> SignedIn:
    """Return the signed-in user (routes that are not public are guarded, so there is one)."""
    if who is None:
        raise Unauthenticated("sign_in_required")
    return who


async def request_workspace(
    request: Request, who: Annotated[SignedIn, Depends(current_user)]
) -> AsyncIterator[Workspace]:
    """Yield the workspace of this request, acting for the signed-in user in the page's
    language; the table engine the request opened, if any, is closed in a thread when the
    response is done."""
    ws = server(request).workspace.acting(who.actor, lang=language(request))
    try:
        yield ws
    finally:
        if ws.engine_open:
            await run_in_threadpool(ws.close)


async def _server(request: Request) -> Server:
    return server(request)


async def _language(request: Request) -> Lang:
    return language(request)


ServerState = Annotated[Server, Depends(_server)]
Language = Annotated[Lang, Depends(_language)]
CurrentUser = Annotated[SignedIn, Depends(current_user)]
MaybeUser = Annotated[SignedIn | None, Depends(signed_in)]
RequestWorkspace = Annotated[Workspace, Depends(request_workspace)]
ApiAuth = Annotated[str | None, Depends(bearer)]
"""Declare on API routes (``_: ApiAuth``) so that OpenAPI shows the bearer scheme."""
