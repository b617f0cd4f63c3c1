"""Request bodies over their limit refused as they arrive: 413, nothing stored.

:class:`BodyLimit` wraps the app. For an unsafe request it finds the limit of the form the path
takes (:func:`rpkd.workflows.body_limits.request_limits`); a body announced larger
(``Content-Length``) is refused at its first read, and a body sent without a length (chunked) is
counted as it is read and refused once past the limit. Either way the reader (the CSRF check or
the handler's form parsing) gets :class:`rpkd.errors.TooLarge`, which the app answers with 413
and the sentence ``request_too_large`` (a page, or JSON for the API); no workflow ran, so nothing
was written, and at most the limit was ever read. A release upload's own answer (413 with the
upload form again) comes first when the length is announced (:mod:`rpkd.web.routes.rilis`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rpkd.errors import TooLarge
from rpkd.workflows.body_limits import MB, SLACK, request_limits
from rpkd.workflows.workspace import Workspace

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/releases"), "release"),
    (re.compile(r"/realisations"), "evidence"),
    (re.compile(r"/partners/commitments/[^/]+/reports"), "evidence"),
    (re.compile(r"/usulan"), "usulan"),
    (re.compile(r"/plan/import"), "plan"),
)
"""The paths whose forms carry files, and the kind of limit each takes (others: ``form``)."""


def kind_of(path: str) -> str:
    """Return the kind of limit (a :class:`BodyLimits` field) of an unsafe request to ``path``."""
    return next((k for pattern, k in KINDS if pattern.fullmatch(path)), "form")


def refusal(kind: str, limit: int) -> TooLarge:
    """Return the error of a body over ``limit`` bytes: a release upload names its setting
    (``upload_too_large``, as the upload form does), any other form ``request_too_large``."""
    if kind == "release":
        return TooLarge("upload_too_large", param="files", limit=max((limit - SLACK) // MB, 1))
    return TooLarge("request_too_large", param="body", limit=max(limit // MB, 1))


class BodyLimit:
    """Refuse request bodies over the limit of their form (module docstring). The limits are
    read for every unsafe request, so that a changed setting counts at once."""

    def __init__(self, app: ASGIApp, workspace: Callable[[], Workspace]) -> None:
        self.app = app
        self.workspace = workspace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE:
            await self.app(scope, receive, send)
            return
        kind = kind_of(scope["path"])
        limit: int = getattr(request_limits(self.workspace()), kind)
        headers = dict(scope.get("headers", ()))
        announced = headers.get(b"content-length", b"").decode("latin-1")
        over = announced.isdigit() and int(announced) > limit
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            if over:
                raise refusal(kind, limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise refusal(kind, limit)
            return message

        await self.app(scope, counted, send)
