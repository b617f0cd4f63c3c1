"""The one route table: for every route, which roles may use it and at which scope.

:data:`ROUTES` holds one :class:`Route` per (method, path template) the app serves. The global
dependency :func:`rpkd.web.deps.guard` enforces the role part before any handler runs (no
session or token: 401; a role not listed: 403); the workflow the handler calls enforces the
scope part (:func:`rpkd.workflows.gate.authorise` with ``action`` on the region named by the
``scope`` parameter: 403 outside the user's grant). ``tests/web/test_route_matrix.py`` walks
every route × every role × an in-scope and an out-of-scope value and checks the answers this
table implies; :func:`check_table` refuses to build an app with a route missing here.

To add a route: add its entry below, in the section of its router module (DESIGN.md §8).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rpkd.workflows.access import ROLES, Role

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Who = Literal["public", "signed_in"] | frozenset[Role]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

EVERYONE: frozenset[Role] = frozenset(ROLES)
ADMIN: frozenset[Role] = frozenset({"admin"})
MANAGERS: frozenset[Role] = frozenset({"admin", "analyst"})
"""The roles that may import releases (``release.manage``)."""


@dataclass(frozen=True)
class Route:
    """Who may use one route.

    ``who``: ``"public"`` (anyone, signed in or not), ``"signed_in"`` (any role), or the set of
    roles allowed. ``action``: the permission (``rpkd.access.roles`` action) the route's
    workflow checks, None when it checks none beyond the role. ``scope``: the path or query
    parameter holding the region code (kecamatan, desa) the workflow checks ``action`` on; None
    when it checks the whole district (no region: a grant scoped to a region, an agency or a
    partner does not cover it). ``csrf``: whether an unsafe method must carry the session's CSRF
    token (False only for the API, which takes bearer tokens and no cookies).
    """

    method: Method
    path: str
    who: Who
    action: str | None = None
    scope: str | None = None
    csrf: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def api(self) -> bool:
        """Whether the route belongs to the JSON API (bearer tokens, JSON errors)."""
        return self.path.startswith(API_PREFIX)

    def admits(self, roles: Iterable[Role]) -> bool:
        """Return whether a user holding ``roles`` may use the route (the role part only)."""
        if self.who in ("public", "signed_in"):
            return True
        assert isinstance(self.who, frozenset)
        return not self.who.isdisjoint(roles)


API_PREFIX = "/api/v1"

ROUTES: tuple[Route, ...] = (
    # --- sign-in, password, language (routes/auth.py, routes/language.py) -----------------
    Route("GET", "/login", "public"),
    Route("POST", "/login", "public"),
    Route("POST", "/logout", "signed_in"),
    Route("GET", "/account/password", "signed_in"),
    Route("POST", "/account/password", "signed_in"),
    Route("GET", "/lang/{lang}", "public"),
    # --- admin pages (routes/admin.py) ---------------------------------------------------
    Route("GET", "/admin/users", ADMIN, action="user.manage"),
    Route("POST", "/admin/users", ADMIN, action="user.manage"),
    Route("GET", "/admin/audit", ADMIN, action="audit.read"),
    # --- Beranda and Profil kemiskinan (routes/beranda.py, routes/profil.py) --------------
    # Beranda shows every signed-in user what they may read (a user who may read no release
    # gets the page with a note); an explicit ?release= outside the grant answers 403.
    Route("GET", "/", "signed_in"),
    # The profile of ?area= (default: the district, or the region of the user's grant).
    Route("GET", "/profile", "signed_in", action="aggregate.read", scope="area"),
    Route("GET", "/profile/download.{fmt}", "signed_in", action="aggregate.read", scope="area"),
    # Boundaries of the maps: administrative geography, the same for every user.
    Route("GET", "/maps/boundaries/{region}/{depth}", "signed_in"),
    # --- Dokumen (routes/dokumen.py): the district's documents, aggregates only; the workflow
    # checks aggregate.read on the release's region and audits every download ---------------
    Route("GET", "/documents", "signed_in"),  # lists the releases one may read
    Route("GET", "/documents/download", "signed_in", action="aggregate.read"),
    # --- Rilis data (routes/rilis.py): releases, their changes, uploads as import jobs -----
    Route("GET", "/releases", "signed_in"),  # lists the releases one may read
    Route("POST", "/releases", MANAGERS, action="release.manage"),
    Route("GET", "/releases/{name}", "signed_in", action="aggregate.read"),
    Route("GET", "/releases/{name}/diff", "signed_in", action="aggregate.read"),
    # a job is read by its owner or an admin (the workflow checks), who may manage releases
    Route("GET", "/releases/{name}/imports/{job_id}", MANAGERS),
    Route("GET", "/releases/{name}/imports/{job_id}/findings.{fmt}", MANAGERS),
    # --- JSON API: token and schema (routes/api_token.py; FastAPI serves the schema) -------
    Route("POST", f"{API_PREFIX}/token", "public", csrf=False),
    Route("GET", f"{API_PREFIX}/openapi.json", "public"),
    # --- JSON API: reads (routes/api_releases.py, api_maps.py, api_families.py,
    # api_monitoring.py); each answers what its `--format json` command prints --------------
    Route("GET", f"{API_PREFIX}/releases", "signed_in"),  # lists the releases one may read
    Route("GET", f"{API_PREFIX}/releases/{{name}}", "signed_in", action="aggregate.read"),
    Route("GET", f"{API_PREFIX}/releases/{{name}}/profile", "signed_in"),
    Route("GET", f"{API_PREFIX}/releases/{{name}}/estimates", "signed_in"),
    Route("GET", f"{API_PREFIX}/releases/{{name}}/sae", "signed_in"),
    Route("GET", f"{API_PREFIX}/releases/{{name}}/map", "signed_in"),
    Route(
        "GET",
        f"{API_PREFIX}/releases/{{name}}/families",
        frozenset({"admin", "analyst", "area_operator"}),
        action="records.read",
        scope="desa",
    ),
    Route("GET", f"{API_PREFIX}/performance", "signed_in", action="monitor.read"),
    Route("GET", f"{API_PREFIX}/audit", ADMIN, action="audit.read"),
)


@dataclass(frozen=True)
class MenuItem:
    """An entry of the header menu: a catalogue label and the page it opens (a GET route)."""

    label: str
    path: str


MENU: tuple[MenuItem, ...] = (
    MenuItem("web.nav.home", "/"),
    MenuItem("web.nav.profile", "/profile"),
    MenuItem("web.nav.releases", "/releases"),
    MenuItem("web.nav.documents", "/documents"),
    MenuItem("web.nav.users", "/admin/users"),
    MenuItem("web.nav.audit", "/admin/audit"),
)
"""The menu, in order; an item shows when its page exists and the user's roles admit it."""


def table() -> dict[tuple[str, str], Route]:
    """Return :data:`ROUTES` by (method, path); raise if a route is listed twice."""
    found: dict[tuple[str, str], Route] = {}
    for route in ROUTES:
        if route.key in found:
            raise ValueError(f"route {route.method} {route.path} is listed twice in ROUTES")
        found[route.key] = route
    return found


def check_table(served: Iterable[tuple[str, str]]) -> None:
    """Raise ``RuntimeError`` naming every served (method, path) that :data:`ROUTES` misses.

    An app must not serve a route whose access nobody stated (:func:`rpkd.web.app.create_app`
    calls this when it builds the app).
    """
    known = table()
    missing = sorted({key for key in served if key not in known})
    if missing:
        listed = ", ".join(f"{m} {p}" for m, p in missing)
        raise RuntimeError(f"routes missing from rpkd.web.access.ROUTES: {listed}")
