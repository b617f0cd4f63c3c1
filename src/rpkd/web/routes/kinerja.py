"""*Kinerja* and *Evaluasi*: the plan's performance by quarter and its evaluation over years.

``GET /performance?year=&quarter=`` shows the chosen quarter's achievement of every item (with
its polarity, band and traffic light; verified realisations only) and the trend over the
year's quarters as a chart with its table beside
(:func:`rpkd.workflows.performance_view.performance_trend`). ``GET /evaluation?releases=…``
shows target against realisation by year, the path to zero extreme poverty, and, for two or
more chosen releases, the growth–redistribution decomposition of the change in P0 and the
families moving out of or into desil 1–2 (:func:`rpkd.workflows.evaluation_page.evaluation_view`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from rpkd.reports.charts import path_chart
from rpkd.reports.charts.performance import achievement_trend_chart
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.web.routes.realisasi import period
from rpkd.workflows.evaluation_page import evaluation_view
from rpkd.workflows.performance_view import performance_trend

router = APIRouter(include_in_schema=False)


@router.get("/performance")
def performance_page(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    year: str | None = None,
    quarter: str | None = None,
) -> Response:
    """The chosen quarter's performance table and the achievement trend over the year."""
    result = performance_trend(ws, period(year), period(quarter))
    trend = result.trend()
    context = {
        "result": result,
        "rows": result.current.table.rows,
        "counts": result.current.counts(),
        "spec": achievement_trend_chart(trend, lang) if trend else None,
        "trend_table": pages.data_table(
            result.by_item(),
            lang,
            columns=("code", "name", *(f"q{q}" for q in range(1, result.quarter + 1))),
            cells={f"q{q}": "number" for q in range(1, 5)},
            labels="web.performance.col.",
        ),
    }
    return pages.render(request, "kinerja/performance.html", context)


@router.get("/evaluation")
def evaluation_page(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    releases: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> Response:
    """Target against realisation by year, the path to zero, changes between releases."""
    view = evaluation_view(ws, tuple(releases or ()))
    evaluation = view.evaluation
    poverty = [row for change in evaluation.poverty_changes for row in change.rows()]
    desil = [change.row() for change in evaluation.desil_changes]
    context = {
        "view": view,
        "path_spec": path_chart(view.path.to_json(), lang)
        if view.path and view.path.points
        else None,
        "path_table": pages.data_table(
            view.path.to_json()["points"] if view.path else [],
            lang,
            columns=("year", "value", "ci_low", "ci_high", "source"),
            cells={"year": "text", "value": "percent", "ci_low": "percent", "ci_high": "percent"},
            labels="web.evaluation.col.",
        ),
        "targets": pages.data_table(
            view.targets(),
            lang,
            columns=("code", "name", "year", "target", "realisation", "achievement", "band"),
            cells={"year": "text", "achievement": "number"},
            labels="web.evaluation.col.",
        ),
        "poverty": pages.data_table(
            poverty,
            lang,
            columns=(
                "from",
                "to",
                "method",
                "initial",
                "final",
                "change",
                "growth",
                "redistribution",
                "residual",
            ),
            cells={
                "initial": "percent",
                "final": "percent",
                "change": "percent",
                "growth": "percent",
                "redistribution": "percent",
                "residual": "percent",
            },
            labels="web.evaluation.col.",
        ),
        "desil": pages.data_table(
            desil,
            lang,
            columns=(
                "from",
                "to",
                "stayed",
                "moved_out",
                "moved_in",
                "left_registry",
                "entered_registry",
            ),
            cells={
                k: "integer"
                for k in ("stayed", "moved_out", "moved_in", "left_registry", "entered_registry")
            },
            labels="web.evaluation.col.",
        ),
        "findings": evaluation.findings,
    }
    return pages.render(request, "kinerja/evaluation.html", context)
