"""The Realisasi desk: a quarter as each user works on it, evidence files, deadlines, who has
not reported, and notifications, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))

from audit_refusal import REFUSAL, audit_refused, seen

from rpkd.access import audit
from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, InvalidInput
from rpkd.planning.deadlines import deadline, quarter_end
from rpkd.planning.model import Plan
from rpkd.planning.store import save_plan
from rpkd.workflows import monitoring
from rpkd.workflows import realisations as wf
from rpkd.workflows.jobs import Upload
from rpkd.workflows.notifications import notifications_for
from rpkd.workflows.realisation_work import (
    realisation_desk,
    realisation_evidence_file,
    submit_realisation,
)
from rpkd.workflows.workspace import Workspace

OpenWorkspace = Callable[..., Workspace]
ANALYST = (Grant("analyst"),)
PERKIM = (Grant("agency_operator", agency="PERKIM"),)
DINSOS = (Grant("agency_operator", agency="DINSOS"),)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
DAY = date(2025, 7, 3)  # quarter 2 of 2025 is being reported, due 15 July


def _stored(open_workspace: OpenWorkspace, plan: Plan) -> None:
    with open_workspace().transaction() as db:
        save_plan(db, plan)


def test_deadline_is_days_after_the_quarter_end() -> None:
    assert quarter_end(2025, 2) == date(2025, 6, 30)
    assert quarter_end(2025, 3) == date(2025, 9, 30)
    assert deadline(2025, 4, 15) == date(2026, 1, 15)


def test_desk_shows_own_subjects_deadline_and_who_has_not_reported(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    _stored(open_workspace, plan)
    sari = open_workspace("sari", PERKIM)
    desk = realisation_desk(sari, today=DAY)
    assert (desk.year, desk.quarter, desk.deadline) == (2025, 2, date(2025, 7, 15))
    assert not desk.overdue
    # PERKIM answers for activity K0501 and its output indicator O0501, nothing else
    assert [(i.kind, i.code) for i in desk.items] == [("activity", "K0501"), ("indicator", "O0501")]
    assert {i.state for i in desk.items} == {"not_reported"}
    assert not desk.can_review
    late = realisation_desk(sari, today=date(2025, 7, 16))
    assert late.overdue
    tkpkd = realisation_desk(open_workspace("tkpkd", ANALYST), today=DAY)
    assert tkpkd.can_review
    missing = {(s.kind, s.code, s.agency) for s in tkpkd.missing}
    assert ("activity", "K0501", "PERKIM") in missing
    assert ("activity", "K0101", "DINSOS") in missing
    assert all(s.agency for s in tkpkd.missing)


def test_submit_with_evidence_return_correct_verify(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    _stored(open_workspace, plan)
    sari, tkpkd = open_workspace("sari", PERKIM), open_workspace("tkpkd", ANALYST)
    (first,) = submit_realisation(
        sari, "activity", "K0501", 2025, 2, value=40.0, budget_spent=6.0e8, beneficiaries=40,
        note="BAST tahap 1", files=[Upload("bast.PDF", io.BytesIO(PDF))],
    ).items  # fmt: skip
    desk = realisation_desk(tkpkd, today=DAY)
    assert [r.id for r in desk.to_review] == [first.id]
    (proof,) = desk.evidence_of(first.id)
    assert (proof.filename, proof.kind, proof.size) == ("bast.PDF", "pdf", len(PDF))
    # four eyes: the submitter sees no review of their own
    assert realisation_desk(sari, today=DAY).to_review == ()
    wf.reject_realisation(tkpkd, first.id, "BAST belum ditandatangani")
    assert [n.code for n in notifications_for(sari, today=DAY).items] == [
        "notice_realisation_returned",
        "notice_realisation_due",
    ]
    (second,) = submit_realisation(
        sari, "activity", "K0501", 2025, 2, value=45.0, budget_spent=6.5e8, beneficiaries=45
    ).items
    wf.verify_realisation(tkpkd, second.id)
    history = realisation_desk(tkpkd, today=DAY).history
    assert [(r.version, r.status) for r in history] == [(1, "rejected"), (2, "verified")]
    assert history[0].reason == "BAST belum ditandatangani"
    row = {r["code"]: r for r in monitoring.monitor(tkpkd, 2025, quarter=2).to_arrow().to_pylist()}
    assert row["K0501"]["realisation"] == 6.5e8  # an activity is scored on its budget spent
    # the evidence goes back to the submitter's agency and the secretariat, audited
    handed = realisation_evidence_file(tkpkd, proof.id)
    assert handed.path.read_bytes() == PDF and handed.media_type == "application/pdf"
    with pytest.raises(Forbidden):
        realisation_evidence_file(open_workspace("dina", DINSOS), proof.id)
    with open_workspace().transaction() as db:
        actions = [e.action for e in audit.entries(db)]
    assert "realisation.evidence.upload" in actions
    assert actions.count("realisation.evidence.download") == 1


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("foto.exe", b"MZ....", "realisation_evidence_kind_refused"),
        ("foto.png", b"%PDF-1.4 not a png", "realisation_evidence_content_mismatch"),
        ("kosong.pdf", b"", "realisation_evidence_empty"),
        ("besar.pdf", b"%PDF-" + b"0" * (10 << 20), "realisation_evidence_too_large"),
    ],
)
def test_refused_evidence_keeps_nothing(
    open_workspace: OpenWorkspace, plan: Plan, name: str, content: bytes, code: str
) -> None:
    _stored(open_workspace, plan)
    sari = open_workspace("sari", PERKIM)
    with pytest.raises(InvalidInput) as refused:
        submit_realisation(
            sari, "activity", "K0501", 2025, 2, value=1.0,
            files=[Upload("ok.pdf", io.BytesIO(PDF)), Upload(name, io.BytesIO(content))],
        )  # fmt: skip
    assert refused.value.code == code
    assert realisation_desk(sari, today=DAY).history == ()
    assert not any((sari.path / "evidence").iterdir())


def test_a_refused_audit_row_keeps_no_version_and_no_file(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    _stored(open_workspace, plan)
    sari = open_workspace("sari", PERKIM)
    before = seen(sari)
    with audit_refused(sari):
        with pytest.raises(DBAPIError, match=REFUSAL):
            submit_realisation(sari, "activity", "K0501", 2025, 2, value=1.0,
                               files=[Upload("bast.pdf", io.BytesIO(PDF))])  # fmt: skip
        with pytest.raises(DBAPIError, match=REFUSAL):
            wf.add_realisation(sari, "activity", "K0501", 2025, 2, value=1.0)
    # the evidence folder every version shares may be left, empty; no file, no row
    assert seen(sari) == ({**before[0], "evidence": "folder"}, before[1])
    assert realisation_desk(sari, today=DAY).history == ()


def test_operator_cannot_submit_for_another_agency(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    _stored(open_workspace, plan)
    with pytest.raises(Forbidden):
        submit_realisation(open_workspace("dina", DINSOS), "activity", "K0501", 2025, 2, value=1.0)


def test_reviewer_is_notified_and_the_bell_counts(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    _stored(open_workspace, plan)
    sari, tkpkd = open_workspace("sari", PERKIM), open_workspace("tkpkd", ANALYST)
    submit_realisation(sari, "indicator", "O0501", 2025, 2, value=50.0)
    notices = notifications_for(tkpkd, today=DAY)
    codes = [n.code for n in notices.items]
    assert codes == ["notice_realisation_review", "notice_realisation_missing"]
    review = notices.items[0]
    assert review.count == 1 and review.link == "/realisations?year=2025&quarter=2"
    assert "menunggu verifikasi" in review.text("id")
    assert notices.to_json()["count"] == notices.count


def test_performance_trend_follows_verification_and_evaluation_view(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    from rpkd.workflows.evaluation_page import evaluation_view
    from rpkd.workflows.performance_view import performance_trend

    _stored(open_workspace, plan)
    sari, tkpkd = open_workspace("sari", PERKIM), open_workspace("tkpkd", ANALYST)
    (q1,) = submit_realisation(sari, "indicator", "O0501", 2025, 1, value=30.0).items
    (q2,) = submit_realisation(sari, "indicator", "O0501", 2025, 2, value=70.0).items
    wf.verify_realisation(tkpkd, q1.id)
    before = performance_trend(tkpkd, 2025, 2)
    # quarter 2 is not verified yet: its value is quarter 1's
    assert [(p["quarter"], p["achievement"]) for p in before.trend() if p["code"] == "O0501"] == [
        (1, 30.0),
        (2, 30.0),
    ]
    wf.verify_realisation(tkpkd, q2.id)
    after = performance_trend(tkpkd, 2025, 2)
    row = next(r for r in after.current.table.rows if r.code == "O0501")
    assert (row.achievement, row.band, row.light) == (70.0, "Sedang", "yellow")  # 65 < 70 <= 75
    assert next(r for r in after.by_item() if r["code"] == "O0501") == {
        "code": "O0501", "name": "Rumah direhabilitasi", "q1": 30.0, "q2": 70.0,
    }  # fmt: skip
    assert after.to_json()["counts"]["scored"] >= 1
    with pytest.raises(Forbidden):
        performance_trend(sari, 2025, 2)  # monitor.read covers the whole plan's region
    view = evaluation_view(tkpkd)
    targets = {(r["code"], r["year"]): r for r in view.targets()}
    assert targets[("O0501", 2025)]["target"] == 100.0
    assert view.chosen == () and view.releases == ()
    notices = notifications_for(sari, today=DAY).to_json()
    assert all(isinstance(i["params"].get("deadline", ""), str) for i in notices["items"])
