"""Derived tables: stored once beside the release, read back afterwards, never half-written."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_a_killed_writers_partial_file_is_removed_by_the_next_writer(
    engine: eng.Engine, tmp_path: Path
) -> None:
    """A process killed while writing leaves ``.tmp-<name>-<pid>-<token>``; the next write in
    the folder removes it when that process no longer runs, and leaves a running one's."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = tmp_path / f".tmp-t.parquet-{int(ended.stdout)}-0123abcd"
    live = tmp_path / f".tmp-u.parquet-{os.getpid()}-4567cdef"
    for partial in (dead, live):
        partial.write_bytes(b"PAR1 half")
    stored(engine, tmp_path / "t.parquet", lambda: _build(engine, []))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "t.parquet"])


def test_stored_without_a_folder_builds_each_time(duck: eng.Engine) -> None:
    calls: list[int] = []
    for _ in range(2):
        table, was_stored = stored(duck, None, lambda: _build(duck, calls))
        assert not was_stored and eng.fetch(table).num_rows == 3
    assert calls == [1, 1]


def test_digest_ignores_key_order_and_sees_values() -> None:
    assert digest({"a": 1, "b": [2]}) == digest({"b": [2], "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})


def test_a_killed_processs_staging_names_are_cleaned(engine: eng.Engine, tmp_path: Path) -> None:
    """Every name a writer stages under (a derived table, a run folder, the probe that checks a
    folder is writable) comes from ``staging_name``: what a process killed before its rename
    or unlink left is removed by the next writer of the folder."""
    script = (
        "import sys; from pathlib import Path; from rpkd.releases.importer import staging_name;"
        "[(Path(sys.argv[1]) / staging_name(n)).write_bytes(b'') for n in ('write-test', 'x')]"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True)
    assert len(list(tmp_path.glob(".tmp-*"))) == 2  # as a SIGKILL would leave them
    stored(engine, tmp_path / "t.parquet", lambda: _build(engine, []))
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]
