"""Achievement of the plan's items across the quarters of a year (the *Kinerja* page).

Achievement is already in percent of target (:func:`rpkd.planning.performance.achievement`);
the chart draws one line per item over quarters 1–4, a dot coloured by the item's traffic
light in each quarter, and a rule at 100% (the target met).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rpkd.locale import Lang
from rpkd.reports.charts.base import WIDTH, Spec, altair, caption, finish, label

LIGHTS = {"green": "#2b8a3e", "yellow": "#f2c200", "red": "#c92a2a"}


def achievement_trend_chart(rows: Sequence[Mapping[str, Any]], lang: Lang = "id") -> Spec:
    """Return achievement by quarter, one line per item.

    ``rows``: ``code``, ``name``, ``quarter`` (1–4), ``achievement`` (percent) and ``light``
    (``green``, ``yellow``, ``red``), one per scored item and quarter.
    """
    alt = altair()
    data = [
        {
            "code": str(r["code"]),
            "name": str(r["name"]),
            "quarter": f"T{int(r['quarter'])}" if lang == "id" else f"Q{int(r['quarter'])}",
            "achievement": float(r["achievement"]),
            "light": label(f"performance.light.{r.get('light') or 'none'}", lang),
        }
        for r in rows
        if r.get("achievement") is not None
    ]
    quarters = ["T1", "T2", "T3", "T4"] if lang == "id" else ["Q1", "Q2", "Q3", "Q4"]
    x = alt.X(
        "quarter:O",
        title=label("performance.quarter", lang),
        sort=quarters,
        scale=alt.Scale(domain=quarters),
        axis=alt.Axis(labelAngle=0),
    )
    y = alt.Y("achievement:Q", title=label("performance.axis", lang), axis=alt.Axis(format=",.0f"))
    base = alt.Chart(alt.Data(name="rows"))
    lines = base.mark_line(strokeWidth=1.5).encode(
        x=x, y=y, detail="code:N", color=alt.value("#8a9a95")
    )
    tooltip = [
        alt.Tooltip("code:N", title=label("performance.code", lang)),
        alt.Tooltip("name:N", title=label("performance.name", lang)),
        alt.Tooltip("quarter:O", title=label("performance.quarter", lang)),
        alt.Tooltip("achievement:Q", title=label("performance.axis", lang), format=",.1f"),
    ]
    dots = base.mark_circle(size=70, opacity=1).encode(
        x=x,
        y=y,
        color=alt.Color(
            "light:N",
            title=label("performance.light", lang),
            scale=alt.Scale(
                domain=[label(f"performance.light.{k}", lang) for k in LIGHTS],
                range=list(LIGHTS.values()),
            ),
            legend=alt.Legend(orient="bottom", direction="horizontal"),
        ),
        tooltip=tooltip,
    )
    target = (
        alt.Chart(alt.Data(values=[{"y": 100}]))
        .mark_rule(strokeDash=[4, 3], color="#1f4e79")
        .encode(y="y:Q")
    )
    chart = (lines + dots + target).properties(
        width=WIDTH, height=260, title=caption(lang, "performance.title")
    )
    return finish(chart, lang, {"rows": data})
