"""The one gate: every workflow that returns or writes personal data refuses an unauthorised
actor (and audits nothing for it) and writes exactly one audit row for an authorised one."""

from __future__ import annotations

import csv
import importlib
import pkgutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import rpkd.workflows
from rpkd.access import audit
from rpkd.errors import Forbidden
from rpkd.workflows import access, convergence, families, link, releases, synth, targeting_view
from rpkd.workflows.gate import PERSONAL_DATA_WORKFLOWS
from rpkd.workflows.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import usulan_gate

RELEASE = "gate"
PASSWORD = "rahasia-panjang-1"
Call = Callable[[Workspace, Path], object]


def _import_all_workflows() -> None:
    for module in pkgutil.iter_modules(rpkd.workflows.__path__):
        importlib.import_module(f"rpkd.workflows.{module.name}")


def _import_unmasked(ws: Workspace, source: Path) -> object:
    return releases.import_release(
        ws, source, f"{RELEASE}-{ws.actor.username}", unmask_findings=True
    )


def _lists(ws: Workspace, source: Path) -> object:
    return convergence.verification_lists(ws, RELEASE, source.parent / f"lists-{ws.actor.username}")


def _families(ws: Workspace, source: Path) -> object:
    with (source / "families.csv").open(encoding="utf-8", newline="") as fh:
        desa = next(csv.DictReader(fh))["desa_code"]
    return families.families_of_desa(ws, RELEASE, desa)


def _left_out(ws: Workspace, source: Path) -> object:
    with (source / "families.csv").open(encoding="utf-8", newline="") as fh:
        desa = next(csv.DictReader(fh))["desa_code"]
    return targeting_view.left_out_families(ws, RELEASE, desa=desa)


CALLS: dict[str, tuple[str, Call]] = {
    "rpkd.workflows.releases.import_release": ("release.import.findings", _import_unmasked),
    "rpkd.workflows.convergence.convergence_report": (
        "target.convergence",
        lambda ws, _source: convergence.convergence_report(ws, RELEASE),
    ),
    "rpkd.workflows.convergence.verification_lists": ("target.lists.export", _lists),
    "rpkd.workflows.families.families_of_desa": ("families.read", _families),
    "rpkd.workflows.targeting_view.left_out_families": ("target.left_out", _left_out),
    "rpkd.workflows.link.link_list": (
        "link.review",
        lambda ws, source: link.link_list(ws, source / "beneficiaries_pkh.csv", RELEASE),
    ),
    "rpkd.workflows.corrections.desa_choices": ("usulan.families", usulan_gate.choices),
    "rpkd.workflows.corrections.export_corrections": ("usulan.export", usulan_gate.export),
    "rpkd.workflows.usulan.propose_family": ("usulan.add", usulan_gate.propose),
    "rpkd.workflows.usulan.show_proposal": ("usulan.read", usulan_gate.show),
    "rpkd.workflows.usulan.evidence_file": ("usulan.evidence", usulan_gate.evidence),
    "rpkd.workflows.link_review.link_queue": ("link.queue", usulan_gate.queue),
}
"""How to call each personal-data workflow; a marked workflow missing here fails the test."""


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A workspace with a small synthetic release and three users: admin, analyst, viewer."""
    root = tmp_path_factory.mktemp("gate")
    path, source = root / "ws", root / "source"
    with Workspace.open(path) as ws:
        synth.synthesize_district(ws, "62.03", source, families=800, seed=3)
        releases.import_release(ws, source, RELEASE, reference_date="2025-03-01")
        access.add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(path, actor="admin") as ws:
        access.add_user(ws, "analis", PASSWORD, role="analyst")
        access.add_user(ws, "pemantau", PASSWORD, role="viewer")
    yield path, source


def _rows(path: Path, action: str) -> list[audit.AuditEntry]:
    with Workspace.open(path, actor="admin") as ws, ws.transaction() as db:
        return [e for e in audit.entries(db, action=action) if e.action == action]


def test_every_personal_data_workflow_has_a_case_here() -> None:
    _import_all_workflows()
    assert set(PERSONAL_DATA_WORKFLOWS) == set(CALLS)
    for name, (action, _call) in CALLS.items():
        assert PERSONAL_DATA_WORKFLOWS[name] == action


@pytest.mark.parametrize("name", sorted(CALLS))
def test_refuses_an_unauthorised_actor_and_audits_an_authorised_one(
    district: tuple[Path, Path], name: str
) -> None:
    path, source = district
    action, call = CALLS[name]
    before = len(_rows(path, action))
    with Workspace.open(path, actor="pemantau") as ws, pytest.raises(Forbidden):
        call(ws, source)
    assert len(_rows(path, action)) == before, "a refused call left an audit row"

    with Workspace.open(path, actor="analis") as ws:
        call(ws, source)
    rows = _rows(path, action)
    assert len(rows) == before + 1, "an authorised call must write exactly one audit row"
    row = rows[-1]
    assert row.username == "analis"
    assert row.release is not None and row.release.startswith(RELEASE)
    assert row.scope is not None and "62.03" in row.scope
    assert row.records is not None and row.records >= 0
    assert "unmasked" in row.parameters
