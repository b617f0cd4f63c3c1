"""What every JSON API route shares: the answer (a workflow result's JSON, exactly as
``--format json`` prints it) and the parameters that name a release.

An API handler parses its parameters, calls one workflow with the request's workspace (acting
for the token's user) and answers :func:`answer` of the result's ``to_json()``, or
:func:`encoded` of an answer the workflows keep encoded (a release's profile, estimates and
maps: :mod:`rpkd.workflows.release_answers`); permission is the route table's (role) and the
workflow's (scope), errors are :mod:`rpkd.web.errors`'.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import JSONResponse, Response

from rpkd.workflows.results import Encoded, plain

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


def accepts_gzip(request: Request) -> bool:
    """Return whether the client accepts a gzipped body (``gzip`` in ``Accept-Encoding``, the
    rule the app's compression follows)."""
    return "gzip" in request.headers.get("accept-encoding", "")


def encoded(request: Request, body: Encoded) -> Response:
    """Return an answer encoded once (the same bytes as :func:`answer` of its value), gzipped
    when the client accepts it (made once too; the app's compression leaves it as it is)."""
    if accepts_gzip(request):
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(body.gzipped, media_type=body.media_type, headers=headers)
    return Response(body.body, media_type=body.media_type)
