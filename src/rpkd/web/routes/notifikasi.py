"""*Notifikasi*: what is due, what was returned and what needs the signed-in user's review.

``GET /notifications`` lists :func:`rpkd.workflows.notifications.notifications_for` (every
registered source), most urgent first, each with a link to the page where it is dealt with;
the bell in the header shows their count on every page (:mod:`rpkd.web.notices`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from rpkd.web import pages
from rpkd.web.deps import RequestWorkspace
from rpkd.workflows.notifications import notifications_for

router = APIRouter(include_in_schema=False)


@router.get("/notifications")
def notifications_page(request: Request, ws: RequestWorkspace) -> Response:
    """The signed-in user's notifications."""
    found = notifications_for(ws)
    request.state.notice_count = found.count  # the bell shows the same count
    return pages.render(request, "notifikasi/index.html", {"found": found})
