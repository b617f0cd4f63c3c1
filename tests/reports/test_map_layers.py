"""Readable maps: place names at centroids, north arrow, scale bar, source line, and the
priority-class map; the same specification renders with vl-convert."""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

import pytest

from rpkd import regions
from rpkd.reports import charts
from rpkd.reports.charts import map_layers
from rpkd.reports.charts.areas import frame, shapes

KAPUAS = "62.03"


def _texts(svg: str) -> str:
    return html.unescape(" ".join(re.findall(r">([^<>]+)</(?:text|tspan)>", svg)))


def _areas(depth: str, parent: str = KAPUAS) -> list[dict[str, Any]]:
    codes = [r.code for r in regions.descendants(parent, depth)]  # type: ignore[arg-type]
    return [
        {"code": c, "estimate": 0.02 + 0.01 * i, "cv": 0.1 + 0.02 * i, "ci_low": 0.01,
         "ci_high": 0.3, "reliable": 0.1 + 0.02 * i <= 0.25}
        for i, c in enumerate(codes)
    ]  # fmt: skip


def test_centroid_of_squares_and_the_largest_part() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 2], [0, 2], [0, 0]]]}
    assert map_layers.centroid(square) == (2.0, 1.0)
    parts = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]],
            [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]],  # the larger part wins
        ],
    }
    assert map_layers.centroid(parts) == (2.0, 2.0)


def test_kilometres_per_pixel_by_hand() -> None:
    # One degree square at the equator in 100 x 100 px: Mercator's ordinate span of 1 degree,
    # ln tan(45.5 deg) = 0.0174542 rad (= phi + phi^3 / 6), exceeds the 0.0174533 rad of
    # longitude, so the height fixes the scale: s = 100 / 0.0174542 px per radian, and at the
    # middle latitude 0.5 deg a pixel spans R cos(0.5 deg) / s
    # = 6371.0088 * 0.99996192 * 0.0174542 / 100 = 1.111965 km.
    box = {"type": "Feature", "properties": {"code": "x", "name": "x"},
           "geometry": {"type": "Polygon",
                        "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}  # fmt: skip
    assert map_layers.km_per_pixel([box], 100, 100) == pytest.approx(1.111965, rel=1e-5)
    assert map_layers.scale_length(1.0, 100) == (25, 25.0)
    assert map_layers.scale_length(0.3, 400) == (25, 25 / 0.3)


def test_frame_places_a_degree_square_as_d3_fits_it() -> None:
    # The square of the test above in 100 x 100 px: the height binds (0.0174542 rad against
    # 0.0174533 rad of longitude), so the square is 100 px tall and 100 * 0.0174533 / 0.0174542
    # = 99.9948 px wide, centred: 0.0026 px either side.
    box = {"type": "Feature", "properties": {"code": "x", "name": "x"},
           "geometry": {"type": "Polygon",
                        "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}  # fmt: skip
    frame = map_layers.Frame.fit([box], 100, 100)
    assert frame.pixel(0, 1) == pytest.approx((0.0026, 0.0), abs=1e-4)
    assert frame.pixel(1, 0) == pytest.approx((99.9974, 100.0), abs=1e-4)
    assert frame.position(*frame.pixel(0.25, 0.8)) == pytest.approx((0.25, 0.8), abs=1e-12)


def test_leader_leaves_the_name_box_where_the_line_to_the_centroid_crosses_it() -> None:
    # A name 60 x 12 px moved two lines (24 px) down: the line up to its centroid leaves the
    # box at its top edge, 6 px above the centre, and runs 18 px beyond it.
    assert map_layers._leader_start(0.0, -24.0, 30.0, 6.0) == (0.0, -6.0)
    # Moved 1.6 half-widths right and a line up: the line down and left to the centroid
    # reaches the box's bottom edge (t = 6 / 12) before its side (t = 30 / 48).
    assert map_layers._leader_start(-48.0, 12.0, 30.0, 6.0) == (-24.0, 6.0)
    # One line down with 5.4-px half-heights: the centroid is 5.4 px from the box, no leader.
    assert map_layers._leader_start(0.0, -10.8, 27.0, 5.4) is None
    assert map_layers._leader_start(0.0, 0.0, 27.0, 5.4) is None


def test_a_moved_name_is_tied_to_its_area_and_names_keep_clear_of_the_furniture() -> None:
    features = shapes("62.03.09", "desa")
    wide, tall = frame("62.03.09", "desa", 560)
    clear = map_layers.furniture_boxes(features, wide, tall)
    points = map_layers.label_points(features, wide, tall, 9, clear)
    fit = map_layers.Frame.fit(features, wide, tall)
    centroids = {f["properties"]["code"]: map_layers.centroid(f["geometry"]) for f in features}
    leaders = [p for p in points if p["from_lon"] is not None]
    assert leaders  # a dense kecamatan moves some names far from their desa
    for p in points:
        if not p["placed"]:
            assert p["from_lon"] is None
            continue
        cx, cy = fit.pixel(p["lon"], p["lat"])
        half_w, half_h = 0.3 * 9 * len(p["name"]), 0.6 * 9
        box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
        assert not any(map_layers._overlaps(box, [b]) for b in clear)
        x, y = fit.pixel(*centroids[p["code"]])
        outside = math.hypot(max(box[0] - x, 0, x - box[2]), max(box[1] - y, 0, y - box[3]))
        if p["from_lon"] is None:
            assert outside < map_layers.LEADER_MIN_PX + 0.01
            continue
        assert (p["to_lon"], p["to_lat"]) == pytest.approx(centroids[p["code"]], abs=1e-5)
        fx, fy = fit.pixel(p["from_lon"], p["from_lat"])
        on_edge = min(abs(abs(fx - cx) - half_w), abs(abs(fy - cy) - half_h))
        assert on_edge < 0.05 and box[0] - 0.05 <= fx <= box[2] + 0.05
        assert math.hypot(fx - x, fy - y) >= map_layers.LEADER_MIN_PX - 0.01
    areas = [{"code": p["code"], "estimate": 0.05, "cv": 0.1, "reliable": True} for p in points]
    spec = charts.area_map_chart("62.03.09", "desa", areas, cv_threshold=0.25, furniture=True)
    svg = charts.to_svg(spec, "id")
    drawn = re.search(r'class="mark-rule role-mark layer_\d+_marks"[^>]*>(.*?)</g>', svg, re.S)
    tied = [p for p in spec["datasets"]["labels"] if p["from_lon"] is not None]
    assert tied and drawn is not None and drawn.group(1).count("<line") == len(tied)


def test_every_kecamatan_is_named_and_placed_names_do_not_overlap() -> None:
    features = shapes(KAPUAS, "kecamatan")
    for size in (420, 520):
        wide, tall = frame(KAPUAS, "kecamatan", size)
        points = map_layers.label_points(features, wide, tall, 9)
        assert [p["code"] for p in points] == sorted(f["properties"]["code"] for f in features)
        assert all(p["placed"] for p in points)  # all 17 names find a free place
    desa = map_layers.label_points(shapes("62.03.09", "desa"), *frame("62.03.09", "desa", 560), 9)
    assert len(desa) == len(regions.descendants("62.03.09", "desa"))
    assert sum(p["placed"] for p in desa) >= 0.75 * len(desa)


def test_district_map_has_names_furniture_and_source_in_indonesian() -> None:
    source = "Sumber: rilis uji. Dibuat 5 Desember 2026."
    spec = charts.area_map_chart(KAPUAS, "kecamatan", _areas("kecamatan"), cv_threshold=0.25,
                                 lang="id", furniture=True, source=source)  # fmt: skip
    names = {p["code"]: p["name"] for p in spec["datasets"]["labels"]}
    assert names == {r.code: r.name for r in regions.descendants(KAPUAS, "kecamatan")}
    assert spec["projection"] == {"type": "mercator"}
    text = _texts(charts.to_svg(spec, "id"))
    assert "Persentase penduduk miskin (P0)" in text and "kurang andal (CV > 25%)" in text
    assert "10,0%" in text  # the legend in percent, Indonesian decimal comma
    assert source in text and " U " in f" {text} " and "0 – 25 km" in text

    assert all(name in text for name in names.values())
    assert charts.to_png(spec, "id").startswith(b"\x89PNG")


def test_desa_map_of_a_kecamatan_names_its_desa_in_english() -> None:
    spec = charts.area_map_chart("62.03.01", "desa", _areas("desa", "62.03.01"),
                                 cv_threshold=0.25, lang="en", furniture=True)  # fmt: skip
    desa = regions.descendants("62.03.01", "desa")
    assert {p["code"] for p in spec["datasets"]["labels"]} == {r.code for r in desa}
    text = _texts(charts.to_svg(spec, "en"))
    assert "Poverty headcount (P0)" in text and " N " in f" {text} " and "km" in text
    placed = [p["name"] for p in spec["datasets"]["labels"] if p["placed"]]
    assert placed and all(name in text for name in placed)


def test_names_only_where_they_fit_by_default() -> None:
    assert "labels" not in charts.cv_map_chart(KAPUAS, "kecamatan", _areas("kecamatan"),
                                               cv_threshold=0.25)["datasets"]  # fmt: skip
    named = charts.area_map_chart(KAPUAS, "desa", _areas("desa"), cv_threshold=0.25, labels=True)
    assert len(named["datasets"]["labels"]) == 231
    assert "parents" not in named["datasets"]  # names asked for: the desa's own


def _outlines(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [layer for layer in spec["layer"] if layer.get("data", {}).get("name") == "parents"]


def test_a_districts_desa_map_is_oriented_by_its_kecamatan() -> None:
    # 231 desa are too many names for one page: the kecamatan are outlined and named instead.
    kecamatan = {r.code: r.name for r in regions.descendants(KAPUAS, "kecamatan")}
    whole = charts.area_map_chart(KAPUAS, "desa", _areas("desa"), cv_threshold=0.25,
                                  furniture=True)  # fmt: skip
    parents = whole["datasets"]["parents"]
    assert {f["properties"]["code"]: f["properties"]["name"] for f in parents} == kecamatan
    assert {p["code"]: p["name"] for p in whole["datasets"]["labels"]} == kecamatan
    [outline] = _outlines(whole)
    assert outline["mark"] == {"type": "geoshape", "filled": False,
                               "stroke": map_layers.PARENT_STROKE, "strokeWidth": 1.3}  # fmt: skip
    text = _texts(charts.to_svg(whole, "id"))
    assert all(name in text for name in kecamatan.values())
    priority = charts.priority_map_chart(KAPUAS, "desa", [], k=20, thresholds=(0.8, 0.5, 0.2))
    assert len(priority["datasets"]["parents"]) == len(kecamatan) and _outlines(priority)
    for spec in (
        charts.area_map_chart("62.03.09", "desa", _areas("desa", "62.03.09"), cv_threshold=0.25),
        charts.area_map_chart(KAPUAS, "kecamatan", _areas("kecamatan"), cv_threshold=0.25),
        charts.cv_map_chart(KAPUAS, "desa", _areas("desa"), cv_threshold=0.25),
    ):
        assert "parents" not in spec["datasets"] and not _outlines(spec)


def test_priority_map_shows_classes_names_and_certainty() -> None:
    codes = [r.code for r in regions.descendants(KAPUAS, "kecamatan")]
    priority = [1, 1, 2, 3, None] + [None] * (len(codes) - 5)
    areas = [
        {
            "code": c,
            "priority": p,
            "probability_rate": 0.9 if p == 1 else 0.1,
            "probability_count": 0.5,
            "estimate": 0.12,
            "ci_low": 0.08,
            "ci_high": 0.16,
        }
        for c, p in zip(codes, priority, strict=True)
    ][:-1]  # the last kecamatan has no estimate
    spec = charts.priority_map_chart(KAPUAS, "kecamatan", areas, k=5, thresholds=(0.8, 0.5, 0.2),
                                     lang="id", title="Kantong kemiskinan",
                                     source="Sumber: uji")  # fmt: skip
    shown = {a["code"]: a for a in spec["datasets"]["areas"]}
    assert shown[codes[0]]["class"] == "Prioritas 1 (peluang ≥ 80%)"
    assert shown[codes[2]]["class"] == "Prioritas 2 (peluang ≥ 50%)"
    assert shown[codes[4]]["class"] == "bukan prioritas (peluang < 20%)"
    assert shown[codes[0]]["rate_text"] == "90%"
    assert shown[codes[0]]["estimate_text"] == "12,0% (8,0%–16,0%)"
    assert len(spec["datasets"]["labels"]) == len(codes)
    text = _texts(charts.to_svg(spec, "id"))
    for expected in (
        "Peluang termasuk 5 kecamatan termiskin",
        "Prioritas 3 (peluang ≥ 20%)",
        "tanpa estimasi",
        "Sumber: uji",
        "Kantong kemiskinan",
        "Mantangai",
    ):
        assert expected in text  # fmt: skip
    assert charts.to_png(spec, "id").startswith(b"\x89PNG")
    english = charts.priority_map_chart(KAPUAS, "kecamatan", areas, k=5,
                                        thresholds=(0.8, 0.5, 0.2), lang="en")  # fmt: skip
    assert "Priority 1 (probability ≥ 80%)" in json.dumps(english, ensure_ascii=False)


def test_pages_fetch_boundaries_for_the_priority_map_too() -> None:
    url = "/maps/boundaries/62.03/kecamatan"
    spec = charts.priority_map_chart(KAPUAS, "kecamatan", [], k=5, thresholds=(0.8, 0.5, 0.2),
                                     boundaries=url)  # fmt: skip
    assert "boundaries" not in spec["datasets"] and url in json.dumps(spec)
    assert math.isfinite(spec["width"]) and spec["height"] == 420


def _map(level: str, areas: list[dict[str, Any]], benchmark: float | None = None) -> dict[str, Any]:
    """An ``AreaMap.to_json()`` of Kapuas (only the keys the figure reads)."""
    return {"region": KAPUAS, "level": level, "measure": "fgt0", "method": "ebp",
            "cv_threshold": 0.25, "benchmark_factor": benchmark, "areas": areas}  # fmt: skip


def test_poverty_figure_has_title_names_furniture_and_a_dated_source() -> None:
    """The one P0 map of rpkd map, the web pages and the documents: title with the area and
    method, every kecamatan named, north arrow, scale bar, release, benchmarking and date."""
    from datetime import date

    areas = _areas("kecamatan")
    spec = charts.poverty_figure(_map("kecamatan", areas, benchmark=1.06), KAPUAS, "id",
                                 release="uji-1", made=date(2026, 12, 6))  # fmt: skip
    svg = charts.to_svg(spec, "id")
    text = _texts(svg)
    assert "Persentase penduduk miskin (P0), Kabupaten Kapuas (EBP)" in text
    # the title, wider than the narrow map, starts at the map's edge and does not push it right;
    # the figure is no wider than the title, the map and its legends
    assert int(re.search(r'transform="translate\((\d+),', svg)[1]) < 30  # type: ignore[index]
    wide, _ = frame(KAPUAS, "kecamatan", 560)
    assert int(re.search(r'<svg[^>]* width="(\d+)"', svg)[1]) <= wide + 260  # type: ignore[index]
    assert " U " in f" {text} " and "0 – 25 km" in text
    assert (
        "Sumber: rilis uji-1, EBP, dibenchmark ke estimasi langsung kabupaten; batas wilayah "
        "Kemendagri. Dibuat 6 Desember 2026 dengan rpkd." in text
    )
    assert all(r.name in text for r in regions.descendants(KAPUAS, "kecamatan"))
    # the estimates are the map's own, each area's reliability from its flag
    shown = {a["code"]: a for a in spec["datasets"]["areas"]}
    assert [shown[a["code"]]["estimate"] for a in areas] == [a["estimate"] for a in areas]
    unreliable = [a["code"] for a in areas if not a["reliable"]]
    assert unreliable and all(shown[c]["reliability"] == "kurang andal (CV > 25%)"
                              for c in unreliable)  # fmt: skip
    english = _texts(
        charts.to_svg(
            charts.poverty_figure(
                _map("kecamatan", areas), KAPUAS, "en", release="uji-1", made=date(2026, 12, 6)
            ),
            "en",
        )
    )
    assert "Poverty headcount (P0), Kabupaten Kapuas (EBP)" in english
    assert "Source: release uji-1, EBP; boundaries Kemendagri. Made 6 December 2026" in english


def test_poverty_figure_of_one_kecamatan_keeps_its_desa() -> None:
    areas = _areas("desa")
    spec = charts.poverty_figure(_map("desa", areas), "62.03.01", "id", release="uji-1",
                                 boundaries="/maps/{region}/{depth}")  # fmt: skip
    inside = {r.code for r in regions.descendants("62.03.01", "desa")}
    assert {a["code"] for a in spec["datasets"]["areas"]} == inside
    assert "/maps/62.03.01/desa" in json.dumps(spec) and "boundaries" not in spec["datasets"]
    assert {p["code"] for p in spec["datasets"]["labels"]} == inside


def test_a_long_source_is_wrapped_to_the_map_and_its_legends() -> None:
    """One line of source would set the figure's width: a page fitting the figure to its
    column would shrink the map (the Beranda's Kapuas map was 135 px wide)."""
    source = " ".join(["Sumber: rilis uji, EBP, dibenchmark ke estimasi langsung kabupaten;"] * 4)
    spec = charts.area_map_chart(KAPUAS, "kecamatan", _areas("kecamatan"), cv_threshold=0.25,
                                 source=source)  # fmt: skip
    written = [x["data"]["values"][0]["source"] for x in spec["layer"]
               if isinstance(x.get("mark"), dict) and x["mark"].get("lineBreak") == "\n"]  # fmt: skip
    lines = written[0].split("\n")
    wide, _ = frame(KAPUAS, "kecamatan", 420)
    assert " ".join(lines) == source and len(lines) > 1
    assert all(len(line) <= (wide + 200) // 5 for line in lines)
