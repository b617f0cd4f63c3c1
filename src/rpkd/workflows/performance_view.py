"""Use case of the *Kinerja* page: the performance of a quarter and its trend over the year.

:func:`performance_trend` scores every item in each quarter of ``year`` up to ``quarter``
(:func:`rpkd.workflows.monitoring.monitor`: verified realisations only, achievement with the
item's polarity, the kit's bands and traffic lights), so the page shows the chosen quarter's
table and, beside its chart, how each item's achievement moved quarter by quarter. A
realisation counts from the moment it is verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.workflows.monitoring import Monitoring
    from rpkd.workflows.workspace import Workspace

TREND_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("quarter", pa.int64()),
        ("achievement", pa.float64()),
        ("band", pa.string()),
        ("light", pa.string()),
    ]
)


@dataclass(frozen=True)
class PerformanceTrend:
    """The performance of one quarter (``current``) and of each quarter of the year up to it."""

    plan: str
    year: int
    quarter: int
    quarters: tuple[Monitoring, ...]
    years: tuple[int, ...]

    @property
    def current(self) -> Monitoring:
        """The chosen quarter's performance table."""
        return self.quarters[-1]

    def trend(self) -> list[dict[str, Any]]:
        """Scored items by quarter: code, name, kind, quarter, achievement, band, light."""
        return [
            {
                "code": row.code,
                "name": row.name,
                "kind": row.kind,
                "quarter": monitoring.quarter,
                "achievement": row.achievement,
                "band": row.band,
                "light": row.light,
            }
            for monitoring in self.quarters
            for row in monitoring.table.rows
            if row.status == "scored"
        ]

    def by_item(self) -> list[dict[str, Any]]:
        """One row per item scored in any quarter, with its achievement (percent, one decimal)
        in each (``q1``…)."""
        items: dict[str, dict[str, Any]] = {}
        for point in self.trend():
            row = items.setdefault(point["code"], {"code": point["code"], "name": point["name"]})
            row[f"q{point['quarter']}"] = round(point["achievement"], 1)
        return list(items.values())

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(self.trend(), schema=TREND_SCHEMA)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "year": self.year,
            "quarter": self.quarter,
            "current": self.current.to_json(),
            "counts": self.current.counts(),
            "trend": records(self.to_arrow()),
        }


def performance_trend(
    ws: Workspace,
    year: int | None = None,
    quarter: int | None = None,
    *,
    bands: str | None = None,
    plan: str | None = None,
    today: date | None = None,
) -> PerformanceTrend:
    """Return the performance of ``year`` up to ``quarter`` (default: the last quarter ended by
    ``today``, within the plan's period) and of each earlier quarter of that year
    (``monitor.read`` on the plan's region)."""
    from rpkd.workflows.monitoring import monitor
    from rpkd.workflows.plan import stored_plan
    from rpkd.workflows.realisation_work import quarter_of

    stored = stored_plan(ws, plan, "monitor.read")
    year, quarter = quarter_of(stored, year, quarter, today or date.today())
    quarters = tuple(
        monitor(ws, year, quarter=q, bands=bands, plan=stored.name) for q in range(1, quarter + 1)
    )
    return PerformanceTrend(stored.name, year, quarter, quarters, stored.years)
