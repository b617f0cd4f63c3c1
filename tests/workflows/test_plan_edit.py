"""Editing the plan through the workflows (no web): the import's rules, nothing written on an
error, every change audited, who may read and who may edit; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.settings import Settings
from rpkd.workflows import init_plan, list_audit
from rpkd.workflows.plan_edit import (
    activity_form,
    browse_plan,
    field_messages,
    plan_year,
    remove_activity,
    save_activity,
    save_targets,
    targets_form,
)
from rpkd.workflows.workspace import Actor, Workspace


def _open(path: Path, url: str, user: str | None = None, *grants: Grant) -> Workspace:
    ws = Workspace(Settings(workspace=path, database_url=url))
    if user is not None:
        ws.__dict__["actor"] = Actor(user, grants)
    return ws


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    """A workspace with the Kapuas starter plan, acting as an analyst."""
    with _open(tmp_path / "ws", database_url) as local:
        init_plan(local)
    with _open(tmp_path / "ws", database_url, "analis", Grant("analyst")) as analyst:
        yield analyst


def _as(ws: Workspace, user: str, *grants: Grant) -> Workspace:
    return _open(ws.path, str(ws.settings.database_url), user, *grants)


def test_a_target_that_is_not_a_number_is_refused_with_the_import_rule(ws: Workspace) -> None:
    with pytest.raises(InvalidInput) as refused:
        save_targets(ws, "P0", {"target:2026": "enam", "baseline_year": "1700"})
    assert refused.value.code == "plan_edit_invalid"
    codes = {(f.field, f.code) for f in refused.value.findings}
    assert codes == {("target:2026", "matrix_number"), ("baseline_year", "matrix_year")}
    messages = field_messages(refused.value.findings, "en")
    assert messages["target:2026"] == "Target 2026 must be a number"
    assert browse_plan(ws).plan.indicator("P0").target(2026) != 0.0
    assert targets_form(ws, "P0").values["target:2026"] != "enam"


def test_saving_targets_replaces_them_and_is_audited(ws: Workspace) -> None:
    before = browse_plan(ws).plan.indicator("P0")
    changed = save_targets(
        ws,
        "P0",
        {
            "target:2026": "5.75",
            "target:2027": "",
            "baseline_year": "2024",
            "baseline_value": "6.9",
        },
    )
    after = browse_plan(ws).plan.indicator("P0")
    assert changed.to_json() == [
        {"plan": changed.plan.name, "change": "targets.save", "code": "P0"}
    ]
    assert after.target(2026) == 5.75 and after.target(2027) is None
    assert (after.baseline_year, after.baseline_value) == (2024, 6.9)
    assert after.name == before.name and after.polarity == before.polarity
    entries = [e for e in list_audit(_as(ws, "root", Grant("admin"))).to_json()
               if e["action"] == "plan.targets.save"]  # fmt: skip
    assert len(entries) == 1 and entries[0]["username"] == "analis"
    assert entries[0]["parameters"]["code"] == "P0"


def test_an_activity_breaking_the_plan_rules_names_each_field(ws: Workspace) -> None:
    values = {"programme": "P01", "code": "K9001", "name": "Pendampingan", "agency": "NOPE",
              "regions": "62.03.01, 99.99", "partners": "ZZZ", "budget:apbd:2026": "-1",
              "budget:csr:2099": "5"}  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        save_activity(ws, values, new=True)
    found = {(f.field, f.code) for f in refused.value.findings}
    assert found == {
        ("agency", "plan_reference"),
        ("regions", "plan_region_unknown"),
        ("partners", "plan_reference"),
        ("form", "plan_budget_negative"),
    }
    with pytest.raises(NotFound):
        activity_form(ws, "K9001")


def test_required_fields_and_an_unknown_programme(ws: Workspace) -> None:
    with pytest.raises(InvalidInput) as refused:
        save_activity(ws, {"programme": "P99", "code": "", "name": ""}, new=True)
    found = {(f.field, f.code) for f in refused.value.findings}
    assert found == {
        ("code", "matrix_required"),
        ("name", "matrix_required"),
        ("agency", "matrix_required"),
        ("programme", "plan_reference"),
    }


def test_an_activity_added_edited_moved_and_removed(ws: Workspace) -> None:
    values = {"programme": "P01", "code": "K9001", "name": "Pendampingan", "agency": "DINSOS",
              "regions": "62.03.01", "budget:apbd:2026": "250000000",
              "budget:dana_desa:2026": "1e6"}  # fmt: skip
    save_activity(ws, values, new=True)
    plan = browse_plan(ws).plan
    programme = next(p for p in plan.programmes if p.code == "P01")
    assert programme.activities[-1].code == "K9001"
    assert programme.activities[-1].budget(2026) == {"apbd": 250e6, "dana_desa": 1e6}
    with pytest.raises(InvalidInput) as duplicate:
        save_activity(ws, values, new=True)
    assert {(f.field, f.code) for f in duplicate.value.findings} == {("code", "plan_duplicate")}
    form = activity_form(ws, "K9001").values
    assert form["budget:apbd:2026"] == "250000000" and form["programme"] == "P01"
    save_activity(ws, {**form, "programme": "P02", "name": "Pendampingan keluarga"}, new=False)
    plan = browse_plan(ws).plan
    assert [a.code for a in next(p for p in plan.programmes if p.code == "P01").activities] == []
    moved = next(p for p in plan.programmes if p.code == "P02").activities
    assert [a.name for a in moved if a.code == "K9001"] == ["Pendampingan keluarga"]
    remove_activity(ws, "K9001")
    with pytest.raises(NotFound):
        remove_activity(ws, "K9001")


def test_rows_and_budget_by_source_follow_the_filters(ws: Workspace) -> None:
    values = {"programme": "P01", "code": "K9001", "name": "Pendampingan", "agency": "DINSOS",
              "budget:apbd:2026": "100", "budget:csr:2026": "50", "budget:csr:2027": "25"}  # fmt: skip
    save_activity(ws, values, new=True)
    view = browse_plan(ws, agency="DINSOS")
    rows = view.to_json()
    assert [r["activity"] for r in rows] == ["K9001"]
    assert rows[0]["budget_2026"] == 150.0 and rows[0]["budget_total"] == 175.0
    by_source = {r["source"]: r for r in view.budget_by_source()}
    assert set(by_source) == {"apbd", "csr"}
    assert by_source["csr"]["budget_total"] == 75.0
    dinkes = browse_plan(ws, agency="DINKES").to_json()  # its programmes, none with activities
    assert dinkes and {(r["agency"], r["activity"], r["budget_total"]) for r in dinkes} == {
        ("DINKES", None, 0.0)
    }
    strategy = next(p.strategy for p in view.plan.programmes if p.code == "P01")
    shown = browse_plan(ws, strategy=strategy).to_json()
    assert [r["activity"] for r in shown if r["activity"]] == ["K9001"]
    assert {r["strategy"] for r in shown} == {strategy}


def test_who_reads_and_who_edits(ws: Workspace) -> None:
    agency = _as(ws, "dinsos", Grant("agency_operator", agency="DINSOS"))
    view = browse_plan(agency)
    assert view.own == frozenset({"DINSOS"}) and not view.may_edit and not view.may_export
    assert plan_year(agency, 2026).action_plan.year == 2026
    with pytest.raises(Forbidden):
        save_targets(agency, "P0", {"target:2026": "5"})
    partner = _as(ws, "csr", Grant("partner", partner="CSR-BANK"))
    assert browse_plan(partner).own == frozenset()
    desa = _as(ws, "desa", Grant("area_operator", region="62.03.01.1006"))
    with pytest.raises(Forbidden):
        browse_plan(desa)
    viewer = _as(ws, "lihat", Grant("viewer"))
    assert browse_plan(viewer).may_export and not browse_plan(viewer).may_edit
    assert browse_plan(ws).may_edit
