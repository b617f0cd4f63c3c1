"""Fixtures of the web tests: a workspace with users, the app, a client and a way to sign in.

The app runs in-process (FastAPI's TestClient); ``plain_http=True`` as ``rpkd serve`` on
loopback does, so cookies travel over the test client's plain HTTP. Redirects are not
followed, so that tests see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_fixture import PASSWORD, SignIn, sign_in

from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user


@pytest.fixture
def workspace_path(tmp_path: Path) -> Path:
    """A workspace whose users are ``admin`` (admin) and ``viewer`` (viewer)."""
    path = tmp_path / "ws"
    with Workspace.open(path) as ws:
        add_user(ws, "admin", PASSWORD, role="admin", full_name="Admin Bapperida")
    with Workspace.open(path, actor="admin") as ws:
        add_user(ws, "viewer", PASSWORD, role="viewer")
    return path


@pytest.fixture
def app(workspace_path: Path) -> Iterator[FastAPI]:
    """The web app of :func:`workspace_path` (closed afterwards)."""
    application = create_app(workspace_path, plain_http=True)
    yield application
    application.state.server.workspace.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A browser without a session that does not follow redirects."""
    with TestClient(app, follow_redirects=False) as browser:
        yield browser


@pytest.fixture
def login(client: TestClient) -> SignIn:
    """Sign the client in as a user (``login("admin")``); returns the session's CSRF token."""

    def signed(username: str, password: str = PASSWORD) -> str:
        return sign_in(client, username, password)

    return signed
