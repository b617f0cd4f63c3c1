"""The registry profile of one area: families by desil, and shares of characteristics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rpkd import locale
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


def _profile_rows(rows: Sequence[Mapping[str, Any]], indicators: Sequence[str], lang: Lang
                  ) -> list[dict[str, Any]]:  # fmt: skip
    wanted = {name: i for i, name in enumerate(indicators)}
    return [
        {
            "indicator": r["indicator"],
            "label": locale.label(f"profile.{r['indicator']}", lang),
            "order": wanted[r["indicator"]],
            "value": r.get("value"),
            "share": r.get("share"),
        }
        for r in rows
        if r["indicator"] in wanted and not r.get("suppressed")
    ]


DESIL_INDICATORS = tuple(f"families_desil_{d}" for d in (*range(1, 11), "missing"))
"""The profile indicators of the desil chart, in order."""


def desil_chart(rows: Sequence[Mapping[str, Any]], lang: Lang = "id") -> Spec:
    """Return families by desil 1–10 (and without desil) of one area's profile records;
    desil 1–4, the poorest 40%, are coloured apart. Suppressed cells are left out."""
    alt = altair()
    data = _profile_rows(rows, DESIL_INDICATORS, lang)
    poorest = label("desil.poorest", lang)
    others = label("desil.others", lang)
    chart = (
        alt.Chart(alt.Data(name="profile"))
        .transform_calculate(
            group=f"datum.order < 4 ? '{poorest}' : '{others}'",
            desil="datum.order < 10 ? '' + (datum.order + 1) : '–'",
        )
        .mark_bar()
        .encode(
            x=alt.X("desil:N", title=label("desil", lang), sort=alt.EncodingSortField("order"),
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title=label("families", lang), axis=alt.Axis(format=",d")),
            color=alt.Color("group:N", title=None,
                            scale=alt.Scale(domain=[poorest, others],
                                            range=[TARGET_COLOUR, "#9fb7cc"]),
                            legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("label:N", title=label("indicator", lang)),
                     alt.Tooltip("value:Q", title=label("families", lang), format=",d"),
                     alt.Tooltip("share:Q", title=label("share", lang), format=".1%")],
        )
        .properties(width=WIDTH - 80, height=220, title=caption(lang, "desil.caption"))
    )  # fmt: skip
    return finish(chart, lang, {"profile": data})


def share_chart(
    rows: Sequence[Mapping[str, Any]], indicators: Sequence[str], *, title: str,
    lang: Lang = "id",
) -> Spec:  # fmt: skip
    """Return horizontal bars of the share of each of ``indicators`` in one area's profile
    records (as listed), with the count in the tooltip; suppressed cells are left out.

    ``title`` is a catalogue key under ``chart.`` (``characteristics.caption``, ...)."""
    alt = altair()
    data = _profile_rows(rows, indicators, lang)
    chart = (
        alt.Chart(alt.Data(name="profile"))
        .mark_bar(color=ESTIMATE_COLOUR)
        .encode(
            y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("order"),
                    axis=alt.Axis(labelLimit=220)),
            x=alt.X("share:Q", title=label("share", lang), axis=alt.Axis(format=".0%"),
                    scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("label:N", title=label("indicator", lang)),
                     alt.Tooltip("value:Q", title=label("count", lang), format=",d"),
                     alt.Tooltip("share:Q", title=label("share", lang), format=".1%")],
        )
        .properties(width=WIDTH - 240, height=max(18 * len(data), 60),
                    title=caption(lang, title))
    )  # fmt: skip
    return finish(chart, lang, {"profile": data})
