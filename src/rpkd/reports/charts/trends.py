"""A rate over the years for the district, its province and the nation, as published, with the
district's own estimate from a release and its 95% interval (documents, Bab III)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rpkd.locale import Lang
from rpkd.reports.charts.base import ESTIMATE_COLOUR, TARGET_COLOUR, WIDTH, Spec, altair, finish

_PALETTE = (ESTIMATE_COLOUR, "#e08214", "#7f7f7f", "#5aae61", "#8073ac")


def trend_chart(
    points: Sequence[Mapping[str, Any]],
    *,
    title: str,
    axis: str,
    estimate_label: str,
    lang: Lang = "id",
) -> Spec:
    """Return a line per area of ``points`` (``area``, ``year``, ``value``: a fraction, drawn in
    percent) and, for points with ``estimated`` true, the estimate with its interval
    (``ci_low``, ``ci_high``) in the target colour, labelled ``estimate_label``.

    Areas keep the order of their first point (the district first).
    """
    alt = altair()
    areas = list(dict.fromkeys(str(p["area"]) for p in points if not p.get("estimated")))
    rows = [
        {
            "area": str(p["area"]),
            "year": int(p["year"]),
            "value": p["value"],
            "ci_low": p.get("ci_low"),
            "ci_high": p.get("ci_high"),
            "estimated": bool(p.get("estimated")),
        }
        for p in points
    ]
    base = alt.Chart(alt.Data(name="points")).transform_calculate(
        shown="datum.value * 100",
        low="datum.ci_low == null ? null : datum.ci_low * 100",
        high="datum.ci_high == null ? null : datum.ci_high * 100",
    )
    year = alt.X(
        "year:Q",
        title=None,
        scale=alt.Scale(zero=False, nice=False, padding=12),
        axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0),
    )
    colour = alt.Color(
        "area:N",
        title=None,
        sort=areas,
        scale=alt.Scale(domain=areas, range=list(_PALETTE[: len(areas)])),
        legend=alt.Legend(orient="bottom", direction="horizontal"),
    )
    published = base.transform_filter("!datum.estimated")
    lines = published.mark_line(point=alt.OverlayMarkDef(filled=True, size=50)).encode(
        x=year,
        y=alt.Y("shown:Q", title=axis, scale=alt.Scale(zero=True), axis=alt.Axis(format=",.1~f")),
        color=colour,
    )
    labels = published.mark_text(dy=-9, fontSize=10, color="#333").encode(
        x=year, y="shown:Q", text=alt.Text("shown:Q", format=",.2f")
    )
    estimated = base.transform_filter("datum.estimated")
    interval = estimated.mark_rule(strokeWidth=2, color=TARGET_COLOUR).encode(
        x=year, y="low:Q", y2="high:Q"
    )
    dot = estimated.mark_point(shape="diamond", filled=True, size=120, color=TARGET_COLOUR).encode(
        x=year, y="shown:Q"
    )
    note = estimated.mark_text(align="left", dx=8, fontSize=10, color=TARGET_COLOUR).encode(
        x=year, y="shown:Q", text=alt.value(estimate_label)
    )
    chart = alt.layer(lines, labels, interval, dot, note).properties(
        width=WIDTH - 60, height=230, title={"text": title, "anchor": "start", "fontSize": 13}
    )
    return finish(chart, lang, {"points": rows})
