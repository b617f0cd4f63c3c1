"""Use cases of ``rpkd plan``: the RPKD from a kit, its XLSX matrices and its yearly action plan.

Every function takes the :class:`~rpkd.workflows.workspace.Workspace` first, checks the acting
user's grant through :func:`rpkd.workflows.gate.authorise` (``plan.edit`` or ``plan.read`` on
the plan's region), works in one database transaction and appends its audit row through
:func:`rpkd.workflows.gate.audit` once the transaction is committed::

    with Workspace.open("rpkd-workspace") as ws:
        created = init_plan(ws, kit="kapuas", target_year=2027)
        export_plan(ws, Path("rpkd.xlsx"))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.access.roles import Action, Scope
from rpkd.errors import InvalidInput, NotFound, UsageError
from rpkd.findings import Finding, errors
from rpkd.locale import Lang
from rpkd.workflows import gate
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.planning.action_plan import ActionPlan
    from rpkd.planning.model import Plan
    from rpkd.workflows.workspace import Workspace


def _one_row(row: dict[str, Any]) -> pa.Table:
    return pa.Table.from_pylist([row])


@dataclass(frozen=True)
class PlanCreated:
    """The starter plan saved by :func:`init_plan` and the warnings of its validation."""

    plan: Plan

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.plan.findings

    def row(self) -> dict[str, Any]:
        p = self.plan
        return {
            "plan": p.name,
            "region": p.region,
            "period": f"{p.start_year}-{p.end_year}",
            "extreme_poverty_target_year": p.extreme_poverty_target_year,
            "indicators": len(p.indicators),
            "programmes": len(p.programmes),
            "warnings": len(p.findings),
        }

    def to_arrow(self) -> pa.Table:
        return _one_row(self.row())

    def to_json(self) -> list[dict[str, Any]]:
        return [self.row()]


@dataclass(frozen=True)
class PlanExported:
    """The plan written to an XLSX workbook by :func:`export_plan`."""

    plan: Plan
    file: Path

    def row(self) -> dict[str, Any]:
        return {
            "plan": self.plan.name,
            "file": str(self.file),
            "programmes": len(self.plan.programmes),
            "activities": len(self.plan.activities()),
            "indicators": len(self.plan.indicators),
        }

    def to_arrow(self) -> pa.Table:
        return _one_row(self.row())

    def to_json(self) -> list[dict[str, Any]]:
        return [self.row()]


@dataclass(frozen=True)
class PlanImported:
    """The plan saved from XLSX by :func:`import_plan` and the warnings found in the file."""

    plan: Plan
    file: Path
    findings: tuple[Finding, ...] = field(default=())

    def to_arrow(self, lang: Lang = "id") -> pa.Table:
        from rpkd.reports.plan_matrix import FINDING_COLUMNS, finding_rows

        rows = finding_rows(self.findings, lang)
        if not rows:
            return pa.table({c: pa.array([], pa.string()) for c in FINDING_COLUMNS})
        return pa.Table.from_pylist(rows)

    def to_json(self, lang: Lang = "id") -> list[dict[str, Any]]:
        """Return the findings report rows (what ``--format json`` prints)."""
        from rpkd.reports.plan_matrix import finding_rows

        return records(finding_rows(self.findings, lang))


@dataclass(frozen=True)
class AnnualActionPlan:
    """The Rencana Aksi Tahunan of one year (:func:`rpkd.planning.action_plan.action_plan`)."""

    action_plan: ActionPlan

    def to_arrow(self) -> pa.Table:
        return self.action_plan.to_arrow()

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.to_arrow())


def plan_document(ws: Workspace, kit: str | None = None) -> Mapping[str, Any]:
    """Return the plan document of ``kit`` (default: the workspace kit's, overrides applied)."""
    from rpkd import params

    if kit is None or kit == ws.kit.name:
        if ws.kit.plan is None:
            raise NotFound("params_missing", param="kit", kit=ws.kit.name, topic="plan")
        return ws.kit.plan
    return params.plan_kit(kit, ws.path)


def init_plan(
    ws: Workspace, *, kit: str | None = None, target_year: int | None = None
) -> PlanCreated:
    """Create the starter plan of ``kit`` with zero extreme poverty from ``target_year`` on.

    Refuses (``plan_exists``) when the workspace already holds a plan of that name: a plan is
    changed through :func:`export_plan` and :func:`import_plan`.
    """
    from rpkd.planning.kit import starter_plan
    from rpkd.planning.store import plan_names, save_plan

    doc = plan_document(ws, kit)
    scope = Scope(region=str(doc["plan"]["region"]))
    gate.authorise(ws.actor, "plan.edit", scope)
    plan = starter_plan(doc, target_year=target_year)
    with ws.transaction() as db:
        if plan.name in plan_names(db):
            raise InvalidInput("plan_exists", param="kit", plan=plan.name)
        save_plan(db, plan)
    gate.audit(
        ws,
        "plan.init",
        scopes=(scope,),
        records=len(plan.indicators),
        parameters={
            "kit": kit or ws.kit.name,
            "plan": plan.name,
            "target_year": plan.extreme_poverty_target_year,
        },
    )
    return PlanCreated(plan)


def stored_plan(ws: Workspace, name: str | None, action: Action = "plan.read") -> Plan:
    """Return the stored plan ``name`` (the only one when None) once ``action`` is authorised."""
    from rpkd.planning.store import load_plan

    actor = ws.actor  # who acts is settled first (a workspace with users needs --as)
    with ws.transaction() as db:
        plan = load_plan(db, name)
    gate.authorise(actor, action, Scope(region=plan.region))
    return plan


def export_plan(ws: Workspace, file: Path, *, plan: str | None = None) -> PlanExported:
    """Write the plan's matrices to the XLSX workbook ``file`` in the workspace's language."""
    from rpkd.reports.plan_matrix import write_plan_matrix

    if file.suffix.lower() != ".xlsx":
        raise UsageError("plan_export_suffix", param="file", file=file.name)
    stored = stored_plan(ws, plan)
    write_plan_matrix(stored, file, ws.lang)
    gate.audit(
        ws,
        "plan.export",
        scopes=(Scope(region=stored.region),),
        records=len(stored.indicators),
        parameters={"plan": stored.name, "file": file.name},
    )
    return PlanExported(stored, file)


def _refuse(
    file: Path, found: tuple[Finding, ...], report: Path | None, lang: Lang
) -> InvalidInput:
    from rpkd.reports.plan_matrix import write_findings_csv

    if report is not None:
        write_findings_csv(report, found, lang)
    return InvalidInput(
        "matrix_invalid", param="file", file=file.name, count=len(found), findings=found
    )


def import_plan(ws: Workspace, file: Path, *, findings_report: Path | None = None) -> PlanImported:
    """Save the plan of an XLSX workbook (matrices as :func:`export_plan` writes them): all or
    nothing.

    Items are matched by code, so realisations keep pointing at them. On any error finding
    nothing is saved and :class:`InvalidInput` (``matrix_invalid``) carries the findings;
    ``findings_report`` (CSV) receives the findings either way.
    """
    from rpkd.planning.matrix_import import read_plan_matrix
    from rpkd.planning.store import save_plan
    from rpkd.releases.uploads import Limits, check_workbook
    from rpkd.reports.plan_matrix import write_findings_csv

    if not file.is_file():
        raise InvalidInput("matrix_file_missing", param="file", file=str(file))
    check_workbook(file, Limits())  # an XLSX is a zip: a bomb is refused before it is opened
    plan, found = read_plan_matrix(file, ws.lang)
    if plan is None:
        raise _refuse(file, errors(found), findings_report, ws.lang)
    scope = Scope(region=plan.region)
    gate.authorise(ws.actor, "plan.edit", scope)
    try:
        with ws.transaction() as db:
            save_plan(db, plan)
    except InvalidInput as exc:
        if exc.code != "plan_invalid":
            raise
        raise _refuse(file, exc.findings, findings_report, ws.lang) from exc
    if findings_report is not None:
        write_findings_csv(findings_report, found, ws.lang)
    gate.audit(
        ws,
        "plan.import",
        scopes=(scope,),
        records=len(plan.indicators),
        parameters={"plan": plan.name, "file": file.name},
    )
    return PlanImported(plan, file, found)


def action_plan(ws: Workspace, year: int, *, plan: str | None = None) -> AnnualActionPlan:
    """Return the Rencana Aksi Tahunan (RAT) of ``year``: activities, budgets, output targets."""
    from rpkd.planning import action_plan as rat

    return AnnualActionPlan(rat.action_plan(stored_plan(ws, plan), year))
