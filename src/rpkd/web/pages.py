"""Rendering pages: the Jinja2 templates, the words and numbers of the page's language, tables.

Every handler answers with :func:`render` (a full page, or an HTMX partial when
:func:`is_htmx`). Templates get the layout's context (language, signed-in user, menu, district,
CSRF token) and helpers that take the page's language from it: ``t("key")`` (a catalogue label),
``msg("code", **params)`` (a catalogue sentence), the filters ``number``, ``percent`` (fractions
as %), ``index`` (P1, P2 ×100), ``rupiah``, ``date``, ``cell(kind)`` and ``capitalised`` (a
sentence that starts a line), and ``static(path)`` (a vendored asset's URL with its content
hash, cached for a year). :func:`data_table` turns a workflow's ``to_arrow()`` into rows of
formatted text for ``partials/table.html``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from rpkd import locale
from rpkd.errors import RpkdError
from rpkd.locale import Lang
from rpkd.web.access import MENU
from rpkd.web.deps import LOGIN_CSRF_COOKIE, language, server, set_cookie
from rpkd.web.notices import notice_count
from rpkd.workflows.access import grant_text

if TYPE_CHECKING:
    import pyarrow as pa

    from rpkd.findings import Finding

Cell = Literal["number", "percent", "index", "rupiah", "integer", "text", "date"]
"""How a value is shown: ``percent`` (a fraction × 100 with %), ``index`` (BPS's P1/P2 × 100)."""

BOUNDARIES = "/maps/boundaries/{region}/{depth}"
"""Where a page's maps fetch their boundaries (once; the browser keeps them a day)."""
STATIC_DIR = Path(str(resources.files("rpkd.web").joinpath("static")))
TEMPLATE_DIR = Path(str(resources.files("rpkd.web").joinpath("templates")))


def cell(value: Any, lang: Lang, kind: Cell | None = None) -> str:
    """Return one value as a reader of ``lang`` writes it (``1.234,5``; ``5,23%``; ``–``).

    Examples
    --------
    >>> cell(0.05234, "id", "percent"), cell(0.0123, "en", "index"), cell(1234.5, "id")
    ('5,23%', '1.23', '1.234,5')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if kind == "text" or isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return locale.label("yes" if value else "no", lang)
    if isinstance(value, datetime):
        return f"{locale.date_text(value, lang)} {value:%H:%M}"
    if isinstance(value, date):
        return locale.date_text(value, lang)
    if isinstance(value, int | float):
        if kind == "percent":
            return locale.percent(float(value), lang)
        if kind == "index":
            return locale.number(100.0 * float(value), lang, 2)
        if kind == "rupiah":
            return locale.rupiah(float(value), lang)
        if kind == "integer":
            return locale.number(round(value), lang, 0)
        return locale.number(value, lang)
    return str(value)


@dataclass(frozen=True)
class Column:
    """A table column: its key, its header in the page's language, whether it holds numbers
    (right-aligned)."""

    key: str
    label: str
    numeric: bool


def capitalised(text: str) -> str:
    """Return ``text`` with its first letter capitalised, the rest as the catalogue writes it:
    a table's header (labels shared with the command line are lower-case, ``jenis data``), a
    sentence in a table's cell.

    Examples
    --------
    >>> capitalised("jenis data"), capitalised("SHA-256"), capitalised("% keluarga")
    ('Jenis data', 'SHA-256', '% keluarga')
    """
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class DataTable:
    """A result's table as the page shows it: headers and formatted cells (text)."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    total: int
    """Rows in the result (more than ``rows`` when the page shows only the first ones)."""


def data_table(
    data: pa.Table | Sequence[Mapping[str, Any]],
    lang: Lang,
    *,
    columns: Sequence[str] | None = None,
    cells: Mapping[str, Cell] | None = None,
    labels: str = "",
    limit: int | None = None,
    numeric: Collection[str] = (),
) -> DataTable:
    """Return rows (a workflow's ``to_arrow()`` or ``to_json()`` records) ready for a page.

    ``columns`` picks and orders the columns (default: all); ``cells`` says how to show each
    (default: by value type); headers are the catalogue labels ``labels + column``, first
    letter capitalised (:func:`capitalised`); ``limit`` keeps the first rows only (``total`` still
    counts all). Columns of numbers are right-aligned: those whose ``cells`` kind is a number's,
    those holding numbers, and those named in ``numeric`` (numbers a route has already written
    as text, ``48,8%``).
    """
    rows: list[Mapping[str, Any]] = list(data) if isinstance(data, Sequence) else data.to_pylist()
    names = list(columns) if columns is not None else _names(data, rows)
    kinds = cells or {}
    shown = rows if limit is None else rows[:limit]
    right = {
        n: n in numeric
        or kinds.get(n) not in (None, "text", "date")
        or any(isinstance(r.get(n), int | float) and not isinstance(r.get(n), bool) for r in shown)
        for n in names
    }
    header = tuple(Column(n, capitalised(locale.label(labels + n, lang)), right[n]) for n in names)
    body = tuple(tuple(cell(r.get(n), lang, kinds.get(n)) for n in names) for r in shown)
    return DataTable(header, body, len(rows))


def _names(data: Any, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    names = getattr(data, "column_names", None)
    if names is not None:
        return list(names)
    return list(rows[0]) if rows else []


# --- templates -------------------------------------------------------------------------------


@cache
def _asset_hash(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """Return the URL of a static file with its content hash (``/static/css/rpkd.css?v=…``)."""
    return f"/static/{path}?v={_asset_hash(path)}"


def _lang(context: Mapping[str, Any]) -> Lang:
    value = context.get("lang")
    return "en" if value == "en" else "id"


@jinja2.pass_context
def _t(context: Mapping[str, Any], key: str) -> str:
    return locale.label(key, _lang(context))


@jinja2.pass_context
def _msg(context: Mapping[str, Any], code: str, **params: Any) -> str:
    return locale.message(code, _lang(context), **params)


@jinja2.pass_context
def _error_text(context: Mapping[str, Any], error: RpkdError) -> str:
    return error.message(_lang(context))


@jinja2.pass_context
def _finding_text(context: Mapping[str, Any], finding: Finding) -> str:
    return locale.render(finding, _lang(context))


def _formatter(kind: Cell | None) -> Callable[..., str]:
    @jinja2.pass_context
    def show(context: Mapping[str, Any], value: Any, digits: int | None = None) -> str:
        if kind in (None, "number") and digits is not None and isinstance(value, int | float):
            return locale.number(value, _lang(context), digits)
        if kind == "percent" and digits is not None and isinstance(value, int | float):
            return locale.percent(float(value), _lang(context), digits)
        return cell(value, _lang(context), kind)

    return show


@jinja2.pass_context
def _cell(context: Mapping[str, Any], value: Any, kind: Cell | None = None) -> str:
    return cell(value, _lang(context), kind)


def environment(request: Request) -> jinja2.Environment:
    """Return the Jinja2 environment of the app's templates (helpers included), to render a
    part of a page once and keep it (the Beranda's and the Profil's bodies)."""
    env: jinja2.Environment = server(request).templates.env
    return env


def templates() -> Jinja2Templates:
    """Return the template renderer with the helpers above (built once per app)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        t=_t, msg=_msg, error_text=_error_text, finding_text=_finding_text, static=static_url
    )
    env.filters.update(
        number=_formatter("number"),
        percent=_formatter("percent"),
        index=_formatter("index"),
        rupiah=_formatter("rupiah"),
        integer=_formatter("integer"),
        date=_formatter("date"),
        cell=_cell,
        capitalised=capitalised,
    )
    return Jinja2Templates(env=env)


# --- rendering -------------------------------------------------------------------------------


def is_htmx(request: Request) -> bool:
    """Return whether HTMX asked for a part of the page (not a boosted full page)."""
    return (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    )


def here(request: Request) -> str:
    """Return the path and query of ``request`` (for a ``next=`` link back to it)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_next(value: str | None, default: str = "/") -> str:
    """Return ``value`` if it is a path of this site (no open redirect), else ``default``.

    Examples
    --------
    >>> safe_next("/admin/users?x=1"), safe_next("//evil.example/"), safe_next("https://x")
    ('/admin/users?x=1', '/', '/')
    """
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def menu(request: Request) -> list[dict[str, Any]]:
    """Return the menu items the signed-in user may open (pages that exist), the current one
    marked."""
    who = getattr(request.state, "signed_in", None)
    if who is None:
        return []
    state = server(request)
    items = []
    for item in MENU:
        route = state.routes.get(("GET", item.path))
        if route is None or ("GET", item.path) not in state.served or not route.admits(who.roles):
            continue
        path = request.url.path
        current = path == item.path or (item.path != "/" and path.startswith(item.path + "/"))
        items.append({"label": item.label, "path": item.path, "current": current})
    return items


def csrf_token(request: Request) -> str:
    """Return the CSRF token for the page's forms: the session's, or for the login form the
    ``rpkd_login_csrf`` cookie's (set by :func:`login_csrf` when missing)."""
    who = getattr(request.state, "signed_in", None)
    if who is not None and who.csrf_token:
        token: str = who.csrf_token
        return token
    return login_csrf(request)


def login_csrf(request: Request) -> str:
    """Return the login form's CSRF token (the cookie's value, or a new one to be set)."""
    existing = request.cookies.get(LOGIN_CSRF_COOKIE)
    if existing:
        return existing
    if not hasattr(request.state, "login_csrf"):
        request.state.login_csrf = secrets.token_urlsafe(32)
    token: str = request.state.login_csrf
    return token


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Return ``template`` rendered with the layout's context and ``context``.

    The layout's context: ``lang``, ``other_lang``, ``user`` (a
    :class:`~rpkd.workflows.access.SignedIn` or None), ``menu``, ``district``, ``csrf_token``,
    ``here`` (this page's path and query), ``notices()`` (the bell's count, computed when the
    layout asks) and ``request``.
    """
    state = server(request)
    lang = language(request)
    who = getattr(request.state, "signed_in", None)
    roles = "; ".join(grant_text(g, lang) for g in who.actor.grants) if who is not None else ""
    base: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "other_lang": "en" if lang == "id" else "id",
        "user": who,
        "user_roles": roles,
        "menu": menu(request),
        "district": state.district,
        "csrf_token": csrf_token(request),
        "here": here(request),
        "notices": lambda: notice_count(request),
    }
    response = state.templates.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status_code
    )
    if headers:
        response.headers.update(headers)
    response.headers.setdefault("Vary", "HX-Request, Cookie")
    new_token = getattr(request.state, "login_csrf", None)
    if new_token is not None and not request.cookies.get(LOGIN_CSRF_COOKIE):
        set_cookie(response, request, LOGIN_CSRF_COOKIE, new_token, samesite="strict")
    return response
