"""The audit log's hash chain on SQLite and PostgreSQL: written under a lock, back-filled by
migration 0010, and an edit by someone with database access found by ``rpkd audit verify``.

Expected hashes are computed here with hashlib from the documented encoding (JSON of the row
without its id, keys sorted, no spaces; SHA-256 of the previous hash, a newline, that text).
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, bindparam, text
from sqlalchemy.exc import DBAPIError

from rpkd.access import audit, audit_chain
from rpkd.errors import Forbidden
from rpkd.settings import Settings
from rpkd.store import UtcDateTime, connect, session, upgrade
from rpkd.store.database import alembic_config
from rpkd.workflows import access as users
from rpkd.workflows.audit_chain import verify_audit
from rpkd.workflows.workspace import Workspace

ZERO = "0" * 64


def _expected(rows: list[dict[str, object]]) -> list[str]:
    prev, out = ZERO, []
    for row in rows:
        body = json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        prev = hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()
        out.append(prev)
    return out


def _attack(database: Engine, statement: str) -> None:
    """Run ``statement`` as someone with database access: the triggers dropped first."""
    with database.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        connection.execute(text(statement))


def _write(database: Engine, n: int, who: str = "ani") -> None:
    with session(database) as db:
        for i in range(n):
            audit.record(db, who, "plan.export", records=i, parameters={"i": i})


def test_each_row_carries_the_hash_of_the_one_before(database: Engine) -> None:
    with session(database) as db:
        first = audit.record(db, "ani", "release.view", release="r1", records=120,
                             parameters={"kecamatan": "62.03.01"})  # fmt: skip
        second = audit.record(db, "budi", "plan.export", scope="region=62.03")
    with database.connect() as connection:
        stored = connection.execute(text("SELECT prev_hash, hash FROM audit_log ORDER BY id"))
        chain = [tuple(r) for r in stored]
    rows = [
        {"at": first.at.astimezone(UTC).isoformat(timespec="microseconds"), "username": "ani",
         "action": "release.view", "release": "r1", "records": 120,
         "parameters": '{"kecamatan": "62.03.01"}', "scope": None},
        {"at": second.at.astimezone(UTC).isoformat(timespec="microseconds"), "username": "budi",
         "action": "plan.export", "release": None, "records": None, "parameters": "{}",
         "scope": "region=62.03"},
    ]  # fmt: skip
    one, two = _expected(rows)
    assert chain == [(ZERO, one), (one, two)]
    with session(database) as db:
        checked = audit_chain.verify(db)
    assert (checked.ok, checked.rows, checked.head) == (True, 2, two)


def test_an_edited_row_is_found(database: Engine) -> None:
    _write(database, 5)
    _attack(database, "UPDATE audit_log SET records = 99 WHERE id = 3")
    with session(database) as db:
        checked = audit_chain.verify(db)
    assert checked.broken is not None
    assert (checked.broken.id, checked.broken.reason, checked.rows) == (3, "content", 3)


def test_a_deleted_row_breaks_the_next_link(database: Engine) -> None:
    _write(database, 5)
    _attack(database, "DELETE FROM audit_log WHERE id = 2")
    with session(database) as db:
        checked = audit_chain.verify(db)
    assert checked.broken is not None
    assert (checked.broken.id, checked.broken.reason) == (3, "link")


def test_an_edit_rehashed_by_the_attacker_breaks_the_next_link(database: Engine) -> None:
    _write(database, 3)
    _attack(database, "UPDATE audit_log SET records = 7, hash = prev_hash WHERE id = 2")
    with session(database) as db:
        checked = audit_chain.verify(db)
    assert checked.broken is not None
    assert (checked.broken.id, checked.broken.reason) == (2, "content")


def test_concurrent_writers_keep_one_chain(database_url: str) -> None:
    engines = [connect(database_url) for _ in range(4)]
    try:
        upgrade(engines[0])
        errors: list[BaseException] = []

        def write(engine: Engine, who: str) -> None:
            try:
                for _ in range(10):
                    _write(engine, 1, who)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(e, f"u{i}")) for i, e in enumerate(engines)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with session(engines[0]) as db:
            checked = audit_chain.verify(db)
        assert (checked.ok, checked.rows) == (True, 40)
    finally:
        for engine in engines:
            engine.dispose()


def test_the_database_refuses_going_round_the_triggers(database: Engine) -> None:
    _write(database, 2)
    if database.dialect.name == "postgresql":
        statement = "TRUNCATE audit_log"
    else:
        statement = ("INSERT OR REPLACE INTO audit_log (id, at, username, action, parameters) "
                     "VALUES (1, '2025-01-01 00:00:00', 'x', 'x', '{}')")  # fmt: skip
    with pytest.raises(DBAPIError, match="append-only"), database.begin() as connection:
        connection.execute(text(statement))
    with session(database) as db:
        assert audit_chain.verify(db).rows == 2


def test_migration_0010_back_fills_the_chain(database_url: str) -> None:
    engine = connect(database_url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0009")
            insert = text(
                "INSERT INTO audit_log (at, username, action, records, parameters) "
                "VALUES (:at, 'ani', 'plan.export', :i, '{}')"
            ).bindparams(bindparam("at", type_=UtcDateTime()))
            for i, at in enumerate(
                [
                    datetime(2025, 1, 1, 8, tzinfo=UTC),
                    datetime(2025, 1, 2, 9, 30, 0, 250000, tzinfo=UTC),
                ]
            ):
                connection.execute(insert, {"at": at, "i": i})  # fmt: skip
            command.upgrade(config, "head")
        with engine.connect() as connection:
            hashes = [r[0] for r in connection.execute(text("SELECT hash FROM audit_log"))]
        rows = [
            {"at": "2025-01-01T08:00:00.000000+00:00", "username": "ani",
             "action": "plan.export", "release": None, "records": 0, "parameters": "{}",
             "scope": None},
            {"at": "2025-01-02T09:30:00.250000+00:00", "username": "ani",
             "action": "plan.export", "release": None, "records": 1, "parameters": "{}",
             "scope": None},
        ]  # fmt: skip
        assert hashes == _expected(rows)
        _write(engine, 1)
        with session(engine) as db:
            assert audit_chain.verify(db).rows == 3 and audit_chain.verify(db).ok
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET records = 5"))
    finally:
        engine.dispose()


def test_verify_audit_is_an_admin_action_and_audited(tmp_path: Path, database_url: str) -> None:
    settings = Settings(workspace=tmp_path / "ws", database_url=database_url)
    with Workspace(settings) as local:
        users.add_user(local, "admin", "kapuas-bersinar-2025", role="admin")
        users.add_user(local, "ani", "kapuas-bersinar-2025", role="analyst", region="62.03")
    with Workspace(settings, actor="ani") as ws, pytest.raises(Forbidden):
        verify_audit(ws)
    with Workspace(settings, actor="admin") as ws:
        result = verify_audit(ws)
        again = verify_audit(ws)
        log = users.list_audit(ws, action="audit.").to_json()
    assert result.ok and result.rows == 2  # the two users added
    assert again.rows == 3  # and the first check
    assert result.to_json() == {"ok": True, "rows": 2, "head": result.head, "broken": None}
    assert [(e["action"], e["records"]) for e in log] == [("audit.verify", 2), ("audit.verify", 3)]
    assert result.summary("en").startswith("the audit log's chain holds: 2 rows checked")


def test_verify_audit_names_the_edited_row(tmp_path: Path, database_url: str) -> None:
    settings = Settings(workspace=tmp_path / "ws", database_url=database_url)
    with Workspace(settings) as ws:
        _write(ws.database, 4)
        _attack(ws.database, "UPDATE audit_log SET username = 'someone' WHERE id = 2")
        result = verify_audit(ws)
    assert result.to_json()["broken"] == {"id": 2, "reason": "content"}
    assert result.summary("en") == (
        "row 2: audit log row 2 was edited: its hash does not match its content (2 rows read)"
    )


def test_cli_exit_code(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import rpkd.cli

    rpkd.cli._register()
    folder = str(tmp_path / "ws")
    with Workspace(Settings(workspace=tmp_path / "ws")) as ws:
        _write(ws.database, 3)
    run = CliRunner().invoke(rpkd.cli.app, ["audit", "verify", "-w", folder, "--format", "json"])
    assert run.exit_code == 0 and json.loads(run.stdout)["rows"] == 3
    with Workspace(Settings(workspace=tmp_path / "ws")) as ws:
        _attack(ws.database, "DELETE FROM audit_log WHERE id = 1")
    run = CliRunner().invoke(rpkd.cli.app, ["audit", "verify", "-w", folder, "--lang", "en"])
    assert run.exit_code == 1
    assert "row 2" in run.output and "chain breaks before row 2" in run.output
