"""The application database on SQLite and on PostgreSQL (marker ``postgres``).

PostgreSQL tests need ``RPKD_TEST_POSTGRES_URL`` (scripts/test.sh starts a server and sets it);
each test gets a fresh schema, dropped afterwards, so tests are independent and can run in
parallel.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from rpkd.planning.kit import starter_plan
from rpkd.planning.model import Activity, Budget, Commitment, Indicator, Plan
from rpkd.store import connect, upgrade


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL schema (dropped afterwards), or skip."""
    base = os.environ.get("RPKD_TEST_POSTGRES_URL")
    if not base:
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


def sample_plan() -> Plan:
    """The Kapuas starter plan with one RTLH activity, its output indicator and a commitment."""
    kit = starter_plan("kapuas")
    activity = Activity(
        code="K0501",
        name="Rehabilitasi rumah tidak layak huni",
        agency="PERKIM",
        target_group="keluarga desil 1-2 dengan RTLH",
        regions=("62.03.01", "62.03.01.1006"),
        partners=("BAZNAS",),
        budgets=(
            Budget(2025, "apbd", 1_500_000_000.0),
            Budget(2025, "baznas", 200_000_000.0),
            Budget(2026, "apbd", 1_700_000_000.0),
        ),
    )
    by_name = Activity(
        code="K0101",
        name="Pendampingan keluarga miskin ekstrem",
        agency="DINSOS",
        target_group="keluarga miskin ekstrem",
        release="dtsen-2025q3",
        release_filter="desil = 1",
        budgets=(Budget(2025, "apbd", 400_000_000.0),),
    )
    programmes = tuple(
        replace(p, activities=(activity,))
        if p.code == "P05"
        else replace(p, activities=(by_name,))
        if p.code == "P01"
        else p
        for p in kit.programmes
    )
    output = Indicator(
        "O0501",
        "Rumah direhabilitasi",
        "output",
        "unit",
        "higher",
        "Dinas Perkim",
        targets=((2025, 100.0), (2026, 120.0)),
        activity="K0501",
    )
    return replace(
        kit,
        programmes=programmes,
        indicators=(*kit.indicators, output),
        commitments=(Commitment("BAZNAS", 2025, "Bedah rumah 10 unit", "K0501", 200_000_000.0),),
        findings=(),
    )


@pytest.fixture
def plan() -> Plan:
    return sample_plan()
