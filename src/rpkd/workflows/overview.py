"""Use case: the dashboard (Beranda) — where the district stands against its plan, as data.

For one release (default: the newest the actor may read that holds a survey sample) and one
year (default: the release's reference year) :func:`dashboard` returns

- the headline figures: P0, P1, P2 and the extreme-poverty rate with 95% logit intervals and
  the number of poor (:func:`rpkd.workflows.poverty.poverty_figures`), each against the
  plan's target for the year and the plan's assessment of its realisation
  (:func:`rpkd.workflows.monitoring.monitor`);
- the path to zero extreme poverty by the plan's target year: the observed points (baseline and
  yearly realisations), the trend with its 95% projection band, and the verdict of
  :func:`rpkd.workflows.monitoring.evaluate` (or why it cannot be projected);
- the district map: kecamatan P0 by Fay–Herriot (:func:`rpkd.workflows.sae.map_release`) with
  each area's CV and the kit's reliability threshold;
- the lagging indicators and activities of the year (scored, in a red band);
- data freshness: every release the actor may read, with its reference date, creation time,
  kinds and rows.

An actor whose grant covers only part of the district (a kecamatan or desa operator) may read
no release's district figures: its dashboard holds instead the poverty profile of its own area
(:func:`rpkd.workflows.area_profile.poverty_profile`) and a finding that says so.

Every figure stays a fraction, as in the estimates table (DESIGN.md §7); plan values (percent,
BPS's ×100 indices) are divided by their unit's scale. A part that cannot be shown (no plan, no
survey in the release, a path with too few points) is absent and a finding says why.

The release part (figures and map) is kept in memory and stored beside the release
(``derived/dashboard/<key>.json``); the plan part is kept in memory under the plan's state
(:mod:`rpkd.workflows.cache`), so a dashboard served again costs two small queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import locale
from rpkd.access.roles import Scope
from rpkd.errors import Forbidden, NotFound, RpkdError
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.workflows import cache, gate, plan_view, release_view
from rpkd.workflows.area_map import AreaMap
from rpkd.workflows.path_view import PathPoint, PathView, TrendPoint
from rpkd.workflows.release_view import Headline, HeadlineKey
from rpkd.workflows.results import dataclass_table, plain

if TYPE_CHECKING:
    from rpkd.planning.performance import Assessed
    from rpkd.releases.catalog import Release
    from rpkd.workflows.area_profile import PovertyProfile
    from rpkd.workflows.workspace import Workspace

_NO_MAP = AreaMap("", "", "", "", 0.0, 0.0, None, ())
_CHARTS: cache.ResultCache[dict[str, Any]] = cache.ResultCache()


@dataclass(frozen=True)
class ReleaseInfo:
    """A release the actor may read, for data freshness."""

    name: str
    region: str | None
    reference_date: date | None
    created_at: str | None
    created_by: str | None
    kinds: tuple[str, ...]
    rows: Mapping[str, int]
    shown: bool


@dataclass(frozen=True)
class Dashboard:
    """The dashboard of one release and year (see the module's description)."""

    release: str | None
    region: str | None
    reference_date: date | None
    year: int
    plan: str | None
    target_year: int | None
    lines: Mapping[str, float]
    headlines: tuple[Headline, ...]
    path: PathView | None
    map: AreaMap | None
    lagging: tuple[Assessed, ...]
    releases: tuple[ReleaseInfo, ...]
    findings: tuple[Finding, ...] = field(default=())
    area: PovertyProfile | None = field(default=None, repr=False)
    """The profile of the actor's own area when it may not read the district's figures."""
    key: str = field(default="", compare=False)
    """A digest of everything the dashboard was made from (equal keys: equal dashboards)."""

    def notes(self, lang: Lang = "id") -> tuple[str, ...]:
        """Return the findings as whole sentences in ``lang`` (a note and its cause joined):
        what the dashboard leaves out and why."""
        return release_view.notes(self.findings, lang)

    def headline(self, key: HeadlineKey) -> Headline:
        """Return the headline figure ``key`` (``KeyError`` when the release has no survey)."""
        for h in self.headlines:
            if h.key == key:
                return h
        raise KeyError(key)

    def tables(self) -> dict[str, pa.Table]:
        """Return every part as a table: ``headlines``, ``path``, ``trend``, ``map``,
        ``lagging`` and ``releases`` (what the page shows beside its charts, and downloads)."""
        from rpkd.planning.performance import PerformanceTable

        return {
            "headlines": self.to_arrow(),
            "path": dataclass_table(PathPoint, self.path.points if self.path else ()),
            "trend": dataclass_table(TrendPoint, self.path.trend if self.path else ()),
            "map": (self.map or _NO_MAP).to_arrow(),
            "lagging": PerformanceTable("", self.lagging).to_arrow(),
            "releases": pa.Table.from_pylist(
                [_release_row(r) for r in self.releases], schema=_RELEASE_SCHEMA
            ),
        }

    def charts(self, lang: Lang = "id", *, boundaries: str | None = None) -> dict[str, Any]:
        """Return the dashboard's Vega-Lite charts in ``lang`` (:mod:`rpkd.reports.charts`):
        ``headline``, ``path``, ``map`` and ``cv_map``, each present when its part is.

        ``boundaries`` is the URL template (``{region}``, ``{depth}``) the maps fetch their
        boundaries from (a page); None puts them inline (a document). Charts of the same
        dashboard are built once per process (kept under :attr:`key`); do not change them.
        """
        if not self.key:
            return _charts(self, lang, boundaries)
        key = cache.digest("dashboard-charts", self.key, lang, boundaries)
        return _CHARTS.get(key, lambda: _charts(self, lang, boundaries))[0]

    def to_arrow(self) -> pa.Table:
        """Return the headline figures against their targets (one row per figure)."""
        return dataclass_table(Headline, self.headlines)

    def to_json(self, lang: Lang = "id") -> dict[str, Any]:
        """Return the dashboard as a JSON object (fractions; findings with their sentence)."""
        return dict(
            plain(
                {
                    "release": self.release,
                    "region": self.region,
                    "reference_date": self.reference_date,
                    "year": self.year,
                    "plan": self.plan,
                    "target_year": self.target_year,
                    "lines": dict(self.lines),
                    "headlines": [asdict(h) for h in self.headlines],
                    "path_to_zero": None if self.path is None else self.path.to_json(),
                    "map": None if self.map is None else self.map.to_json(),
                    "lagging": [vars(r) for r in self.lagging],
                    "releases": [_release_row(r) for r in self.releases],
                    "area": None if self.area is None else self.area.to_json(lang),
                    "findings": [
                        {**f.to_json(), "message": locale.message(f.code, lang, **f.params)}
                        for f in self.findings
                    ],
                }
            )
        )


def _charts(board: Dashboard, lang: Lang, boundaries: str | None) -> dict[str, Any]:
    from rpkd.reports import charts

    data = board.to_json(lang)
    specs: dict[str, Any] = {}
    if board.headlines:
        specs["headline"] = charts.headline_chart(data["headlines"], lang)
    if board.path is not None and board.path.points:
        specs["path"] = charts.path_chart(data["path_to_zero"], lang)
    if board.map is not None and board.region is not None:
        areas = data["map"]["areas"]
        threshold = board.map.cv_threshold
        method = locale.label(f"sae.method.{board.map.method}", lang)
        title = f"{locale.label('chart.map.kecamatan_p0', lang)} ({method})"
        url = None if boundaries is None else boundaries.format(region=board.region,
                                                                 depth="kecamatan")  # fmt: skip
        specs["map"] = charts.poverty_figure(
            data["map"], board.region, lang, release=board.release or "", title=title,
            boundaries=boundaries, size=600,
        )  # fmt: skip
        specs["cv_map"] = charts.cv_map_chart(
            board.region, "kecamatan", areas, cv_threshold=threshold, lang=lang, boundaries=url
        )
    return specs


def _release_row(info: ReleaseInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "region": info.region,
        "reference_date": info.reference_date,
        "created_at": _timestamp(info.created_at),
        "created_by": info.created_by,
        "kinds": ",".join(info.kinds),
        "rows": sum(info.rows.values()),
        **{f"rows_{k}": info.rows.get(k) for k in ("families", "persons", "survey")},
        "shown": info.shown,
    }


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


_RELEASE_SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("region", pa.string()),
        ("reference_date", pa.date32()),
        ("created_at", pa.timestamp("s", tz="UTC")),
        ("created_by", pa.string()),
        ("kinds", pa.string()),
        ("rows", pa.int64()),
        ("rows_families", pa.int64()),
        ("rows_persons", pa.int64()),
        ("rows_survey", pa.int64()),
        ("shown", pa.bool_()),
    ]
)


def dashboard(ws: Workspace, release: str | None = None, *, year: int | None = None) -> Dashboard:
    """Return the dashboard of ``release`` for ``year`` (see the module's description).

    ``release`` defaults to the newest release (by reference date, then creation) the actor may
    read that holds a survey sample, else the newest; ``year`` to the release's reference year.
    Needs ``aggregate.read`` on the release's region (``Forbidden`` otherwise); the plan's part
    needs ``monitor.read`` on the plan's region and is left out, with a finding, without it.
    """
    from rpkd.releases.catalog import open_release
    from rpkd.workflows.releases import list_releases

    readable = list_releases(ws).releases
    if release is None:
        chosen = newest(readable)
    else:
        chosen = open_release(ws.path, release)
        gate.authorise(ws.actor, "aggregate.read", Scope(region=chosen.region))
    found: list[Finding] = []
    release_key = ""
    area = None
    if chosen is None:
        area = _own_area(ws)
        if area is None:
            found.append(Finding("dashboard_no_release", "warning"))
        else:
            found.append(_area_only(area))
            found += area.findings
        part = None
    else:
        part, release_key = release_view.release_part(ws, chosen)
        found += part.findings
    on = part.reference_date if part else None
    chosen_year = year if year is not None else (on.year if on else date.today().year)
    plan, plan_key = plan_view.plan_part(ws, chosen_year, found)
    headlines = plan_view.with_targets(part.figures if part else (), plan, chosen_year, found)
    lagging = tuple(r for r in plan.rows if r.lagging) if plan else ()
    return Dashboard(
        release=None if chosen is None else chosen.name,
        region=None if chosen is None else chosen.region,
        reference_date=on,
        year=chosen_year,
        plan=None if plan is None else plan.plan,
        target_year=None if plan is None else plan.target_year,
        lines=dict(part.lines) if part else {},
        headlines=headlines,
        path=None if plan is None else plan.path,
        map=None if part is None else part.map,
        lagging=lagging,
        releases=_freshness(readable, chosen),
        findings=tuple(dict.fromkeys(found)),
        area=area,
        key=cache.digest(
            release_key,
            plan_key,
            chosen_year,
            [(r.name, r.manifest.get("created_at")) for r in readable],
            None if chosen is None else chosen.name,
            None if area is None else area.key,
        ),
    )


def _own_area(ws: Workspace) -> PovertyProfile | None:
    """Return the profile of the region of the actor's grant, None when it may read none."""
    from rpkd.workflows.area_profile import poverty_profile

    try:
        return poverty_profile(ws)
    except (Forbidden, NotFound):
        return None


def _area_only(area: PovertyProfile) -> Finding:
    """Return the finding that says the dashboard shows only the actor's own area."""
    return Finding(
        "dashboard_area_only",
        "info",
        {"area": area.area.name, "code": area.area.code, "release": area.release},
    )


def newest(releases: Sequence[Release]) -> Release | None:
    """Return the newest release by reference date then creation, preferring one holding a
    survey sample (the figures and the map need it); None when there is none."""

    def order(r: Release) -> tuple[bool, str, str]:
        try:
            on = r.reference_date.isoformat()
        except RpkdError:
            on = ""
        return ("survey" in r.kinds, on, str(r.manifest.get("created_at", "")))

    return max(releases, key=order, default=None)


def _freshness(releases: Sequence[Release], shown: Release | None) -> tuple[ReleaseInfo, ...]:
    out = []
    for r in releases:
        try:
            on: date | None = r.reference_date
        except RpkdError:
            on = None
        out.append(
            ReleaseInfo(
                name=r.name,
                region=r.region,
                reference_date=on,
                created_at=r.manifest.get("created_at"),
                created_by=r.manifest.get("created_by"),
                kinds=r.kinds,
                rows={str(k): int(v) for k, v in r.manifest.get("rows", {}).items()},
                shown=shown is not None and r.name == shown.name,
            )
        )
    return tuple(sorted(out, key=lambda i: (i.reference_date or date.min, i.created_at or ""),
                        reverse=True))  # fmt: skip


def clear_cache() -> None:
    """Forget the dashboards kept in this process (stored release parts stay on disk)."""
    release_view.clear_cache()
    plan_view.clear_cache()
    _CHARTS.clear()
