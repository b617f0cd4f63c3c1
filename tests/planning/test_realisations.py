"""Realisations through their workflows: versions, review, permissions on the subject's scope,
audit rows, and the same performance table on every database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from rpkd.access import audit
from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.planning.model import Plan
from rpkd.planning.store import save_plan
from rpkd.workflows import monitoring
from rpkd.workflows import realisations as wf
from rpkd.workflows.workspace import Workspace

OpenWorkspace = Callable[..., Workspace]

ADMIN = (Grant("admin"),)
ANALYST = (Grant("analyst"),)
PERKIM = (Grant("agency_operator", agency="PERKIM"),)
DINSOS = (Grant("agency_operator", agency="DINSOS"),)


def _store(ws: Workspace, plan: Plan) -> None:
    with ws.transaction() as db:
        save_plan(db, plan)


def _scenario(open_workspace: OpenWorkspace, plan: Plan) -> pa.Table:
    """Submit, correct, verify and reject; return the 2025 Q2 performance table."""
    local = open_workspace()
    _store(local, plan)
    sari, tkpkd = open_workspace("sari", PERKIM), open_workspace("tkpkd", ANALYST)
    (first,) = wf.add_realisation(
        sari, "activity", "K0501", 2025, 1, value=20.0, budget_spent=3.0e8, beneficiaries=20,
        evidence="BAST",
    ).items  # fmt: skip
    (q2,) = wf.add_realisation(
        sari, "activity", "K0501", 2025, 2, value=55.0, budget_spent=9.0e8, beneficiaries=55
    ).items
    (fix,) = wf.add_realisation(
        sari, "activity", "K0501", 2025, 2, value=60.0, budget_spent=1.02e9, beneficiaries=60
    ).items
    (output,) = wf.add_realisation(sari, "indicator", "O0501", 2025, 2, value=60.0).items
    (p0,) = wf.add_realisation(
        tkpkd, "indicator", "P0", 2025, 2, value=5.1, se=0.3, ci_low=4.5, ci_high=5.7
    ).items
    for item in (first, fix, output):
        wf.verify_realisation(tkpkd, item.id)
    wf.reject_realisation(tkpkd, q2.id, "BAST belum lengkap")
    wf.verify_realisation(open_workspace("kepala", ADMIN), p0.id)
    return monitoring.monitor(local, 2025, quarter=2).to_arrow()


def test_versions_review_and_current_value(open_workspace: OpenWorkspace, plan: Plan) -> None:
    table = _scenario(open_workspace, plan)
    history = wf.list_realisations(open_workspace()).items
    versions = [(r.subject_code, r.quarter, r.version, r.status) for r in history]
    assert versions == [
        ("K0501", 1, 1, "verified"),
        ("K0501", 2, 1, "rejected"),
        ("K0501", 2, 2, "verified"),
        ("O0501", 2, 1, "verified"),
        ("P0", 2, 1, "verified"),
    ]
    assert history[1].reason == "BAST belum lengkap" and history[1].value == 55.0
    assert (history[4].se, history[4].ci_low, history[4].ci_high) == (0.3, 4.5, 5.7)
    rows = {r["code"]: r for r in table.to_pylist()}
    # K0501: latest verified Q2 version spent 1.02e9 of 1.7e9 budgeted for 2025 -> 60%
    assert rows["K0501"]["realisation"] == 1.02e9
    assert rows["K0501"]["achievement"] == pytest.approx(60.0)
    assert (rows["K0501"]["band"], rows["K0501"]["lagging"]) == ("Rendah", True)
    assert rows["O0501"]["achievement"] == pytest.approx(60.0)  # 60 / 100
    assert rows["P0"]["achievement"] == pytest.approx(98.0)  # (2*5 - 5.1) / 5
    assert rows["P0"]["achievement_low"] == pytest.approx(86.0)
    assert rows["K0101"]["realisation"] is None
    assert (rows["K0101"]["status"], rows["K0101"]["lagging"]) == ("no_realisation", False)


def test_every_submission_and_review_is_audited_with_its_scope(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    _scenario(open_workspace, plan)
    with open_workspace().transaction() as db:
        entries = audit.entries(db, action="realisation.")
    assert [e.action for e in entries].count("realisation.submit") == 5
    assert [e.action for e in entries].count("realisation.verify") == 4
    first = entries[0]
    assert (first.username, first.records, first.parameters["subject"]) == (
        "sari",
        1,
        "activity:K0501",
    )
    assert first.scope == "region=62.03.01, agency=PERKIM, partner=BAZNAS"
    rejected = next(e for e in entries if e.action == "realisation.reject")
    assert rejected.username == "tkpkd"


def test_rules_of_review(open_workspace: OpenWorkspace, plan: Plan) -> None:
    _store(open_workspace(), plan)
    (item,) = wf.add_realisation(
        open_workspace("sari", PERKIM), "indicator", "O0501", 2025, 1, value=10.0
    ).items
    with pytest.raises(Forbidden) as caught:  # operators do not verify
        wf.verify_realisation(open_workspace("sari", PERKIM), item.id)
    assert caught.value.code == "forbidden"
    with pytest.raises(Forbidden) as caught:  # four eyes
        wf.verify_realisation(open_workspace("sari", ANALYST), item.id)
    assert caught.value.code == "four_eyes"
    tkpkd = open_workspace("tkpkd", ANALYST)
    with pytest.raises(InvalidInput) as invalid:
        wf.reject_realisation(tkpkd, item.id, " ")
    assert invalid.value.code == "realisation_reason_missing"
    wf.verify_realisation(tkpkd, item.id)
    with pytest.raises(InvalidInput) as invalid:
        wf.reject_realisation(tkpkd, item.id, "x")
    assert (invalid.value.code, invalid.value.params["status"]) == (
        "realisation_reviewed",
        "verified",
    )
    with pytest.raises(NotFound) as missing:
        wf.verify_realisation(tkpkd, 999)
    assert missing.value.code == "realisation_unknown"


def test_the_local_user_may_verify_its_own_submission(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    local = open_workspace()
    _store(local, plan)
    (item,) = wf.add_realisation(local, "indicator", "P0", 2025, 4, value=5.0).items
    (verified,) = wf.verify_realisation(local, item.id).items
    assert (verified.submitted_by, verified.reviewed_by, verified.status) == (
        "local",
        "local",
        "verified",
    )


def test_rules_of_submission(open_workspace: OpenWorkspace, plan: Plan) -> None:
    _store(open_workspace(), plan)
    with pytest.raises(Forbidden):  # another OPD's activity
        wf.add_realisation(open_workspace("d", DINSOS), "activity", "K0501", 2025, 1, value=1.0)
    with pytest.raises(Forbidden):  # outcome indicators belong to the secretariat
        wf.add_realisation(open_workspace("d", PERKIM), "indicator", "P0", 2025, 1, value=5.0)
    area = open_workspace("camat", (Grant("area_operator", region="62.03.01"),))
    wf.add_realisation(area, "activity", "K0501", 2025, 1, value=1.0)
    baznas = open_workspace("baznas", (Grant("partner", partner="BAZNAS"),))
    wf.add_realisation(baznas, "activity", "K0501", 2025, 1, value=1.0)
    admin = open_workspace("kepala", ADMIN)
    with pytest.raises(InvalidInput) as caught:
        wf.add_realisation(admin, "activity", "K0501", 2031, 1, value=1.0)
    assert caught.value.code == "plan_year_outside"
    with pytest.raises(InvalidInput) as caught:
        wf.add_realisation(admin, "indicator", "P0", 2025, 1)
    assert caught.value.code == "realisation_value_missing"
    with pytest.raises(InvalidInput) as caught:
        wf.add_realisation(admin, "activity", "K0501", 2025, 1, budget_spent=-1.0)
    assert (caught.value.code, caught.value.param) == ("realisation_negative", "budget_spent")
    with pytest.raises(NotFound) as unknown:
        wf.add_realisation(admin, "activity", "K9999", 2025, 1, value=1.0)
    assert unknown.value.code == "plan_activity_unknown"
    assert len(wf.list_realisations(admin).items) == 2


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_identical_performance_tables(
    tmp_path: Path, postgres_url: str, plan: Plan, workspace_as: OpenWorkspace
) -> None:
    tables = []
    opened: list[Workspace] = []
    for name, url in (("sqlite", f"sqlite:///{tmp_path / 'rpkd.db'}"), ("pg", postgres_url)):

        def make(
            user: str | None = None,
            grants: tuple[Grant, ...] = (),
            folder: Path = tmp_path / name,
            url: str = url,
        ) -> Workspace:
            ws = workspace_as(folder, url, user, grants)
            opened.append(ws)
            return ws

        tables.append(_scenario(make, plan))
    for ws in opened:
        ws.close()
    assert tables[0].equals(tables[1])
