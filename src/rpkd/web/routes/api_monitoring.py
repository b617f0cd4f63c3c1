"""JSON API: the plan's quarterly performance and the audit log.

``GET /api/v1/performance?year=&quarter=`` answers ``rpkd monitor --year Y --quarter Q --format
json`` (target, realisation, achievement, band and light of every indicator and programme);
``GET /api/v1/audit?user=&action=&since=&until=`` answers ``rpkd audit list --format json``
(admins: who did what, when, on which release and scope, to how many records).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ApiAuth, RequestWorkspace
from rpkd.web.routes.api_common import answer
from rpkd.web.routes.api_schemas import ERRORS, AuditEntry, PerformanceRow
from rpkd.workflows import list_audit, monitor

router = APIRouter(prefix=API_PREFIX, tags=["monitoring"], responses=ERRORS)


@router.get("/performance", response_model=list[PerformanceRow])
def performance(
    ws: RequestWorkspace,
    _: ApiAuth,
    year: Annotated[int, Query(ge=2000, le=2100, description="Year of the plan")],
    quarter: Annotated[int, Query(ge=1, le=4, description="Up to this quarter")] = 4,
    bands: Annotated[
        str | None,
        Query(max_length=64, description="Band scheme of the kit (its default when absent)"),
    ] = None,
    plan: Annotated[
        str | None, Query(max_length=200, description="Plan name (the only one when absent)")
    ] = None,
) -> JSONResponse:
    """The quarterly performance table of the plan."""
    return answer(monitor(ws, year, quarter=quarter, bands=bands, plan=plan).to_json())


@router.get("/audit", response_model=list[AuditEntry])
def audit(
    ws: RequestWorkspace,
    _: ApiAuth,
    user: Annotated[str | None, Query(max_length=64, description="Only this user")] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="Only actions starting with this")
    ] = None,
    since: Annotated[date | None, Query(description="From this day (UTC), inclusive")] = None,
    until: Annotated[date | None, Query(description="To this day (UTC), inclusive")] = None,
) -> JSONResponse:
    """The audit log, oldest first (audit.read: admins)."""
    return answer(list_audit(ws, user=user, action=action, since=since, until=until).to_json())
