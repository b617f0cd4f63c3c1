"""Sessions and API tokens (stored hashed, expiring) and the failed-login limit, in the domain
and through the sign-in workflows, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select, text, update

from rpkd.access import sessions
from rpkd.access.roles import Grant
from rpkd.access.sessions import LoginAttemptRow, SessionRow
from rpkd.access.users import add_user
from rpkd.errors import InvalidInput, RateLimited, Unauthenticated
from rpkd.settings import Settings
from rpkd.store import session, utcnow
from rpkd.workflows import access as wf
from rpkd.workflows.workspace import Workspace

PASSWORD = "kapuas-bersinar-2025"


@pytest.fixture
def users(database: Engine) -> Engine:
    with session(database) as db:
        add_user(db, "admin", PASSWORD, (Grant("admin"),))
        add_user(db, "camat", PASSWORD, (Grant("area_operator", region="62.03.01"),))
    return database


def test_a_session_is_stored_only_as_a_hash(users: Engine) -> None:
    with session(users) as db:
        opened = sessions.open_session(db, "camat", "session")
    assert len(opened.token) >= 40 and opened.csrf_token and opened.csrf_token != opened.token
    with session(users) as db:
        stored = db.scalars(select(SessionRow)).one()
        dump = " ".join(str(v) for v in db.execute(text("SELECT * FROM web_session")).one())
    assert stored.token_hash == sessions.token_hash(opened.token)
    assert opened.token not in dump
    with session(users) as db:
        found = sessions.find(db, opened.token, "session")
        assert found is not None
        assert found.user.username == "camat"
        assert found.user.grants == (Grant("area_operator", region="62.03.01"),)
        assert found.csrf_token == opened.csrf_token
        assert sessions.find(db, opened.token, "token") is None  # a session is no API token
        assert sessions.find(db, opened.token[:-1] + "x", "session") is None
        assert sessions.find(db, "", "session") is None


def test_sessions_expire_when_idle_or_old_and_tokens_after_their_lifetime(users: Engine) -> None:
    with session(users) as db:
        idle = sessions.open_session(db, "admin", "session")
        used = sessions.open_session(db, "admin", "session")
        token = sessions.open_session(db, "admin", "token")
    assert token.csrf_token is None
    assert token.expires_at - utcnow() <= sessions.TOKEN_LIFETIME
    now = utcnow()
    with session(users) as db:
        # idle for longer than SESSION_IDLE
        db.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == sessions.token_hash(idle.token))
            .values(expires_at=now - timedelta(seconds=1))
        )
        # in use: the last use moves the idle expiry forward, within the lifetime
        db.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == sessions.token_hash(used.token))
            .values(last_seen_at=now - timedelta(minutes=30), created_at=now - timedelta(hours=11))
        )
    with session(users) as db:
        assert sessions.find(db, idle.token, "session") is None
        found = sessions.find(db, used.token, "session")
        assert found is not None
        # created 11 h ago: the 12 h lifetime bounds the 2 h idle extension
        assert abs((found.expires_at - (now + timedelta(hours=1))).total_seconds()) < 5
        assert sessions.find(db, token.token, "token") is not None


def test_close_and_close_all(users: Engine) -> None:
    with session(users) as db:
        first = sessions.open_session(db, "admin", "session")
        second = sessions.open_session(db, "admin", "session")
        token = sessions.open_session(db, "admin", "token")
        other = sessions.open_session(db, "camat", "session")
    with session(users) as db:
        assert sessions.close(db, first.token) == "admin"
        assert sessions.close(db, first.token) is None
        assert sessions.close_all(db, "admin", keep=second.token) == 1  # the API token
    with session(users) as db:
        assert sessions.find(db, second.token, "session") is not None
        assert sessions.find(db, token.token, "token") is None
        assert sessions.find(db, other.token, "session") is not None


def test_failed_logins_are_counted_by_hashed_keys_within_the_window(users: Engine) -> None:
    with session(users) as db:
        for _ in range(sessions.MAX_FAILURES_PER_USER - 1):
            sessions.record_failure(db, "Admin", "10.1.2.3")
        assert sessions.limit_reached(db, "admin", "10.1.2.3") is None
        sessions.record_failure(db, " admin ", "10.1.2.3")  # names compare without case/space
        wait = sessions.limit_reached(db, "admin", "10.9.9.9")
        assert wait is not None and 800 < wait <= 901
        assert sessions.limit_reached(db, "camat", "10.1.2.3") is None  # 5 < 20 per client
        keys = db.scalars(select(LoginAttemptRow.key)).all()
    assert all(len(k) == 64 for k in keys)
    assert not any("admin" in k or "10.1.2.3" in k for k in keys)
    with session(users) as db:
        db.execute(update(LoginAttemptRow).values(at=utcnow() - sessions.ATTEMPT_WINDOW))
    with session(users) as db:
        assert sessions.limit_reached(db, "admin", "10.1.2.3") is None  # the window has passed
        for _ in range(sessions.MAX_FAILURES_PER_CLIENT):
            sessions.record_failure(db, "someone", "10.1.2.3")
        assert sessions.limit_reached(db, "camat", "10.1.2.3") is not None  # the client's limit
        assert sessions.limit_reached(db, "camat", None) is None
        sessions.clear_failures(db, "someone")
        assert sessions.failures(db, sessions.attempt_key("user", "someone"))[0] == 0


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Workspace:
    settings = Settings(workspace=tmp_path / "ws", database_url=database_url)
    with Workspace(settings) as local:
        wf.add_user(local, "admin", PASSWORD, role="admin")
    with Workspace(settings, actor="admin") as admin:
        wf.add_user(admin, "camat", PASSWORD, role="area_operator", region="62.03.01")
    return Workspace(settings)


def test_sign_in_workflows(ws: Workspace) -> None:
    with ws:
        opened = wf.sign_in(ws, " camat", PASSWORD, client="10.0.0.1")
        who = wf.session_actor(ws, opened.token)
        assert who is not None
        assert (who.actor.username, who.kind, who.roles) == ("camat", "session", {"area_operator"})
        assert who.csrf_token == opened.csrf_token
        assert wf.token_actor(ws, opened.token) is None
        token = wf.issue_token(ws, "admin", PASSWORD, client="10.0.0.1")
        assert token.to_json() == {"access_token": token.access_token, "token_type": "bearer"}
        api = wf.token_actor(ws, token.access_token)
        assert api is not None and api.csrf_token is None and api.roles == {"admin"}
        with pytest.raises(Unauthenticated) as wrong:
            wf.sign_in(ws, "camat", "wrong-password", client="10.0.0.1")
        assert wrong.value.code == "sign_in_failed"
        assert wf.sign_out(ws, opened.token).username == "camat"
        assert wf.session_actor(ws, opened.token) is None
        assert wf.sign_out(ws, opened.token).username is None
        with ws.acting(api.actor) as admin:
            log = wf.list_audit(admin, action="auth.").to_json()
    assert [(e["username"], e["action"]) for e in log] == [
        ("camat", "auth.sign_in"),
        ("admin", "auth.token"),
        ("camat", "auth.sign_in_failed"),
        ("camat", "auth.sign_out"),
    ]


def test_rate_limit_and_password_change_workflows(ws: Workspace) -> None:
    with ws:
        for _ in range(5):
            with pytest.raises(Unauthenticated):
                wf.sign_in(ws, "camat", "wrong-password", client="10.0.0.2")
        with pytest.raises(RateLimited) as limited:
            wf.sign_in(ws, "camat", PASSWORD, client="10.0.0.3")
        assert limited.value.code == "sign_in_rate_limited"
        assert limited.value.message("en") == (
            "too many failed sign-in attempts; try again in 15 minutes"
        )
        opened = wf.sign_in(ws, "admin", PASSWORD, client="10.0.0.2")
        other = wf.sign_in(ws, "admin", PASSWORD, client="10.0.0.4")
        admin = wf.session_actor(ws, opened.token)
        assert admin is not None
        with ws.acting(admin.actor) as acting:
            with pytest.raises(InvalidInput) as short:
                wf.change_password(acting, PASSWORD, "short")
            assert (short.value.code, short.value.param) == ("password_short", "new_password")
            with pytest.raises(InvalidInput) as wrong:
                wf.change_password(acting, "not-it-at-all", "sungai-kapuas-2026")
            assert (wrong.value.code, wrong.value.param) == ("password_wrong", "old_password")
            changed = wf.change_password(acting, PASSWORD, "sungai-kapuas-2026", keep=opened.token)
            assert changed.to_json() == {"username": "admin", "closed": 1}
            actions = [e["action"] for e in wf.list_audit(acting, user="admin").to_json()]
        assert wf.session_actor(ws, opened.token) is not None
        assert wf.session_actor(ws, other.token) is None
        with pytest.raises(Unauthenticated):
            wf.sign_in(ws, "admin", PASSWORD, client="10.0.0.5")
        assert wf.sign_in(ws, "admin", "sungai-kapuas-2026", client="10.0.0.5").username == "admin"
    assert actions[-2:] == ["auth.password_change_failed", "auth.password_change"]


def test_first_admin(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        made = wf.first_admin(ws)
        assert made is not None and made.username == "admin" and len(made.password) >= 12
        assert wf.first_admin(ws) is None
        assert wf.sign_in(ws, "admin", made.password, client="127.0.0.1").username == "admin"


def _statements(ws: Workspace) -> list[str]:
    """Collect the SELECT, UPDATE, INSERT and DELETE statements ``ws``'s database runs."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE"):
            seen.append(statement.lstrip().split(" ", 1)[0].upper())

    event.listen(ws.database, "before_cursor_execute", note)
    return seen


def test_a_session_is_found_in_one_query_and_kept_for_a_few_seconds(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wf, "SIGNED_IN_SECONDS", 0.3)
    with ws:
        opened = wf.sign_in(ws, "camat", PASSWORD, client="10.0.0.1")
        seen = _statements(ws)
        who = wf.session_actor(ws, opened.token)
        assert who is not None and who.actor.grants == (Grant("area_operator", region="62.03.01"),)
        assert seen == ["SELECT"]  # session, user and grants together
        assert wf.session_actor(ws, opened.token) == who
        assert seen == ["SELECT"]  # kept: no query
        # Closed by another server process: this one accepts it until its copy is too old.
        with session(ws.database) as db:
            sessions.close(db, opened.token)
        seen.clear()
        assert wf.session_actor(ws, opened.token) == who
        time.sleep(0.35)
        assert wf.session_actor(ws, opened.token) is None
        assert seen == ["SELECT"]


def test_sign_out_and_a_password_change_are_seen_at_once_in_this_process(ws: Workspace) -> None:
    with ws:
        mine = wf.sign_in(ws, "camat", PASSWORD, client="10.0.0.1")
        token = wf.issue_token(ws, "camat", PASSWORD, client="10.0.0.1")
        admin = wf.sign_in(ws, "admin", PASSWORD, client="10.0.0.1")
        for t in (mine.token, admin.token):
            assert wf.session_actor(ws, t) is not None
        assert wf.token_actor(ws, token.access_token) is not None
        wf.sign_out(ws, admin.token)
        assert wf.session_actor(ws, admin.token) is None
        other = wf.sign_in(ws, "camat", PASSWORD, client="10.0.0.1")
        camat = wf.session_actor(ws, other.token)
        assert camat is not None
        with ws.acting(camat.actor) as acting:
            wf.change_password(acting, PASSWORD, "sungai-kapuas-2026", keep=other.token)
        assert wf.session_actor(ws, mine.token) is None
        assert wf.token_actor(ws, token.access_token) is None
        assert wf.session_actor(ws, other.token) is not None


def test_the_last_use_is_written_in_a_transaction_of_its_own(ws: Workspace) -> None:
    with ws:
        opened = wf.sign_in(ws, "camat", PASSWORD, client="10.0.0.1")
        earlier = utcnow() - timedelta(minutes=30)
        with session(ws.database) as db:
            db.execute(
                update(SessionRow)
                .where(SessionRow.token_hash == sessions.token_hash(opened.token))
                .values(last_seen_at=earlier)
            )
        seen = _statements(ws)
        who = wf.session_actor(ws, opened.token)
        assert who is not None and seen == ["SELECT", "UPDATE"]
        with session(ws.database) as db:
            row = db.scalars(select(SessionRow)).one()
        assert row.last_seen_at > earlier + timedelta(minutes=29)
        assert (
            abs((who.expires_at - (row.last_seen_at + sessions.SESSION_IDLE)).total_seconds()) < 1
        )
