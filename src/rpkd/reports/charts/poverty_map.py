"""The poverty map as one figure: a map result's estimates with their reliability, place names,
north arrow, scale bar, title and source line.

:func:`poverty_figure` is what ``rpkd map`` writes (PNG, SVG), what the web's Beranda and Profil
pages show and what the RPKD and LP2KD documents print, so a reader meets the same map
everywhere. It draws :func:`rpkd.reports.charts.area_map_chart`: the estimate on a sequential
scale from zero, lighter with a dashed outline where the CV exceeds the kit's threshold (the
estimate is never hidden), the interval and CV in each area's tooltip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.charts.areas import area_map_chart
from rpkd.reports.charts.base import Spec

if TYPE_CHECKING:
    from datetime import date

    from rpkd.regions import Depth


def poverty_source(result: Mapping[str, Any], release: str, lang: Lang, made: date) -> str:
    """Return the map's source and date line: release, method (and benchmarking), boundaries."""
    method = locale.label(f"sae.method.{result['method']}", lang)
    if result.get("benchmark_factor") is not None:
        method = f"{method}, {locale.label('sae.benchmarked', lang)}"
    return locale.message("poverty_map_source", lang, release=release, method=method,
                          date=locale.date_text(made, lang))  # fmt: skip


def poverty_figure(
    result: Mapping[str, Any],
    region: str,
    lang: Lang = "id",
    *,
    release: str,
    made: date | None = None,
    title: str | None = None,
    boundaries: str | None = None,
    selected: str | None = None,
    size: int = 560,
) -> Spec:
    """Return the map of a poverty map's areas inside ``region`` (the district, or a kecamatan
    at desa level).

    ``result`` is :meth:`rpkd.workflows.area_map.AreaMap.to_json` (its ``level``, ``measure``,
    ``method``, ``cv_threshold``, ``benchmark_factor`` and ``areas``); ``release`` names the
    release in the source line, dated ``made`` (default today). ``title`` replaces the default
    (measure, area and method); ``boundaries`` is a URL template with ``{region}`` and
    ``{depth}`` (None: the boundaries are embedded); ``selected`` an area's code to outline.
    """
    from datetime import date as day

    from rpkd import regions

    areas = result["areas"]
    if region != result.get("region"):  # a part of the map (a kecamatan's desa)
        areas = [a for a in areas if str(a["code"]).startswith(region + ".")]
    depth: Depth = "kecamatan" if result["level"] == "kecamatan" else "desa"
    measure = str(result["measure"])
    if title is None:
        title = locale.message(
            "poverty_map_title", lang, measure=locale.label(f"sae.measure.{measure}", lang),
            area=regions.name(region), method=locale.label(f"sae.method.{result['method']}", lang),
        )  # fmt: skip
    url = None if boundaries is None else boundaries.format(region=region, depth=depth)
    return area_map_chart(
        region, depth, areas, cv_threshold=float(result["cv_threshold"]), measure=measure,
        lang=lang, title=title, size=size, boundaries=url, selected=selected, furniture=True,
        source=poverty_source(result, release, lang, made or day.today()),
    )  # fmt: skip
