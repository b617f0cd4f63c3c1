"""Beranda: the dashboard of a release and year (:func:`rpkd.workflows.dashboard`).

The headline figures with their intervals against the plan's targets, the path to zero
extreme poverty, the kecamatan poverty map, the lagging items and data freshness; each chart
(built in :mod:`rpkd.reports.charts`) has its table beside it. Choosing another release or year
reloads the page's body only (HTMX). Every signed-in user may open it: the workflow shows what
the user may read and says, as findings, what it leaves out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports import charts
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.web.routes import profil
from rpkd.workflows import dashboard
from rpkd.workflows.cache import ResultCache
from rpkd.workflows.overview import Dashboard
from rpkd.workflows.release_view import Headline

if TYPE_CHECKING:
    import pyarrow as pa

router = APIRouter(include_in_schema=False)

PERCENT_KEYS = ("p0", "extreme")
"""Headline figures written in percent; P1 and P2 are BPS's ×100 indices, ``poor`` persons."""


def figure_text(key: str, value: float | None, lang: Lang) -> str:
    """Return a headline value as BPS writes it: P0 in percent, P1 and P2 ×100, persons."""
    if value is None:
        return "–"
    if key in PERCENT_KEYS:
        return locale.percent(value, lang, 2)
    if key == "poor":
        return locale.number(value, lang, 0)
    return locale.number(100.0 * value, lang, 2)


def _cards(board: Dashboard, lang: Lang) -> list[dict[str, Any]]:
    out = []
    for h in board.headlines:
        out.append(
            {
                "key": h.key,
                "label": locale.label(f"web.dashboard.figure.{h.key}", lang),
                "value": figure_text(h.key, h.estimate, lang),
                "low": figure_text(h.key, h.ci_low, lang),
                "high": figure_text(h.key, h.ci_high, lang),
                "target": None if h.target is None else figure_text(h.key, h.target, lang),
                "verdict": h.against_target,
                "light": h.light,
                "achievement": h.achievement,
            }
        )
    return out


def _headline_rows(headlines: tuple[Headline, ...], lang: Lang) -> list[dict[str, str]]:
    return [
        {
            "indicator": locale.label(f"web.dashboard.figure.{h.key}", lang),
            "estimate": figure_text(h.key, h.estimate, lang),
            "ci": f"{figure_text(h.key, h.ci_low, lang)} – {figure_text(h.key, h.ci_high, lang)}",
            "target": figure_text(h.key, h.target, lang),
            "verdict": locale.label(f"web.dashboard.verdict.{h.against_target}", lang)
            if h.against_target
            else "–",
        }
        for h in headlines
    ]


def _path_rows(board: Dashboard, lang: Lang) -> list[dict[str, str]]:
    if board.path is None:
        return []
    observed = {p.year: p for p in board.path.points}
    trend = {t.year: t for t in board.path.trend}
    rows = []
    for year in sorted(set(observed) | set(trend)):
        point, fitted = observed.get(year), trend.get(year)
        rows.append(
            {
                "year": str(year),
                "observed": locale.percent(point.value if point else None, lang, 2),
                "ci": _interval(point.ci_low, point.ci_high, lang) if point else "–",
                "trend": locale.percent(fitted.value if fitted else None, lang, 2),
                "projection": _interval(fitted.low, fitted.high, lang) if fitted else "–",
            }
        )
    return rows


def _interval(low: float | None, high: float | None, lang: Lang) -> str:
    """Return a rate's interval, the lower bound cut at zero (a linear trend's projection
    interval may reach below it; a rate cannot)."""
    if low is None or high is None:
        return "–"
    return f"{locale.percent(max(low, 0.0), lang, 2)} – {locale.percent(high, lang, 2)}"


def _verdict(board: Dashboard, lang: Lang) -> str | None:
    """Return the path's verdict as a sentence (None when it could not be projected)."""
    if board.path is None or board.path.projection is None:
        return None
    p = board.path.projection
    code = "web_path_on_track" if p.on_track else "web_path_off_track"
    return locale.message(
        code,
        lang,
        projected=locale.percent(p.projected, lang, 2),
        low=locale.percent(None if p.projected_low is None else max(p.projected_low, 0.0), lang, 2),
        high=locale.percent(p.projected_high, lang, 2),
        year=p.target_year,
        probability=locale.percent(p.probability_on_track, lang, 0),
    )


def _map_rows(board: Dashboard, lang: Lang) -> list[dict[str, Any]]:
    if board.map is None:
        return []
    return [
        {
            "code": a.code,
            "name": a.name,
            "estimate": locale.percent(a.estimate, lang, 2),
            "ci": _interval(a.ci_low, a.ci_high, lang),
            "cv": locale.percent(a.cv, lang, 0),
            "reliability": locale.label(
                "sae.no_estimate" if a.reliable is None
                else "sae.reliable" if a.reliable else "sae.unreliable", lang),
        }
        for a in board.map.areas
    ]  # fmt: skip


def _release_rows(board: Dashboard, table: pa.Table, lang: Lang) -> list[dict[str, Any]]:
    """Return data freshness (``table``: the dashboard's ``releases`` table): each release the
    user may read, its contents named by their kinds' labels."""
    return [
        {
            "name": r.name,
            "reference_date": r.reference_date,
            "created_at": row["created_at"],
            "kinds": ", ".join(locale.label(f"release.kind.{k}", lang) for k in r.kinds),
            "rows": sum(r.rows.values()),
        }
        for r, row in zip(board.releases, table.to_pylist(), strict=True)
    ]


def _area(board: Dashboard, lang: Lang) -> dict[str, Any] | None:
    """Return what the Beranda shows of a user's own area (a kecamatan or desa operator's):
    its key figures and desil table, its desil chart (None: the user reads the district)."""
    if board.area is None:
        return None
    result = board.area
    return {
        "result": result,
        "summary": profil.summary(result, lang),
        "estimate": profil.own_estimate(result, lang),
        "desil_table": profil.desil_table(result, lang),
        "desil_spec": result.charts(lang, boundaries=pages.BOUNDARIES)["desil"],
    }


def context(board: Dashboard, lang: Lang) -> dict[str, Any]:
    """Return what the Beranda templates show of ``board`` (charts, tables, sentences)."""
    specs = board.charts(lang, boundaries=pages.BOUNDARIES)
    tables = board.tables()
    return {
        "board": board,
        "area": _area(board, lang),
        "cards": _cards(board, lang),
        "specs": specs,
        "headline_table": pages.data_table(
            _headline_rows(tuple(h for h in board.headlines if h.key != "poor"), lang),
            lang,
            labels="web.dashboard.col.",
            numeric=("estimate", "ci", "target"),
        ),
        "path_table": pages.data_table(_path_rows(board, lang), lang, labels="web.dashboard.col.",
                                       columns=("year", "observed", "ci", "trend", "projection"),
                                       numeric=("observed", "ci", "trend", "projection")),
        "path_verdict": _verdict(board, lang),
        "map_rows": _map_rows(board, lang),
        "lagging_table": pages.data_table(
            tables["lagging"], lang, labels="web.dashboard.col.",
            columns=("code", "name", "agency", "target", "realisation", "achievement", "band"),
            cells={"achievement": "number"},
        ),
        "releases_table": pages.data_table(
            _release_rows(board, tables["releases"], lang), lang, labels="web.dashboard.col.",
            columns=("name", "reference_date", "created_at", "kinds", "rows"),
            cells={"rows": "integer", "reference_date": "date", "kinds": "text"},
        ),
        "findings": board.notes(lang),
    }  # fmt: skip


_BODIES: ResultCache[str] = ResultCache(64)
"""Rendered page bodies by dashboard key and language: a dashboard's body holds nothing of the
user beyond what its key names (the releases and plan parts they may read), so it is rendered
once and served again while the key holds (a new release, realisation or plan: a new key)."""


def body(request: Request, board: Dashboard, lang: Lang) -> Markup:
    """Return the page's body (``beranda/_body.html``) for ``board`` in ``lang``."""

    def build() -> str:
        template = pages.environment(request).get_template("beranda/_body.html")
        return template.render({**context(board, lang), "lang": lang})

    if not board.key:
        return Markup(build())
    return Markup(_BODIES.get(f"{board.key}:{lang}", build)[0])


@router.get("/")
def beranda(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    release: str | None = None,
    year: int | None = None,
) -> Response:
    """The dashboard of ``release`` (default: the newest one may read) for ``year``."""
    board = dashboard(ws, release or None, year=year)
    template = "beranda/_part.html" if pages.is_htmx(request) else "beranda/index.html"
    return pages.render(request, template, {"body": body(request, board, lang)})


@router.get("/maps/boundaries/{region}/{depth}")
def boundaries(region: str, depth: Literal["kabupaten", "kecamatan", "desa"]) -> Response:
    """The boundaries of ``region``'s areas at ``depth`` as GeoJSON, for the pages' maps
    (administrative geography: the same for every user; kept by the browser for a day)."""
    return Response(
        charts.boundaries_json(region, depth),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=86400"},
    )
