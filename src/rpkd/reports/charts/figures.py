"""Headline figures against their targets, and the path to zero extreme poverty."""

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

HEADLINE_KEYS = ("p0", "p1", "p2", "extreme")
"""The headline figures drawn (the number of poor is shown as a number, not a bar)."""


def headline_chart(headlines: Sequence[Mapping[str, Any]], lang: Lang = "id") -> Spec:
    """Return P0, P1, P2 and extreme poverty with 95% interval bars against their targets.

    ``headlines`` are the dashboard's headline records (``key``, ``estimate``, ``ci_low``,
    ``ci_high``, ``target``, fractions). Each figure has its own row and scale, drawn ×100
    (P0 and extreme poverty in percent, P1 and P2 as BPS's ×100 indices).
    """
    alt = altair()
    rows = [
        {
            "key": h["key"],
            "label": label(f"headline.{h['key']}", lang),
            "estimate": h["estimate"],
            "ci_low": h.get("ci_low"),
            "ci_high": h.get("ci_high"),
            "target": h.get("target"),
        }
        for h in headlines
        if h["key"] in HEADLINE_KEYS
    ]
    base = alt.Chart(alt.Data(name="headlines")).transform_calculate(
        shown="datum.estimate * 100",
        low="datum.ci_low == null ? null : datum.ci_low * 100",
        high="datum.ci_high == null ? null : datum.ci_high * 100",
        goal="datum.target == null ? datum.estimate * 100 : datum.target * 100",
        has_goal="datum.target != null",
        target_shown="datum.target == null ? null : datum.target * 100",
    )
    interval = base.mark_rule(strokeWidth=6, opacity=0.35, color=ESTIMATE_COLOUR).encode(
        x=alt.X(
            "low:Q",
            title=None,
            scale=alt.Scale(zero=True),
            axis=alt.Axis(format=",.2~f", tickCount=5),
        ),
        x2="high:Q",
        tooltip=_headline_tooltip(alt, lang),
    )
    point = base.mark_point(filled=True, size=90, color=ESTIMATE_COLOUR).encode(
        x="shown:Q", tooltip=_headline_tooltip(alt, lang)
    )
    target = base.mark_tick(thickness=3, size=26, color=TARGET_COLOUR).encode(
        x="goal:Q",
        opacity=alt.condition("datum.has_goal", alt.value(1.0), alt.value(0.0)),
        tooltip=_headline_tooltip(alt, lang),
    )  # a row without a target keeps an invisible tick, so its scale stays finite
    value = point.mark_text(align="left", dx=8, dy=-12, fontSize=12, color="#222").encode(
        text=alt.Text("shown:Q", format=",.2f")
    )
    layered = alt.layer(interval, point, target, value).properties(width=WIDTH - 190, height=40)
    chart = layered.facet(
        row=alt.Row(
            "label:N",
            title=None,
            sort=[label(f"headline.{k}", lang) for k in HEADLINE_KEYS],
            header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=12, labelLimit=190),
        )
    ).resolve_scale(x="independent")
    title = {**caption(lang, "headline.caption"), "subtitle": label("headline.axis", lang)}
    return finish(chart.properties(title=title), lang, {"headlines": rows})


def _headline_tooltip(alt: Any, lang: Lang) -> list[Any]:
    return [
        alt.Tooltip("label:N", title=label("indicator", lang)),
        alt.Tooltip("shown:Q", title=label("estimate", lang), format=",.2f"),
        alt.Tooltip("low:Q", title=label("ci_low", lang), format=",.2f"),
        alt.Tooltip("high:Q", title=label("ci_high", lang), format=",.2f"),
        alt.Tooltip("target_shown:Q", title=label("target", lang), format=",.2f"),
    ]


# --- the path to zero ---------------------------------------------------------------------


def path_chart(path: Mapping[str, Any], lang: Lang = "id") -> Spec:
    """Return the path to zero extreme poverty: observed points with their intervals, the
    trend with its 95% projection band (a bar in each projected year, joined into a band when
    there are several; cut at zero, as a rate cannot be negative), and the target at the
    target year.

    ``path`` is the dashboard's ``path_to_zero`` object (``points``, ``trend``, ``target``,
    ``target_year``; fractions, drawn in percent).
    """
    alt = altair()
    year = alt.X("year:O", title=label("year", lang), axis=alt.Axis(labelAngle=0), sort="ascending")
    pct = alt.Axis(format=",.2~f")
    y_title = label("path.axis", lang)
    trend = alt.Chart(alt.Data(name="trend")).transform_calculate(
        shown="datum.value * 100",
        low="datum.low == null ? null : max(0, datum.low) * 100",
        high="datum.high == null ? null : datum.high * 100",
    )
    ahead = trend.transform_filter("datum.low != null")
    band = ahead.mark_area(opacity=0.18, color=ESTIMATE_COLOUR).encode(
        x=year, y=alt.Y("low:Q", title=y_title, axis=pct), y2="high:Q"
    )
    spread = ahead.mark_rule(strokeWidth=10, opacity=0.25, color=ESTIMATE_COLOUR).encode(
        x=year, y="low:Q", y2="high:Q"
    )
    line = trend.mark_line(strokeDash=[6, 3], color=ESTIMATE_COLOUR).encode(
        x=year,
        y=alt.Y("shown:Q", title=y_title, axis=pct),
        tooltip=[
            alt.Tooltip("year:O", title=label("year", lang)),
            alt.Tooltip("shown:Q", title=label("trend", lang), format=",.2f"),
            alt.Tooltip("low:Q", title=label("ci_low", lang), format=",.2f"),
            alt.Tooltip("high:Q", title=label("ci_high", lang), format=",.2f"),
        ],
    )
    observed = alt.Chart(alt.Data(name="points")).transform_calculate(
        shown="datum.value * 100",
        low="datum.ci_low == null ? null : datum.ci_low * 100",
        high="datum.ci_high == null ? null : datum.ci_high * 100",
    )
    bars = (
        observed.transform_filter("datum.low != null")
        .mark_rule(strokeWidth=2, color=ESTIMATE_COLOUR)
        .encode(x=year, y="low:Q", y2="high:Q")
    )
    points = observed.mark_point(filled=True, size=80, color=ESTIMATE_COLOUR).encode(
        x=year,
        y="shown:Q",
        tooltip=[
            alt.Tooltip("year:O", title=label("year", lang)),
            alt.Tooltip("shown:Q", title=label("observed", lang), format=",.2f"),
            alt.Tooltip("low:Q", title=label("ci_low", lang), format=",.2f"),
            alt.Tooltip("high:Q", title=label("ci_high", lang), format=",.2f"),
        ],
    )
    goal = [{"year": path["target_year"], "target": path["target"]}]
    target = alt.Chart(alt.Data(name="target")).transform_calculate(goal="datum.target * 100")
    target_point = target.mark_point(shape="diamond", size=140, filled=True,
                                     color=TARGET_COLOUR).encode(
        x=year, y="goal:Q",
        tooltip=[alt.Tooltip("year:O", title=label("target_year", lang)),
                 alt.Tooltip("goal:Q", title=label("target", lang), format=",.2f")],
    )  # fmt: skip
    target_rule = target.mark_rule(strokeDash=[2, 2], color=TARGET_COLOUR).encode(y="goal:Q")
    layers = [band, spread, line, bars, points, target_rule, target_point]
    chart = alt.layer(*layers).properties(
        width=WIDTH, height=240, title=caption(lang, "path.caption")
    )
    datasets = {"trend": path["trend"], "points": path["points"], "target": goal}
    return finish(chart, lang, datasets)
