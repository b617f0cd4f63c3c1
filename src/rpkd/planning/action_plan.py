"""The Rencana Aksi Tahunan (RAT): the RPKD's activities, budgets and targets of one year.

Permendagri 53/2020 has the TKPK detail the five-year RPKD in a yearly action plan; each row is
an activity with its strategy, programme, OPD, location focus, partners, the year's indicative
budget by source and the year's targets of its output indicators.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from rpkd.errors import InvalidInput
from rpkd.planning.model import FUNDING_SOURCES, Plan


@dataclass(frozen=True)
class ActionRow:
    """One activity of the RAT."""

    year: int
    strategy: str
    pillar: str | None
    programme_code: str
    programme: str
    activity_code: str
    activity: str
    agency: str
    location: str
    target_group: str
    partners: str
    apbd: float
    apbn_dak: float
    dana_desa: float
    csr: float
    baznas: float
    other: float
    budget_total: float
    output_targets: str


@dataclass(frozen=True)
class ActionPlan:
    """The RAT of one year."""

    plan: str
    year: int
    rows: tuple[ActionRow, ...]

    def to_arrow(self) -> pa.Table:
        """Return the rows as an Arrow table."""
        return pa.Table.from_pylist([vars(r) for r in self.rows], schema=_SCHEMA)


_SCHEMA = pa.schema(
    [
        (name, pa.int64() if name == "year" else pa.float64() if kind == "float" else pa.string())
        for name, kind in ActionRow.__annotations__.items()
    ]
)


def location_text(regions: tuple[str, ...], release: str | None, release_filter: str | None) -> str:
    """Return an activity's location focus as text (codes, or the by-name release and filter)."""
    parts = list(regions)
    if release:
        parts.append(f"rilis:{release}" + (f" [{release_filter}]" if release_filter else ""))
    return ", ".join(parts)


def action_plan(plan: Plan, year: int) -> ActionPlan:
    """Return the RAT rows of ``year``: every activity with a budget or output target that year."""
    if year not in plan.years:
        raise InvalidInput(
            "plan_year_outside", param="year", year=year, start=plan.start_year, end=plan.end_year
        )
    strategies = {s.code: s.name for s in plan.strategies}
    rows: list[ActionRow] = []
    for programme, activity in plan.activities():
        budget = activity.budget(year)
        outputs = [
            f"{i.code}: {i.target(year):g} {i.unit}"
            for i in plan.indicators
            if i.activity == activity.code and i.target(year) is not None
        ]
        if not budget and not outputs:
            continue
        amounts = {source: budget.get(source, 0.0) for source in FUNDING_SOURCES}
        rows.append(
            ActionRow(
                year=year,
                strategy=strategies.get(programme.strategy, programme.strategy),
                pillar=programme.pillar,
                programme_code=programme.code,
                programme=programme.name,
                activity_code=activity.code,
                activity=activity.name,
                agency=activity.agency,
                location=location_text(activity.regions, activity.release, activity.release_filter),
                target_group=activity.target_group,
                partners=", ".join(activity.partners),
                budget_total=sum(amounts.values()),
                output_targets="; ".join(outputs),
                **amounts,
            )
        )
    return ActionPlan(plan.name, year, tuple(rows))
