"""Choropleth maps of area estimates: SVG and PNG for documents, GeoJSON for the web.

Polygons come from :func:`rpkd.regions.boundaries` and are drawn with matplotlib (no GIS stack).
Areas are coloured by quantile classes of the estimate; areas whose coefficient of variation
exceeds the reliability threshold given (BPS: 25%, the kit's ``precision`` document) are
hatched, areas without an estimate are grey. The GeoJSON copies each boundary feature with the
estimate, its CV, the reliability flag and the class in its properties. Legend words come
from the :mod:`rpkd.locale` catalogue and numbers are written in the map's language.

References
----------
BPS practice for flagging estimates with a relative standard error above 25% (see the TOML).
Slocum, T.A. et al. (2009). *Thematic Cartography and Geovisualization*, 3rd ed., ch. 5
(quantile classification for choropleth maps).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from rpkd import locale, regions
from rpkd.errors import MissingExtra, UsageError
from rpkd.locale import Lang
from rpkd.regions import Depth

Scale = Literal["percent", "index", "number"]
"""How the legend writes values: percent (P0), ×100 (BPS's P1 and P2) or as they are."""
_MISSING_COLOUR = "#d9d9d9"
_HATCH = "////"


@dataclass(frozen=True)
class AreaValue:
    """One mapped area: code, name, estimate and CV (None if absent), reliability and class."""

    code: str
    name: str
    estimate: float | None
    cv: float | None
    reliable: bool | None
    klass: int | None


@dataclass(frozen=True)
class ChoroplethMap:
    """A rendered map: SVG text, PNG bytes, GeoJSON and what could not be drawn."""

    svg: str
    png: bytes
    geojson: dict[str, Any]
    areas: tuple[AreaValue, ...]
    breaks: tuple[float, ...]
    cv_threshold: float
    unmatched: tuple[str, ...]

    def to_arrow(self) -> pa.Table:
        """Return one row per boundary feature."""
        fields = ("code", "name", "estimate", "cv", "reliable", "klass")
        return pa.table({f: [getattr(a, f) for a in self.areas] for f in fields})


def choropleth(
    region: str,
    depth: Depth,
    estimates: Mapping[str, float],
    *,
    cv: Mapping[str, float] | None = None,
    threshold: float,
    title: str = "",
    label: str = "",
    classes: int = 5,
    scale: Scale = "number",
    lang: Lang = "id",
) -> ChoroplethMap:
    """Return the choropleth of ``estimates`` (keyed by region code) over ``region`` at ``depth``.

    ``cv`` gives each area's coefficient of variation (``sqrt(MSE)/estimate``); areas above
    ``threshold`` (``Kit.cv_unreliable_above``) are hatched. Codes may be dotted or plain.
    """
    if classes < 2:
        raise UsageError("map_classes", param="classes", classes=classes)
    collection = regions.boundaries(region, depth)
    values = {regions.parse_code(k): float(v) for k, v in estimates.items()}
    cvs = {regions.parse_code(k): float(v) for k, v in (cv or {}).items()}
    codes = [f["properties"]["code"] for f in collection["features"]]
    present = np.array([values[c] for c in codes if c in values and math.isfinite(values[c])])
    breaks = _quantile_breaks(present, classes)
    areas = []
    for feature in collection["features"]:
        code = feature["properties"]["code"]
        value = values.get(code)
        spread = cvs.get(code)
        areas.append(
            AreaValue(
                code=code,
                name=feature["properties"].get("name", code),
                estimate=value,
                cv=spread,
                reliable=None if spread is None else bool(spread <= threshold),
                klass=None if value is None else _klass(value, breaks),
            )
        )
    svg, png = _render(collection, areas, breaks, threshold, title, label, scale, lang)
    return ChoroplethMap(
        svg=svg,
        png=png,
        geojson=_geojson(collection, areas),
        areas=tuple(areas),
        breaks=tuple(float(b) for b in breaks),
        cv_threshold=threshold,
        unmatched=tuple(sorted(set(values) - set(codes))),
    )


def _quantile_breaks(values: np.ndarray, classes: int) -> np.ndarray:
    if values.size == 0:
        return np.array([0.0, 1.0])
    return np.unique(np.quantile(values, np.linspace(0.0, 1.0, classes + 1)))


def _klass(value: float, breaks: np.ndarray) -> int:
    """Return the 0-based class: intervals are closed on the right, the first also on the left."""
    if breaks.size < 2:
        return 0
    return int(np.clip(np.searchsorted(breaks, value, side="left") - 1, 0, breaks.size - 2))


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [ring for polygon in polygons for ring in polygon]


def _render(
    collection: dict[str, Any],
    areas: list[AreaValue],
    breaks: np.ndarray,
    threshold: float,
    title: str,
    label: str,
    scale: Scale,
    lang: Lang,
) -> tuple[str, bytes]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import colormaps
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch, PathPatch
        from matplotlib.path import Path as MplPath
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingExtra("matplotlib", "reports") from exc

    n_classes = max(breaks.size - 1, 1)
    cmap = colormaps["YlOrRd"].resampled(n_classes)
    figure = Figure(figsize=(8.5, 8.0), layout="constrained")
    axes = figure.add_subplot()
    for feature, area in zip(collection["features"], areas, strict=True):
        rings = _rings(feature["geometry"])
        vertices = [point[:2] for ring in rings for point in ring]
        codes = [
            code
            for ring in rings
            for code in [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
        ]
        colour = _MISSING_COLOUR if area.klass is None else cmap(area.klass)
        axes.add_patch(
            PathPatch(
                MplPath(vertices, codes),
                facecolor=colour,
                edgecolor="#4d4d4d",
                linewidth=0.4,
                hatch=_HATCH if area.reliable is False else None,
                gid=area.code,
            )
        )
    axes.autoscale_view()
    axes.set_aspect(1.0 / math.cos(math.radians(float(np.mean(axes.get_ylim())))))
    axes.set_axis_off()
    if title:
        axes.set_title(title)
    legend = [
        Patch(facecolor=cmap(i), edgecolor="#4d4d4d", label=_interval(breaks, i, scale, lang))
        for i in range(n_classes)
    ]
    legend.append(
        Patch(
            facecolor="white",
            edgecolor="#4d4d4d",
            hatch=_HATCH,
            label=f"CV > {locale.percent(threshold, lang, 0)}: "
            + locale.label("sae.unreliable", lang),
        )
    )
    legend.append(
        Patch(
            facecolor=_MISSING_COLOUR,
            edgecolor="#4d4d4d",
            label=locale.label("sae.no_estimate", lang),
        )
    )
    figure.legend(
        handles=legend, title=label or None, loc="outside right upper", fontsize=8, frameon=True
    )
    svg_buffer = io.StringIO()
    figure.savefig(svg_buffer, format="svg", metadata={"Date": None})
    png_buffer = io.BytesIO()
    figure.savefig(png_buffer, format="png", dpi=150)
    return svg_buffer.getvalue(), png_buffer.getvalue()


def _interval(breaks: np.ndarray, i: int, scale: Scale, lang: Lang) -> str:
    if breaks.size < 2:
        return "–"
    low, high = float(breaks[i]), float(breaks[i + 1])
    if scale == "percent":
        return f"{locale.percent(low, lang, 1)} – {locale.percent(high, lang, 1)}"
    if scale == "index":
        return f"{locale.number(100 * low, lang, 2)} – {locale.number(100 * high, lang, 2)}"
    return f"{locale.number(low, lang)} – {locale.number(high, lang)}"


def _geojson(collection: dict[str, Any], areas: list[AreaValue]) -> dict[str, Any]:
    features = []
    for feature, area in zip(collection["features"], areas, strict=True):
        properties = dict(feature["properties"])
        properties.update(
            estimate=area.estimate, cv=area.cv, reliable=area.reliable, klass=area.klass
        )
        features.append(
            {"type": "Feature", "properties": properties, "geometry": feature["geometry"]}
        )
    return {"type": "FeatureCollection", "features": features}
