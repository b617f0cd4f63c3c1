"""Scenarios and the budget optimiser: poverty and extreme poverty by year with their 95%
intervals, the baseline against each scenario; the trade-off curve of budget against the level
reached.

Both take the JSON of the results (``rpkd scenario run|compare --format json``, ``rpkd optimise
--format json``): fractions and rupiah, drawn in percent and billions of rupiah.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rpkd.locale import Lang
from rpkd.reports.charts.base import (
    ESTIMATE_COLOUR,
    TARGET_COLOUR,
    WIDTH,
    Spec,
    altair,
    caption,
    finish,
    label,
)

PALETTE = ("#7f7f7f", ESTIMATE_COLOUR, "#e08214", "#5aae61", "#8073ac", "#b2182b")
"""The baseline in grey, then one colour per scenario."""
PANELS = ("p0", "extreme")


def path_points(scenarios: Sequence[Mapping[str, Any]], lang: Lang = "id") -> list[dict[str, Any]]:
    """Return the points the scenario chart draws: for each year, P0 on the poverty line and
    on the extreme line (the lower of the year's two lines), the baseline once and each
    scenario, with their 95% intervals (fractions).

    Examples
    --------
    >>> row = {"measure": "fgt0", "se": 0.0, "ci_low": 0.1, "ci_high": 0.3}
    >>> year = {"year": 2026, "estimates": [
    ...     {**row, "indicator": "baseline", "line": 600.0, "estimate": 0.2},
    ...     {**row, "indicator": "scenario", "line": 600.0, "estimate": 0.15},
    ...     {**row, "indicator": "baseline", "line": 400.0, "estimate": 0.05},
    ...     {**row, "indicator": "scenario", "line": 400.0, "estimate": 0.0}]}
    >>> [(p["panel"], p["series"], p["value"]) for p in path_points(
    ...     [{"scenario": "A", "years": [year]}], "en")]
    [('p0', 'baseline (no programme)', 0.2), ('p0', 'A', 0.15), ('extreme', \
'baseline (no programme)', 0.05), ('extreme', 'A', 0.0)]
    """
    baseline = label("scenario.baseline", lang)
    points: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for result in scenarios:
        for year in result["years"]:
            rows = [r for r in year["estimates"] if r["measure"] == "fgt0" and r["line"]]
            lines = sorted({float(r["line"]) for r in rows}, reverse=True)
            for panel, line in zip(PANELS, lines, strict=False):
                for r in rows:
                    if float(r["line"]) != line or r["indicator"] == "difference":
                        continue
                    is_base = r["indicator"] == "baseline"
                    if is_base and (panel, year["year"]) in seen:
                        continue
                    if is_base:
                        seen.add((panel, year["year"]))
                    points.append({
                        "panel": panel,
                        "panel_label": label(f"scenario.panel.{panel}", lang),
                        "series": baseline if is_base else str(result["scenario"]),
                        "year": int(year["year"]),
                        "value": r["estimate"],
                        "ci_low": r.get("ci_low"),
                        "ci_high": r.get("ci_high"),
                    })  # fmt: skip
    return points


def scenario_chart(scenarios: Sequence[Mapping[str, Any]], lang: Lang = "id") -> Spec:
    """Return P0 and extreme poverty by year, baseline against each scenario of
    ``scenarios`` (their ``to_json()``), each with its 95% interval as a band; one panel for
    each line, each with its own scale."""
    alt = altair()
    points = path_points(scenarios, lang)
    series = list(dict.fromkeys(p["series"] for p in points))
    panels = [label(f"scenario.panel.{p}", lang) for p in PANELS]
    base = alt.Chart().transform_calculate(
        shown="datum.value * 100",
        low="datum.ci_low == null ? null : datum.ci_low * 100",
        high="datum.ci_high == null ? null : datum.ci_high * 100",
    )
    year = alt.X("year:Q", title=None, scale=alt.Scale(zero=False, nice=False, padding=10),
                 axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0))  # fmt: skip
    colour = alt.Color(
        "series:N",
        title=None,
        sort=series,
        scale=alt.Scale(domain=series, range=list(PALETTE[: len(series)])),
        legend=alt.Legend(
            orient="bottom",
            direction="vertical",
            labelLimit=WIDTH,
            symbolType="stroke",
            symbolOpacity=1,
            symbolStrokeWidth=3,
        ),
    )
    band = base.mark_area(opacity=0.15).encode(x=year, y="low:Q", y2="high:Q", color=colour)
    tooltip = [
        alt.Tooltip("series:N", title=label("scenario.series", lang)),
        alt.Tooltip("year:Q", title=label("scenario.year", lang), format="d"),
        alt.Tooltip("shown:Q", title=label("scenario.percent", lang), format=",.2f"),
        alt.Tooltip("low:Q", title=label("scenario.ci_low", lang), format=",.2f"),
        alt.Tooltip("high:Q", title=label("scenario.ci_high", lang), format=",.2f"),
    ]
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=40)).encode(
        x=year,
        y=alt.Y(
            "shown:Q",
            title=label("scenario.percent", lang),
            scale=alt.Scale(zero=True),
            axis=alt.Axis(format=",.1~f"),
        ),
        color=colour,
        tooltip=tooltip,
    )
    chart = (
        alt.layer(band, line, data=alt.Data(name="paths"))
        .properties(width=300, height=220)
        .facet(column=alt.Column("panel_label:N", sort=panels, title=None,
                                 header=alt.Header(labelFontSize=12, labelFontWeight="bold")))
        .resolve_scale(y="independent")
        .properties(title=caption(lang, "scenario.title"))
    )  # fmt: skip
    return finish(chart, lang, {"paths": points})


def frontier_chart(optimum: Mapping[str, Any], lang: Lang = "id") -> Spec:
    """Return the trade-off curve of an optimiser result (its ``to_json()``): the least budget
    (billions of rupiah a year) against the level of the objective it reaches (percent), the
    target as a dashed line and the chosen budget marked."""
    alt = altair()
    points = [{"budget": p["budget"], "level": p["level"]} for p in optimum["frontier"]]
    marks = [{"budget": optimum["budget"], "target": optimum["target"]}]
    base = alt.Chart(alt.Data(name="frontier")).transform_calculate(
        billions="datum.budget / 1e9", shown="datum.level * 100"
    )
    x = alt.X("billions:Q", title=label("optimise.axis.budget", lang),
              axis=alt.Axis(format=",.0f"))  # fmt: skip
    y = alt.Y("shown:Q", title=label(f"optimise.axis.{optimum['objective']}", lang),
              scale=alt.Scale(zero=True), axis=alt.Axis(format=",.1~f"))  # fmt: skip
    tooltip = [
        alt.Tooltip("billions:Q", title=label("optimise.axis.budget", lang), format=",.1f"),
        alt.Tooltip("shown:Q", title=label("optimise.axis.level", lang), format=",.2f"),
    ]
    curve = base.mark_line(
        interpolate="step-after", point=alt.OverlayMarkDef(filled=True, size=50),
        color=ESTIMATE_COLOUR,
    ).encode(x=x, y=y, tooltip=tooltip)  # fmt: skip
    chosen = alt.Chart(alt.Data(name="chosen")).transform_calculate(
        billions="datum.budget / 1e9", goal="datum.target * 100"
    )
    target = chosen.mark_rule(strokeDash=[5, 4], color=TARGET_COLOUR).encode(y="goal:Q")
    rule = chosen.mark_rule(strokeDash=[2, 3], color=TARGET_COLOUR).encode(x="billions:Q")
    chart = alt.layer(curve, target, rule).properties(
        width=WIDTH - 60, height=240, title=caption(lang, "optimise.title")
    )
    return finish(chart, lang, {"frontier": points, "chosen": marks})
