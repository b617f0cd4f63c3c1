"""The built-in notification sources: realisations and partners' reports.

For the quarter being reported now (the last one that ended, :func:`rpkd.planning.deadlines.
current_quarter`): the subjects and commitments the user reports on that have no version yet
(``due`` before the deadline, ``overdue`` after it); the versions of any quarter of the year
that were returned and not corrected (``returned``); the versions waiting for the user's review
(``review``; never their own). A workspace without a plan has nothing to notify.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rpkd.errors import InvalidInput, NotFound
from rpkd.workflows.notifications import Kind, Notification, source

if TYPE_CHECKING:
    from rpkd.access.roles import Action
    from rpkd.planning.partner_work import CommitmentReport
    from rpkd.planning.realisations import Realisation
    from rpkd.workflows.partners import PartnerDesk
    from rpkd.workflows.realisation_work import RealisationDesk
    from rpkd.workflows.workspace import Workspace


def _desk(ws: Workspace, today: date) -> RealisationDesk | None:
    from rpkd.workflows.realisation_work import realisation_desk

    try:
        return realisation_desk(ws, today=today)
    except (NotFound, InvalidInput):  # no plan yet, or today outside the plan's period
        return None


def _partner_desk(ws: Workspace, today: date) -> PartnerDesk | None:
    from rpkd.workflows.partners import partner_desk

    try:
        return partner_desk(ws, today=today)
    except (NotFound, InvalidInput):
        return None


def _open_versions(ws: Workspace) -> tuple[list[Realisation], list[Realisation]]:
    """Return, over every quarter, the latest versions returned on subjects the user reports
    on, and the submitted versions waiting for the user's review (not their own)."""
    from rpkd.planning import realisations
    from rpkd.planning.store import load_plan
    from rpkd.workflows.realisation_work import may_act

    actor = ws.actor
    with ws.transaction() as db:
        plan = load_plan(db)
        history = realisations.history(db, plan.name)
    latest: dict[tuple[str, str, int, int], Realisation] = {}
    for item in history:
        latest[(item.subject_kind, item.subject_code, item.year, item.quarter)] = item
    may: dict[tuple[str, str, str], bool] = {}

    def permitted(item: Realisation, action: Action) -> bool:
        key = (item.subject_kind, item.subject_code, action)
        if key not in may:
            may[key] = may_act(actor, plan, item.subject_kind, item.subject_code, action)
        return may[key]

    returned = [
        r for r in latest.values()
        if r.status == "rejected" and (r.submitted_by == actor.username or (
            permitted(r, "realisation.submit") and not permitted(r, "realisation.verify")))
    ]  # fmt: skip
    review = [
        r
        for r in latest.values()
        if r.status == "submitted"
        and r.submitted_by != actor.username
        and permitted(r, "realisation.verify")
    ]
    return returned, review


def _open_reports(ws: Workspace) -> tuple[list[CommitmentReport], list[CommitmentReport]]:
    """Return, over every quarter, the partners' latest report versions returned to the user
    (a partner's own), and those waiting for the user's review (not their own)."""
    from rpkd.access.roles import allowed
    from rpkd.planning import partner_work
    from rpkd.planning.store import load_plan

    actor = ws.actor
    with ws.transaction() as db:
        plan = load_plan(db)
        held = {c.id: c for c in partner_work.commitments(db, plan.name)}
        reports = partner_work.reports(db, list(held))
    latest: dict[tuple[int, int, int], CommitmentReport] = {}
    for item in reports:
        latest[(item.commitment_id, item.year, item.quarter)] = item

    def permitted(item: CommitmentReport, action: Action) -> bool:
        scope = partner_work.commitment_scope(
            plan.region, held[item.commitment_id].partner, held[item.commitment_id].regions
        )
        return allowed(actor.grants, action, scope)

    returned = [
        r for r in latest.values()
        if r.status == "rejected" and (r.submitted_by == actor.username or (
            permitted(r, "realisation.submit") and not permitted(r, "realisation.verify")))
    ]  # fmt: skip
    review = [
        r
        for r in latest.values()
        if r.status == "submitted"
        and r.submitted_by != actor.username
        and permitted(r, "realisation.verify")
    ]
    return returned, review


def _link(page: str, year: int, quarter: int) -> str:
    return f"{page}?year={year}&quarter={quarter}"


@source("realisations")
def realisation_notices(ws: Workspace, today: date) -> tuple[Notification, ...]:
    """Realisations due or overdue (for the secretariat: not reported yet), returned, or
    waiting for the user's review."""
    desk = _desk(ws, today)
    if desk is None:
        return ()
    link = _link("/realisations", desk.year, desk.quarter)
    found: list[Notification] = []
    if desk.can_review and desk.missing:
        found.append(
            Notification(
                "realisations",
                "overdue" if desk.overdue else "due",
                "notice_realisation_missing",
                {"count": len(desk.missing), "year": str(desk.year), "quarter": desk.quarter,
                 "deadline": desk.deadline},
                link,
                desk.deadline,
                len(desk.missing),
            )
        )  # fmt: skip
    missing = [i for i in desk.items if i.latest is None and i.agency is not None]
    if missing and not desk.can_review:
        kind: Kind = "overdue" if desk.overdue else "due"
        found.append(
            Notification(
                "realisations",
                kind,
                f"notice_realisation_{kind}",
                {"count": len(missing), "year": str(desk.year), "quarter": desk.quarter,
                 "deadline": desk.deadline},
                link,
                desk.deadline,
                len(missing),
            )
        )  # fmt: skip
    returned, review = _open_versions(ws)
    for kind, items in (("returned", returned), ("review", review)):
        if not items:
            continue
        first = min(items, key=lambda r: (r.year, r.quarter))
        found.append(
            Notification(
                "realisations",
                kind,
                f"notice_realisation_{kind}",
                {"count": len(items), "year": str(first.year), "quarter": first.quarter},
                _link("/realisations", first.year, first.quarter),
                None,
                len(items),
            )
        )
    return tuple(found)


@source("partners")
def partner_notices(ws: Workspace, today: date) -> tuple[Notification, ...]:
    """Partners' reports due or overdue, returned, or waiting for the user's review."""
    # the quarter's desk first: a workspace without a plan has nothing to notify
    day = today
    desk = _partner_desk(ws, day)
    if desk is None:
        return ()
    link = _link("/partners", desk.year, desk.quarter)
    found: list[Notification] = []
    own = [c for c in desk.missing if c.partner in desk.partners and not desk.can_review]
    if own:
        kind: Kind = "overdue" if day > desk.deadline else "due"
        found.append(
            Notification(
                "partners",
                kind,
                f"notice_commitment_{kind}",
                {"count": len(own), "year": str(desk.year), "quarter": desk.quarter,
                 "deadline": desk.deadline},
                link,
                desk.deadline,
                len(own),
            )
        )  # fmt: skip
    returned, review = _open_reports(ws)
    for kind, items in (("returned", returned), ("review", review)):
        if not items:
            continue
        first = min(items, key=lambda r: (r.year, r.quarter))
        found.append(
            Notification(
                "partners",
                kind,
                f"notice_commitment_{kind}",
                {"count": len(items), "year": str(first.year), "quarter": first.quarter},
                _link("/partners", first.year, first.quarter),
                None,
                len(items),
            )
        )
    return tuple(found)
