"""Partners' commitments and reports through their workflows, the budget by source and the
partners' notifications, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest

from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, InvalidInput
from rpkd.planning.model import Plan
from rpkd.planning.store import save_plan
from rpkd.workflows.jobs import Upload
from rpkd.workflows.notifications import notifications_for
from rpkd.workflows.partners import (
    budget_by_source,
    partner_desk,
    register_commitment,
    report_commitment,
    review_commitment_report,
)
from rpkd.workflows.realisation_work import realisation_evidence_file
from rpkd.workflows.workspace import Workspace

OpenWorkspace = Callable[..., Workspace]
ANALYST = (Grant("analyst"),)
BAZNAS = (Grant("partner", partner="BAZNAS"),)
CSR = (Grant("partner", partner="CSR"),)
DAY = date(2025, 7, 3)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _register(ws: Workspace) -> int:
    (item,) = register_commitment(
        ws, "BAZNAS", "P05", activity="K0501", description="Bedah rumah 10 unit",
        amount=400_000_000.0, start_year=2025, end_year=2026, lokus=("62.03.01",),
        target_group="keluarga desil 1",
    ).items  # fmt: skip
    return item.id


def test_partner_registers_reports_and_is_verified(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    with open_workspace().transaction() as db:
        save_plan(db, plan)
    baznas, tkpkd = open_workspace("amil", BAZNAS), open_workspace("tkpkd", ANALYST)
    commitment = _register(baznas)
    desk = partner_desk(baznas, today=DAY)
    assert [c.id for c in desk.commitments] == [commitment]
    assert desk.partners == ("BAZNAS",) and not desk.can_review

    def partner_codes(ws: Workspace) -> list[str]:
        return [n.code for n in notifications_for(ws, today=DAY).items if n.source == "partners"]

    assert partner_codes(baznas) == ["notice_commitment_due"]
    # another partner neither sees nor reports it
    assert partner_desk(open_workspace("csr", CSR), today=DAY).commitments == ()
    with pytest.raises(Forbidden):
        report_commitment(open_workspace("csr", CSR), commitment, 2025, 2, budget_spent=1.0)
    (first,) = report_commitment(
        baznas, commitment, 2025, 2, budget_spent=1.0e8, beneficiaries=4,
        files=[Upload("rumah.png", io.BytesIO(PNG))],
    ).items  # fmt: skip
    assert [r.id for r in partner_desk(tkpkd, today=DAY).to_review] == [first.id]
    with pytest.raises(Forbidden):  # four eyes: the partner cannot verify, nor could anyone
        review_commitment_report(baznas, first.id, "verified")  # who lacks verify
    review_commitment_report(tkpkd, first.id, "rejected", reason="foto tidak jelas")
    assert partner_codes(baznas) == ["notice_commitment_returned"]
    (second,) = report_commitment(baznas, commitment, 2025, 2, budget_spent=1.2e8).items
    assert second.version == 2
    (checked,) = review_commitment_report(tkpkd, second.id, "verified").items
    assert checked.status == "verified" and checked.reviewed_by == "tkpkd"
    desk = partner_desk(tkpkd, today=DAY)
    assert [(r.version, r.status) for r in desk.history(commitment)] == [
        (1, "rejected"),
        (2, "verified"),
    ]
    (proof,) = desk.evidence_of(first.id)
    assert realisation_evidence_file(baznas, proof.id).path.read_bytes() == PNG


def test_commitment_rules(open_workspace: OpenWorkspace, plan: Plan) -> None:
    with open_workspace().transaction() as db:
        save_plan(db, plan)
    baznas = open_workspace("amil", BAZNAS)
    with pytest.raises(Forbidden):  # a partner registers only for itself
        register_commitment(baznas, "CSR", "P05", description="x", amount=1.0,
                            start_year=2025, end_year=2025)  # fmt: skip
    cases = [
        ({"programme": "P99"}, "commitment_programme_unknown"),
        ({"activity": "K0101"}, "commitment_activity_unknown"),
        ({"start_year": 2026, "end_year": 2025}, "commitment_period_order"),
        ({"end_year": 2031}, "plan_year_outside"),
        ({"lokus": ("63.01",)}, "commitment_lokus_invalid"),
        ({"description": " "}, "commitment_description_missing"),
    ]
    for change, code in cases:
        values = {"programme": "P05", "description": "x", "amount": 1.0, "start_year": 2025,
                  "end_year": 2025, **change}  # fmt: skip
        programme = str(values.pop("programme"))
        with pytest.raises(InvalidInput) as refused:
            register_commitment(baznas, "BAZNAS", programme, **values)  # type: ignore[arg-type]
        assert refused.value.code == code, change
    commitment = _register(baznas)
    with pytest.raises(InvalidInput) as outside:
        report_commitment(baznas, commitment, 2027, 1, budget_spent=1.0)
    assert outside.value.code == "commitment_year_outside"


def test_budget_by_source_puts_every_source_side_by_side(
    open_workspace: OpenWorkspace, plan: Plan
) -> None:
    with open_workspace().transaction() as db:
        save_plan(db, plan)
    _register(open_workspace("amil", BAZNAS))
    budget = budget_by_source(open_workspace("tkpkd", ANALYST), 2025)
    rows = {(r["origin"], r["code"]): r for r in budget.rows}
    plan_row = rows[("plan", "K0501")]
    assert (plan_row["apbd"], plan_row["baznas"], plan_row["total"]) == (1.5e9, 2.0e8, 1.7e9)
    partner_row = rows[("commitment", "K0501")]
    assert partner_row["baznas"] == 2.0e8 and partner_row["holder"] == "BAZNAS"  # 400 M / 2 yrs
    totals = budget.totals()
    assert totals["apbd"] == 1.5e9 + 4.0e8  # K0501 and K0101
    assert totals["baznas"] == 4.0e8
    with pytest.raises(Forbidden):
        budget_by_source(open_workspace("amil", BAZNAS), 2025)
