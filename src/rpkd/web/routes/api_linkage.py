"""JSON API: a decision on one pair of a link run's review queue.

``POST /api/v1/releases/{name}/links/{run}/decisions`` with the JSON body ``{"record": ...,
"person_id": ..., "decision": "accept" | "reject"}`` answers
:func:`rpkd.workflows.link_review.decide_link_request`: the decision stored (``changed`` false
when the pair was already decided so: nothing written), as the *Tinjauan pencocokan* page's
buttons store it. Needs ``release.manage`` on the release's district; the body is parsed as
JSON strictly (``docs/bad-input.md``, "The JSON API") and only for a run that exists, by a user
who may decide.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ApiAuth, RequestWorkspace
from rpkd.web.routes.api_common import ReleaseName, answer
from rpkd.web.routes.api_schemas import ERRORS, ApiError
from rpkd.workflows.link_review import BODY_FIELDS, decide_link_request

router = APIRouter(prefix=API_PREFIX, tags=["linkage"], responses=ERRORS)

RunName = Annotated[
    str,
    Path(
        description="A link run of the release (its folder under `derived/links/`)",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$",
    ),
]


class LinkDecisionAnswer(BaseModel):
    """The decision stored on one pair (``changed`` false: it was already so)."""

    release: str
    run: str
    list: str
    record: str
    person_id: str
    decision: str
    changed: bool


BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "required": list(BODY_FIELDS),
                "properties": {
                    "record": {"type": "string", "maxLength": BODY_FIELDS["record"]},
                    "person_id": {"type": "string", "maxLength": BODY_FIELDS["person_id"]},
                    "decision": {"type": "string", "enum": ["accept", "reject"]},
                },
            }
        }
    },
}
"""The request body as OpenAPI states it (read by the workflow, not by FastAPI)."""


@router.post(
    "/releases/{name}/links/{run}/decisions",
    response_model=LinkDecisionAnswer,
    responses={413: {"model": ApiError, "description": "The body is larger than its limit"}},
    openapi_extra={"requestBody": BODY},
)
async def decide(
    request: Request, name: ReleaseName, run: RunName, ws: RequestWorkspace, _: ApiAuth
) -> JSONResponse:
    """Accept or reject one pair of the latest run of a list; accepting rejects the row's
    other candidates."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    result = await run_in_threadpool(decide_link_request, ws, name, run, body,
                                     content_type=content_type)  # fmt: skip
    return answer(result.to_json())
