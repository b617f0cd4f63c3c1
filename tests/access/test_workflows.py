"""Users and the audit log through their workflows: who may add and list users, read the log;
every addition audited; the log filtered by user, action and day, with its scope column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rpkd.access.roles import Grant, Scope
from rpkd.errors import Forbidden, UsageError
from rpkd.settings import Settings
from rpkd.store import utcnow
from rpkd.workflows import access as wf
from rpkd.workflows import gate
from rpkd.workflows.workspace import Workspace

PASSWORD = "kapuas-bersinar-2025"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(workspace=tmp_path / "ws", database_url=database_url)


def test_first_user_is_an_admin_added_by_the_local_owner(settings: Settings) -> None:
    with Workspace(settings) as local:
        added = wf.add_user(local, "admin", PASSWORD, role="admin")
    assert added.to_json() == [{"username": "admin", "roles": "Admin"}]
    with Workspace(settings, actor="admin") as admin:
        added = wf.add_user(
            admin, "sari", PASSWORD, role="agency_operator", agency="DINSOS", full_name="Sari"
        )
        assert added.to_json("en") == [{"username": "sari", "roles": "Agency operator (DINSOS)"}]
        camat = wf.add_user(admin, "camat", PASSWORD, role="area_operator", region="620301")
        assert camat.user.grants == (Grant("area_operator", region="62.03.01"),)
        users = wf.list_users(admin)
        assert [u["username"] for u in users.to_json()] == ["admin", "camat", "sari"]
        assert users.to_arrow("en").column("roles").to_pylist()[2] == "Agency operator (DINSOS)"
        entries = wf.list_audit(admin, action="user.").to_json()
    assert [(e["username"], e["parameters"]["username"]) for e in entries] == [
        ("local", "admin"),
        ("admin", "sari"),
        ("admin", "camat"),
    ]


def test_only_user_managers_add_and_list_users_and_only_auditors_read_the_log(
    settings: Settings,
) -> None:
    with Workspace(settings) as local:
        wf.add_user(local, "admin", PASSWORD, role="admin")
    with Workspace(settings, actor="admin") as admin:
        wf.add_user(admin, "tkpkd", PASSWORD, role="analyst")
    with Workspace(settings, actor="tkpkd") as analyst:
        with pytest.raises(Forbidden) as caught:
            wf.add_user(analyst, "x", PASSWORD, role="viewer")
        assert caught.value.params["action"] == "user.manage"
        with pytest.raises(Forbidden):
            wf.list_users(analyst)
        with pytest.raises(Forbidden):
            wf.list_audit(analyst)
    with Workspace(settings) as nobody, pytest.raises(UsageError) as usage:
        wf.list_users(nobody)  # the workspace has users: an actor must be named
    assert usage.value.code == "user_required"
    with Workspace(settings, actor="admin") as admin, pytest.raises(UsageError) as role:
        wf.add_user(admin, "x", PASSWORD, role="kepala")
    assert role.value.code == "role_unknown"


def test_audit_log_filters_and_scope(settings: Settings) -> None:
    with Workspace(settings) as ws:
        gate.audit(ws, "records.view", release="r1", records=12, scopes=(Scope(region="62.03.01"),))
        gate.audit(ws, "plan.export", records=3)
        everything = wf.list_audit(ws)
        today = utcnow().date()
        assert [e["scope"] for e in everything.to_json()] == ["region=62.03.01", None]
        assert everything.to_arrow().column("parameters").to_pylist() == ["{}", "{}"]
        assert [e["action"] for e in wf.list_audit(ws, action="plan.").to_json()] == ["plan.export"]
        assert len(wf.list_audit(ws, user="local", since=today, until=today).entries) == 2
        assert wf.list_audit(ws, since=today + timedelta(days=1)).entries == ()
        assert wf.list_audit(ws, until=today - timedelta(days=1)).entries == ()
        assert wf.list_audit(ws, user="someone").entries == ()
