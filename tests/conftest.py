"""Shared fixtures: one suite, every engine and every application database (STYLE.md).

PostgreSQL tests need ``RPKD_TEST_POSTGRES_URL`` (scripts/test.sh starts a server and sets it);
each test gets a fresh schema, dropped afterwards, so tests are independent and can run in
parallel. Under CI a missing server fails instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from rpkd import engine as eng
from rpkd.settings import Settings
from rpkd.store import connect, upgrade

SPARK_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
"""Java options of every Spark JVM the tests start (the suite's session, the Spark Connect
server, a child process's session). The tests' Spark work is small and the JVMs short-lived:
the C2 compiler's work never pays back, and on a 2-core machine it takes the CPU from the other
test worker (the Spark linkage parity test, alone: JVM CPU 117 -> 81 s). Results are the same;
rpkd itself leaves the JVM to its defaults."""
os.environ.setdefault(
    "PYSPARK_SUBMIT_ARGS", f'--driver-java-options "{SPARK_JAVA_OPTIONS}" pyspark-shell'
)

os.environ.setdefault("RPKD_PASSWORD_PROFILE", "CHEAPEST")
"""Test users' passwords are hashed with argon2-cffi's cheapest profile (a sign-in costs
microseconds, not a quarter of a second), here and in every server or command the tests start;
tests/access/test_users.py checks the default profile."""


def run_group(nodeid: str) -> str:
    """Return the share of the run a test belongs to: ``browser`` for the browser tests (one
    site), ``spark`` for every test that names Spark (one worker's Spark session and Spark
    Connect server), else its module (its module-scoped fixtures: a synthetic district, a
    workspace)."""
    if nodeid.startswith("tests/web/browser/"):
        return "browser"
    if "spark" in nodeid.lower():
        return "spark"
    return nodeid.split("::")[0]


LONG_GROUPS: dict[str, float] = {
    "spark": 660.0,
    "browser": 480.0,
    "tests/faults/test_sigkill.py": 345.0,
    "tests/web/test_route_matrix.py": 200.0,
    "tests/workflows/test_documents.py": 160.0,
    "tests/workflows/test_demo.py": 125.0,
    "tests/cli/test_fresh_install.py": 120.0,
    "tests/releases/test_required_columns.py": 110.0,
    "tests/corpus/test_corpus_release.py": 105.0,
    "tests/web/test_api_schema.py": 105.0,
    "tests/privacy/test_no_personal_data_leaks.py": 95.0,
}
"""Seconds the longest groups took (setup, call and teardown summed from
``scripts/test.sh -v --durations=0`` with three workers on a quiet 2-core CI machine,
2026-12-07; each of 95 s or more; only their order matters). Any other group counts one second
per test."""


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``pytest -n`` (scripts/test.sh) each :func:`run_group` runs on one worker, so its
    fixtures are built once, not once per worker. A free worker takes the longest group left
    (:data:`LONG_GROUPS`, else by its number of tests), so that no long group starts last while
    the other worker runs out of work."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return run_group(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            def seconds(group: str) -> float:
                return LONG_GROUPS.get(group, float(len(self.workqueue[group])))

            self.workqueue.move_to_end(max(self.workqueue, key=seconds), last=False)
            super()._assign_work_unit(node)

    return GroupScheduling(config, log)


@pytest.fixture(scope="session")
def spark_java_options() -> str:
    """:data:`SPARK_JAVA_OPTIONS`, for a Spark JVM a test starts itself (a fixture: a test
    module's ``from conftest import`` may find another directory's conftest)."""
    return SPARK_JAVA_OPTIONS


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[eng.Engine]:
    """One local Spark session for the whole run (it takes seconds to start)."""
    engine = eng.connect(Settings(engine="spark", spark_master="local[2]"))
    yield engine
    eng.close(engine)


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> Iterator[eng.Engine]:
    """Every engine-dependent test runs on DuckDB and on Spark (local mode)."""
    if request.param == "spark":
        yield request.getfixturevalue("spark_engine")
        return
    duck = eng.connect(Settings(engine="duckdb"))
    yield duck
    eng.close(duck)


@pytest.fixture(scope="module")
def duck() -> Iterator[eng.Engine]:
    """DuckDB only: for tests of logic after the engine query (parity is tested on both)."""
    engine = eng.connect(Settings(engine="duckdb"))
    yield engine
    eng.close(engine)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL schema (dropped afterwards), or skip."""
    base = os.environ.get("RPKD_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("CI"):
            pytest.fail(
                "RPKD_TEST_POSTGRES_URL is not set: CI must run PostgreSQL (scripts/test.sh)"
            )
        pytest.skip("RPKD_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (marker ``postgres``)."""
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty application database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'rpkd.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    """The application database with every migration applied."""
    engine = connect(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
