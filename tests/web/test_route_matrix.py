"""The role × route × scope matrix: every route of the app, every role, in and out of scope.

The expected answer of each request comes from the route table (:data:`rpkd.web.access.ROUTES`)
and the permission rule (:func:`rpkd.access.roles.allowed`), never from the app:

- nobody signed in: a public route answers; any other gives 401 (a page GET redirects to the
  login form, its form of 401);
- a signed-in user whose roles the entry does not list: 403;
- a listed role: the route's ``action`` on its ``scope`` parameter's region (the whole
  district when it has none) decides: covered → the route answers (2xx or 3xx), not → 403;
- a path parameter naming something that does not exist (release ``r9``): 404 for a user
  whose grant covers the scope; 403 or 404 for one whose grant does not (a workflow may look
  the object up before it checks the scope).

Unsafe methods are sent with the right CSRF token and no other data: a listed role must get
past the access checks (neither 401 nor 403); without the token it gets 403. The workspace
holds a small synthetic release (Kapuas, 800 families), the kit's plan and one user per role;
the area operator is scoped to one desa of the release.

To add a route: add its ``ROUTES`` entry; if its path has a parameter not in :data:`PATHS`,
add sample values there; query parameters it needs go in :data:`QUERIES`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_fixture import PASSWORD, csrf_of, sign_in

from rpkd.access.roles import Scope, allowed
from rpkd.web.access import ROUTES, SAFE_METHODS, Route
from rpkd.web.app import create_app, served_routes
from rpkd.workflows import (
    Actor,
    Workspace,
    add_user,
    import_release,
    init_plan,
    list_users,
    synthesize_district,
)
from rpkd.workflows.access import Role

RELEASE = "r1"
DISTRICT = "62.03"

PATHS: dict[str, tuple[str | None, str | None]] = {
    "name": (RELEASE, "r9"),
    "lang": ("en", None),
    "fmt": ("csv", None),
    "job_id": (None, "0"),  # the workspace has no import job: only the missing one is asked
    "depth": ("kecamatan", None),
    "programme": ("sembako", "tidak_ada"),
    "proposal_id": (None, "0"),  # no proposal exists: only the missing one is asked
    "run": (None, "run9"),  # no link run exists: only the missing one is asked
    "realisation_id": (None, "0"),  # versions, evidence, commitments and reports: none exist
    "evidence_id": (None, "0"),
    "commitment_id": (None, "0"),
    "report_id": (None, "0"),
    "scenario": (None, "s9"),  # no scenario is saved: only the missing one is asked
    "activity": (None, "ZZ9"),  # plan items: only missing ones (an edit would change the plan)
    "indicator": (None, "ZZ9"),
    "meeting_id": (None, "0"),  # no rakor exists: only the missing one is asked
    "decision_id": (None, "0"),
}
"""Path parameter -> (a value that exists, one that does not; None: not asked)."""

QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v1/performance"): {"year": "2025"},
    ("GET", "/documents/download"): {"release": RELEASE, "kind": "rakor", "format": "xlsx"},
    # the 800 families' survey is too thin for a Fay–Herriot fit of every desa
    ("GET", "/api/v1/releases/{name}/priority"): {"level": "kecamatan"},
    ("GET", "/targeting/lists/{desa}.xlsx"): {"release": RELEASE},
    ("GET", "/api/v1/scenarios/{scenario}/run"): {"release": RELEASE},
    ("GET", "/api/v1/optimise"): {"release": RELEASE},
}
"""Query parameters a route needs to answer, by (method, path)."""

REGION_PARAMS = ("desa", "kecamatan", "region", "area")


@dataclass(frozen=True)
class User:
    """A signed-in test user: name, grants (as stored), a browser with its session, a token."""

    name: str
    actor: Actor
    browser: TestClient | None
    token: str | None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.actor.grants)


@dataclass(frozen=True)
class World:
    app: FastAPI
    users: tuple[User, ...]
    anonymous: TestClient
    desa_in: str
    desa_out: str

    def scope_values(self, param: str) -> tuple[str, str]:
        """Return an in-scope and an out-of-scope region for a scope parameter."""
        if param == "kecamatan":
            return self.desa_in.rsplit(".", 1)[0], self.desa_out.rsplit(".", 1)[0]
        return self.desa_in, self.desa_out


def _two_desa(families_csv: Path) -> tuple[str, str]:
    """Return a desa of the release and a desa of another kecamatan."""
    with families_csv.open(encoding="utf-8") as fh:
        codes = sorted({row["desa_code"] for row in csv.DictReader(fh)})
    first = codes[0]
    other = next(c for c in codes if c.rsplit(".", 1)[0] != first.rsplit(".", 1)[0])
    return first, other


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("matrix")
    path = root / "ws"
    with Workspace.open(path) as ws:
        synthesize_district(ws, "62.03", root / "source", families=800, seed=3, fmt="csv")
        import_release(ws, root / "source", RELEASE, reference_date="2025-03-01")
        init_plan(ws)
        add_user(ws, "admin", PASSWORD, role="admin")
    desa_in, desa_out = _two_desa(root / "source" / "families.csv")
    grants: dict[str, dict[str, str]] = {
        "analyst": {"role": "analyst"},
        "agency": {"role": "agency_operator", "agency": "DINSOS"},
        "area": {"role": "area_operator", "region": desa_in},
        "partner": {"role": "partner", "partner": "CSR-BANK"},
        "viewer": {"role": "viewer"},
    }
    with Workspace.open(path, actor="admin") as ws:
        for name, grant in grants.items():
            add_user(ws, name, PASSWORD, **grant)  # type: ignore[arg-type]
    app = create_app(path, plain_http=True)
    users = []
    with Workspace.open(path, actor="admin") as ws:
        stored = {u.username: u for u in list_users(ws).users}
    for name in ("admin", *grants):
        browser = TestClient(app, follow_redirects=False)
        sign_in(browser, name)
        token = browser.post("/api/v1/token", data={"username": name, "password": PASSWORD})
        assert token.status_code == 200, token.text
        actor = Actor(name, stored[name].grants)
        users.append(User(name, actor, browser, token.json()["access_token"]))
    anonymous = User("anonymous", Actor("anonymous", ()), None, None)
    with TestClient(app, follow_redirects=False) as nobody:
        yield World(app, (anonymous, *users), nobody, desa_in, desa_out)
    app.state.server.workspace.close()


@dataclass(frozen=True)
class Case:
    """One request of the walk and the answer the table implies."""

    label: str
    url: str
    expect: str  # "ok", "401", "403", "404", "403|404", "passes" (past the access checks)


def _params(route: Route) -> list[str]:
    return re.findall(r"{(\w+)}", route.path)


def _covered(route: Route, user: User, region: str | None) -> bool:
    if route.action is None:
        return True
    return allowed(user.actor.grants, route.action, Scope(region=region))  # type: ignore[arg-type]


def cases(route: Route, user: User, world: World) -> list[Case]:
    """Return the requests the walk sends for ``route`` as ``user``, with their expectations."""
    values = {}
    only_missing = False
    for param in _params(route):
        if param == route.scope:
            values[param] = world.desa_in
            continue
        if param in REGION_PARAMS:  # a region that is not the checked scope: the district
            values[param] = DISTRICT
            continue
        assert param in PATHS, f"add a sample value for path parameter {param!r} to PATHS"
        present, missing = PATHS[param]
        values[param] = present if present is not None else str(missing)
        only_missing = only_missing or present is None
    base_query = dict(QUERIES.get(route.key, {}))
    success = "ok" if route.method in SAFE_METHODS else "passes"

    def url(overrides: dict[str, str], query: dict[str, str]) -> str:
        filled = route.path.format(**{**values, **overrides})
        merged = {**base_query, **query}
        return filled + (f"?{urlencode(merged)}" if merged else "")

    if user.browser is None:
        return [Case("anonymous", url({}, {}), success if route.who == "public" else "401")]
    if route.who != "public" and not route.admits(user.roles):
        return [Case("role not listed", url({}, {}), "403")]
    found = []
    if only_missing:
        expect = "404" if _covered(route, user, None) else "403|404"
        return [Case("missing", url({}, {}), expect)]
    if route.scope is not None:
        inside, outside = world.scope_values(route.scope)
        for label, region in (("in scope", inside), ("out of scope", outside)):
            place = (
                ({route.scope: region}, {})
                if route.scope in values
                else ({}, {route.scope: region})
            )
            expect = success if _covered(route, user, region) else "403"
            found.append(Case(f"{label} {region}", url(*place), expect))
        region: str | None = inside
    else:
        region = None
        expect = success if _covered(route, user, None) else "403"
        found.append(Case("district", url({}, {}), expect))
    scoped = {route.scope: region} if route.scope and route.scope not in values else {}
    for param in _params(route):
        missing = PATHS.get(param, (None, None))[1]
        if missing is not None and missing != values[param]:
            expect = "404" if _covered(route, user, region) else "403|404"
            found.append(Case(f"{param}={missing}", url({param: missing}, scoped), expect))
    return found


def _send(world: World, route: Route, user: User, target: str, *, csrf: bool = True) -> Answer:
    """Send one request as ``user`` (a page with its session, the API with its token)."""
    headers = {"Authorization": f"Bearer {user.token}"} if route.api and user.token else {}
    client = user.browser if user.browser is not None and not route.api else world.anonymous
    if route.method not in SAFE_METHODS and client is user.browser:
        client = TestClient(world.app, follow_redirects=False)  # a session of its own: the
        sign_in(client, user.name)  # request may end it (logout) or change the user
    if route.method in SAFE_METHODS:
        answer = client.request(route.method, target, headers=headers)
    else:
        token = ""
        if csrf and route.csrf:
            form = "/login" if user.browser is None else "/account/password"
            token = csrf_of(client.get(form).text)
        answer = client.request(route.method, target, headers=headers, data={"csrf_token": token})
    return Answer(answer.status_code, answer.headers.get("location", ""))


@dataclass(frozen=True)
class Answer:
    status: int
    location: str

    @property
    def verdict(self) -> str:
        """The answer as the table speaks: ok, 401 (a redirect to the login form too), 403..."""
        if self.status == 303 and self.location.startswith("/login"):
            return "401"
        if 200 <= self.status < 400:
            return "ok"
        return str(self.status)


def test_every_route_served_has_an_entry_and_every_entry_is_served(world: World) -> None:
    served = served_routes(world.app)
    table = {r.key for r in ROUTES}
    assert not served - table, f"routes missing from ROUTES: {sorted(served - table)}"
    assert not table - served, f"ROUTES entries no route serves: {sorted(table - served)}"


def test_table_roles_hold_the_permission_the_workflow_checks() -> None:
    from rpkd.access.roles import PERMISSIONS

    for route in ROUTES:
        if route.action is None or not isinstance(route.who, frozenset):
            continue
        lacking = sorted(r for r in route.who if route.action not in PERMISSIONS[r])
        assert not lacking, f"{route.method} {route.path}: {lacking} lack {route.action}"


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_route_matrix(world: World, route: Route) -> None:
    failures = []
    for user in world.users:
        walk = cases(route, user, world)
        for case in walk:
            answer = _send(world, route, user, case.url)
            if case.expect == "passes":
                denied = (403,) if route.who == "public" else (401, 403)
                good = answer.status < 500 and answer.status not in denied
            else:
                good = answer.verdict in case.expect.split("|")
            if not good:
                failures.append(
                    f"{user.name} ({case.label}) {route.method} {case.url}: "
                    f"expected {case.expect}, got {answer.status} {answer.location}"
                )
        needs_token = route.method not in SAFE_METHODS and route.csrf
        if needs_token and user.browser is not None and route.admits(user.roles):
            answer = _send(world, route, user, walk[0].url, csrf=False)
            if answer.status != 403:
                failures.append(f"{user.name} {route.method} {route.path} without CSRF: {answer}")
    assert not failures, "\n".join(failures)
