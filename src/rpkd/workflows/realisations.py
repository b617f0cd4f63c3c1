"""Use cases of ``rpkd realisation``: submit, import, verify, reject and list realisations.

Who may do what is decided here, on the scopes of the subject (its OPD, region and partners,
:func:`rpkd.planning.realisations.subject_scopes`): a submission needs
``realisation.submit`` and a review ``realisation.verify`` on any one of them. The record's own
rules (period, values, four eyes, a reason for a rejection) are the domain's
(:mod:`rpkd.planning.realisations`). Every submission and review appends one audit row naming
the subject and the scope that permitted it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd.access.roles import Action, Scope
from rpkd.errors import Forbidden, InvalidInput, RpkdError
from rpkd.findings import Finding, errors
from rpkd.workflows import gate
from rpkd.workflows.plan import stored_plan
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rpkd.planning.model import Plan
    from rpkd.planning.performance import Estimate
    from rpkd.planning.realisation_file import Submission
    from rpkd.planning.realisations import Realisation, SubjectKind
    from rpkd.workflows.workspace import Actor, Workspace

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("subject_kind", pa.string()),
        ("subject_code", pa.string()),
        ("year", pa.int64()),
        ("quarter", pa.int64()),
        ("version", pa.int64()),
        ("value", pa.float64()),
        ("se", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("budget_spent", pa.float64()),
        ("beneficiaries", pa.int64()),
        ("evidence", pa.string()),
        ("status", pa.string()),
        ("submitted_by", pa.string()),
        ("submitted_at", pa.timestamp("us", tz="UTC")),
        ("reviewed_by", pa.string()),
        ("reviewed_at", pa.timestamp("us", tz="UTC")),
        ("reason", pa.string()),
    ]
)


@dataclass(frozen=True)
class Realisations:
    """Versions of realisations (every field of :class:`Realisation`), oldest first."""

    items: tuple[Realisation, ...]

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([asdict(i) for i in self.items], schema=SCHEMA)

    def to_json(self) -> list[dict[str, Any]]:
        return records([asdict(i) for i in self.items])


def _authorise_subject(
    actor: Actor, plan: Plan, kind: SubjectKind, code: str, action: Action
) -> Scope:
    """Return the first scope of the subject on which ``actor`` may do ``action``."""
    from rpkd.planning.realisations import subject_scopes

    refused: Forbidden | None = None
    for scope in subject_scopes(plan, kind, code):
        try:
            gate.authorise(actor, action, scope)
        except Forbidden as exc:
            refused = refused or exc
            continue
        return scope
    assert refused is not None  # a subject always has at least one scope
    raise refused


def _plan(ws: Workspace, name: str | None) -> tuple[Actor, Plan]:
    """Return the actor (settled first: a workspace with users needs --as) and the stored plan."""
    from rpkd.planning.store import load_plan

    actor = ws.actor
    with ws.transaction() as db:
        return actor, load_plan(db, name)


def _audit_submission(ws: Workspace, item: Realisation, scope: Scope) -> None:
    gate.audit(
        ws,
        "realisation.submit",
        scopes=(scope,),
        records=1,
        parameters={
            "id": item.id,
            "subject": f"{item.subject_kind}:{item.subject_code}",
            "year": item.year,
            "quarter": item.quarter,
            "version": item.version,
        },
    )


def submit_version(
    ws: Workspace,
    stored: Plan,
    scope: Scope,
    period: tuple[SubjectKind, str, int, int],
    *,
    value: float | None = None,
    estimate: Estimate | None = None,
    budget_spent: float | None = None,
    beneficiaries: int | None = None,
    evidence: str = "",
    attach: Callable[[Session, Realisation], None] | None = None,
) -> Realisation:
    """Record a new version of the realisation of ``period`` (subject kind, code, year,
    quarter) of the stored plan and its audit row in one transaction (:meth:`Workspace.atomic`):
    both kept or neither. ``attach`` adds rows that belong to the version (its evidence files)
    in the version's own transaction; ``scope`` is the one that permitted the submission."""
    from rpkd.planning import realisations

    kind, code, year, quarter = period
    with ws.atomic():  # the version and its audit row: both kept or neither
        with ws.transaction() as db:
            item = realisations.submit(db, stored, kind, code, year, quarter,
                                       submitted_by=ws.actor.username, value=value,
                                       estimate=estimate, budget_spent=budget_spent,
                                       beneficiaries=beneficiaries, evidence=evidence)  # fmt: skip
            if attach is not None:
                attach(db, item)
        _audit_submission(ws, item, scope)
    return item


def add_realisation(
    ws: Workspace,
    kind: SubjectKind,
    code: str,
    year: int,
    quarter: int,
    *,
    value: float | None = None,
    se: float | None = None,
    ci_low: float | None = None,
    ci_high: float | None = None,
    budget_spent: float | None = None,
    beneficiaries: int | None = None,
    evidence: str = "",
    plan: str | None = None,
) -> Realisations:
    """Submit a realisation of an indicator or activity (it waits for verification).

    ``value`` with ``se`` (and the interval, if known) records an estimate, whose interval the
    achievement then carries.
    """
    from rpkd.planning.performance import Estimate

    actor, stored = _plan(ws, plan)
    scope = _authorise_subject(actor, stored, kind, code, "realisation.submit")
    estimate = (
        Estimate(value, se, ci_low, ci_high) if value is not None and se is not None else None
    )
    item = submit_version(ws, stored, scope, (kind, code, year, quarter), value=value,
                          estimate=estimate, budget_spent=budget_spent,
                          beneficiaries=beneficiaries, evidence=evidence)  # fmt: skip
    return Realisations((item,))


def _row_finding(exc: RpkdError, file: Path, row: Submission) -> Finding:
    return Finding(
        exc.code, "error", exc.params, file=file.name, row=row.row, field=exc.param, value=row.code
    )


def _refuse(
    ws: Workspace, file: Path, found: Sequence[Finding], report: Path | None
) -> InvalidInput:
    from rpkd.reports.plan_matrix import write_findings_csv

    if report is not None:
        write_findings_csv(report, found, ws.lang)
    return InvalidInput(
        "realisations_invalid",
        param="file",
        file=file.name,
        count=len(found),
        findings=tuple(found),
    )


def import_realisations(
    ws: Workspace, file: Path, *, plan: str | None = None, findings_report: Path | None = None
) -> Realisations:
    """Submit every row of a realisations file (CSV, XLSX or Parquet): all or nothing.

    A row the acting user may not submit, or that breaks a rule, is a finding; with any
    finding nothing is saved and :class:`InvalidInput` (``realisations_invalid``) carries them
    all (also written to ``findings_report``, CSV, when given).
    """
    from rpkd.planning import realisations
    from rpkd.planning.realisation_file import read_realisations

    try:
        rows, found = read_realisations(file)
    except InvalidInput as exc:
        if not exc.findings:
            raise
        raise _refuse(ws, file, exc.findings, findings_report) from exc
    problems = list(errors(found))
    if problems:
        raise _refuse(ws, file, problems, findings_report)
    actor, stored = _plan(ws, plan)
    scopes: list[Scope] = []
    for row in rows:
        try:
            scopes.append(
                _authorise_subject(actor, stored, row.kind, row.code, "realisation.submit")
            )
        except RpkdError as exc:
            problems.append(_row_finding(exc, file, row))
    if problems:
        raise _refuse(ws, file, problems, findings_report)
    added: list[Realisation] = []
    with ws.transaction() as db:
        for row in rows:
            try:
                with db.begin_nested():
                    added.append(
                        realisations.submit(
                            db,
                            stored,
                            row.kind,
                            row.code,
                            row.year,
                            row.quarter,
                            submitted_by=actor.username,
                            value=row.value,
                            estimate=row.estimate,
                            budget_spent=row.budget_spent,
                            beneficiaries=row.beneficiaries,
                            evidence=row.evidence,
                        )
                    )
            except RpkdError as exc:
                problems.append(_row_finding(exc, file, row))
        if problems:
            raise _refuse(ws, file, problems, findings_report)
    for item, scope in zip(added, scopes, strict=True):
        _audit_submission(ws, item, scope)
    return Realisations(tuple(added))


def _review(
    ws: Workspace,
    realisation_id: int,
    decision: Literal["verified", "rejected"],
    reason: str | None,
) -> Realisations:
    from rpkd.access.users import LOCAL_USER
    from rpkd.planning import realisations

    actor = ws.actor
    with ws.transaction() as db:
        plan, item = realisations.find(db, realisation_id)
    scope = _authorise_subject(
        actor, plan, item.subject_kind, item.subject_code, "realisation.verify"
    )
    reviewer = actor.username
    with ws.transaction() as db:
        reviewed = realisations.review(
            db,
            realisation_id,
            decision,
            reviewer=reviewer,
            reason=reason,
            four_eyes=reviewer != LOCAL_USER,
        )
    gate.audit(
        ws,
        "realisation.verify" if decision == "verified" else "realisation.reject",
        scopes=(scope,),
        records=1,
        parameters={"id": reviewed.id, "subject": f"{item.subject_kind}:{item.subject_code}"},
    )
    return Realisations((reviewed,))


def verify_realisation(ws: Workspace, realisation_id: int) -> Realisations:
    """Verify a submitted realisation (secretariat; never one's own submission)."""
    return _review(ws, realisation_id, "verified", None)


def reject_realisation(ws: Workspace, realisation_id: int, reason: str) -> Realisations:
    """Reject a submitted realisation with a reason (secretariat)."""
    from rpkd.workflows.realisation_work import typed_text

    reason = typed_text(ws, reason, "reason", "web.realisasi.reason")
    return _review(ws, realisation_id, "rejected", reason)


def list_realisations(ws: Workspace, *, plan: str | None = None) -> Realisations:
    """Return every version of every realisation of the plan (``monitor.read``)."""
    from rpkd.planning import realisations

    stored = stored_plan(ws, plan, "monitor.read")
    with ws.transaction() as db:
        return Realisations(realisations.history(db, stored.name))
