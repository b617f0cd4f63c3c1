"""Calls of the usulan and linkage-review workflows for ``test_personal_data`` (the gate):
each sets up what it needs as other users (a proposal filed by a desa operator, accepted by
the kecamatan and the secretariat; a link run) and then calls the workflow as ``ws``'s actor."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rpkd.workflows import access
from rpkd.workflows.corrections import desa_choices, export_corrections
from rpkd.workflows.jobs import Upload
from rpkd.workflows.link import link_list
from rpkd.workflows.link_review import link_queue, link_runs
from rpkd.workflows.usulan import (
    Member,
    NewFamily,
    evidence_file,
    object_to_family,
    propose_family,
    review_proposal,
    show_proposal,
)
from rpkd.workflows.workspace import Workspace

RELEASE = "gate"
PASSWORD = "rahasia-panjang-1"


def _family(source: Path) -> tuple[str, str]:
    with (source / "families.csv").open(encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    return row["desa_code"], row["family_id"]


def _as(ws: Workspace, user: str) -> Workspace:
    return Workspace.open(ws.path, actor=user)


def _proposal(ws: Workspace, source: Path) -> tuple[int, int]:
    """File an objection with evidence as the desa's operator; return (proposal, evidence)."""
    desa, family = _family(source)
    with _as(ws, "admin") as admin:
        known = {u.username for u in access.list_users(admin).users}
        if "gate-desa" not in known:
            access.add_user(admin, "gate-desa", PASSWORD, role="area_operator", region=desa)
            access.add_user(admin, "gate-kec", PASSWORD, role="area_operator",
                            region=desa.rsplit(".", 1)[0])  # fmt: skip
    with _as(ws, "gate-desa") as operator:
        pdf = Upload("bukti.pdf", io.BytesIO(b"%PDF-1.4\n"))
        filed = object_to_family(operator, RELEASE, desa, family, "deceased", "meninggal",
                                 evidence=[pdf]).proposal  # fmt: skip
    return filed.id, filed.evidence[0].id


def choices(ws: Workspace, source: Path) -> object:
    return desa_choices(ws, _family(source)[0], release=RELEASE)


def propose(ws: Workspace, source: Path) -> object:
    family = NewFamily("", "RT 1", False, (Member("Siti Aminah", "", "P", "1980-05-02",
                                                  "kepala_keluarga"),))  # fmt: skip
    return propose_family(ws, RELEASE, _family(source)[0], family, "musdes")


def show(ws: Workspace, source: Path) -> object:
    return show_proposal(ws, _proposal(ws, source)[0])


def evidence(ws: Workspace, source: Path) -> object:
    return evidence_file(ws, *_proposal(ws, source))


def export(ws: Workspace, source: Path) -> object:
    proposal, _ = _proposal(ws, source)
    with _as(ws, "gate-kec") as kecamatan:
        review_proposal(kecamatan, proposal, "accept")
    with _as(ws, "admin") as secretariat:
        review_proposal(secretariat, proposal, "accept")
    return export_corrections(ws, RELEASE, folder=source.parent / f"koreksi-{ws.actor.username}")


def queue(ws: Workspace, source: Path) -> object:
    with _as(ws, "admin") as admin:
        runs = link_runs(admin).to_json()
        if not runs:
            link_list(admin, source / "beneficiaries_pkh.csv", RELEASE)
            runs = link_runs(admin).to_json()
    return link_queue(ws, RELEASE, runs[0]["run"])
