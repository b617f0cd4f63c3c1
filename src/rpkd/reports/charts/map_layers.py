"""What makes a map readable beyond its colours: place names, a north arrow, a scale bar and a
source line, as Vega-Lite layers drawn over a choropleth.

Maps are drawn in the Mercator projection fitted to the region's boundaries (Vega's ``fit``), so
north is up and, at the region's middle latitude φ, one kilometre is ``s / (R cos φ)`` pixels,
``s`` the fitted scale (the smaller of width over the longitude span and height over the Mercator
ordinate span, in radians) and ``R`` the Earth's mean radius: the scale bar is that length times a
round number of kilometres near a quarter of the map's width. Place names sit at the centroid of
each area's largest polygon (Snyder 1987 for the projection; the centroid by the shoelace formula);
a name that had to move away from its area is tied to it by a leader line ending in a dot, as
Imhof (1975) places names that do not fit their area.

References
----------
Snyder, J.P. (1987). *Map Projections: A Working Manual*. USGS Professional Paper 1395, §7.
Bostock, M. et al., d3-geo ``projection.fitExtent`` (the fit Vega applies).
Imhof, E. (1975). Positioning names on maps. *The American Cartographer* 2(2), 128–144.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rpkd import locale
from rpkd.locale import Lang

if TYPE_CHECKING:
    from rpkd.regions import Depth

EARTH_RADIUS_KM = 6371.0088
PROJECTION = {"type": "mercator"}
LABEL_LIMIT = 40
"""Areas a map names by default: more names than this crowd a page-sized map."""
PARENT_STROKE = "#1a1a1a"
"""The colour of the kecamatan boundaries over a desa map (the areas' own are grey)."""
_SHIFTS = tuple(
    (across, down)
    for down in (0, 1, -1, 2, -2, 3, -3, 4, -4)
    for across in (0.0, 0.8, -0.8, 1.6, -1.6)
)
"""Where a name may move when it overlaps another: half-widths across, lines down."""
LEADER_MIN_PX = 6.0
"""The shortest leader line drawn, in pixels: a name nearer its centroid needs none."""
_ROUND_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500)


def centroid(geometry: Mapping[str, Any]) -> tuple[float, float]:
    """Return the centroid (longitude, latitude) of a (Multi)Polygon's largest polygon.

    Examples
    --------
    >>> centroid({"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]})
    (1.0, 1.0)
    """
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    best: tuple[float, float, float] | None = None
    for polygon in polygons:
        ring = polygon[0]
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in pairwise(ring):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if area == 0:
            continue
        found = (abs(area), cx / (3 * area), cy / (3 * area))
        if best is None or found[0] > best[0]:
            best = found
    if best is None:
        xs = [p[0] for polygon in polygons for p in polygon[0]]
        ys = [p[1] for polygon in polygons for p in polygon[0]]
        return (sum(xs) / len(xs), sum(ys) / len(ys))
    return (round(best[1], 5), round(best[2], 5))


Box = tuple[float, float, float, float]
"""A rectangle on the map in pixels: left, top, right, bottom."""


@dataclass(frozen=True)
class Frame:
    """Where the Mercator projection fitted to a region's boundaries puts a position in a
    ``width`` × ``height`` map: d3's ``fitSize``, the boundaries' box scaled to the frame and
    centred in it (``scale`` in pixels per radian; Snyder 1987 eq. 7-2 for the ordinate)."""

    scale: float
    west: float
    north: float
    left: float
    top: float

    @classmethod
    def fit(cls, features: Sequence[Mapping[str, Any]], width: int, height: int) -> Frame:
        """Return the frame of ``features`` drawn in ``width`` × ``height`` pixels."""
        points = [p for f in features for p in points_of(f["geometry"]["coordinates"])]
        lons = [math.radians(p[0]) for p in points]
        ys = [_ordinate(math.radians(p[1])) for p in points]
        span_x = max(max(lons) - min(lons), 1e-12)
        span_y = max(max(ys) - min(ys), 1e-12)
        scale = min(width / span_x, height / span_y)
        return cls(scale, min(lons), max(ys), (width - span_x * scale) / 2,
                   (height - span_y * scale) / 2)  # fmt: skip

    def pixel(self, lon: float, lat: float) -> tuple[float, float]:
        """Return the pixel (across, down) of a position in degrees."""
        return (self.left + (math.radians(lon) - self.west) * self.scale,
                self.top + (self.north - _ordinate(math.radians(lat))) * self.scale)  # fmt: skip

    def position(self, x: float, y: float) -> tuple[float, float]:
        """Return the position (longitude, latitude) in degrees of a pixel."""
        ordinate = self.north - (y - self.top) / self.scale
        lat = 2 * math.atan(math.exp(ordinate)) - math.pi / 2
        return (math.degrees(self.west + (x - self.left) / self.scale), math.degrees(lat))


def _ordinate(phi: float) -> float:
    return math.log(math.tan(math.pi / 4 + phi / 2))


def label_points(
    features: Sequence[Mapping[str, Any]], wide: int, tall: int, size: int,
    keep_clear: Sequence[Box] = (),
) -> list[dict[str, Any]]:  # fmt: skip
    """Return one point per feature: ``code``, ``name``, ``lon``, ``lat``: its centroid, moved
    across or up and down where its name would overlap a name already placed (largest areas
    placed first) or a box of ``keep_clear`` (the north arrow, the scale bar) on a map of
    ``wide`` × ``tall`` pixels with names of ``size`` pixels; ``placed``: false where no place
    was free (the name is then left to the tooltip rather than printed over another); and the
    leader line from the edge of the name's box (``from_lon``, ``from_lat``) to the centroid
    (``to_lon``, ``to_lat``) where the name moved more than :data:`LEADER_MIN_PX` away from it,
    else None."""
    frame = Frame.fit(features, wide, tall)
    # A moved name stays inside the boundaries' box (centred in the frame), so the
    # projection's fit (and the scale bar) is that of the boundaries alone.
    left, top, right, bottom = frame.left, frame.top, wide - frame.left, tall - frame.top
    taken: list[Box] = list(keep_clear)
    points = []
    for f in sorted(features, key=lambda f: -_extent(f["geometry"])):
        lon, lat = centroid(f["geometry"])
        name = str(f["properties"]["name"])
        half_w, half_h = 0.3 * size * len(name), 0.6 * size
        x, y = frame.pixel(lon, lat)
        point = {"code": f["properties"]["code"], "name": name, "lon": round(lon, 5),
                 "lat": round(lat, 5), "placed": False, "from_lon": None, "from_lat": None,
                 "to_lon": None, "to_lat": None}  # fmt: skip
        for across, down in _SHIFTS:
            cx, cy = x + across * half_w, y + down * 2 * half_h
            box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
            if left <= cx <= right and top <= cy <= bottom and not _overlaps(box, taken):
                taken.append(box)
                moved = frame.position(cx, cy)
                point.update(lon=round(moved[0], 5), lat=round(moved[1], 5), placed=True)
                start = _leader_start(x - cx, y - cy, half_w, half_h)
                if start is not None:
                    edge = frame.position(cx + start[0], cy + start[1])
                    point.update(from_lon=round(edge[0], 5), from_lat=round(edge[1], 5),
                                 to_lon=round(lon, 5), to_lat=round(lat, 5))  # fmt: skip
                break
        points.append(point)
    return sorted(points, key=lambda p: p["code"])


def _leader_start(dx: float, dy: float, half_w: float, half_h: float) -> tuple[float, float] | None:
    """Return where the line from a name's centre to its centroid, ``(dx, dy)`` pixels away,
    leaves the name's box, in pixels from the centre; None where the centroid lies within
    :data:`LEADER_MIN_PX` of the box."""
    t = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    if t == math.inf or math.hypot(dx, dy) * (1 - t) < LEADER_MIN_PX:
        return None
    return (dx * t, dy * t)


def _overlaps(box: Box, others: Sequence[Box]) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in others)


def _extent(geometry: Mapping[str, Any]) -> float:
    points = points_of(geometry["coordinates"])
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return float((max(xs) - min(xs)) * (max(ys) - min(ys)))


def km_per_pixel(features: Sequence[Mapping[str, Any]], width: int, height: int) -> float:
    """Return the kilometres one pixel spans at the middle latitude of ``features`` drawn in
    the Mercator projection fitted to ``width`` × ``height`` pixels."""
    frame = Frame.fit(features, width, height)
    lats = [math.radians(p[1]) for f in features for p in points_of(f["geometry"]["coordinates"])]
    return float(EARTH_RADIUS_KM * math.cos((max(lats) + min(lats)) / 2) / frame.scale)


def points_of(value: Any) -> list[Any]:
    """Return every position of a GeoJSON coordinates array."""
    if value and isinstance(value[0], int | float):
        return [value]
    return [p for part in value for p in points_of(part)]


def scale_length(km_per_px: float, width: int) -> tuple[int, float]:
    """Return a round length in km near a quarter of ``width`` and its length in pixels."""
    wanted = km_per_px * width / 4
    km = min(_ROUND_KM, key=lambda r: abs(math.log(r / wanted)))
    return km, km / km_per_px


def parent_outlines(alt: Any) -> Any:
    """Return the boundaries of the ``parents`` data (the kecamatan over a desa map), unfilled."""
    return alt.Chart(alt.Data(name="parents")).mark_geoshape(
        filled=False, stroke=PARENT_STROKE, strokeWidth=1.3
    )


def names_layers(alt: Any, lang: Lang, size: int = 9) -> list[Any]:
    """Return the place-name layers over the ``labels`` data: the leader lines of names moved
    off their area with a dot at its centroid, then a white halo, then the name."""
    tooltip = [alt.Tooltip("name:N", title=locale.label("sae.name", lang))]
    moved = alt.Chart(alt.Data(name="labels")).transform_filter("datum.from_lon != null")
    leader = moved.mark_rule(color="#1a1a1a", strokeWidth=0.8).encode(
        longitude="from_lon:Q", latitude="from_lat:Q", longitude2="to_lon:Q",
        latitude2="to_lat:Q", tooltip=tooltip,
    )  # fmt: skip
    dot = moved.mark_circle(color="#1a1a1a", size=9, opacity=1).encode(
        longitude="to_lon:Q", latitude="to_lat:Q", tooltip=tooltip
    )
    base = (
        alt.Chart(alt.Data(name="labels"))
        .transform_filter("datum.placed")
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            text="name:N",
            tooltip=tooltip,
        )
    )
    halo = base.mark_text(fontSize=size, stroke="white", strokeWidth=2.5, strokeJoin="round", strokeOpacity=0.9,
                          fontWeight="bold", color="white")  # fmt: skip
    name = base.mark_text(fontSize=size, color="#1a1a1a", fontWeight="bold")
    return [leader, dot, halo, name]


def furniture_layers(
    alt: Any, depth: Depth, features: Sequence[Mapping[str, Any]], wide: int, tall: int,
    lang: Lang,
) -> list[Any]:  # fmt: skip
    """Return the north arrow (top right) and the scale bar (bottom left) of a map drawn at
    ``wide`` × ``tall`` pixels."""
    north = locale.label("map.north", lang)
    km, pixels = scale_length(km_per_pixel(features, wide, tall), wide)
    items = [{"what": north}]
    tip = [alt.Tooltip("what:N", title=locale.label("map.furniture", lang))]
    one = alt.Chart(alt.Data(values=items))
    arrow = one.mark_point(shape="triangle-up", size=160, filled=True, color="#1a1a1a").encode(
        x=alt.value(wide - 16), y=alt.value(14), tooltip=tip
    )
    letter = one.mark_text(fontSize=12, fontWeight="bold", color="#1a1a1a").encode(
        x=alt.value(wide - 16), y=alt.value(32), text="what:N", tooltip=tip
    )
    y = tall - 10
    bar = one.mark_rule(color="#1a1a1a", strokeWidth=3).encode(
        x=alt.value(6), x2=alt.value(6 + pixels), y=alt.value(y), tooltip=tip
    )
    ends = [
        one.mark_rule(color="#1a1a1a", strokeWidth=1).encode(
            x=alt.value(x), y=alt.value(y - 5), y2=alt.value(y + 3), tooltip=tip
        )
        for x in (6, 6 + pixels / 2, 6 + pixels)
    ]
    text = one.mark_text(fontSize=10, align="left", color="#1a1a1a").encode(
        x=alt.value(6), y=alt.value(y - 12), text=alt.value(f"0 – {km} km"), tooltip=tip
    )
    return [arrow, letter, bar, *ends, text]


def furniture_boxes(features: Sequence[Mapping[str, Any]], wide: int, tall: int) -> tuple[Box, Box]:
    """Return the boxes the north arrow and the scale bar of :func:`furniture_layers` take,
    which names keep clear of."""
    _km, pixels = scale_length(km_per_pixel(features, wide, tall), wide)
    return ((wide - 30, 0, wide, 40), (0, tall - 30, max(6 + pixels, 60) + 4, tall))


SOURCE_CHARACTER_PX = 5
"""The mean width of a character of the 9-px source line, in pixels (Liberation Sans)."""

SOURCE_BESIDE_PX = 200
"""What the legends beside the map add to the width the source line may take, in pixels."""


def source_layer(alt: Any, source: str, wide: int, tall: int) -> Any:
    """Return the source-and-date lines written under the map, wrapped to the width of the map
    and its legends (one long line would set the figure's width, and a page that fits the
    figure to its column would shrink the map with it)."""
    width = max((wide + SOURCE_BESIDE_PX) // SOURCE_CHARACTER_PX, 40)
    data = alt.Data(values=[{"source": "\n".join(textwrap.wrap(source, width))}])
    return (
        alt.Chart(data)
        .mark_text(fontSize=9, align="left", baseline="top", color="#595959", lineBreak="\n")
        .encode(x=alt.value(0), y=alt.value(tall + 8), text="source:N",
                tooltip=[alt.Tooltip("source:N", title=None)])
    )  # fmt: skip


def decorated(
    alt: Any,
    layers: Sequence[Any],
    *,
    depth: Depth,
    features: Sequence[Mapping[str, Any]],
    wide: int,
    tall: int,
    lang: Lang,
    labels: bool | None,
    furniture: bool,
    source: str | None,
    on_top: Sequence[Any] = (),
    parents: Sequence[Mapping[str, Any]] = (),
) -> tuple[Any, dict[str, Any]]:
    """Return the map's ``layers`` in the Mercator projection with place names (``labels``;
    None: when the map has at most :data:`LABEL_LIMIT` areas), north arrow and scale bar
    (``furniture``) and the ``source`` line, then ``on_top``; and the datasets they add.

    A map with too many areas to name (``labels`` None) is oriented by its ``parents``
    instead, the kecamatan of a kabupaten's desa map: their boundaries drawn over the areas and
    their names, as printed poverty maps do when the areas are too small to name."""
    extra: list[Any] = []
    datasets: dict[str, Any] = {}
    named = features
    if labels is None and len(features) > LABEL_LIMIT and 1 < len(parents) <= LABEL_LIMIT:
        extra.append(parent_outlines(alt))
        datasets["parents"] = list(parents)
        named, labels = parents, True
    if labels or (labels is None and len(named) <= LABEL_LIMIT):
        size = 9 if len(named) > 12 else 10
        extra += names_layers(alt, lang, size)
        clear = furniture_boxes(features, wide, tall) if furniture else ()
        datasets["labels"] = label_points(named, wide, tall, size, clear)
    if furniture:
        extra += furniture_layers(alt, depth, features, wide, tall, lang)
    if source:
        extra.append(source_layer(alt, source, wide, tall))
    chart = alt.layer(*layers, *extra, *on_top).project(**PROJECTION)
    return chart, datasets
