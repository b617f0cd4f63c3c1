"""Poverty maps: a choropleth of area estimates with their reliability, a map of the CV,
and each area's estimate with its interval."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from rpkd import locale, regions
from rpkd.locale import Lang
from rpkd.reports.charts.base import (
    ESTIMATE_COLOUR,
    MISSING_COLOUR,
    OUTSIDE_COLOUR,
    SELECTED_COLOUR,
    UNRELIABLE_OPACITY,
    WIDTH,
    Spec,
    altair,
    caption,
    finish,
    heading,
    label,
)
from rpkd.reports.charts.map_layers import decorated, points_of

if TYPE_CHECKING:
    from rpkd.regions import Depth


def reliability_labels(cv_threshold: float, lang: Lang) -> tuple[str, str, str]:
    """Return the map's labels of a reliable, an unreliable and an unestimated area."""
    limit = locale.percent(cv_threshold, lang, 0)
    return (
        f"{locale.label('sae.reliable', lang)} (CV ≤ {limit})",
        f"{locale.label('sae.unreliable', lang)} (CV > {limit})",
        locale.label("sae.no_estimate", lang),
    )


def area_values(
    areas: Sequence[Mapping[str, Any]], cv_threshold: float, lang: Lang
) -> list[dict[str, Any]]:
    """Return what a map shows of each area: ``code``, ``estimate``, ``ci_low``, ``ci_high``,
    ``cv`` (fractions, from the map's area records), ``reliability`` (a label of
    :func:`reliability_labels`) and ``linked`` (true: a page may open the area; the areas of a
    map not listed here are drawn as context only)."""
    reliable, unreliable, missing = reliability_labels(cv_threshold, lang)
    return [
        {
            "code": str(a["code"]),
            "estimate": a.get("estimate"),
            "ci_low": a.get("ci_low"),
            "ci_high": a.get("ci_high"),
            "cv": a.get("cv"),
            "reliability": missing if a.get("estimate") is None
            else unreliable if a.get("reliable") is False else reliable,
            "linked": True,
        }
        for a in areas
    ]  # fmt: skip


def _outside(region: str, depth: Depth, areas: Sequence[Mapping[str, Any]], lang: Lang
             ) -> str | None:  # fmt: skip
    """Return the label of the map's areas without values (those a user may not read: drawn
    as context), None when every area of the map has its values."""
    codes = {str(a["code"]) for a in areas}
    if all(f["properties"]["code"] in codes for f in shapes(region, depth)):
        return None
    return label("not_shown", lang)


@cache
def shapes(region: str, depth: Depth, digits: int = 4) -> tuple[dict[str, Any], ...]:
    """Return the boundary features of ``region`` at ``depth`` (properties ``code`` and
    ``name``), coordinates rounded to ``digits`` decimals (about 11 m: light enough for a slow
    connection). Read once per process (package data); callers must not change them."""
    return tuple(
        {
            "type": "Feature",
            "properties": {"code": f["properties"]["code"],
                           "name": f["properties"].get("name", f["properties"]["code"])},
            "geometry": _rounded(f["geometry"], digits),
        }
        for f in regions.boundaries(region, depth)["features"]
    )  # fmt: skip


def parent_shapes(region: str, depth: Depth) -> tuple[dict[str, Any], ...]:
    """Return the kecamatan of ``region`` when it is a kabupaten/kota mapped by desa (none
    otherwise): the boundaries and names that orient a reader on a map of a few hundred desa
    (:func:`rpkd.reports.charts.map_layers.decorated`). Three decimals (about 110 m) are finer
    than a pixel of such a map."""
    if depth != "desa" or region.count(".") != 1:
        return ()
    return shapes(region, "kecamatan", digits=3)


@cache
def boundaries_json(region: str, depth: Depth) -> bytes:
    """Return :func:`shapes` as a GeoJSON FeatureCollection (UTF-8), for a page to fetch once
    (``boundaries=`` of the map charts) rather than carry inline."""
    collection = {"type": "FeatureCollection", "features": list(shapes(region, depth))}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()


def _rounded(geometry: Mapping[str, Any], digits: int) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, list) and value and isinstance(value[0], int | float):
            return [round(float(v), digits) for v in value[:2]]
        return [walk(v) for v in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def frame(region: str, depth: Depth, size: int) -> tuple[int, int]:
    """Return a map's width and height in pixels, the longer side ``size``, following the
    shape of the region's boundaries (longitude shortened by the cosine of the latitude), no
    side under a third of ``size`` so that legends fit."""
    points = [
        point for f in shapes(region, depth) for point in points_of(f["geometry"]["coordinates"])
    ]
    if not points:
        return size, size
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    middle = math.radians((max(ys) + min(ys)) / 2)
    wide = max((max(xs) - min(xs)) * math.cos(middle), 1e-9)
    tall = max(max(ys) - min(ys), 1e-9)
    if tall >= wide:
        return max(round(size * wide / tall), size // 3), size
    return size, max(round(size * tall / wide), size // 3)


_LOOKED_UP = ["estimate", "ci_low", "ci_high", "cv", "reliability", "linked"]


def _map_base(alt: Any, measure: str, boundaries: str | None, missing: str) -> Any:
    """Return the boundaries (inline, or fetched from the URL ``boundaries``) joined with each
    area's values by code; an area without values is ``missing``. Each area also gets its
    values as text for the tooltip (``shown_text``, ``ci_text``, ``cv_text``: "–" where there
    is none, never "null")."""
    factor = "1" if measure == "fgt0" else "100"
    number = ".1%" if measure == "fgt0" else ",.2f"
    data = (
        alt.Data(name="boundaries")
        if boundaries is None
        else alt.UrlData(url=boundaries, format=alt.DataFormat(type="json", property="features"))
    )
    return (
        alt.Chart(data)
        .transform_lookup(
            lookup="properties.code",
            from_=alt.LookupData(data=alt.Data(name="areas"), key="code", fields=_LOOKED_UP),
        )
        .transform_calculate(
            shown=f"isValid(datum.estimate) ? datum.estimate * {factor} : null",
            low=f"isValid(datum.ci_low) ? max(0, datum.ci_low) * {factor} : null",
            high=f"isValid(datum.ci_high) ? datum.ci_high * {factor} : null",
            status=f"isValid(datum.reliability) ? datum.reliability : '{missing}'",
        )
        .transform_calculate(
            shown_text=f"isValid(datum.shown) ? format(datum.shown, '{number}') : '–'",
            ci_text=f"isValid(datum.low) && isValid(datum.high) ? format(datum.low, '{number}')"
            f" + ' – ' + format(datum.high, '{number}') : '–'",
            cv_text="isValid(datum.cv) ? format(datum.cv, '.0%') : '–'",
        )
    )


def _datasets(region: str, depth: Depth, values: list[dict[str, Any]], boundaries: str | None
              ) -> dict[str, Any]:  # fmt: skip
    datasets: dict[str, Any] = {"areas": values}
    if boundaries is None:
        datasets["boundaries"] = list(shapes(region, depth))
    return datasets


def _map_tooltip(alt: Any, measure: str, lang: Lang, *, values: bool = True) -> list[Any]:
    """Return a map area's tooltip: its name, and its values as text (``values``) and
    reliability."""
    name = alt.Tooltip("properties.name:N", title=locale.label("sae.name", lang))
    status = alt.Tooltip("status:N", title=locale.label("sae.reliability", lang))
    if not values:
        return [name, status]
    return [
        name,
        alt.Tooltip("shown_text:N", title=locale.label(f"sae.measure.{measure}", lang)),
        alt.Tooltip("ci_text:N", title=label("ci", lang)),
        alt.Tooltip("cv_text:N", title=locale.label("sae.cv", lang)),
        status,
    ]


def _selected_outline(alt: Any, base: Any, selected: str | None, tooltip: list[Any]) -> list[Any]:
    """Return the layer that outlines the ``selected`` area (none when None)."""
    if selected is None:
        return []
    code = json.dumps(selected)
    outline = (
        base.transform_filter(f"datum.properties.code === {code}")
        .mark_geoshape(filled=False, stroke=SELECTED_COLOUR, strokeWidth=3)
        .encode(tooltip=tooltip)
    )
    return [outline]


def area_map_chart(
    region: str,
    depth: Depth,
    areas: Sequence[Mapping[str, Any]],
    *,
    cv_threshold: float,
    measure: str = "fgt0",
    lang: Lang = "id",
    title: str | None = None,
    size: int = 420,
    boundaries: str | None = None,
    selected: str | None = None,
    labels: bool | None = None,
    furniture: bool = False,
    source: str | None = None,
) -> Spec:
    """Return the choropleth of ``areas`` (a poverty map's area records) inside ``region``.

    The estimate is coloured on a sequential scale from zero, in percent (P0) or ×100 (P1,
    P2); an area whose CV exceeds ``cv_threshold`` keeps its colour but is drawn lighter with a
    dashed outline (the legend says so); an area without an estimate is grey; an area of the
    region missing from ``areas`` (one the reader may not see) is drawn pale, as context, with
    no figure. Boundaries are inline (documents), or fetched from the URL ``boundaries``
    (pages: :func:`boundaries_json` served once, cached by the browser). ``size`` is the longer
    side in pixels, the other follows the region's shape. ``selected`` (an area's code) is
    outlined. A click on an area selects it (``select_area``). :func:`cv_map_chart` draws the
    CVs themselves. Areas are named at their centroid (``labels``; None: when the map has at
    most 40 areas), ``furniture`` adds a north arrow and a scale bar, ``source`` a source and
    date line under the map (:mod:`rpkd.reports.charts.map_layers`).
    """
    alt = altair()
    wide, tall = frame(region, depth, size)
    number = ".1%" if measure == "fgt0" else ",.2f"
    reliable, unreliable, missing = reliability_labels(cv_threshold, lang)
    outside = _outside(region, depth, areas, lang)
    tooltip = _map_tooltip(alt, measure, lang)
    base = _map_base(alt, measure, boundaries, outside or missing)
    domain, colours = [missing], [MISSING_COLOUR]
    if outside is not None:
        domain, colours = [missing, outside], [MISSING_COLOUR, OUTSIDE_COLOUR]
    outline = alt.Color("status:N", title=None,
                        scale=alt.Scale(domain=domain, range=colours),
                        legend=alt.Legend(orient="right", symbolType="square"))  # fmt: skip
    background = (
        base.transform_filter("datum.estimate == null")
        .mark_geoshape(stroke="#4d4d4d", strokeWidth=0.6)
        .encode(color=outline, tooltip=_map_tooltip(alt, measure, lang, values=False))
    )
    chosen = alt.selection_point(name="select_area", fields=["properties.code"], on="click")
    estimate = (
        base.transform_filter("datum.estimate != null")
        .mark_geoshape(stroke="#4d4d4d", strokeWidth=0.6, cursor="pointer")
        .encode(
            color=alt.Color("shown:Q", title=locale.label(f"sae.measure.{measure}", lang),
                            scale=alt.Scale(scheme="yelloworangered", domainMin=0),
                            legend=alt.Legend(format=number, orient="right",
                                              gradientLength=min(max(tall // 2, 100), 200))),
            opacity=alt.Opacity("status:O",
                                title=locale.label("sae.reliability", lang),
                                scale=alt.Scale(domain=[reliable, unreliable],
                                                range=[1.0, UNRELIABLE_OPACITY]),
                                sort=[reliable, unreliable],
                                legend=alt.Legend(orient="right", direction="vertical",
                                                  symbolType="square", symbolSize=180,
                                                  symbolFillColor="#e34a33",
                                                  symbolStrokeColor="#4d4d4d")),
            strokeDash=alt.condition(f"datum.status == '{unreliable}'",
                                     alt.value([3, 2]), alt.value([1, 0])),
            tooltip=tooltip,
        )
        .add_params(chosen)
    )  # fmt: skip
    layered, added = decorated(
        alt, [background, estimate], depth=depth, features=shapes(region, depth), wide=wide,
        tall=tall, lang=lang, labels=labels, furniture=furniture, source=source,
        on_top=_selected_outline(alt, base, selected, tooltip),
        parents=parent_shapes(region, depth),
    )  # fmt: skip
    chart = layered.resolve_scale(color="independent").properties(
        width=wide, height=tall, title=heading(title or "")
    )
    values = area_values(areas, cv_threshold, lang)
    return finish(chart, lang, {**_datasets(region, depth, values, boundaries), **added})


def cv_map_chart(
    region: str,
    depth: Depth,
    areas: Sequence[Mapping[str, Any]],
    *,
    cv_threshold: float,
    measure: str = "fgt0",
    lang: Lang = "id",
    size: int = 240,
    boundaries: str | None = None,
    selected: str | None = None,
    labels: bool | None = False,
    furniture: bool = False,
    source: str | None = None,
) -> Spec:
    """Return a small map of each area's CV (coefficient of variation) against the kit's
    ``cv_threshold``, to read beside :func:`area_map_chart` (``boundaries``, ``selected``,
    ``labels``, ``furniture`` and ``source`` as there; no names by default: the map is
    small)."""
    alt = altair()
    wide, tall = frame(region, depth, size)
    within = f"CV ≤ {locale.percent(cv_threshold, lang, 0)}"
    above = f"CV > {locale.percent(cv_threshold, lang, 0)}"
    missing = label("cv_missing", lang)
    outside = _outside(region, depth, areas, lang)
    domain = [within, above, missing]
    colours = ["#a6dba0", "#9970ab", MISSING_COLOUR]
    if outside is not None:
        domain, colours = [*domain, outside], [*colours, OUTSIDE_COLOUR]
    base = _map_base(alt, measure, boundaries, outside or locale.label("sae.no_estimate", lang))
    classed = base.transform_calculate(
        cv_class=(f"!isValid(datum.linked) ? '{outside}' : " if outside else "")
        + f"!isValid(datum.cv) ? '{missing}' : "
        f"datum.cv <= {cv_threshold!r} ? '{within}' : '{above}'"
    )
    tooltip = _map_tooltip(alt, measure, lang)
    chart = classed.mark_geoshape(stroke="#4d4d4d", strokeWidth=0.4).encode(
        color=alt.Color(
            "cv_class:N",
            title=label("cv_map", lang),
            scale=alt.Scale(domain=domain, range=colours),
            legend=alt.Legend(orient="bottom", direction="vertical"),
        ),
        tooltip=tooltip,
    )  # fmt: skip
    layered, added = decorated(
        alt, [chart], depth=depth, features=shapes(region, depth), wide=wide, tall=tall,
        lang=lang, labels=labels, furniture=furniture, source=source,
        on_top=_selected_outline(alt, base, selected, tooltip),
        parents=parent_shapes(region, depth),
    )  # fmt: skip
    chart = layered.properties(width=wide, height=tall, title=heading(label("cv_map", lang)))
    values = area_values(areas, cv_threshold, lang)
    return finish(chart, lang, {**_datasets(region, depth, values, boundaries), **added})


def area_interval_chart(
    areas: Sequence[Mapping[str, Any]],
    *,
    cv_threshold: float,
    measure: str = "fgt0",
    lang: Lang = "id",
) -> Spec:
    """Return each area's estimate with its 95% interval, highest first; areas whose CV
    exceeds ``cv_threshold`` are drawn lighter, as on the map."""
    alt = altair()
    rows = [
        {k: a.get(k) for k in ("code", "name", "estimate", "ci_low", "ci_high", "cv", "reliable")}
        for a in areas
        if a.get("estimate") is not None
    ]
    factor = "1" if measure == "fgt0" else "100"
    number = ".1%" if measure == "fgt0" else ",.2f"
    axis_format = ".0%" if measure == "fgt0" else ",.1f"
    base = alt.Chart(alt.Data(name="areas")).transform_calculate(
        shown=f"datum.estimate * {factor}",
        low=f"datum.ci_low == null ? null : max(0, datum.ci_low) * {factor}",
        high=f"datum.ci_high == null ? null : datum.ci_high * {factor}",
    )
    y = alt.Y("name:N", title=None, sort=alt.EncodingSortField("shown", order="descending"))
    opacity = alt.condition("datum.reliable === false", alt.value(UNRELIABLE_OPACITY),
                            alt.value(1.0))  # fmt: skip
    title = locale.label(f"sae.measure.{measure}", lang)
    bars = base.mark_rule(strokeWidth=3, color=ESTIMATE_COLOUR).encode(
        y=y, x=alt.X("low:Q", title=title, axis=alt.Axis(format=axis_format)), x2="high:Q",
        opacity=opacity,
    )  # fmt: skip
    dots = base.mark_point(filled=True, size=50, color=ESTIMATE_COLOUR).encode(
        y=y,
        x="shown:Q",
        opacity=opacity,
        tooltip=[
            alt.Tooltip("name:N", title=locale.label("sae.name", lang)),
            alt.Tooltip("shown:Q", title=title, format=number),
            alt.Tooltip("low:Q", title=label("ci_low", lang), format=number),
            alt.Tooltip("high:Q", title=label("ci_high", lang), format=number),
            alt.Tooltip("cv:Q", title=locale.label("sae.cv", lang), format=".0%"),
        ],
    )
    height = max(14 * len(rows), 60)
    chart = alt.layer(bars, dots).properties(width=WIDTH - 160, height=height,
                                             title=caption(lang, "interval.caption"))  # fmt: skip
    return finish(chart, lang, {"areas": rows})
