"""The bell in the header: how many notifications wait for the signed-in user.

Computed once per page, when the layout asks (:func:`rpkd.web.pages.render` passes
``notices()``), by :func:`rpkd.workflows.notifications.notifications_for`.
"""

from __future__ import annotations

from fastapi import Request

from rpkd.errors import RpkdError
from rpkd.web.deps import language, server
from rpkd.workflows.notifications import notifications_for


def notice_count(request: Request) -> int:
    """Return the number on the bell for the signed-in user (0 when nobody is signed in)."""
    who = getattr(request.state, "signed_in", None)
    if who is None:
        return 0
    kept: int | None = getattr(request.state, "notice_count", None)
    if kept is not None:
        return kept
    ws = server(request).workspace.acting(who.actor, lang=language(request))
    try:
        count = notifications_for(ws).count
    except RpkdError:  # a workspace whose plan cannot be read has nothing to notify
        count = 0
    finally:
        if ws.engine_open:
            ws.close()
    request.state.notice_count = count
    return count
