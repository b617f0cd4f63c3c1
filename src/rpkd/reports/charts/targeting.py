"""Targeting accuracy: inclusion and exclusion errors with their 95% intervals."""

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

Z95 = 1.959964
"""Normal quantile of a two-sided 95% interval."""
ERRORS = ("exclusion", "inclusion")


def accuracy_rows(
    rows: Sequence[Mapping[str, Any]], names: Mapping[str, str], lang: Lang
) -> list[dict[str, Any]]:
    """Return one row per area and error (exclusion, inclusion) with its 95% interval, cut to
    [0, 1]; ``names`` names the domains (the row without a domain is the whole district)."""
    whole = label("accuracy.whole", lang)
    out = []
    for order, r in enumerate(rows):
        domain = r.get("domain")
        area = whole if domain is None else names.get(str(domain), str(domain))
        for error in ERRORS:
            value, se = r.get(error), r.get(f"{error}_se")
            if value is None:
                continue
            half = Z95 * se if se is not None else 0.0
            out.append({"area": area, "order": order, "error": label(f"accuracy.{error}", lang),
                        "value": value, "se": se, "low": max(value - half, 0.0),
                        "high": min(value + half, 1.0)})  # fmt: skip
    return out


def accuracy_chart(
    rows: Sequence[Mapping[str, Any]], names: Mapping[str, str] | None = None, lang: Lang = "id"
) -> Spec:
    """Return exclusion and inclusion error rates (points) with 95% intervals (rules) by area,
    from the records of :class:`rpkd.workflows.accuracy.AccuracyReport` (``to_json()``)."""
    alt = altair()
    data = accuracy_rows(rows, names or {}, lang)
    kinds = [label(f"accuracy.{e}", lang) for e in ERRORS]
    colour = alt.Color("error:N", title=None, legend=alt.Legend(orient="top"),
                       scale=alt.Scale(domain=kinds, range=[TARGET_COLOUR, ESTIMATE_COLOUR]))  # fmt: skip
    y = alt.Y("area:N", title=None, sort=alt.EncodingSortField("order"),
              axis=alt.Axis(labelLimit=200))  # fmt: skip
    offset = alt.YOffset("error:N", scale=alt.Scale(domain=kinds))
    base = alt.Chart(alt.Data(name="accuracy")).encode(y=y, yOffset=offset, color=colour)
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=label("accuracy.rate", lang), axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        x2="high:Q",
    )  # fmt: skip
    points = base.mark_point(filled=True, size=60).encode(
        x="value:Q",
        tooltip=[alt.Tooltip("area:N", title=label("accuracy.area", lang)),
                 alt.Tooltip("error:N", title=label("accuracy.error", lang)),
                 alt.Tooltip("value:Q", title=label("accuracy.rate", lang), format=".1%"),
                 alt.Tooltip("se:Q", title=label("accuracy.se", lang), format=".1%")],
    )  # fmt: skip
    areas = len({r["area"] for r in data})
    chart = (interval + points).properties(
        width=WIDTH - 220, height=max(34 * areas, 80), title=caption(lang, "accuracy.caption")
    )
    return finish(chart, lang, {"accuracy": data})
