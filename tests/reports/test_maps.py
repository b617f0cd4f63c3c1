"""Choropleth of Kapuas kecamatan: classes, CV hatching, GeoJSON properties, SVG and PNG."""

from __future__ import annotations

import pytest

from rpkd import regions
from rpkd.reports.maps import choropleth


def test_kapuas_kecamatan_map() -> None:
    codes = [r.code for r in regions.descendants("62.03", "kecamatan")]
    assert len(codes) == 17
    estimates = {c: float(i + 1) for i, c in enumerate(codes[:16])}  # the 17th has no estimate
    cv = {c: (0.40 if i < 3 else 0.10) for i, c in enumerate(codes[:16])}
    estimates["99.99.99"] = 5.0  # no boundary: reported, not drawn
    result = choropleth(
        "62.03", "kecamatan", estimates, cv=cv, threshold=0.25, title="P0", label="P0", lang="en"
    )
    # quantile breaks of 1..16 in 5 classes: 1 + 15 * (0, .2, .4, .6, .8, 1)
    assert result.breaks == pytest.approx((1.0, 4.0, 7.0, 10.0, 13.0, 16.0))
    by_code = {a.code: a for a in result.areas}
    assert by_code[codes[0]].klass == 0 and by_code[codes[3]].klass == 0  # 1 and 4 -> [1, 4]
    assert by_code[codes[4]].klass == 1  # 5 -> (4, 7]
    assert by_code[codes[15]].klass == 4  # 16 -> (13, 16]
    assert by_code[codes[16]].estimate is None and by_code[codes[16]].klass is None
    assert [a.reliable for a in result.areas if a.code in codes[:4]] == [False, False, False, True]
    assert result.cv_threshold == 0.25
    assert result.unmatched == ("99.99.99",)
    props = {f["properties"]["code"]: f["properties"] for f in result.geojson["features"]}
    assert props[codes[2]]["estimate"] == 3.0 and props[codes[2]]["reliable"] is False
    assert props[codes[2]]["name"] == regions.name(codes[2])
    assert result.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.svg.count("<pattern") >= 1  # hatch pattern for unreliable areas
    for code in codes:
        assert f'id="{code}"' in result.svg
    assert result.to_arrow().num_rows == 17


def test_desa_map_renders() -> None:
    desa = regions.descendants("62.03.01", "desa")
    values = {d.code: 0.1 * i for i, d in enumerate(desa)}
    result = choropleth("62.03.01", "desa", values, threshold=0.3, scale="percent")
    assert len(result.geojson["features"]) == len(desa)
    assert "tanpa estimasi" in result.svg or len(result.svg) > 1000


def test_threshold_is_the_callers() -> None:
    codes = [r.code for r in regions.descendants("62.03", "kecamatan")]
    cv = {c: 0.2 for c in codes}
    strict = choropleth("62.03", "kecamatan", dict.fromkeys(codes, 0.1), cv=cv, threshold=0.15)
    assert strict.cv_threshold == 0.15 and not any(a.reliable for a in strict.areas)
