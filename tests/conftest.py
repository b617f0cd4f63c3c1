"""Shared fixtures: one suite, every engine (STYLE.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rpkd import engine as eng
from rpkd.settings import Settings


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
