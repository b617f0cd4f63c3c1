"""``rpkd serve`` and ``rpkd demo --serve``: the app of the workspace on uvicorn, cookies over
plain HTTP only on loopback, the first admin of a workspace without users (uvicorn is replaced
by a recorder: no server is started)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

import rpkd.cli
from rpkd.cli.serve import is_loopback, start
from rpkd.workflows import Workspace, add_user, list_users, sign_in


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def record(app: Any, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr(uvicorn, "run", record)
    return calls


def test_serve_builds_the_app_of_the_workspace(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        add_user(ws, "admin", "kapuas-bersinar-2025", role="admin")
    rpkd.cli._register()
    runner = CliRunner()
    done = runner.invoke(
        rpkd.cli.app, ["serve", "--workspace", str(tmp_path / "ws"), "--port", "8123"]
    )
    assert done.exit_code == 0, done.output
    assert "http://127.0.0.1:8123/" in done.output
    (call,) = served
    assert (call["host"], call["port"], call["proxy_headers"]) == ("127.0.0.1", 8123, True)
    state = call["app"].state.server
    assert state.plain_http is True and state.district.name == "Kabupaten Kapuas"
    done = runner.invoke(rpkd.cli.app, ["serve", "-w", str(tmp_path / "ws"), "--host", "0.0.0.0"])
    assert done.exit_code == 0, done.output
    assert served[1]["app"].state.server.plain_http is False  # Secure cookies off loopback


def test_a_memory_limit_duckdb_cannot_read_stops_serve_before_it_listens(tmp_path: Path) -> None:
    env = {**os.environ, "RPKD_MEMORY_LIMIT": "tujuh gigabyte", "RPKD_LANG": "en"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("rpkd")), "serve", "-w", str(tmp_path / "ws")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: setting memory_limit 'tujuh gigabyte' cannot be read: write a number with a unit,"
        " e.g. 8GB, 6.5GB or 500MiB"
    ]


def test_is_loopback() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.10", "rpkd.example"))


def test_demo_serve_gives_a_workspace_without_users_its_first_admin(
    tmp_path: Path, served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    start(tmp_path / "ws", host="127.0.0.1", port=8000, lang="en", first_admin=True)
    said = capsys.readouterr().err
    assert "Sign in as admin with the password " in said
    password = said.split("with the password ", 1)[1].split(" ", 1)[0]
    with Workspace.open(tmp_path / "ws") as ws:
        assert sign_in(ws, "admin", password, client="127.0.0.1").username == "admin"
    start(tmp_path / "ws", host="127.0.0.1", port=8000, lang="en", first_admin=True)
    assert "password" not in capsys.readouterr().err  # it has users now: nothing is created
    with Workspace.open(tmp_path / "ws", actor="admin") as ws:
        assert [u.username for u in list_users(ws).users] == ["admin"]
    assert len(served) == 2
