"""Derived tables: stored once beside the release, read back afterwards, never half-written."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa

from rpkd import engine as eng
from rpkd.workflows.derived import digest, stored


def _build(engine: eng.Engine, calls: list[int]) -> ibis.Table:
    calls.append(1)
    return eng.table(engine, pa.table({"x": [1, 2, 3]}))


def test_stored_writes_once_then_reads(engine: eng.Engine, tmp_path: Path) -> None:
    path, calls = tmp_path / "t.parquet", []
    first, was_stored = stored(engine, path, lambda: _build(engine, calls))
    assert not was_stored and path.exists()
    again, was_stored = stored(engine, path, lambda: _build(engine, calls))
    assert was_stored and calls == [1]
    for table in (first, again):
        assert sorted(eng.fetch(table)["x"].to_pylist()) == [1, 2, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]  # no partial file left


def test_stored_without_a_folder_builds_each_time(duck: eng.Engine) -> None:
    calls: list[int] = []
    for _ in range(2):
        table, was_stored = stored(duck, None, lambda: _build(duck, calls))
        assert not was_stored and eng.fetch(table).num_rows == 3
    assert calls == [1, 1]


def test_digest_ignores_key_order_and_sees_values() -> None:
    assert digest({"a": 1, "b": [2]}) == digest({"b": [2], "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})
