"""Starter plans from a parameter kit's plan document (``rpkd/params/<kit>/plan.toml``).

The document holds the pillars, strategies, OPD, partners, priority programmes and outcome
indicators with their sources. The extreme-poverty indicator gets a target of zero from the
configured target year on (``[target].extreme_poverty_year``, overridable): Kapuas cites 2027,
Inpres 8/2025 says 2026.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rpkd.errors import InvalidInput
from rpkd.planning.model import (
    Agency,
    Indicator,
    Partner,
    Pillar,
    Plan,
    Programme,
    Strategy,
    validate,
)


def _indicator(doc: Mapping[str, Any], years: range, zero_year: int) -> Indicator:
    targets = {int(year): float(value) for year, value in doc.get("targets", {}).items()}
    if doc.get("zero_from_target_year"):
        targets.update({year: 0.0 for year in years if year >= zero_year})
    baseline = doc.get("baseline_value")
    return Indicator(
        code=doc["code"],
        name=doc["name"],
        level=doc["level"],
        unit=doc["unit"],
        polarity=doc["polarity"],
        source="; ".join(s for s in (doc.get("source", ""), doc.get("target_source", "")) if s),
        baseline_year=doc.get("baseline_year"),
        baseline_value=float(baseline) if baseline is not None else None,
        targets=tuple(sorted(targets.items())),
    )


def starter_plan(plan_doc: Mapping[str, Any], *, target_year: int | None = None) -> Plan:
    """Return the starter plan of a kit's plan document, with zero extreme poverty from
    ``target_year`` on (default: the document's ``[target].extreme_poverty_year``).

    ``plan_doc`` is a workspace kit's plan (``Kit.plan``) or :func:`rpkd.params.plan_kit`.
    """
    head = plan_doc["plan"]
    zero_year = int(target_year or plan_doc["target"]["extreme_poverty_year"])
    years = range(int(head["start_year"]), int(head["end_year"]) + 1)
    if zero_year > years.stop - 1:
        raise InvalidInput(
            "plan_target_year_outside",
            param="target_year",
            year=zero_year,
            start=years.start,
            end=years.stop - 1,
        )
    plan = Plan(
        name=head["name"],
        region=head["region"],
        start_year=years.start,
        end_year=years.stop - 1,
        extreme_poverty_target_year=zero_year,
        extreme_poverty_indicator=plan_doc["target"].get("extreme_poverty_indicator"),
        description=head.get("description", ""),
        pillars=tuple(Pillar(p["code"], p["name"]) for p in plan_doc.get("pillar", [])),
        strategies=tuple(
            Strategy(s["code"], s["name"], bool(s.get("national", False)))
            for s in plan_doc.get("strategy", [])
        ),
        agencies=tuple(Agency(a["code"], a["name"]) for a in plan_doc.get("agency", [])),
        partners=tuple(
            Partner(p["code"], p["name"], p["kind"]) for p in plan_doc.get("partner", [])
        ),
        programmes=tuple(
            Programme(p["code"], p["name"], p["strategy"], p["agency"], p.get("pillar"))
            for p in plan_doc.get("programme", [])
        ),
        indicators=tuple(_indicator(i, years, zero_year) for i in plan_doc.get("indicator", [])),
    )
    return Plan(**{**vars(plan), "findings": validate(plan)})
