"""The bell in the header: how many notifications wait for the signed-in user.

Computed when the layout asks (:func:`rpkd.web.pages.render` passes ``notices()``), by
:func:`rpkd.workflows.notifications.notifications_for`, and kept by this process for
:data:`NOTICE_SECONDS` per user: the count takes several queries over the plan, the
realisations and the proposals, which every page would otherwise repeat. The page
*Notifikasi* always computes the list afresh. A write request to this process forgets the
kept counts (:func:`rpkd.web.deps.guard`); another worker's bell may lag by those seconds.
"""

from __future__ import annotations

import threading
import time

from fastapi import Request

from rpkd.errors import RpkdError
from rpkd.web.deps import language, server
from rpkd.workflows.notifications import notifications_for
from rpkd.workflows.workspace import Actor

NOTICE_SECONDS = 10.0
_KEPT: dict[tuple[str, str], tuple[float, int]] = {}
_COMPUTING: dict[tuple[str, str], threading.Lock] = {}
_LOCK = threading.Lock()


def notice_count(request: Request) -> int:
    """Return the number on the bell for the signed-in user (0 when nobody is signed in)."""
    who = getattr(request.state, "signed_in", None)
    if who is None:
        return 0
    kept: int | None = getattr(request.state, "notice_count", None)
    if kept is not None:
        return kept
    key = (str(server(request).workspace.path), who.actor.username)
    with _LOCK:
        computing = _COMPUTING.setdefault(key, threading.Lock())
    with computing:  # one computation per user at a time; the others wait and read it
        found = _KEPT.get(key)
        now = time.monotonic()
        if found is not None and found[0] > now:
            count = found[1]
        else:
            count = _count(request, who.actor)
            with _LOCK:
                if len(_KEPT) > 1000:
                    for stale in [k for k, (until, _) in _KEPT.items() if until <= now]:
                        del _KEPT[stale]
                        _COMPUTING.pop(stale, None)
                _KEPT[key] = (time.monotonic() + NOTICE_SECONDS, count)
    request.state.notice_count = count
    return count


def forget_notices() -> None:
    """Forget every kept count (after a write that may change what anyone is notified of)."""
    with _LOCK:
        _KEPT.clear()


def _count(request: Request, actor: Actor) -> int:
    ws = server(request).workspace.acting(actor, lang=language(request))
    try:
        return notifications_for(ws).count
    except RpkdError:  # a workspace whose plan cannot be read has nothing to notify
        return 0
    finally:
        if ws.engine_open:
            ws.close()
