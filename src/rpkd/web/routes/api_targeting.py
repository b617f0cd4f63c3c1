"""JSON API: eligible families per programme, as ``rpkd target eligibility --format json``.

``GET /api/v1/releases/{name}/eligibility[?level=kecamatan][&programme=pkh...]`` answers
:func:`rpkd.workflows.targeting.eligibility_report` with the workspace's rules in force (the
kit's, or those saved on the page *Aturan kelayakan*), so the command line and the web count
the same families.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ApiAuth, RequestWorkspace
from rpkd.web.routes.api_common import ReleaseName, answer
from rpkd.web.routes.api_schemas import ERRORS
from rpkd.workflows.targeting import eligibility_report

router = APIRouter(prefix=API_PREFIX, tags=["targeting"], responses=ERRORS)


class EligibilityRow(BaseModel):
    """Eligible families (and persons, for a person-unit programme) of one programme in one
    area (``area`` null: the whole release)."""

    level: str
    area: str | None
    programme: str
    unit: str
    families: int
    eligible_families: int
    eligible_persons: int | None


@router.get("/releases/{name}/eligibility", response_model=list[EligibilityRow])
def eligibility(
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    level: Annotated[str, Query(description="kabupaten | kecamatan | desa | desil")] = "kabupaten",
    programme: Annotated[list[str] | None, Query(description="Programme codes")] = None,
) -> JSONResponse:
    """Eligible families (and persons, for person-unit programmes) per programme and area."""
    return answer(eligibility_report(ws, name, level=level, programmes=programme).to_json())
