"""Tinjauan pencocokan: the uncertain pairs of ``rpkd link`` runs, decided one by one.

The page lists the runs with a review queue; a run's page shows each list row beside its
candidate registry persons (masked unless the analyst asks to unmask and may) with buttons to
accept or reject a pair. The decisions are kept in the database and the next ``rpkd link`` of
the same list honours them (:mod:`rpkd.workflows.link_review`).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rpkd.errors import InvalidInput, UsageError
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.link_review import decide_link, link_queue, link_runs

router = APIRouter(include_in_schema=False)

FIELDS = ("name", "birth_date", "sex", "desa", "nik", "kk")
"""The fields a clerk compares, in the order shown (review queue columns list_/registry_)."""


@router.get("/linkage")
def runs_page(request: Request, ws: RequestWorkspace) -> Response:
    """The link runs with a review queue and how many pairs are decided."""
    return pages.render(request, "tinjauan/index.html", {"runs": link_runs(ws).to_json()})


def _groups(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the pairs grouped by list row (the row's fields once, then its candidates)."""
    out = []
    for record, rows in groupby(pairs, key=lambda p: p["record"]):
        candidates = list(rows)
        first = candidates[0]
        out.append({"record": record,
                    "list": {f: first.get(f"list_{f}") for f in FIELDS},
                    "candidates": candidates,
                    "open": any(not c["decision"] for c in candidates)})  # fmt: skip
    return out


def _queue_page(
    request: Request,
    ws: Any,
    name: str,
    run: str,
    *,
    unmask: bool = False,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    queue = link_queue(ws, name, run, unmask=unmask)
    context = {
        "queue": queue,
        "groups": _groups(queue.pairs.to_pylist()),
        "fields": FIELDS,
        "error": error,
    }
    return pages.render(request, "tinjauan/queue.html", context, status_code=status_code)


@router.get("/linkage/{name}/{run}")
def queue_page(
    request: Request, ws: RequestWorkspace, name: str, run: str, unmask: bool = False
) -> Response:
    """One run's review queue, pair by pair."""
    return _queue_page(request, ws, name, run, unmask=unmask)


@router.post("/linkage/{name}/{run}")
async def queue_decide(
    request: Request, ws: RequestWorkspace, lang: Language, name: str, run: str
) -> Response:
    """Accept or reject one pair; back to the queue at the row decided."""
    data = await request.form(max_fields=10)
    record, person = str(data.get("record") or ""), str(data.get("person_id") or "")
    decision = str(data.get("decision") or "")
    try:
        await run_in_threadpool(decide_link, ws, name, run, record, person, decision)
    except (InvalidInput, UsageError) as error:
        return await run_in_threadpool(_queue_page, request, ws, name, run,
                                       error=error.message(lang), status_code=422)  # fmt: skip
    return RedirectResponse(f"/linkage/{name}/{run}#row-{record}", status_code=303)
