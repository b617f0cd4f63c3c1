"""Vega-Lite charts: valid specifications (compiled and drawn by vl-convert) that carry the
workflow's own numbers, words in the chart's language and numbers in its format."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vl_convert

from rpkd import regions
from rpkd.reports import charts
from rpkd.settings import Settings
from rpkd.synth import synthesize
from rpkd.workflows.overview import Dashboard, dashboard
from rpkd.workflows.plan import init_plan
from rpkd.workflows.profile import profile_release
from rpkd.workflows.realisations import add_realisation, verify_realisation
from rpkd.workflows.releases import import_release
from rpkd.workflows.workspace import Workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root: Path = tmp_path_factory.mktemp("charts")
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=1200, seed=9)
        import_release(ws, root / "synth", "r1", reference_date="2025-03-01")
        init_plan(ws)
        for year, value, se in ((2025, 1.2, 0.3), (2026, 0.9, 0.25)):
            added = add_realisation(ws, "indicator", "KE", year, 4, value=value, se=se,
                                    ci_low=value - 0.5, ci_high=value + 0.5)  # fmt: skip
            verify_realisation(ws, added.items[0].id)
        yield ws


@pytest.fixture(scope="module")
def board(workspace: Workspace) -> Dashboard:
    return dashboard(workspace)


def _data(spec: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Return the rows of the specification's dataset ``name``."""
    rows: list[dict[str, Any]] = spec["datasets"][name]
    return rows


def _values(spec: Any) -> list[list[dict[str, Any]]]:
    """Return every dataset of a specification: top-level ``datasets``, then inline ones."""
    found: list[list[dict[str, Any]]] = []
    if isinstance(spec, dict):
        found += list(spec.get("datasets", {}).values())
        data = spec.get("data")
        if isinstance(data, dict) and "values" in data:
            found.append(data["values"])
        for key, value in spec.items():
            if key != "data":
                found += _values(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _values(item)
    return found


def _texts(svg: str) -> str:
    return html.unescape(" ".join(re.findall(r">([^<>]+)</text>", svg)))


def test_headline_chart_holds_the_figures_and_targets(board: Dashboard) -> None:
    spec = charts.headline_chart(board.to_json()["headlines"], "id")
    rows = _data(spec, "headlines")
    expected = [h for h in board.headlines if h.key in charts.HEADLINE_KEYS]
    assert [r["key"] for r in rows] == ["p0", "p1", "p2", "extreme"]
    for row, h in zip(rows, expected, strict=True):
        assert (row["estimate"], row["ci_low"], row["ci_high"], row["target"]) == (
            h.estimate, h.ci_low, h.ci_high, h.target)  # fmt: skip
    svg = charts.to_svg(spec, "id")
    text = _texts(svg)
    assert "Angka kemiskinan terhadap target tahun ini" in text
    p0 = 100 * board.headline("p0").estimate  # drawn in percent with an Indonesian comma
    assert f"{p0:.2f}".replace(".", ",") in text
    assert "P0: poverty headcount (%)" in _texts(charts.to_svg(charts.headline_chart(
        board.to_json()["headlines"], "en"), "en"))  # fmt: skip


def test_path_chart_holds_points_trend_band_and_target(board: Dashboard) -> None:
    data = board.to_json()["path_to_zero"]
    spec = charts.path_chart(data, "id")
    assert _data(spec, "trend") == data["trend"] and _data(spec, "points") == data["points"]
    assert _data(spec, "target") == [{"year": 2027, "target": 0.0}]
    assert board.path is not None and board.path.trend[-1].low is not None  # a band to draw
    text = _texts(charts.to_svg(spec, "id"))
    assert "tahun" in text and "2027" in text


def test_maps_hold_the_area_estimates_with_reliability_in_indonesian(board: Dashboard) -> None:
    assert board.map is not None
    areas = board.to_json()["map"]["areas"]
    spec = charts.area_map_chart("62.03", "kecamatan", areas, cv_threshold=0.25, lang="id")
    shapes = _data(spec, "boundaries")
    assert {f["properties"]["code"] for f in shapes} == {
        r.code for r in regions.descendants("62.03", "kecamatan")
    }
    by_code = {v["code"]: v for v in _data(spec, "areas")}
    for area in board.map.areas:
        shown = by_code[area.code]
        assert (shown["estimate"], shown["cv"], shown["ci_low"]) == (area.estimate, area.cv,
                                                                     area.ci_low)  # fmt: skip
        expected = (
            "kurang andal (CV > 25%)"
            if area.reliable is False
            else "andal (CV ≤ 25%)"
            if area.estimate is not None
            else "tanpa estimasi"
        )
        assert shown["reliability"] == expected  # fmt: skip
    text = _texts(charts.to_svg(spec, "id"))
    assert "keandalan (CV)" in text and "%" in text
    cv = charts.cv_map_chart("62.03", "kecamatan", areas, cv_threshold=0.25, lang="id")
    assert "CV ≤ 25%" in _texts(charts.to_svg(cv, "id"))
    bars = charts.area_interval_chart(areas, cv_threshold=0.25, lang="id")
    rows = _data(bars, "areas")
    assert [r["estimate"] for r in rows] == [a.estimate for a in board.map.areas if a.estimate
                                             is not None]  # fmt: skip


def test_desa_map_of_one_kecamatan(board: Dashboard) -> None:
    kecamatan = "62.03.01"
    desa = [r.code for r in regions.descendants(kecamatan, "desa")]
    areas = [{"code": code, "estimate": 0.1, "cv": 0.3, "reliable": False} for code in desa]
    spec = charts.area_map_chart(kecamatan, "desa", areas, cv_threshold=0.25, lang="en")
    assert sorted(f["properties"]["code"] for f in _data(spec, "boundaries")) == sorted(desa)
    assert "unreliable (CV > 25%)" in _texts(charts.to_svg(spec, "en"))


def test_profile_charts_hold_the_profile_counts(workspace: Workspace) -> None:
    report = profile_release(workspace, "r1", levels=("kabupaten",), public=True)
    rows = report.to_json()
    spec = charts.desil_chart(rows, "id")
    data = _data(spec, "profile")
    counts = {r["indicator"]: r["value"] for r in rows}
    assert [d["value"] for d in data] == [counts[i] for i in charts.DESIL_INDICATORS]
    assert "Keluarga menurut desil kesejahteraan" in _texts(charts.to_svg(spec, "id"))
    characteristics = [r["indicator"] for r in report.topic("characteristics").to_pylist()]
    spec = charts.share_chart(rows, characteristics, title="characteristics.caption", lang="id")
    data = _data(spec, "profile")
    shares = {r["indicator"]: r["share"] for r in rows}
    # a share suppressed in the public profile (None: too few families) is not drawn
    drawn = {i: shares[i] for i in characteristics if shares[i] is not None}
    assert {d["indicator"]: d["share"] for d in data} == drawn
    charts.to_svg(spec, "id")


def test_suppressed_cells_are_not_drawn() -> None:
    rows = [
        {"indicator": "families_desil_1", "value": 12, "share": 0.5, "suppressed": False},
        {"indicator": "families_desil_2", "value": None, "share": None, "suppressed": True},
    ]
    data = _data(charts.desil_chart(rows, "id"), "profile")
    assert [d["indicator"] for d in data] == ["families_desil_1"]


def test_specs_compile_to_vega_and_embed_options_carry_the_locale(board: Dashboard) -> None:
    spec = charts.headline_chart(board.to_json()["headlines"], "id")
    vega = vl_convert.vegalite_to_vega(spec)
    assert vega["$schema"].startswith("https://vega.github.io/schema/vega/")
    assert spec["config"]["locale"]["number"] == charts.format_locale("id")
    options = charts.embed_options("id")
    assert options["formatLocale"] == {"decimal": ",", "thousands": ".", "grouping": [3],
                                       "currency": ["Rp", ""]}  # fmt: skip
    assert options["timeFormatLocale"]["months"][2] == "Maret"
    assert charts.to_png(spec, "id").startswith(b"\x89PNG")


def test_pages_fetch_the_boundaries_once_documents_carry_them(board: Dashboard) -> None:
    areas = board.to_json()["map"]["areas"]
    url = "/maps/boundaries/62.03/kecamatan"
    spec = charts.area_map_chart("62.03", "kecamatan", areas, cv_threshold=0.25, boundaries=url)
    assert "boundaries" not in spec["datasets"]
    assert url in json.dumps(spec)
    served = json.loads(charts.boundaries_json("62.03", "kecamatan"))
    assert served["features"] == list(charts.shapes("62.03", "kecamatan"))
    assert len(served["features"]) == 17
    width, height = charts.areas.frame("62.03", "kecamatan", 420)
    assert height == 420 and 140 <= width < 420  # Kapuas is taller than wide


def test_a_desa_map_outlines_its_desa_and_draws_unseen_desa_as_context() -> None:
    """A desa operator's map: its desa outlined, the other desa of the kecamatan drawn without
    figures and named as outside its access; no tooltip shows "null"."""
    kecamatan = "62.03.01"
    desa = [r.code for r in regions.descendants(kecamatan, "desa")]
    areas = [{"code": desa[0], "estimate": 0.1, "cv": None, "reliable": None, "ci_low": None,
              "ci_high": None}]  # fmt: skip
    spec = charts.area_map_chart(kecamatan, "desa", areas, cv_threshold=0.25, lang="en",
                                 selected=desa[0])  # fmt: skip
    assert [a["code"] for a in _data(spec, "areas")] == [desa[0]]
    text = json.dumps(spec)
    assert "outside your access" in text
    outline = spec["layer"][-1]
    assert outline["mark"]["filled"] is False and desa[0] in json.dumps(outline)
    tooltips = [t["field"] for layer in spec["layer"] for t in layer["encoding"]["tooltip"]]
    assert {"shown", "low", "high", "cv"}.isdisjoint(tooltips)  # text fields: "–", not null
    assert "outside your access" in _texts(charts.to_svg(spec, "en"))
    cv = charts.cv_map_chart(kecamatan, "desa", areas, cv_threshold=0.25, lang="en",
                             selected=desa[0])  # fmt: skip
    assert "outside your access" in _texts(charts.to_svg(cv, "en"))
    whole = charts.area_map_chart(kecamatan, "desa", [{"code": c, "estimate": 0.1} for c in desa],
                                  cv_threshold=0.25, lang="en")  # fmt: skip
    assert "outside your access" not in json.dumps(whole)
