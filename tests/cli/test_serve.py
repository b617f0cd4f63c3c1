"""``rpkd serve`` and ``rpkd demo --serve``: the app of the workspace on uvicorn, cookies over
plain HTTP only on loopback, the first admin of a workspace without users, a port in use
(uvicorn's server is replaced by a recorder: the port is bound, no server is started)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

import rpkd.cli
from rpkd.cli.serve import is_loopback, start
from rpkd.errors import UsageError
from rpkd.workflows import Workspace, add_user, list_users, sign_in


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def record(server: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        config = server.config
        calls.append({"app": config.app, "host": config.host, "port": config.port,
                      "proxy_headers": config.proxy_headers,
                      "bound": [s.getsockname()[:2] for s in sockets or ()]})  # fmt: skip

    monkeypatch.setattr(uvicorn.Server, "run", record)
    return calls


def test_serve_builds_the_app_of_the_workspace(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        add_user(ws, "admin", "kapuas-bersinar-2025", role="admin")
    rpkd.cli._register()
    runner = CliRunner()
    done = runner.invoke(
        rpkd.cli.app, ["serve", "--workspace", str(tmp_path / "ws"), "--port", "0"]
    )
    assert done.exit_code == 0, done.output
    (call,) = served
    port = call["port"]  # a free port, bound before the server starts, and the one announced
    assert port > 0 and call["bound"] == [("127.0.0.1", port)]
    assert f"http://127.0.0.1:{port}/" in done.output
    assert (call["host"], call["proxy_headers"]) == ("127.0.0.1", True)
    state = call["app"].state.server
    assert state.plain_http is True and state.district.name == "Kabupaten Kapuas"
    done = runner.invoke(
        rpkd.cli.app, ["serve", "-w", str(tmp_path / "ws"), "--host", "0.0.0.0", "--port", "0"]
    )
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


def test_a_port_in_use_stops_serve_before_anything_is_made(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError) as refused:
            start(tmp_path / "ws", host="127.0.0.1", port=port, lang="en", first_admin=True)
    assert (refused.value.code, refused.value.param) == ("serve_cannot_listen", "port")
    assert refused.value.message("en").startswith(
        f"rpkd web cannot listen on 127.0.0.1 port {port} (Address already in use)"
    )
    assert not served
    with Workspace.open(tmp_path / "ws") as ws:
        assert not list_users(ws).users  # no first admin was made for a server that never ran


def test_is_loopback() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.10", "rpkd.example"))


def test_demo_serve_gives_a_workspace_without_users_its_first_admin(
    tmp_path: Path, served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    start(tmp_path / "ws", host="127.0.0.1", port=0, lang="en", first_admin=True)
    said = capsys.readouterr().err
    assert "Sign in as admin with the password " in said
    password = said.split("with the password ", 1)[1].split(" ", 1)[0]
    with Workspace.open(tmp_path / "ws") as ws:
        assert sign_in(ws, "admin", password, client="127.0.0.1").username == "admin"
    start(tmp_path / "ws", host="127.0.0.1", port=0, lang="en", first_admin=True)
    assert "password" not in capsys.readouterr().err  # it has users now: nothing is created
    with Workspace.open(tmp_path / "ws", actor="admin") as ws:
        assert [u.username for u in list_users(ws).users] == ["admin"]
    assert len(served) == 2
