"""The PostgreSQL server restarted while the web app serves requests (issue 18).

A throw-away PostgreSQL server (``initdb`` in a temporary folder, a free port, its own socket
folder; never the suite's server) holds the application database of a workspace, and
``rpkd serve`` runs on it as a real process. Pages, realisation forms, sign-ins and API calls
go on in threads while the server is stopped with a fast shutdown (the sessions in flight are
terminated) and started again. Checked: every request ends within :data:`REQUEST_LIMIT`
seconds, either as it would without the fault or with the 503 page ``database_unavailable`` in
the reader's language (the API: its JSON error), with no traceback or driver text; afterwards
the same server process answers every request again (its connection pool recovered); every
write is whole or absent (a realisation version with its audit row, a session or API token
with its sign-in row) and the audit chain verifies.
"""

from __future__ import annotations

import contextlib
import glob
import html
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fault_kit import RPKD, env, run
from sqlalchemy import create_engine, text

from rpkd import locale
from rpkd.workflows import Workspace, add_user, init_plan

PASSWORD = "kapuas-bersinar-2025"
REQUEST_LIMIT = 20.0  # seconds any request may take, the fault included
OUTAGE = 2.0  # seconds the server stays down
QUARTER = "/realisations?year=2025&quarter=2"
SUBJECTS = ("RTLH", "SANITASI")  # one writer each: versions of one subject are numbered in turn
DRIVER_TEXT = ("Traceback", "psycopg", "OperationalError", "sqlalchemy", "terminating connection")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Postgres:
    """A PostgreSQL server of this test alone (run as ``postgres`` when the test is root)."""

    def __init__(self, folder: Path, bindir: Path) -> None:
        self.folder, self.bindir, self.port = folder, bindir, _free_port()
        self.url = f"postgresql+psycopg://rpkd@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = shlex.join(args)
        if os.geteuid() == 0:
            argv = ["su", "postgres", "-s", "/bin/sh", "-c", command]
        else:
            argv = ["sh", "-c", command]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(f"{self.bindir}/initdb", "-D", f"{self.folder}/data", "-A", "trust", "-U", "rpkd")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            f"{self.bindir}/pg_ctl", "-D", f"{self.folder}/data", "-o", options,
            "-l", f"{self.folder}/log", "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(f"{self.bindir}/pg_ctl", "-D", f"{self.folder}/data", "-m", "fast", "-w", "stop")


def _bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p)],
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    """A fresh PostgreSQL server on a free port, stopped and removed afterwards."""
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL binaries: CI installs them (scripts/test.sh)")
        pytest.skip("no PostgreSQL binaries (initdb)")
    folder = Path(tempfile.mkdtemp(prefix="rpkd-pg-restart-"))
    folder.chmod(0o777)
    server = Postgres(folder, bindir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Answer:
    """One request as the browser saw it."""

    worker: str
    method: str
    path: str
    status: int
    seconds: float
    started: float
    body: str
    headers: dict[str, str]
    note: str = ""


@dataclass
class Browser:
    """A browser of one user: its cookies, over a new HTTP connection per request."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # an API client's bearer token

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Answer:
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_LIMIT)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        headers |= self.headers
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        seconds = time.monotonic() - started
        return Answer("", method, path, response.status, seconds, started, content, answer_headers)

    def form_token(self, path: str) -> str:
        found = _CSRF.search(self.request("GET", path).body)
        assert found is not None, path
        return found.group(1)

    def sign_in(self, username: str) -> Answer:
        token = self.form_token("/login")
        fields = {"username": username, "password": PASSWORD, "csrf_token": token}
        return self.request("POST", "/login", fields)


@dataclass
class Traffic:
    """The requests of every worker, until :attr:`stop` is set."""

    port: int
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[Answer] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, worker: str, answer: Answer, note: str = "") -> None:
        answer.worker, answer.note = worker, note
        with self.lock:
            self.answers.append(answer)

    def worker(self, name: str, step: object) -> threading.Thread:
        def loop() -> None:
            try:
                while not self.stop.is_set():
                    step()  # type: ignore[operator]
                    time.sleep(0.05)
            except BaseException as exc:  # a hang or a broken connection fails the test
                self.failures.append(exc)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        return thread

    def of(self, worker: str) -> list[Answer]:
        with self.lock:
            return [a for a in self.answers if a.worker == worker]


def _reader(traffic: Traffic, name: str, lang: str) -> object:
    browser = Browser(traffic.port, {"rpkd_lang": lang})
    assert browser.sign_in("tkpkd").status == 303
    pages = ["/", QUARTER, "/notifications"]
    count = iter(range(10**9))

    def step() -> None:
        path = pages[next(count) % len(pages)]
        traffic.keep(name, browser.request("GET", path))

    return step


def _writer(traffic: Traffic, subject: str) -> object:
    browser = Browser(traffic.port)
    assert browser.sign_in("tkpkd").status == 303
    token = browser.form_token("/account/password")
    count = iter(range(1, 10**9))

    def step() -> None:
        n = next(count)
        note = f"{subject}-{n}"
        fields = {
            "csrf_token": token, "subject": f"indicator:{subject}", "year": "2025",
            "quarter": "2", "value": str(n), "note": note,
        }  # fmt: skip
        traffic.keep(subject, browser.request("POST", "/realisations", fields), note)

    return step


def _api(traffic: Traffic) -> object:
    client = Browser(traffic.port)
    issued = client.request("POST", "/api/v1/token", {"username": "tkpkd", "password": PASSWORD})
    assert issued.status == 200, issued.body
    client.headers["Authorization"] = f"Bearer {json.loads(issued.body)['access_token']}"

    def step() -> None:
        traffic.keep("api", client.request("GET", "/api/v1/performance?year=2025&quarter=2"))

    return step


def _signer(traffic: Traffic) -> object:
    def step() -> None:
        browser = Browser(traffic.port)
        page = browser.request("GET", "/login")
        traffic.keep("sign-in", page)
        found = _CSRF.search(page.body)
        if found is None:
            return
        fields = {"username": "admin", "password": PASSWORD, "csrf_token": found.group(1)}
        answer = browser.request("POST", "/login", fields)
        traffic.keep("sign-in", answer, browser.cookies.get("rpkd_session", ""))

    return step


def _workspace(path: Path, url: str) -> Path:
    path.mkdir()
    (path / "rpkd.toml").write_text(f'database_url = "{url}"\n', encoding="utf-8")
    with Workspace.open(path, environ={}) as ws:
        add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(path, actor="admin", environ={}) as ws:
        init_plan(ws, kit="kapuas")
        add_user(ws, "tkpkd", PASSWORD, role="analyst")
    return path


def _serve(workspace: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [RPKD, "serve", "-w", str(workspace), "--port", str(port)],
            env=env(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Browser(port).request("GET", "/login").status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(log.read_text(encoding="utf-8", errors="replace"))


def _ok(answer: Answer) -> bool:
    return answer.status == (303 if answer.method == "POST" else 200)


def _wait_for(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the traffic did not reach the expected state"
        time.sleep(0.1)


def test_requests_survive_a_postgres_restart(tmp_path: Path, postgres: Postgres) -> None:
    workspace = _workspace(tmp_path / "ws", postgres.url)
    process, port = _serve(workspace, tmp_path / "serve.log")
    traffic = Traffic(port)
    steps = {
        "reader-id": _reader(traffic, "reader-id", "id"),
        "reader-en": _reader(traffic, "reader-en", "en"),
        **{subject: _writer(traffic, subject) for subject in SUBJECTS},
        "sign-in": _signer(traffic),
        "api": _api(traffic),
    }
    try:
        threads = [traffic.worker(name, step) for name, step in steps.items()]
        _wait_for(lambda: all(any(_ok(a) for a in traffic.of(w)) for w in steps), 120)
        down = time.monotonic()
        postgres.stop()  # fast shutdown: the sessions in flight are terminated
        time.sleep(OUTAGE)
        postgres.start()
        up = time.monotonic()

        def recovered() -> bool:  # three answers in a row, each begun after the restart
            return all(
                len(later := [a for a in traffic.of(w) if a.started > up]) >= 3
                and all(_ok(a) for a in later[-3:])
                for w in steps
            )

        _wait_for(recovered, 120)
        traffic.stop.set()
        for thread in threads:
            thread.join(REQUEST_LIMIT + 5)
        assert process.poll() is None, "the web server died"
    finally:
        traffic.stop.set()
        process.terminate()
        process.wait(30)

    assert not traffic.failures, traffic.failures
    answers = traffic.answers
    assert max(a.seconds for a in answers) < REQUEST_LIMIT
    refused = [a for a in answers if not _ok(a)]
    assert refused, "no request met the outage"
    for answer in refused:
        assert answer.status == 503, (answer.worker, answer.path, answer.status, answer.body)
        assert down - 2 < answer.started < up + 10, "a request failed far from the outage"
        lang = "en" if answer.worker == "reader-en" else "id"
        assert answer.headers.get("retry-after") == "5"
        if answer.worker == "api":
            body = json.loads(answer.body)
            assert body["error"]["code"] == "database_unavailable"
            assert body["detail"] == locale.message("database_unavailable", "id")
        else:
            assert html.escape(locale.message("database_unavailable", lang)) in answer.body
            assert locale.label("web.status.503", lang) in answer.body
        assert not any(t.lower() in answer.body.lower() for t in DRIVER_TEXT), answer.body
        assert postgres.url not in answer.body and str(postgres.port) not in answer.body
    server_log = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in server_log, server_log

    _assert_whole(postgres.url, answers)
    verified = run("audit", "verify", "-w", str(workspace), "--as", "admin", "-f", "json")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _assert_whole(url: str, answers: list[Answer]) -> None:
    """Each write whole or absent: every realisation with its audit row and the reverse, every
    accepted form's version present; every session opened with its sign-in row."""
    database = create_engine(url)
    try:
        with database.connect() as connection:
            versions = dict(connection.execute(text("SELECT id, evidence FROM realisation")).all())
            audited = [
                json.loads(p)["id"]
                for (p,) in connection.execute(
                    text("SELECT parameters FROM audit_log WHERE action = 'realisation.submit'")
                )
            ]
            sessions = connection.execute(text("SELECT count(*) FROM web_session")).scalar_one()
            sign_ins = connection.execute(
                text(
                    "SELECT count(*) FROM audit_log WHERE action IN ('auth.sign_in', 'auth.token')"
                )
            ).scalar_one()
    finally:
        database.dispose()
    assert sorted(audited) == sorted(versions)
    notes = list(versions.values())
    assert len(notes) == len(set(notes))
    accepted = {a.note for a in answers if a.method == "POST" and a.path == "/realisations"}
    saved = {a.note for a in answers if a.path == "/realisations" and _ok(a)}
    assert saved <= set(notes) <= accepted
    assert sessions == sign_ins
