"""Migrations and models agree, on SQLite and PostgreSQL; upgrades are idempotent."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

# Importing the table modules registers their tables on Base.metadata.
import rpkd.access.audit
import rpkd.access.sessions
import rpkd.access.users
import rpkd.linkage.decisions
import rpkd.planning.meeting_tables
import rpkd.planning.tables
import rpkd.planning.work_tables
import rpkd.releases.jobs
import rpkd.releases.proposals
import rpkd.simulation.store
import rpkd.targeting.rule_store  # noqa: F401
from rpkd.errors import UsageError
from rpkd.settings import Settings
from rpkd.store import Base, open_database, upgrade
from rpkd.store.database import connect


def test_autogenerate_finds_no_difference(database: Engine) -> None:
    with database.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(database: Engine) -> None:
    upgrade(database)
    tables = set(inspect(database).get_table_names())
    assert {
        "app_user",
        "user_grant",
        "audit_log",
        "plan",
        "plan_indicator",
        "realisation",
    } <= tables


def test_opening_a_workspace_creates_the_sqlite_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = open_database(Settings(workspace=tmp_path / "ws"))
    assert (tmp_path / "ws" / "rpkd.db").is_file()
    assert "realisation" in inspect(engine).get_table_names()
    engine.dispose()


def test_processes_opening_a_new_database_at_once_migrate_it_once(database_url: str) -> None:
    """Web workers starting together on a new database: one migrates, the others wait."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import text

    from rpkd.store import connect

    engines = [connect(database_url) for _ in range(3)]
    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(upgrade, engines))
        with engines[0].connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert len(versions) == 1
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("bukan-url-rahasia:sandi", "database_url_invalid"),
        ("mysql://rpkd:rahasia@host/rpkd", "database_unsupported"),
    ],
)
def test_a_database_url_rpkd_cannot_use_is_refused_without_its_password(
    url: str, code: str
) -> None:
    with pytest.raises(UsageError) as refused:
        connect(url)
    assert (refused.value.code, refused.value.param) == (code, "database_url")
    for lang in ("id", "en"):
        assert "rahasia" not in refused.value.message(lang)
