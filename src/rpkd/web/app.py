"""The application factory: ``create_app(workspace)`` builds the FastAPI app of one workspace.

One machine: ``rpkd serve`` (uvicorn, one process). Several workers behind a reverse proxy on
PostgreSQL: ``uvicorn --factory rpkd.web.app:create_app --workers 4 --proxy-headers`` with
``RPKD_WORKSPACE`` and ``RPKD_DATABASE_URL`` set (``docs/web.md``). The app holds one
:class:`~rpkd.workflows.Workspace` per process (settings, kit, the database's connection pool);
each request gets a workspace acting for its signed-in user (:mod:`rpkd.web.deps`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rpkd.web import errors, pages
from rpkd.web.access import API_PREFIX, check_table
from rpkd.web.deps import Server, api_parameters, guard
from rpkd.web.limits import BodyLimit
from rpkd.web.routes import routers
from rpkd.workflows.districts import district
from rpkd.workflows.jobs import recover_import_jobs
from rpkd.workflows.results import GZIP_LEVEL
from rpkd.workflows.workspace import Workspace

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # vega-embed and htmx add small style elements
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""Scripts only from this server (no inline script; charts use vega's interpreter, no eval)."""


class SecurityHeaders:
    """Add security headers to every response; pages are never cached, vendored assets
    (URLs carrying their content hash) for a year. It wraps the whole app (:class:`App`), so
    that the answers built outside the app's own middleware carry them too: the 500 of an
    unexpected exception (Starlette's outermost ``ServerErrorMiddleware``), the 503 of a lost
    database, the 413 of :mod:`rpkd.web.limits`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        versioned = static and b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"x-frame-options": b"DENY",
                }
                if versioned:
                    extra[b"cache-control"] = b"public, max-age=31536000, immutable"
                elif not static:
                    extra[b"cache-control"] = b"no-store"
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class App(FastAPI):
    """The FastAPI app with :class:`SecurityHeaders` outside every other layer."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def served_routes(app: FastAPI) -> frozenset[tuple[str, str]]:
    """Return every (method, path template) ``app`` answers: its routes, those of included
    routers (FastAPI >= 0.160 keeps them behind ``iter_route_contexts``) and the schema."""
    from fastapi import routing

    contexts = getattr(routing, "iter_route_contexts", None)
    routes = list(contexts(app.routes)) if contexts is not None else list(app.routes)
    found = set()
    for route in routes:
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None) or ()
        if path is None or isinstance(getattr(route, "original_route", route), Mount):
            continue
        found |= {(method, path) for method in methods if method != "HEAD"}
    return frozenset(found)


def create_app(
    workspace: Workspace | Path | str | None = None, *, plain_http: bool = False
) -> FastAPI:
    """Return the web app of ``workspace`` (a path or an open workspace; default: as
    ``Workspace.open`` resolves it, ``RPKD_WORKSPACE`` or ``./rpkd-workspace``).

    ``plain_http`` lets cookies go without ``Secure`` over plain HTTP (a server listening on
    loopback only); over HTTPS they are always ``Secure``. The database is opened (and
    migrated) here, once, and the table engine opened and held; a workspace opened here is
    closed when the app shuts down.
    Raises ``RuntimeError`` if a route has no entry in :data:`rpkd.web.access.ROUTES`.
    """
    owned = not isinstance(workspace, Workspace)
    ws = Workspace.open(workspace) if not isinstance(workspace, Workspace) else workspace
    ws.database  # noqa: B018  (open and migrate before serving: every request shares its pool)
    # The table engine is opened before serving too (a bad setting stops the server here) and
    # held, unused, until the workspace is closed: each request opens its own engine, and those
    # share what this one keeps alive (a Spark session stops when its last user closes, and
    # starting it again costs every request seconds).
    ws.engine  # noqa: B018

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        recover_import_jobs(ws)  # close imports a killed server left running; clear their uploads
        yield
        if owned:
            ws.close()

    app = App(
        title="rpkd",
        version=version("rpkd"),
        description="The JSON API of rpkd (DESIGN.md §8): bearer tokens from POST /api/v1/token.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(guard), Depends(api_parameters)],
        lifespan=lifespan,
    )
    state = Server(
        workspace=ws, templates=pages.templates(), district=district(ws), plain_http=plain_http
    )
    app.state.server = state
    errors.install(app)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    for router in routers():
        app.include_router(router)
    state.served = served_routes(app)
    check_table(state.served)
    # Level 6, not Starlette's 9: pages come out a few per cent larger in a third of the time.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=GZIP_LEVEL)
    app.add_middleware(BodyLimit, workspace=lambda: ws)
    return app
