"""``POST /api/v1/token``: the OAuth2 password flow of the JSON API (RFC 6749 §4.3).

Form fields ``username`` and ``password`` give ``{"access_token", "token_type": "bearer"}``;
wrong credentials 401, too many failures 429 (DESIGN.md §8). The token goes in an
``Authorization: Bearer`` header of every other API call.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ServerState
from rpkd.web.routes.api_schemas import ApiError
from rpkd.web.routes.auth import client_address
from rpkd.workflows.access import issue_token

router = APIRouter(prefix=API_PREFIX, tags=["auth"])


class TokenResponse(BaseModel):
    """The token response (OAuth2 bearer, RFC 6750)."""

    access_token: str
    token_type: str


@router.post(
    "/token",
    response_model=TokenResponse,
    responses={
        401: {"model": ApiError, "description": "Wrong username or password"},
        413: {"model": ApiError, "description": "The form is larger than its limit"},
        422: {"model": ApiError, "description": "A field is missing, named by its parameter"},
        429: {"model": ApiError, "description": "Too many failed attempts"},
    },
)
def token(
    request: Request,
    state: ServerState,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> dict[str, str]:
    """Issue an API token for the username and password of the form."""
    issued = issue_token(
        state.workspace, form.username, form.password, client=client_address(request)
    )
    return issued.to_json()
