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
USULAN: frozenset[Role] = frozenset({"admin", "analyst", "area_operator"})
"""The roles of the desa verification loop: desa and kecamatan operators, the secretariat."""
PLAN_READERS: frozenset[Role] = frozenset(
    {"admin", "analyst", "agency_operator", "partner", "viewer"}
)
"""The roles that read the plan and the rakor (an area operator's grant covers a region only)."""
MONITORS: frozenset[Role] = frozenset({"admin", "analyst", "viewer"})
"""The roles whose grant may cover the whole plan (``monitor.read`` on its region)."""
REPORTERS: frozenset[Role] = frozenset(
    {"admin", "analyst", "agency_operator", "area_operator", "partner"}
)
"""The roles that may report realisations (``realisation.submit`` somewhere)."""
RECORDS: frozenset[Role] = frozenset({"admin", "analyst", "area_operator"})
"""The roles whose grant may cover a desa's by-name records (``records.read`` on a region)."""


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
    # The kantong-kemiskinan section of the profile of ?area= (the same default and scope).
    Route("GET", "/profile/priority", "signed_in", action="aggregate.read", scope="area"),
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
    # --- Sasaran (routes/sasaran.py, routes/sasaran_rules.py): coverage matrix of ?area=,
    # the left-out families and verification lists of a desa (by-name: the workflow checks
    # records.read, or personal_data.read to unmask, on the desa and audits every view) ----
    Route("GET", "/targeting", "signed_in", action="aggregate.read", scope="area"),
    Route("GET", "/targeting/left-out", RECORDS, action="records.read", scope="desa"),
    Route("GET", "/targeting/lists/{desa}.xlsx", RECORDS, action="records.read", scope="desa"),
    # eligibility rules: read by everyone signed in, previewed and saved with plan.edit
    Route("GET", "/targeting/rules", "signed_in"),
    Route("GET", "/targeting/rules/{programme}", MANAGERS, action="plan.edit"),
    Route("POST", "/targeting/rules/{programme}", MANAGERS, action="plan.edit"),
    Route("POST", "/targeting/rules/{programme}/preview", MANAGERS, action="plan.edit"),
    # --- Skenario (routes/skenario.py): saved scenarios (plan.read), runs and the optimiser
    # on a release (aggregate.read on its region), saving with plan.edit (workflows check) --
    Route("GET", "/scenarios", "signed_in", action="plan.read"),
    Route("POST", "/scenarios", MANAGERS, action="plan.edit"),
    Route("GET", "/scenarios/run", "signed_in", action="aggregate.read"),
    Route("GET", "/scenarios/compare", "signed_in", action="aggregate.read"),
    Route("GET", "/scenarios/optimise", "signed_in", action="aggregate.read"),
    # --- Rencana (routes/rencana.py): the plan read by every role whose grant covers the
    # district or names an agency or a partner (the workflow checks plan.read on the plan's
    # region as that agency or partner: no district-wide action here); edited and imported
    # with plan.edit; the XLSX matrices with plan.read on the whole district ---------------
    Route("GET", "/plan", PLAN_READERS),
    Route("GET", "/plan/rat", PLAN_READERS),
    Route(
        "GET", "/plan/export.xlsx", frozenset({"admin", "analyst", "viewer"}), action="plan.read"
    ),
    Route("POST", "/plan/import", MANAGERS, action="plan.edit"),
    Route("GET", "/plan/activities/new", MANAGERS, action="plan.edit"),
    Route("POST", "/plan/activities", MANAGERS, action="plan.edit"),
    Route("GET", "/plan/activities/{activity}/edit", MANAGERS, action="plan.edit"),
    Route("POST", "/plan/activities/{activity}/remove", MANAGERS, action="plan.edit"),
    Route("GET", "/plan/indicators/{indicator}/edit", MANAGERS, action="plan.edit"),
    Route("POST", "/plan/indicators/{indicator}/targets", MANAGERS, action="plan.edit"),
    # --- Rakor (routes/rakor.py): meetings read like the plan; recorded with plan.edit ------
    Route("GET", "/rakor", PLAN_READERS),
    Route("POST", "/rakor", MANAGERS, action="plan.edit"),
    Route("GET", "/rakor/{meeting_id}", PLAN_READERS),
    Route("GET", "/rakor/{meeting_id}/pack", PLAN_READERS),
    Route("POST", "/rakor/{meeting_id}/agenda", MANAGERS, action="plan.edit"),
    Route("POST", "/rakor/{meeting_id}/attendees", MANAGERS, action="plan.edit"),
    Route("POST", "/rakor/{meeting_id}/decisions", MANAGERS, action="plan.edit"),
    Route(
        "POST",
        "/rakor/{meeting_id}/decisions/{decision_id}/follow-up",
        MANAGERS,
        action="plan.edit",
    ),
    # --- Realisasi (routes/realisasi.py): the quarter's desk of whoever reports or verifies;
    # the workflow checks realisation.submit / realisation.verify on each subject's scope (its
    # OPD, region, partner), so the page itself has no district-wide action -----------------
    Route("GET", "/realisations", REPORTERS),
    Route("POST", "/realisations", REPORTERS),
    Route("POST", "/realisations/{realisation_id}/verify", MANAGERS, action="realisation.verify"),
    Route("POST", "/realisations/{realisation_id}/return", MANAGERS, action="realisation.verify"),
    Route("GET", "/realisations/evidence/{evidence_id}", REPORTERS),  # audited download
    # --- Kinerja and Evaluasi (routes/kinerja.py): monitor.read on the plan's region, which
    # only a grant over the whole district holds (an agency's, area's or partner's does not) -
    Route("GET", "/performance", MONITORS, action="monitor.read"),
    Route("GET", "/evaluation", MONITORS, action="monitor.read"),
    # --- Mitra (routes/mitra.py): partners' commitments and reports; the workflow checks
    # realisation.submit / realisation.verify on the commitment's partner and region --------
    Route("GET", "/partners", REPORTERS),
    Route("POST", "/partners/commitments", REPORTERS),
    Route("POST", "/partners/commitments/{commitment_id}/reports", REPORTERS),
    Route("POST", "/partners/reports/{report_id}/verify", MANAGERS, action="realisation.verify"),
    Route("POST", "/partners/reports/{report_id}/return", MANAGERS, action="realisation.verify"),
    # --- Notifikasi (routes/notifikasi.py): what concerns the signed-in user ---------------
    Route("GET", "/notifications", "signed_in"),
    # --- Usulan & Sanggahan (routes/usulan.py): a desa files, the kecamatan then the
    # secretariat review; ?area= / ?desa= is the region the workflow checks records.read on.
    # A proposal's own pages check its desa (view), the step's grant (review) and
    # personal_data.read (evidence) in the workflow: no scope parameter here.
    Route("GET", "/usulan", USULAN, action="records.read", scope="area"),
    Route("GET", "/usulan/new", USULAN, action="records.read", scope="desa"),
    Route("POST", "/usulan", USULAN, action="records.read", scope="desa"),
    Route("GET", "/usulan/{proposal_id}", USULAN),
    Route("POST", "/usulan/{proposal_id}/review", USULAN),
    Route("GET", "/usulan/{proposal_id}/evidence/{evidence_id}", USULAN),
    Route("POST", "/usulan/corrections", MANAGERS, action="release.manage"),
    Route("POST", "/usulan/take-up", MANAGERS, action="release.manage"),
    # --- Tinjauan pencocokan (routes/tinjauan.py): the review queues of rpkd link runs,
    # by name on the release's district; deciding needs release.manage (the workflow checks)
    Route("GET", "/linkage", MANAGERS, action="records.read"),
    Route("GET", "/linkage/{name}/{run}", MANAGERS, action="records.read"),
    Route("POST", "/linkage/{name}/{run}", MANAGERS, action="release.manage"),
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
    Route("GET", f"{API_PREFIX}/releases/{{name}}/priority", "signed_in"),
    Route(
        "GET",
        f"{API_PREFIX}/releases/{{name}}/families",
        frozenset({"admin", "analyst", "area_operator"}),
        action="records.read",
        scope="desa",
    ),
    Route(
        "GET", f"{API_PREFIX}/releases/{{name}}/eligibility", "signed_in", action="aggregate.read"
    ),
    Route("GET", f"{API_PREFIX}/performance", "signed_in", action="monitor.read"),
    Route("GET", f"{API_PREFIX}/audit", ADMIN, action="audit.read"),
    # --- JSON API: a link review decision (routes/api_linkage.py): release.manage on the
    # release's district, as the Tinjauan pencocokan page's buttons (the workflow checks) ---
    Route(
        "POST",
        f"{API_PREFIX}/releases/{{name}}/links/{{run}}/decisions",
        MANAGERS,
        action="release.manage",
        csrf=False,
    ),
    # --- JSON API: scenarios and the optimiser (routes/api_scenarios.py) -------------------
    Route("GET", f"{API_PREFIX}/scenarios", "signed_in", action="plan.read"),
    Route("GET", f"{API_PREFIX}/scenarios/{{scenario}}/run", "signed_in", action="aggregate.read"),
    Route("GET", f"{API_PREFIX}/optimise", "signed_in", action="aggregate.read"),
)


@dataclass(frozen=True)
class MenuItem:
    """An entry of the header menu: a catalogue label and the page it opens (a GET route)."""

    label: str
    path: str


MENU: tuple[MenuItem, ...] = (
    MenuItem("web.nav.home", "/"),
    MenuItem("web.nav.profile", "/profile"),
    MenuItem("web.nav.targeting", "/targeting"),
    MenuItem("web.nav.plan", "/plan"),
    MenuItem("web.nav.rakor", "/rakor"),
    MenuItem("web.nav.releases", "/releases"),
    MenuItem("web.nav.scenarios", "/scenarios"),
    MenuItem("web.nav.realisations", "/realisations"),
    MenuItem("web.nav.performance", "/performance"),
    MenuItem("web.nav.evaluation", "/evaluation"),
    MenuItem("web.nav.partners", "/partners"),
    MenuItem("web.nav.documents", "/documents"),
    MenuItem("web.nav.usulan", "/usulan"),
    MenuItem("web.nav.link_review", "/linkage"),
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
