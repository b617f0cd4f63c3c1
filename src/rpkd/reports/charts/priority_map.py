"""The priority map: each area's class (Prioritas 1–3) by how sure it is to be among the k
poorest, with place names, north arrow, scale bar and source line.

The classes are those of :mod:`rpkd.sae.priority` (the kit's thresholds): a darker red is a
surer priority; areas in no class are white, areas without an estimate grey. The tooltip gives
both probabilities (by rate and by number of poor) and the estimate with its interval, so the
class never hides the figure behind it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.charts.areas import _datasets, frame, parent_shapes, shapes
from rpkd.reports.charts.base import MISSING_COLOUR, Spec, altair, finish, heading
from rpkd.reports.charts.map_layers import decorated

if TYPE_CHECKING:
    from datetime import date

    from rpkd.regions import Depth

CLASS_COLOURS = ("#b2182b", "#ef8a62", "#fddbc7", "#ffffff")
"""Prioritas 1, 2, 3 and no class."""


def class_labels(thresholds: Sequence[float], lang: Lang) -> tuple[str, str, str, str]:
    """Return the legend's labels: ``Prioritas 1 (peluang ≥ 80%)`` … and no class."""
    chance = locale.label("priority.chance", lang)
    name = locale.label("priority.class", lang)
    first, second, third = (locale.percent(t, lang, 0) for t in thresholds)
    return (
        f"{name} 1 ({chance} ≥ {first})",
        f"{name} 2 ({chance} ≥ {second})",
        f"{name} 3 ({chance} ≥ {third})",
        f"{locale.label('priority.none', lang)} ({chance} < {third})",
    )


def priority_values(
    areas: Sequence[Mapping[str, Any]], thresholds: Sequence[float], lang: Lang
) -> list[dict[str, Any]]:
    """Return what the map shows of each area: ``code``, ``class`` (a label of
    :func:`class_labels`) and the probabilities and estimate as text for the tooltip."""
    labels = class_labels(thresholds, lang)

    def pct(value: float | None, digits: int) -> str:
        return "–" if value is None else locale.percent(value, lang, digits)

    return [
        {
            "code": str(a["code"]),
            "class": labels[(a.get("priority") or 4) - 1],
            "rate_text": pct(a.get("probability_rate"), 0),
            "count_text": pct(a.get("probability_count"), 0),
            "estimate_text": f"{pct(a.get('estimate'), 1)} "
            f"({pct(a.get('ci_low'), 1)}–{pct(a.get('ci_high'), 1)})",
        }
        for a in areas
    ]


def priority_map_chart(
    region: str,
    depth: Depth,
    areas: Sequence[Mapping[str, Any]],
    *,
    k: int,
    thresholds: Sequence[float],
    lang: Lang = "id",
    title: str | None = None,
    size: int = 420,
    boundaries: str | None = None,
    labels: bool | None = None,
    furniture: bool = True,
    source: str | None = None,
) -> Spec:
    """Return the map of the priority classes of ``areas`` (a priority result's area records:
    ``code``, ``priority``, ``probability_rate``, ``probability_count``, ``estimate``,
    ``ci_low``, ``ci_high``) inside ``region``, ``k`` the number of poorest areas sought.
    ``boundaries``, ``labels``, ``furniture`` and ``source`` as for
    :func:`rpkd.reports.charts.area_map_chart`."""
    alt = altair()
    wide, tall = frame(region, depth, size)
    names = class_labels(thresholds, lang)
    missing = locale.label("sae.no_estimate", lang)
    data = (
        alt.Data(name="boundaries")
        if boundaries is None
        else alt.UrlData(url=boundaries, format=alt.DataFormat(type="json", property="features"))
    )
    fields = ["class", "rate_text", "count_text", "estimate_text"]
    base = (
        alt.Chart(data)
        .transform_lookup(
            lookup="properties.code",
            from_=alt.LookupData(data=alt.Data(name="areas"), key="code", fields=fields),
        )
        .transform_calculate(shown=f"isValid(datum.class) ? datum.class : '{missing}'")
    )
    tooltip = [
        alt.Tooltip("properties.name:N", title=locale.label("sae.name", lang)),
        alt.Tooltip("shown:N", title=locale.label("priority.class_column", lang)),
        alt.Tooltip("rate_text:N", title=locale.label("priority.probability_rate", lang)),
        alt.Tooltip("count_text:N", title=locale.label("priority.probability_count", lang)),
        alt.Tooltip("estimate_text:N", title=locale.label("priority.estimate", lang)),
    ]
    legend_title = locale.message("priority_legend", lang, k=k,
                                  level=locale.label(f"priority.level.{depth}", lang))  # fmt: skip
    classes = base.mark_geoshape(stroke="#4d4d4d", strokeWidth=0.6).encode(
        color=alt.Color("shown:N", title=legend_title,
                        scale=alt.Scale(domain=[*names, missing],
                                        range=[*CLASS_COLOURS, MISSING_COLOUR]),
                        legend=alt.Legend(orient="right", symbolType="square", symbolSize=180,
                                          symbolStrokeColor="#4d4d4d", labelLimit=260,
                                          titleLimit=320)),
        tooltip=tooltip,
    )  # fmt: skip
    layered, added = decorated(
        alt, [classes], depth=depth, features=shapes(region, depth), wide=wide, tall=tall,
        lang=lang, labels=labels, furniture=furniture, source=source,
        parents=parent_shapes(region, depth),
    )  # fmt: skip
    chart = layered.properties(width=wide, height=tall, title=heading(title or ""))
    values = priority_values(areas, thresholds, lang)
    return finish(chart, lang, {**_datasets(region, depth, values, boundaries), **added})


def priority_figure(
    result: Mapping[str, Any],
    region: str,
    lang: Lang = "id",
    *,
    boundaries: str | None = None,
    made: date | None = None,
    size: int = 560,
) -> Spec:
    """Return the map of the classes of a priority result (``PriorityAreas.to_json()``: its
    ``release``, ``level``, ``method``, ``k``, ``draws``, ``seed``, ``thresholds`` and
    ``areas``) inside ``region`` (the district, or a kecamatan at desa level), with its title
    and its source and date line (``made``, default today): the one figure of ``rpkd priority
    --map``, the web's Profil page and the RPKD's Bab III. ``boundaries`` a URL template with
    ``{region}`` and ``{depth}``, None to embed the boundaries."""
    from datetime import date as day

    from rpkd import regions

    prefix = region + "."
    areas = [a for a in result["areas"] if str(a["code"]).startswith(prefix)]
    level = str(result["level"])
    source = locale.message(
        "priority_map_source", lang, release=result["release"],
        method=locale.label(f"sae.method.{result['method']}", lang), draws=result["draws"],
        seed=result["seed"], date=locale.date_text(made or day.today(), lang),
    )  # fmt: skip
    title = locale.message("priority_map_title", lang, k=result["k"], area=regions.name(region),
                           level=locale.label(f"priority.level.{level}", lang))  # fmt: skip
    depth: Depth = "kecamatan" if level == "kecamatan" else "desa"
    url = None if boundaries is None else boundaries.format(region=region, depth=depth)
    return priority_map_chart(region, depth, areas, k=int(result["k"]),
                              thresholds=result["thresholds"], lang=lang, title=title, size=size,
                              source=source, boundaries=url)  # fmt: skip
