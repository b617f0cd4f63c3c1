"""``Workspace.atomic``: the transactions opened inside one block are one transaction, on
SQLite and PostgreSQL: a write and its audit row are kept together or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from rpkd.settings import Settings
from rpkd.workflows import Workspace, gate


def _actions(ws: Workspace) -> list[str]:
    with ws.transaction() as db:
        return list(db.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars())


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Workspace:
    return Workspace(Settings(workspace=tmp_path / "ws", database_url=database_url))


def test_an_error_in_the_block_keeps_nothing(ws: Workspace) -> None:
    with pytest.raises(RuntimeError), ws.atomic():
        gate.audit(ws, "test.first")
        gate.audit(ws, "test.second")
        raise RuntimeError("after both writes")
    assert _actions(ws) == []
    ws.close()


def test_a_failed_inner_transaction_rolls_back_to_its_savepoint(ws: Workspace) -> None:
    with ws.atomic():
        gate.audit(ws, "test.kept")
        with pytest.raises(ValueError), ws.transaction() as db:
            db.execute(text("CREATE TABLE scratch (n integer)"))
            raise ValueError("inner")
        gate.audit(ws, "test.also_kept")
    assert _actions(ws) == ["test.kept", "test.also_kept"]
    with ws.transaction() as db:  # the inner block's table went with its savepoint
        assert "scratch" not in db.connection().dialect.get_table_names(db.connection())
    ws.close()
