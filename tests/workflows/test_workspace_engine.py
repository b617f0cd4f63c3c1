"""``Workspace.open_engine_early``: the DuckDB engine opened in a thread is the one the workspace
uses, an error of opening it reaches the caller that asks for it, and closing waits for it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.errors import UsageError
from rpkd.settings import Settings
from rpkd.workflows import Workspace


def test_the_engine_opened_early_is_the_one_used(tmp_path: Path) -> None:
    with Workspace(Settings(workspace=tmp_path)) as ws:
        ws.open_engine_early()
        assert ws.engine_open
        opened = ws.engine
        ws.open_engine_early()  # already open: nothing more is started
        assert ws.engine is opened
        table = eng.table(opened, pa.table({"x": [1, 2, 3]}))
        assert eng.fetch(table.aggregate(total=table.x.sum()))["total"].to_pylist() == [6]
    assert not ws.engine_open


def test_an_error_of_opening_reaches_the_caller(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path, memory_limit="seven gigabytes")
    with pytest.raises(UsageError) as direct:
        eng.connect(settings)
    assert (direct.value.code, direct.value.params) == (
        "memory_limit_invalid",
        {"value": "seven gigabytes"},
    )
    ws = Workspace(settings)
    ws.open_engine_early()
    with pytest.raises(UsageError, match="memory_limit"):
        ws.engine  # noqa: B018 - the property opens the engine
    ws.close()


def test_closing_an_engine_opened_but_never_used(tmp_path: Path) -> None:
    ws = Workspace(Settings(workspace=tmp_path))
    ws.open_engine_early()
    opening = ws._opening
    ws.close()
    assert opening is not None and not opening._thread.is_alive()
    assert not ws.engine_open
    ws.close()  # twice is safe


def test_spark_is_not_opened_early(tmp_path: Path) -> None:
    ws = Workspace(Settings(workspace=tmp_path, engine="spark"))
    ws.open_engine_early()  # Spark's Ctrl-C handler can only be installed from the main thread
    assert not ws.engine_open
