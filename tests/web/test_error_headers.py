"""Every answer carries the security headers, the error answers too: a 500 (an exception no
handler expects, answered by Starlette's outermost layer), a 503 (the application database
cannot be reached: the error a route meets, and on PostgreSQL a real outage, the network to the
server cut), a 404 and a 413 (a body over its limit, refused as it arrives), as a page and as
the API's JSON, in Indonesian and in English.

The expected headers are written out here, as the deployment note states them.
"""

from __future__ import annotations

import contextlib
import html
import socket
import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.engine import make_url
from web_fixture import PASSWORD, sign_in

from rpkd import locale
from rpkd.errors import Unavailable
from rpkd.web.access import Route
from rpkd.web.app import create_app
from rpkd.web.errors import title_key
from rpkd.workflows import Workspace, add_user

HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
LIMIT_MB = 2  # a form's limit by default (``form_max_mb``, docs/api.md)
OVER = b"username=" + b"a" * ((LIMIT_MB + 1) << 20)


def _fail() -> None:
    raise RuntimeError("an exception no handler expects")


def _database_gone() -> None:
    # what rpkd.store.session raises when the server drops the connection
    raise Unavailable("database_unavailable")


@pytest.fixture
def browser(app: FastAPI) -> TestClient:
    for path, route in (("/fails", _fail), ("/database", _database_gone)):
        for served in (path, f"/api/v1{path}"):
            app.add_api_route(served, route)
            app.state.server.routes[("GET", served)] = Route("GET", served, "public")
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


CASES = [
    ("GET", "/fails", 500, "server_error"),
    ("GET", "/database", 503, "database_unavailable"),
    ("GET", "/tidak-ada", 404, "page_not_found"),
    ("POST", "/login", 413, "request_too_large"),
]
API_CASES = [
    ("GET", "/api/v1/fails", 500, "server_error"),
    ("GET", "/api/v1/database", 503, "database_unavailable"),
    ("GET", "/api/v1/tidak-ada", 404, None),  # its JSON is the API's bad-input tests' part
    ("POST", "/api/v1/token", 413, "request_too_large"),
]


def _ask(browser: TestClient, method: str, path: str, lang: str) -> Response:
    browser.cookies.set("rpkd_lang", lang)
    if method == "GET":
        return browser.get(path)
    form = {"content-type": "application/x-www-form-urlencoded"}
    return browser.post(path, content=OVER, headers=form)


def _headers(answer: Response) -> dict[str, str | None]:
    return {name: answer.headers.get(name) for name in HEADERS}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("method", "path", "status", "code"), CASES + API_CASES)
def test_an_error_answer_carries_the_security_headers(
    browser: TestClient, lang: str, method: str, path: str, status: int, code: str | None
) -> None:
    with browser:
        answer = _ask(browser, method, path, lang)
    assert answer.status_code == status
    assert _headers(answer) == HEADERS
    params = {"limit": LIMIT_MB} if status == 413 else {}
    if code is None:
        return
    if path.startswith("/api/"):
        body = answer.json()
        assert body["error"]["code"] == code
        assert body["detail"] == locale.message(code, lang, **{**body["error"]["params"], **params})
        return
    text = answer.text
    assert html.escape(locale.message(code, lang, **params)) in text
    assert html.escape(locale.label(title_key(status), lang)) in text


def test_a_page_that_answers_carries_the_same_headers(browser: TestClient) -> None:
    with browser:
        answer = browser.get("/login")
    assert answer.status_code == 200
    assert _headers(answer) == HEADERS


class Relay:
    """A TCP relay to the PostgreSQL server that can be cut: the network to the database
    failing (connections dropped, new ones refused)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # cut
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(1 << 16):
                sink.sendall(data)
        for end in (source, sink):
            _close(end)

    def cut(self) -> None:
        _close(self.listener)  # shut down first: a blocked accept() returns
        with self.lock:
            for end in self.open:
                _close(end)


def _close(end: socket.socket) -> None:
    with contextlib.suppress(OSError):
        end.shutdown(socket.SHUT_RDWR)
    end.close()


@pytest.mark.postgres
@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_database_outage_answers_503_with_the_security_headers(
    tmp_path: Path, postgres_url: str, lang: str
) -> None:
    url = make_url(postgres_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    try:
        with Workspace.open(tmp_path / "ws", environ={"RPKD_DATABASE_URL": through}) as ws:
            add_user(ws, "admin", PASSWORD, role="admin")
            app = create_app(ws, plain_http=True)
            with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as browser:
                sign_in(browser, "admin")
                browser.cookies.set("rpkd_lang", lang)
                assert browser.get("/admin/users").status_code == 200  # the users are read
                relay.cut()
                answer = browser.get("/admin/users")
    finally:
        relay.cut()
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert _headers(answer) == HEADERS
    assert html.escape(locale.message("database_unavailable", lang)) in answer.text
