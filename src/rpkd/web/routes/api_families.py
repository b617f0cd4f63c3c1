"""JSON API: the families of one desa, by name (personal data).

``GET /api/v1/releases/{name}/families?desa=CODE[&desil=N][&unmask=true]`` answers
:func:`rpkd.workflows.families_of_desa`: each family's desil, head, KK number and address, the
programmes it receives and those it is eligible for. NIK, names, KK numbers and addresses are
masked unless ``unmask=true`` and the caller may see personal data in that desa; a desa outside
the caller's grant is refused (403) before anything is read, and every answered call writes
one audit row (DESIGN.md §8).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ApiAuth, RequestWorkspace
from rpkd.web.routes.api_common import ReleaseName, answer
from rpkd.web.routes.api_schemas import ERRORS, FamilyRow
from rpkd.workflows import families_of_desa

router = APIRouter(prefix=API_PREFIX, tags=["families"], responses=ERRORS)


@router.get("/releases/{name}/families", response_model=list[FamilyRow])
def families(
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    desa: Annotated[
        str,
        Query(
            description="Kemendagri code of the desa/kelurahan, with or without dots",
            min_length=10,
            max_length=13,
            examples=["62.03.01.1006"],
        ),
    ],
    desil: Annotated[int | None, Query(ge=1, le=10, description="Only this desil")] = None,
    unmask: Annotated[
        bool, Query(description="Names, NIK, KK and addresses in full (personal_data.read)")
    ] = False,
) -> JSONResponse:
    """The families of a desa with desil, programmes received and programmes eligible for;
    masked unless unmasked; audited."""
    return answer(families_of_desa(ws, name, desa, desil=desil, unmask=unmask).to_json())
