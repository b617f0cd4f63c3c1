"""Use case: the poverty profile of one area and its map, drilled down kabupaten → kecamatan →
desa (the web app's Profil kemiskinan).

For a release and an area (the district when none is given) :func:`poverty_profile` returns
the registry profile (:func:`rpkd.workflows.profile.profile_release`) of the area and of the
areas one level below it, and the small-area poverty map of those areas
(:func:`rpkd.workflows.sae.map_release`: direct, Fay–Herriot or EBP) with each area's CV
against the kit's threshold. A desa has no areas below it: its profile comes with the map and
the profiles of its kecamatan's desa (itself among them).

Permission is the area's: ``aggregate.read`` on it, so a kecamatan operator reads its own
kecamatan and desa, and by default opens its own area. The areas listed beside the map (and
drawn on it with their figures) are only those the actor may read too: a desa operator sees its
own desa among its kecamatan's, and no figure of the others. Small cells are suppressed unless
the actor may also read the area's records (``records.read``), area by area: a viewer sees
aggregates only.

Profiles and maps of an immutable release never change, so they are kept (in memory, maps also
beside the release under ``derived/maps/``; see :mod:`rpkd.workflows.cache`): the EBP map of
every desa is estimated once per release, and a drill-down only filters it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from rpkd import locale, regions
from rpkd.access.roles import Scope, allowed
from rpkd.errors import InvalidInput, NotFound, RpkdError, UsageError
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.workflows import cache, gate, release_view
from rpkd.workflows.area_map import AreaMap, area_map
from rpkd.workflows.results import plain, records

if TYPE_CHECKING:
    from rpkd.releases.catalog import Release
    from rpkd.workflows.profile import ProfileReport
    from rpkd.workflows.workspace import Workspace

Depth = Literal["kabupaten", "kecamatan", "desa"]
BELOW: Mapping[Depth, Depth | None] = {"kabupaten": "kecamatan", "kecamatan": "desa", "desa": None}
MEASURES = ("fgt0", "fgt1", "fgt2")
_MAP_TOPICS = ("poverty_lines", "precision", "sae", "programmes")
_PROFILES: cache.ResultCache[ProfileReport] = cache.ResultCache(32)
_MAPS: cache.ResultCache[AreaMap] = cache.ResultCache(64)
_CHARTS: cache.ResultCache[dict[str, Any]] = cache.ResultCache(128)


@dataclass(frozen=True)
class Place:
    """A region of the drill-down: code, name, depth and whether the actor may open it."""

    code: str
    name: str
    depth: Depth
    readable: bool = True


@dataclass(frozen=True)
class PovertyProfile:
    """The profile of ``area`` and of the areas below it, and the map of those areas.

    ``rows`` is the profile's long table (level, code, name, indicator, value, denominator,
    share, suppressed) for the area and the areas listed beside its map: its children (a desa:
    the desa of its kecamatan), those the actor may read. ``map`` holds the estimates of those
    same areas, None when the release has no survey to map.
    """

    release: str
    reference_date: date
    area: Place
    trail: tuple[Place, ...]
    children: Depth | None
    public: bool
    min_cell: int
    method: str
    measure: str
    rows: pa.Table = field(repr=False)
    map: AreaMap | None
    releases: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    withheld: int = 0
    """How many areas beside this one (below it; a desa: of its kecamatan) the actor may not
    read: left out of ``rows`` and ``map``, drawn on the map as context only."""
    key: str = field(default="", compare=False)
    """A digest of everything the profile was made from (equal keys: equal profiles)."""

    def own(self) -> pa.Table:
        """Return the profile rows of the area itself."""
        return self.rows.filter(pc.equal(self.rows["code"], self.area.code))

    def below(self) -> pa.Table:
        """Return the profile rows of the areas listed beside the map but the area itself: the
        areas one level below (a desa: the other desa of its kecamatan that the actor may
        read)."""
        return self.rows.filter(pc.not_equal(self.rows["code"], self.area.code))

    def notes(self, lang: Lang = "id") -> tuple[str, ...]:
        """Return the findings as whole sentences in ``lang`` (a note and its cause joined):
        what the page says it leaves out and why."""
        return release_view.notes(self.findings, lang)

    def topic(self, name: str) -> pa.Table:
        """Return the area's own rows of one profile topic (desil, characteristics, ...)."""
        from rpkd.measures.rollup import topic

        return topic(self.own(), name)

    def map_parent(self) -> Place:
        """Return the area whose map is shown: the area itself, or a desa's kecamatan."""
        return self.trail[-2] if self.area.depth == "desa" else self.area

    def charts(self, lang: Lang = "id", *, boundaries: str | None = None) -> dict[str, Any]:
        """Return the profile's Vega-Lite charts in ``lang`` (:mod:`rpkd.reports.charts`):
        ``desil``, ``characteristics``, ``vulnerable``, and ``map`` and ``cv_map`` when there
        is a map; ``boundaries`` as :meth:`rpkd.workflows.overview.Dashboard.charts`. Built
        once per process for the same profile; do not change them."""
        if not self.key:
            return _charts(self, lang, boundaries)
        key = cache.digest("profile-charts", self.key, lang, boundaries)
        return _CHARTS.get(key, lambda: _charts(self, lang, boundaries))[0]

    def to_arrow(self) -> pa.Table:
        """Return the profile rows shown (the area and the areas below it)."""
        return self.rows

    def to_json(self, lang: Lang = "id") -> dict[str, Any]:
        return dict(
            plain(
                {
                    "release": self.release,
                    "reference_date": self.reference_date,
                    "area": vars(self.area),
                    "trail": [vars(p) for p in self.trail],
                    "children": self.children,
                    "public": self.public,
                    "min_cell": self.min_cell,
                    "method": self.method,
                    "measure": self.measure,
                    "profile": records(self.rows),
                    "map": None if self.map is None else self.map.to_json(),
                    "releases": list(self.releases),
                    "withheld": self.withheld,
                    "findings": [
                        {**f.to_json(), "message": locale.message(f.code, lang, **f.params)}
                        for f in self.findings
                    ],
                }
            )
        )


def _charts(result: PovertyProfile, lang: Lang, boundaries: str | None) -> dict[str, Any]:
    from rpkd.reports import charts

    own = result.own().to_pylist()
    topics = {name: [r["indicator"] for r in result.topic(name).to_pylist()]
              for name in ("characteristics", "vulnerable")}  # fmt: skip
    specs: dict[str, Any] = {
        "desil": charts.desil_chart(own, lang),
        "characteristics": charts.share_chart(
            own, topics["characteristics"], title="characteristics.caption", lang=lang
        ),
        "vulnerable": charts.share_chart(
            own, topics["vulnerable"], title="vulnerable.caption", lang=lang
        ),
    }
    if result.map is not None and result.map.areas:
        drawn = result.map.to_json()
        parent = result.map_parent()
        depth: Literal["kecamatan", "desa"] = "kecamatan" if parent.depth == "kabupaten" else "desa"
        url = None if boundaries is None else boundaries.format(region=parent.code, depth=depth)
        title = locale.message(
            "web_profile_map_title",
            lang,
            measure=locale.label(f"sae.measure.{result.measure}", lang),
            method=locale.label(f"sae.method.{result.method}", lang),
            level=locale.label(f"web.profile.level.{depth}", lang),
            area=parent.name,
        )
        threshold = result.map.cv_threshold
        selected = result.area.code if result.area.depth == "desa" else None
        specs["map"] = charts.poverty_figure(
            drawn, parent.code, lang, release=result.release, title=title,
            boundaries=boundaries, selected=selected, size=420,
        )  # fmt: skip
        specs["cv_map"] = charts.cv_map_chart(
            parent.code, depth, drawn["areas"], cv_threshold=threshold, measure=result.measure,
            lang=lang, boundaries=url, selected=selected,
        )  # fmt: skip
    return specs


def poverty_profile(
    ws: Workspace,
    release: str | None = None,
    *,
    area: str | None = None,
    method: str | None = None,
    measure: str = "fgt0",
) -> PovertyProfile:
    """Return the profile and poverty map of ``area`` (a kabupaten, kecamatan or desa code) in
    ``release`` (see the module's description).

    ``release`` defaults to the newest release holding the registry whose district covers the
    area; ``area`` to the release's district, or, for an actor who may not read it, the region
    of the actor's grant.
    """
    from rpkd.releases.catalog import open_release
    from rpkd.workflows.sae import map_method

    method = map_method(ws, method)
    if measure not in MEASURES:
        raise UsageError("choice_invalid", param="measure", flag="measure", value=measure,
                         allowed=MEASURES)  # fmt: skip
    wanted = None if not area else regions.region(area).code
    readable = _readable(ws, wanted)
    if release is None:
        # None readable, some held: the newest, so that the area's check below says 403
        chosen = _newest(readable) or _newest(_registries(ws))
        if chosen is None:
            raise NotFound("profile_no_release", param="release")
    else:
        chosen = open_release(ws.path, release)
    if chosen.region is None:
        raise InvalidInput("release_region_missing", param="release", release=chosen.name)
    district = chosen.region
    place = _place(ws, chosen, wanted)
    if not regions.contains(district, place.code):
        raise NotFound("profile_area_outside", param="area", area=place.code, release=chosen.name,
                       region=district)  # fmt: skip
    gate.authorise(ws.actor, "aggregate.read", Scope(region=place.code))
    public = _public(ws, place.code)
    listed, withheld = _listed(ws, place)
    found: list[Finding] = []
    report, report_key = _profile(ws, chosen, public)
    found += report.findings
    rows, rows_key = _rows(ws, chosen, place, listed, (report, report_key))
    mapped, map_key = _map(ws, chosen, place, method, measure, found)
    if mapped is not None:
        mapped = mapped.only({code for code, _ in listed})
    trail = tuple(_trail(ws, place))
    return PovertyProfile(
        release=chosen.name,
        reference_date=chosen.reference_date,
        area=place,
        trail=trail,
        children=BELOW[place.depth],
        public=public,
        min_cell=report.profile.min_cell,
        method=method,
        measure=measure,
        rows=rows,
        map=mapped,
        releases=tuple(r.name for r in readable),
        findings=tuple(dict.fromkeys(found)),
        withheld=withheld,
        key=cache.digest(
            rows_key,
            map_key,
            place.code,
            listed,
            [r.name for r in readable],
            [vars(p) for p in trail],
        ),
    )


def _registries(ws: Workspace) -> list[Release]:
    """Return the releases holding a registry (families and persons) and their district."""
    from rpkd.releases.catalog import list_releases

    return [r for r in list_releases(ws.path)
            if r.region is not None and {"families", "persons"} <= set(r.kinds)]  # fmt: skip


def _readable(ws: Workspace, area: str | None) -> list[Release]:
    """Return the releases holding a registry whose district the actor may read somewhere
    (the whole district, or the area asked for, or the region of one of its grants)."""
    grants = ws.actor.grants
    out = []
    for r in _registries(ws):
        district = r.region or ""
        places = [district, *(g.region for g in grants if g.region)]
        if area is not None:
            places.insert(0, area)
        if any(regions.contains(district, p) and allowed(grants, "aggregate.read", Scope(region=p))
               for p in places):  # fmt: skip
            out.append(r)
    return out


def _newest(releases: Sequence[Release]) -> Release | None:
    from rpkd.workflows.overview import newest

    return newest(releases)


def _place(ws: Workspace, release: Release, area: str | None) -> Place:
    """Return the area asked for, else the district, else the region of the actor's grant."""
    district = release.region or ""
    code = area
    if code is None:
        code = district
        if not allowed(ws.actor.grants, "aggregate.read", Scope(region=district)):
            own = [
                g.region
                for g in ws.actor.grants
                if g.region and regions.contains(district, g.region)
            ]
            code = own[0] if own else district  # fmt: skip
    found = regions.region(code)
    depth: Depth = found.depth if found.depth in BELOW else "kabupaten"  # type: ignore[assignment]
    return Place(found.code, found.name, depth)


def _trail(ws: Workspace, place: Place) -> list[Place]:
    """Return the drill-down's trail: the kabupaten down to the area, each marked readable
    when the actor may open it."""
    out = []
    for above in regions.ancestors(place.code)[:-1]:
        if above.depth in ("kabupaten", "kecamatan"):
            readable = allowed(ws.actor.grants, "aggregate.read", Scope(region=above.code))
            out.append(Place(above.code, above.name, above.depth, readable))
    return [*out, place]


def _public(ws: Workspace, code: str) -> bool:
    """Return whether the actor sees the profile of area ``code`` with small cells suppressed
    (it may read the area's aggregates but not its records)."""
    return not allowed(ws.actor.grants, "records.read", Scope(region=code))


def _listed(ws: Workspace, place: Place) -> tuple[tuple[tuple[str, bool], ...], int]:
    """Return the areas listed beside the map that the actor may read, each with whether its
    cells are suppressed: the areas one level below, or for a desa the desa of its kecamatan
    (the desa itself among them); and how many such areas it may not read."""
    child = BELOW[place.depth]
    if child is None:
        parent, child = regions.ancestor(place.code, "kecamatan").code, "desa"
    else:
        parent = place.code
    every = regions.descendants(parent, child)
    listed = tuple(
        (r.code, _public(ws, r.code))
        for r in every
        if allowed(ws.actor.grants, "aggregate.read", Scope(region=r.code))
    )
    return listed, len(every) - len(listed)


def _rows(
    ws: Workspace,
    release: Release,
    place: Place,
    listed: Sequence[tuple[str, bool]],
    own: tuple[ProfileReport, str],
) -> tuple[pa.Table, str]:
    """Return the profile rows of ``place`` and of the ``listed`` areas, each area's from the
    profile its suppression calls for (``own``: the place's profile and its key, read first),
    and a key naming them."""
    public = _public(ws, place.code)
    wanted: dict[bool, list[str]] = {public: [place.code]}
    for code, flag in listed:
        if code != place.code:
            wanted.setdefault(flag, []).append(code)
    parts, keys = [], []
    for flag in sorted(wanted, key=lambda f: f != public):
        report, key = own if flag == public else _profile(ws, release, flag)
        table = report.to_arrow()
        parts.append(table.filter(pc.is_in(table["code"], pa.array(wanted[flag]))))
        keys.append(key)
    return pa.concat_tables(parts), cache.digest(*keys)


def _profile(ws: Workspace, release: Release, public: bool) -> tuple[ProfileReport, str]:
    from rpkd.workflows.profile import profile_release

    key = cache.digest(
        "profile",
        str(ws.path.resolve()),
        release.name,
        cache.release_digest(release),
        cache.kit_digest(ws, ["profile"]),
        public,
    )
    return _PROFILES.get(key, lambda: profile_release(ws, release.name, public=public))[0], key


def _map(
    ws: Workspace, release: Release, place: Place, method: str, measure: str,
    found: list[Finding],
) -> tuple[AreaMap | None, str]:  # fmt: skip
    """Return the map of the areas below ``place`` (a desa: of its kecamatan's desa) and the
    key it is kept under."""
    from rpkd.workflows.sae import map_release

    if place.depth == "kabupaten":
        level, parent = "kecamatan", None
    else:
        level = "desa"
        parent = (
            place.code
            if place.depth == "kecamatan"
            else regions.ancestor(place.code, "kecamatan").code
        )
    key = cache.digest(
        "map",
        str(ws.path.resolve()),
        release.name,
        cache.release_digest(release),
        cache.kit_digest(ws, _MAP_TOPICS),
        level,
        measure,
        method,
    )  # fmt: skip

    def build() -> AreaMap:
        stored = cache.stored_json(
            ws, release, "maps", key,
            lambda: area_map(map_release(ws, release.name, level=level, measure=measure,
                                         method=method, draw=False)).to_json(),
        )  # fmt: skip
        return AreaMap.from_json(stored)

    try:
        whole = _MAPS.get(key, build)[0]
    except RpkdError as exc:
        found += [Finding("dashboard_map_missing", "warning", {"release": release.name}),
                  Finding(exc.code, "warning", exc.params, field=exc.param)]  # fmt: skip
        return None, ""
    return whole.within(parent), key


def clear_cache() -> None:
    """Forget the profiles and maps kept in this process (stored maps stay on disk)."""
    _PROFILES.clear()
    _MAPS.clear()
    _CHARTS.clear()
