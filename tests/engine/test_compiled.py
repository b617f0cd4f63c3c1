"""A query shape is compiled once; the SQL given back is what Ibis compiles for the query."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ibis
import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.engine.compiled import CompiledShapes, shape

ROWS = pa.table({"desa": ["a", "a", "b"], "weight": [1.5, 2.5, 3.0], "y": [100.0, 300.0, 50.0]})
OTHER = pa.table({"desa": ["b", "c"], "weight": [2.0, 1.0], "y": [10.0, 20.0]})


class Counted:
    """The backend's own compile, counting its calls."""

    def __init__(self, compile: Any) -> None:
        self.compile = compile
        self.calls = 0

    def __call__(self, expr: Any, /, **options: Any) -> str:
        self.calls += 1
        return str(self.compile(expr, **options))


@pytest.fixture
def duck() -> Iterator[tuple[eng.Engine, Counted, Any]]:
    """A DuckDB engine whose kept shapes start empty, its Ibis compile counted, and Ibis's own
    compile (nothing kept) to compare with."""
    engine = eng.connect()
    backend = engine.backend.ibis
    own = type(backend).compile.__get__(backend)
    counted = Counted(own)
    backend.compile = CompiledShapes(counted)
    yield engine, counted, own
    eng.close(engine)


def _totals(t: Any, line: float) -> Any:
    return (
        t.filter(t.y < line)
        .group_by("desa")
        .aggregate(total=(t.weight * t.y).sum())
        .order_by("desa")
    )


def test_a_shape_seen_before_is_not_compiled_again(duck: tuple[eng.Engine, Counted, Any]) -> None:
    engine, counted, own = duck
    rows, other = eng.table(engine, ROWS), eng.table(engine, OTHER)
    assert rows.get_name() != other.get_name()  # two tables of fresh names
    first, second = _totals(rows, 200.0), _totals(other, 200.0)
    assert eng.fetch(first).to_pylist() == [
        {"desa": "a", "total": 150.0},  # 1.5 * 100; 300 is not under the line
        {"desa": "b", "total": 150.0},
    ]
    assert eng.fetch(second).to_pylist() == [
        {"desa": "b", "total": 20.0},
        {"desa": "c", "total": 20.0},
    ]
    assert counted.calls == 1
    backend = engine.backend.ibis
    assert backend.compile(second) == own(second)
    assert other.get_name() in backend.compile(second)
    assert rows.get_name() not in backend.compile(second)


@pytest.mark.parametrize("line", [100, 100.5])
def test_another_constant_is_another_shape(
    duck: tuple[eng.Engine, Counted, Any], line: float
) -> None:
    engine, counted, own = duck
    eng.fetch(_totals(eng.table(engine, ROWS), 100.0))
    expr = _totals(eng.table(engine, OTHER), line)
    assert engine.backend.ibis.compile(expr) == own(expr)
    assert counted.calls == 2  # neither 100 (an int) nor 100.5 is the float 100.0


def test_one_table_twice_is_not_two_tables(duck: tuple[eng.Engine, Counted, Any]) -> None:
    engine, counted, own = duck
    a, b = eng.table(engine, ROWS), eng.table(engine, OTHER)
    c = eng.table(engine, ROWS)
    twice = a.union(a)
    pair = b.union(c)
    assert shape(twice.op()) is not None and shape(pair.op()) is not None
    assert shape(twice.op())[0] != shape(pair.op())[0]  # type: ignore[index]
    compiled = engine.backend.ibis.compile
    assert (compiled(twice), compiled(pair)) == (own(twice), own(pair))
    got = eng.fetch(pair.order_by(["desa", "y"]))["y"].to_pylist()
    assert got == [100.0, 300.0, 10.0, 50.0, 20.0]  # a 100, a 300, b 10 (OTHER), b 50 (ROWS), c 20
    assert counted.calls == 3  # twice, pair, and the ordered pair
    again = eng.table(engine, ROWS).union(eng.table(engine, OTHER))  # pair's shape, reversed
    assert compiled(again) == own(again)
    assert eng.fetch(again.order_by(["desa", "y"]))["y"].to_pylist() == got
    assert counted.calls == 3


def test_tables_not_named_by_rpkd_and_in_memory_tables_are_compiled_each_time(
    duck: tuple[eng.Engine, Counted, Any],
) -> None:
    engine, counted, own = duck
    native = engine.backend.native
    for name in ("families", "Families"):
        native.register(name, ROWS)
        t = engine.backend.ibis.table(name)
        expr = t.filter(t.y > 60.0)
        assert engine.backend.ibis.compile(expr) == own(expr)
    memory = ibis.memtable(ROWS.to_pandas())
    assert engine.backend.ibis.compile(memory.filter(memory.y > 60.0))
    assert engine.backend.ibis.compile(memory.filter(memory.y > 60.0))
    assert counted.calls == 4
