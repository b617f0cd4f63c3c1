"""Quarterly reporting deadlines and who has not reported yet.

A quarter's realisation is due ``deadline_days`` calendar days after the quarter ends (kit
``monitoring``, ``[reporting]``). :func:`missing` lists, for one quarter, every activity and
indicator an agency answers for that has no submitted version yet, so the secretariat sees who
is late.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rpkd.errors import InvalidInput
from rpkd.planning.model import Plan
from rpkd.planning.realisations import Realisation, SubjectKind


def reporting_days(doc: Mapping[str, Any]) -> int:
    """Return the days after a quarter's end within which it must be reported (kit ``monitoring``).

    Examples
    --------
    >>> reporting_days({"reporting": {"deadline_days": 15}})
    15
    """
    days = doc.get("reporting", {}).get("deadline_days", 15)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise InvalidInput("reporting_days_invalid", param="deadline_days", value=days)
    return days


def quarter_end(year: int, quarter: int) -> date:
    """Return the last day of a quarter.

    Examples
    --------
    >>> quarter_end(2025, 1), quarter_end(2025, 4)
    (datetime.date(2025, 3, 31), datetime.date(2025, 12, 31))
    """
    if quarter not in (1, 2, 3, 4):
        raise InvalidInput("quarter_invalid", param="quarter", quarter=quarter)
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def deadline(year: int, quarter: int, days: int) -> date:
    """Return the day a quarter's realisation is due: ``days`` after the quarter's end.

    Examples
    --------
    >>> deadline(2025, 2, 15)
    datetime.date(2025, 7, 15)
    """
    return quarter_end(year, quarter) + timedelta(days=days)


def current_quarter(today: date) -> tuple[int, int]:
    """Return the (year, quarter) reported now: the last quarter that has ended.

    Examples
    --------
    >>> current_quarter(date(2025, 7, 3)), current_quarter(date(2025, 2, 1))
    ((2025, 2), (2024, 4))
    """
    quarter = (today.month - 1) // 3
    return (today.year, quarter) if quarter else (today.year - 1, 4)


@dataclass(frozen=True)
class Subject:
    """An indicator or activity some agency reports on."""

    kind: SubjectKind
    code: str
    name: str
    agency: str | None


def subjects(plan: Plan) -> tuple[Subject, ...]:
    """Return every activity and every indicator an agency answers for, in plan order.

    An activity's agency is its OPD; an output indicator's, its activity's; an outcome
    indicator's, its programme's. Outcome indicators of no programme (P0, Gini: BPS figures)
    are the secretariat's and are not listed.
    """
    found: list[Subject] = []
    agency_of_activity: dict[str, str] = {}
    for _, activity in plan.activities():
        agency_of_activity[activity.code] = activity.agency
        found.append(Subject("activity", activity.code, activity.name, activity.agency))
    agency_of_programme = {p.code: p.agency for p in plan.programmes}
    for indicator in plan.indicators:
        if indicator.activity is not None:
            agency = agency_of_activity.get(indicator.activity)
        elif indicator.programme is not None:
            agency = agency_of_programme.get(indicator.programme)
        else:
            continue
        found.append(Subject("indicator", indicator.code, indicator.name, agency))
    return tuple(found)


def missing(
    items: Iterable[Subject], realisations: Sequence[Realisation], year: int, quarter: int
) -> tuple[Subject, ...]:
    """Return the subjects with no version (of any status) for ``year`` and ``quarter``."""
    reported = {
        (r.subject_kind, r.subject_code)
        for r in realisations
        if r.year == year and r.quarter == quarter
    }
    return tuple(s for s in items if (s.kind, s.code) not in reported)
