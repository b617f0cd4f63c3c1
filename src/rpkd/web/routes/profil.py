"""Profil kemiskinan: the registry profile and the small-area poverty map of an area, drilled
down kabupaten → kecamatan → desa (:func:`rpkd.workflows.area_profile.poverty_profile`).

The map (direct, Fay–Herriot or EBP; uncertainty drawn on it and in a small CV map), the
desil distribution, the characteristics of desil 1–4 families and the vulnerable groups each
have their table beside the chart; the areas below are listed with links that load them
(HTMX: the page's body is swapped and the address follows). The kantong-kemiskinan section
(:func:`rpkd.workflows.area_priority.area_priorities`: the priority-class map, the documents'
figure, and the table of classes with their probabilities, desil 1–2 families and service gaps)
loads after the page (``/profile/priority``), as its ranking takes a moment the first time. What
is shown downloads as CSV
(one table) or XLSX (both tables, headed in the page's language). A viewer sees small cells
suppressed: the workflow decides.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.xlsx import Column, Sheet, neutralise_table, write_workbook
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.area_map import MapArea
from rpkd.workflows.area_priority import AreaPriorities, area_priorities
from rpkd.workflows.area_profile import PovertyProfile, poverty_profile
from rpkd.workflows.cache import ResultCache
from rpkd.workflows.sae import METHODS

router = APIRouter(include_in_schema=False)

Method = Literal["direct", "fh", "ebp"]
Measure = Literal["fgt0", "fgt1", "fgt2"]
TableName = Literal["profile", "map"]
KEY_INDICATORS = ("families_total", "families_desil_1_4", "persons_total", "mpi_headcount")
"""The profile indicators listed for each area below the one shown."""
DESIL_SLOTS = (*(str(d) for d in range(1, 11)), "missing")
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _count(row: dict[str, Any] | None, lang: Lang) -> str:
    if row is None:
        return "–"
    if row.get("suppressed"):
        return "*"
    return locale.number(row.get("value"), lang, 0)


def _share(row: dict[str, Any] | None, lang: Lang) -> str:
    if row is None:
        return "–"
    if row.get("suppressed"):
        return "*"
    return locale.percent(row.get("share"), lang, 1)


def _by_indicator(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {r["indicator"]: r for r in table.to_pylist()}


def _estimate(value: float | None, measure: str, lang: Lang) -> str:
    if value is None:
        return "–"
    if measure == "fgt0":
        return locale.percent(value, lang, 2)
    return locale.number(100.0 * value, lang, 2)


def _interval(area: MapArea | None, measure: str, lang: Lang) -> str:
    """Return an area's 95% interval (already cut to [0, 1])."""
    if area is None or area.ci_low is None or area.ci_high is None:
        return "–"
    return f"{_estimate(area.ci_low, measure, lang)} – {_estimate(area.ci_high, measure, lang)}"


def _reliability(area: MapArea | None, lang: Lang) -> str:
    if area is None or area.reliable is None:
        return locale.label("sae.no_estimate", lang)
    return locale.label("sae.reliable" if area.reliable else "sae.unreliable", lang)


def _area_rows(result: PovertyProfile, lang: Lang) -> list[dict[str, Any]]:
    """Return one row per area listed beside the map (the areas below; a desa: its
    kecamatan's desa, itself among them), each one the user may open: the map's estimate with
    its interval and CV, and key profile counts."""
    profile: dict[str, dict[str, dict[str, Any]]] = {}
    for row in result.rows.to_pylist():  # a desa's own row: its kecamatan's map lists it
        if row["code"] != result.area.code or result.area.depth == "desa":
            profile.setdefault(row["code"], {})[row["indicator"]] = row
    areas = result.map.areas if result.map is not None else ()
    codes = [a.code for a in areas] or sorted(profile)
    by_code = {a.code: a for a in areas}
    rows = []
    for code in codes:
        area, counts = by_code.get(code), profile.get(code, {})
        name = area.name if area else next(iter(counts.values()), {}).get("name", code)
        rows.append(
            {
                "code": code,
                "name": name,
                "current": code == result.area.code,
                "estimate": _estimate(area.estimate if area else None, result.measure, lang),
                "ci": _interval(area, result.measure, lang),
                "cv": locale.percent(area.cv if area else None, lang, 0),
                "reliability": _reliability(area, lang),
                "families": _count(counts.get("families_total"), lang),
                "desil_1_4": _share(counts.get("families_desil_1_4"), lang),
                "persons": _count(counts.get("persons_total"), lang),
                "mpi": _share(counts.get("mpi_headcount"), lang),
            }
        )
    return rows


def summary(result: PovertyProfile, lang: Lang) -> list[tuple[str, str]]:
    """Return the area's key counts as (label, value) cards: families, persons, share of
    families in desil 1–4, share multidimensionally poor."""
    own = _by_indicator(result.own())
    return [
        (locale.label("web.profile.col.families", lang), _count(own.get("families_total"), lang)),
        (locale.label("web.profile.col.persons", lang), _count(own.get("persons_total"), lang)),
        (locale.label("web.profile.col.desil_1_4", lang),
         _share(own.get("families_desil_1_4"), lang)),
        (locale.label("web.profile.col.mpi", lang), _share(own.get("mpi_headcount"), lang)),
    ]  # fmt: skip


def own_estimate(result: PovertyProfile, lang: Lang) -> dict[str, str] | None:
    """Return the area's own estimate on the map (a desa's; the map of a kecamatan or the
    district holds the areas below it), None when the map does not hold it."""
    if result.map is None:
        return None
    area = next((a for a in result.map.areas if a.code == result.area.code), None)
    if area is None or area.estimate is None:
        return None
    return {
        "label": f"{locale.label(f'sae.measure.{result.measure}', lang)}, "
        f"{locale.label(f'sae.method.{result.method}', lang)}",
        "value": _estimate(area.estimate, result.measure, lang),
        "ci": _interval(area, result.measure, lang),
        "cv": locale.percent(area.cv, lang, 0),
        "reliability": _reliability(area, lang),
    }


def _desil_rows(result: PovertyProfile, lang: Lang) -> list[dict[str, str]]:
    own = _by_indicator(result.topic("desil"))
    return [
        {
            "desil": slot if slot != "missing" else locale.label("web.profile.no_desil", lang),
            "families": _count(own.get(f"families_desil_{slot}"), lang),
            "families_share": _share(own.get(f"families_desil_{slot}"), lang),
            "persons": _count(own.get(f"persons_desil_{slot}"), lang),
            "persons_share": _share(own.get(f"persons_desil_{slot}"), lang),
        }
        for slot in DESIL_SLOTS
    ]


def desil_table(result: PovertyProfile, lang: Lang) -> pages.DataTable:
    """Return the area's families and persons by desil, as the page's table."""
    return pages.data_table(
        _desil_rows(result, lang), lang, labels="web.profile.col.",
        numeric=("families", "families_share", "persons", "persons_share"),
    )  # fmt: skip


def _share_rows(table: pa.Table, lang: Lang) -> list[dict[str, str]]:
    return [
        {
            "indicator": locale.label(f"profile.{r['indicator']}", lang),
            "count": _count(r, lang) if r.get("value") is not None or r.get("suppressed") else "–",
            "share": _share(r, lang),
        }
        for r in table.to_pylist()
    ]


def _query(result: PovertyProfile, **changes: str) -> str:
    from urllib.parse import urlencode

    values = {"release": result.release, "area": result.area.code, "method": result.method,
              "measure": result.measure, **changes}  # fmt: skip
    return urlencode(values)


def _share_table(table: pa.Table, lang: Lang) -> pages.DataTable:
    return pages.data_table(
        _share_rows(table, lang), lang, labels="web.profile.col.", numeric=("count", "share")
    )


def context(result: PovertyProfile, lang: Lang) -> dict[str, Any]:
    """Return what the Profil templates show of ``result`` (charts, tables, links)."""
    level = "kecamatan" if result.map_parent().depth == "kabupaten" else "desa"
    return {
        "result": result,
        "summary": summary(result, lang),
        "estimate": own_estimate(result, lang),
        "specs": result.charts(lang, boundaries=pages.BOUNDARIES),
        "level": locale.label(f"web.profile.level.{level}", lang),
        "outside": result.withheld > 0,
        "methods": [(m, locale.label(f"sae.method.{m}", lang)) for m in METHODS],
        "measures": [(m, locale.label(f"sae.measure.{m}", lang)) for m in ("fgt0", "fgt1", "fgt2")],
        "area_rows": _area_rows(result, lang),
        "desil_table": desil_table(result, lang),
        "characteristics_table": _share_table(result.topic("characteristics"), lang),
        "vulnerable_table": _share_table(result.topic("vulnerable"), lang),
        "mpi_table": _share_table(result.topic("mpi"), lang),
        "query": lambda **changes: _query(result, **changes),
        "findings": result.notes(lang),
    }  # fmt: skip


@router.get("/profile")
def profile(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    release: str | None = None,
    area: str | None = None,
    method: Annotated[Method | None, Query()] = None,
    measure: Annotated[Measure, Query()] = "fgt0",
) -> Response:
    """The profile and poverty map of ``area`` (default: the district, or one's own area)."""
    result = poverty_profile(ws, release or None, area=area or None, method=method,
                             measure=measure)  # fmt: skip
    template = "beranda/_part.html" if pages.is_htmx(request) else "profil/index.html"
    return pages.render(request, template, {"body": body(request, result, lang)})


_BODIES: ResultCache[str] = ResultCache(128)
"""Rendered bodies by profile key and language (as the Beranda's: the key names what of the
user the body holds: suppression, readable releases and trail)."""


def body(request: Request, result: PovertyProfile, lang: Lang) -> Markup:
    """Return the page's body (``profil/_body.html``) for ``result`` in ``lang``."""

    def build() -> str:
        template = pages.environment(request).get_template("profil/_body.html")
        return template.render({**context(result, lang), "lang": lang})

    if not result.key:
        return Markup(build())
    return Markup(_BODIES.get(f"{result.key}:{lang}", build)[0])


PRIORITY_COLUMNS = (
    "priority.class_column",
    "sae.name",
    "priority.estimate",
    "priority.poor",
    "priority.probability_rate",
    "priority.probability_count",
    "priority.rank",
    "priority.families_desil_12",
    "priority.gaps",
)
"""The kantong-kemiskinan table's columns (:func:`rpkd.reports.priority.priority_view`)."""


def priority_context(result: AreaPriorities, lang: Lang) -> dict[str, Any]:
    """Return what ``profil/_priority.html`` shows of ``result``: the map, the table, the
    sentence on how sure the classes are and the notes."""
    from rpkd.reports.priority import priority_view

    view = [
        {**row, "priority.class_column": pages.capitalised(row["priority.class_column"])}
        for row in priority_view(result.to_arrow(), lang).to_pylist()
    ]
    level = locale.label(f"priority.level.{result.level}", lang)
    ranking = result.ranking
    return {
        "priority": result,
        "priority_spec": result.charts(lang, boundaries=pages.BOUNDARIES).get("map"),
        "priority_table": pages.data_table(
            view, lang, columns=PRIORITY_COLUMNS, numeric=PRIORITY_COLUMNS[2:8]
        ),
        "priority_caption": ""
        if ranking is None
        else locale.message(
            "web_priority_caption",
            lang,
            k=ranking.k,
            level=level,
            area=result.parent.name,
            method=locale.label(f"sae.method.{ranking.method}", lang),
        ),
        "priority_map_caption": locale.message(
            "web_priority_map_caption", lang, level=level, area=result.parent.name
        ),
        "priority_certainty": result.certainty(lang),
        "priority_notes": result.notes(lang),
        "priority_query": _priority_query(result),
    }


def _priority_query(result: AreaPriorities) -> str:
    from urllib.parse import urlencode

    query = {"release": result.release, "area": result.area.code}
    if result.ranking is not None:
        query["method"] = result.ranking.method
    return urlencode(query)


@router.get("/profile/priority")
def priority(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    release: str | None = None,
    area: str | None = None,
    method: Annotated[Method | None, Query()] = None,
) -> Response:
    """The priority areas (kantong kemiskinan) below ``area``: the section of the Profil page
    (HTMX), or a page of its own."""
    result = area_priorities(ws, release or None, area=area or None, method=method)
    context = {**priority_context(result, lang), "lang": lang}
    if pages.is_htmx(request):
        return pages.render(request, "profil/_priority.html", context)
    return pages.render(request, "profil/priority.html", context)


def _headers(table: pa.Table, prefix: str, lang: Lang) -> list[Column]:
    percent = {"share", "estimate", "ci_low", "ci_high", "cv", "direct", "direct_cv", "rmse"}
    return [
        Column(name, locale.label(f"{prefix}{name}", lang),
               format="percent" if name in percent else None)
        for name in table.column_names
    ]  # fmt: skip


def _file_name(result: PovertyProfile, suffix: str) -> str:
    return f"profil-{result.release}-{result.area.code}-{result.method}-{result.measure}.{suffix}"


@router.get("/profile/download.{fmt}")
def download(
    ws: RequestWorkspace,
    lang: Language,
    fmt: Literal["csv", "xlsx"],
    release: str | None = None,
    area: str | None = None,
    method: Annotated[Method | None, Query()] = None,
    measure: Annotated[Measure, Query()] = "fgt0",
    table: Annotated[TableName, Query()] = "profile",
) -> Response:
    """What the page shows, as CSV (``table``: the profile rows or the map's areas, raw
    values: fractions, as the API) or XLSX (both, headed in the page's language)."""
    result = poverty_profile(ws, release or None, area=area or None, method=method,
                             measure=measure)  # fmt: skip
    mapped = result.map.to_arrow() if result.map is not None else None
    if fmt == "csv":
        chosen = result.to_arrow() if table == "profile" or mapped is None else mapped
        sink = pa.BufferOutputStream()
        pacsv.write_csv(neutralise_table(chosen), sink)
        body = sink.getvalue().to_pybytes()
        name = _file_name(result, f"{table}.csv")
    else:
        sheets = [Sheet(locale.label("web.profile.sheet.profile", lang), result.to_arrow(),
                        _headers(result.to_arrow(), "web.profile.xlsx.", lang),
                        title=f"{result.area.name} ({result.release})")]  # fmt: skip
        if mapped is not None:
            sheets.append(Sheet(locale.label("web.profile.sheet.map", lang), mapped,
                                _headers(mapped, "web.profile.xlsx.", lang)))  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="rpkd-profile-") as folder:
            path = write_workbook(Path(folder) / "profil.xlsx", sheets)
            body = path.read_bytes()
        name = _file_name(result, "xlsx")
    return Response(
        body,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
