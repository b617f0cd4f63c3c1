"""Usulan and sanggahan without the web: filing, the two review steps, the correction file
imported as the next release, and the take-up read from that release's diff.

The workspace holds a synthetic Kapuas release (300 families). Expected outcomes follow from
the rules of docs/web.md ("Usulan & Sanggahan"): who may take which step, what a correction
changes (a deceased family removed, an added one appended), what the next diff shows.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_refusal import REFUSAL, audit_refused, seen
from usulan_db import postgres_schema

from rpkd.access import audit
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.workflows import Workspace, add_user, import_release, synthesize_district
from rpkd.workflows.corrections import desa_choices, export_corrections, take_up_release
from rpkd.workflows.jobs import Upload
from rpkd.workflows.notifications import notifications_for
from rpkd.workflows.releases import diff_releases
from rpkd.workflows.usulan import (
    Member,
    NewFamily,
    evidence_file,
    list_proposals,
    object_to_family,
    propose_family,
    review_proposal,
    show_proposal,
)

PASSWORD = "kata-sandi-uji-123"
PDF = b"%PDF-1.4\n% bukti\n"


@dataclass(frozen=True)
class World:
    path: Path
    desa: str
    other_desa: str
    families: tuple[str, ...]
    database_url: str

    def open(self, user: str | None = None) -> Workspace:
        return Workspace.open(self.path, actor=user,
                              environ={"RPKD_DATABASE_URL": self.database_url})  # fmt: skip


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The workspace on SQLite and on PostgreSQL (a fresh schema, dropped afterwards)."""
    root = tmp_path_factory.mktemp("usulan")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{root / 'rpkd.db'}"
        else:
            url = stack.enter_context(postgres_schema())
        yield _build(root, url)


def _build(root: Path, url: str) -> World:
    path = root / "ws"
    env = {"RPKD_DATABASE_URL": url}
    with Workspace.open(path, environ=env) as ws:
        synthesize_district(ws, "62.03", root / "source", families=300, seed=5, fmt="csv")
        import_release(ws, root / "source", "r1", reference_date="2025-03-01")
        add_user(ws, "admin", PASSWORD, role="admin")
    rows = _rows(root / "source" / "families.csv")
    desa = sorted({r["desa_code"] for r in rows})[0]
    other = next(r["desa_code"] for r in rows if r["desa_code"][:8] != desa[:8])
    with Workspace.open(path, actor="admin", environ=env) as ws:
        add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
        add_user(ws, "desa2", PASSWORD, role="area_operator", region=other)
        add_user(ws, "kec", PASSWORD, role="area_operator", region=desa.rsplit(".", 1)[0])
        add_user(ws, "analis", PASSWORD, role="analyst")
    ids = tuple(sorted(r["family_id"] for r in rows if r["desa_code"] == desa))
    return World(path, desa, other, ids, url)


def _pdf() -> Upload:
    return Upload("akta-kematian.pdf", io.BytesIO(PDF))


def test_choices_of_a_desa_are_masked_and_audited(world: World) -> None:
    with world.open("desa") as ws:
        choices = desa_choices(ws, world.desa)
        names = [n for n in choices.families.column("head_name").to_pylist() if n]
        assert choices.release == "r1"
        assert sorted(choices.families.column("family_id").to_pylist()) == list(world.families)
        assert names and all(len(n.replace(".", "")) <= 4 for n in names)  # initials only
        with ws.transaction() as db:
            actions = [e.action for e in audit.entries(db)]
        assert actions[-1] == "usulan.families"
        with pytest.raises(Forbidden):
            desa_choices(ws, world.other_desa)


def test_a_sanggahan_goes_up_both_steps_and_a_family_is_proposed(world: World) -> None:
    family = world.families[0]
    with world.open("desa") as ws:
        filed = object_to_family(ws, "r1", world.desa, family, "deceased",
                                 "Meninggal Maret 2025", evidence=[_pdf()])  # fmt: skip
        proposal = filed.proposal
        assert (proposal.status, proposal.kind, proposal.family_id) == (
            "submitted", "object", family)  # fmt: skip
        assert [e.filename for e in proposal.evidence] == ["akta-kematian.pdf"]
        with pytest.raises(Forbidden):  # a desa grant does not cover the kecamatan step
            review_proposal(ws, proposal.id, "accept")
        with pytest.raises(Forbidden):
            object_to_family(ws, "r1", world.other_desa, family, "moved", "pindah")
        with pytest.raises(InvalidInput) as unlisted:
            object_to_family(ws, "r1", world.desa, "bukan-keluarga", "moved", "pindah")
        assert unlisted.value.code == "usulan_family_unlisted"
        added = propose_family(
            ws, "r1", world.desa,
            NewFamily("", "RT 3 dekat sungai", False, (
                Member("Siti Aminah", "", "P", "1980-05-02", "kepala_keluarga"),
                Member("Budi", "", "L", "2010-01-09", "anak"),
            )),
            "Belum terdata, hasil musdes",
        )  # fmt: skip
        assert added.proposal.family_id == f"usulan-{added.proposal.id}"
        assert added.proposal.detail["members"][0]["name"] == "S.A."  # masked when shown
    with world.open("kec") as ws:
        waiting = notifications_for(ws).to_json()["items"]
        assert [(n["code"], n["count"]) for n in waiting if n["source"] == "desa.proposals"] == [
            ("notice_usulan_review", 2)]  # fmt: skip
        with pytest.raises(InvalidInput) as why:
            review_proposal(ws, proposal.id, "reject")
        assert why.value.code == "usulan_note_required"
        assert review_proposal(ws, proposal.id, "accept", "cek lapangan").proposal.status == (
            "kecamatan_accepted"
        )
        review_proposal(ws, added.proposal.id, "accept")
        with pytest.raises(Forbidden):  # the secretariat's step needs release.manage
            review_proposal(ws, proposal.id, "accept")
    with world.open("analis") as ws:
        done = review_proposal(ws, proposal.id, "accept", "sesuai Dukcapil").proposal
        review_proposal(ws, added.proposal.id, "accept")
        assert done.status == "accepted"
        assert [e.step for e in done.events] == [
            "submitted", "kecamatan_accept", "secretariat_accept"]  # fmt: skip
        with pytest.raises(InvalidInput) as closed:
            review_proposal(ws, proposal.id, "reject", "terlambat")
        assert closed.value.code == "usulan_closed"
        sent = evidence_file(ws, proposal.id, proposal.evidence[0].id)
        assert sent.path.read_bytes() == PDF and sent.media_type == "application/pdf"
        with pytest.raises(NotFound):
            show_proposal(ws, 999_999)
    with world.open("desa") as ws:  # the proposer sees the status of its desa's proposals
        told = [n for n in notifications_for(ws).items if n.source == "desa.proposals"]
        assert [(n.code, n.count) for n in told] == [("notice_usulan_decided", 2)]
        listed = list_proposals(ws)
        assert listed.area == world.desa
        status = dict(zip(listed.rows.column("id").to_pylist(),
                          listed.rows.column("status").to_pylist(), strict=True))  # fmt: skip
        assert status[proposal.id] == status[added.proposal.id] == "accepted"
        assert "head_name" not in listed.rows.column_names  # the list names no one
    with world.open("desa2") as ws:
        with pytest.raises(Forbidden):
            show_proposal(ws, proposal.id)
        assert list_proposals(ws).rows.num_rows == 0

    # the secretariat exports the correction; it imports as the next release
    with world.open("analis") as ws:
        correction = export_corrections(ws, "r1")
        families = _rows(correction.folder / "families.csv")
        ids = {r["family_id"] for r in families}
        assert family not in ids and f"usulan-{added.proposal.id}" in ids
        assert len(families) == 300  # 300 - 1 deceased + 1 added
        persons = [r for r in _rows(correction.folder / "persons.csv")
                   if r["family_id"] == f"usulan-{added.proposal.id}"]  # fmt: skip
        assert sorted(p["name"] for p in persons) == ["Budi", "Siti Aminah"]
        import_release(ws, correction.folder, "r2", reference_date="2025-06-30")
        diff = diff_releases(ws, "r1", "r2")
        assert diff.counts["removed"] == 1 and diff.counts["added"] == 1
        taken = take_up_release(ws, "r1", "r2")
        assert taken.taken_up == 2
        shown = show_proposal(ws, proposal.id).proposal
        assert shown.taken_up_in == "r2" and shown.events[-1].step == "taken_up"
        with ws.transaction() as db:
            actions = [e.action for e in audit.entries(db)]
        assert {"usulan.export", "usulan.take_up", "usulan.evidence"} <= set(actions)


def test_evidence_is_checked_and_rejections_need_a_reason(world: World) -> None:
    family = world.families[1]
    with world.open("desa") as ws:
        with pytest.raises(InvalidInput) as kind:
            object_to_family(ws, "r1", world.desa, family, "not_poor", "mampu",
                             evidence=[Upload("x.exe", io.BytesIO(b"MZ\x90\x00"))])  # fmt: skip
        assert kind.value.code == "usulan_evidence_type"
        big = Upload("besar.pdf", io.BytesIO(b"%PDF-" + b"0" * (5 << 20)))
        with pytest.raises(InvalidInput) as size:
            object_to_family(ws, "r1", world.desa, family, "not_poor", "mampu", evidence=[big])
        assert size.value.code == "usulan_evidence_too_large"
        moved = object_to_family(ws, "r1", world.desa, family, "moved", "pindah",
                                 moved_to=world.other_desa).proposal  # fmt: skip
        assert moved.detail == {"moved_to": world.other_desa}
        with pytest.raises(InvalidInput) as invalid:
            propose_family(ws, "r1", world.desa, NewFamily("", "", True, (
                Member("Tanpa Kepala", "", "X", "2030-01-01", "anak"),)), "musdes")  # fmt: skip
        assert invalid.value.code == "usulan_family_invalid" and invalid.value.findings
    with world.open("kec") as ws:
        rejected = review_proposal(ws, moved.id, "reject", "masih tinggal di desa").proposal
        assert rejected.status == "rejected"
    with world.open("admin") as ws:  # four eyes: nobody reviews their own proposal
        own = object_to_family(ws, "r1", world.desa, family, "duplicate", "ganda",
                               duplicate_of=world.families[2]).proposal  # fmt: skip
        with pytest.raises(Forbidden) as eyes:
            review_proposal(ws, own.id, "accept")
        assert eyes.value.code == "usulan_four_eyes"


def test_a_refused_audit_row_keeps_no_proposal_step_correction_or_file(world: World) -> None:
    """Each write of an usulan with its audit row refused: nothing kept, not even a file.
    (Runs last: it leaves the world one accepted proposal and one release more.)"""
    family, outside = world.families[2], world.path.parent / "koreksi"
    new = NewFamily("", "RT 5", False, (Member("Siti", "", "P", "1980-05-02", "kepala_keluarga"),))
    with world.open("desa") as ws:
        before = seen(ws)
        with audit_refused(ws):
            with pytest.raises(DBAPIError, match=REFUSAL):
                object_to_family(ws, "r1", world.desa, family, "deceased", "Meninggal",
                                 evidence=[_pdf()])  # fmt: skip
            with pytest.raises(DBAPIError, match=REFUSAL):
                propose_family(ws, "r1", world.desa, new, "musdes", evidence=[_pdf()])
        assert seen(ws) == before
        filed = object_to_family(ws, "r1", world.desa, family, "deceased", "Meninggal").proposal
    with world.open("kec") as ws:
        before = seen(ws)
        with audit_refused(ws), pytest.raises(DBAPIError, match=REFUSAL):
            review_proposal(ws, filed.id, "accept")
        assert seen(ws) == before
        review_proposal(ws, filed.id, "accept")
    with world.open("analis") as ws:
        review_proposal(ws, filed.id, "accept")
        outside.mkdir()
        (outside / "families.csv").write_bytes(b"lama\n")  # a file the export would replace
        before = seen(ws)
        with audit_refused(ws):
            for folder in (None, outside, outside / "baru"):
                with pytest.raises(DBAPIError, match=REFUSAL):
                    export_corrections(ws, "r1", folder=folder)
        assert seen(ws) == before
        assert [(p.name, p.read_bytes()) for p in outside.iterdir()] == [
            ("families.csv", b"lama\n")
        ]
        correction = export_corrections(ws, "r1", folder=outside)
        import_release(ws, correction.folder, "r-tanpa-audit", reference_date="2025-09-30")
        before = seen(ws)
        with audit_refused(ws), pytest.raises(DBAPIError, match=REFUSAL):
            take_up_release(ws, "r1", "r-tanpa-audit")
        assert seen(ws) == before
        assert take_up_release(ws, "r1", "r-tanpa-audit").taken_up == 1  # there was a mark
