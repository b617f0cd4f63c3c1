"""What every JSON API route shares: the answer (a workflow result's JSON, exactly as
``--format json`` prints it) and the parameters that name a release.

An API handler parses its parameters, calls one workflow with the request's workspace (acting
for the token's user) and answers :func:`answer` of the result's ``to_json()``; permission is
the route table's (role) and the workflow's (scope), errors are :mod:`rpkd.web.errors`'.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import JSONResponse

from rpkd.workflows.results import plain

ReleaseName = Annotated[
    str,
    Path(
        description="Name of a release of the workspace (`rpkd release list`)",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        examples=["dtsen-2025q3"],
    ),
]
"""The ``{name}`` of a release, as ``rpkd release import --name`` accepts it."""


def answer(value: Any, *, media_type: str = "application/json") -> JSONResponse:
    """Return a workflow result's JSON (``to_json()``) as the response body.

    The value is made JSON-safe as the command line's ``--format json`` does (no NaN or
    infinity, dates as ISO text), so that the API and the command line answer the same.
    """
    return JSONResponse(plain(value), media_type=media_type)
