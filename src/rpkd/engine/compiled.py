"""The SQL of query shapes already compiled, kept per backend and reused.

Turning an Ibis expression into SQL costs Python time in proportion to its graph (Ibis
rewrites the whole graph a few times, then sqlglot renders it): a release's validation, one
expression of some 4,000 nodes, takes 1.7 s to compile on a 2-core machine, whether the files
hold 40 families or 120,000. rpkd builds the same shapes again and again over new tables: every
import validates files of the same kinds, every page of the web app queries a release the same
way, each time over tables registered under fresh names (``rpkd_parquet_17``).

:class:`CompiledShapes` keys an expression by its *shape*: its graph with each database table
replaced by its place among the tables, its schema and namespace. The SQL of a new shape is
kept cut at its tables' names; an expression of a known shape gets that SQL with its own table
names put in. Only names rpkd makes (``rpkd_...``, see :mod:`rpkd.engine`) are put in: they
occur in the SQL as quoted table names only, never as a column, an alias or a literal.
Expressions with scalar parameters, in-memory tables or other table names are compiled as usual.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Final

from ibis.common.collections import FrozenDict
from ibis.common.graph import Graph, Node
from ibis.expr import operations as ops

SIZE: Final = 256
"""Shapes kept per backend (the least recently used is dropped first)."""

OURS: Final = re.compile(r"rpkd_[a-z0-9_]+")
"""Table names rpkd gives (:func:`rpkd.engine.table` and the names its callers choose)."""

Shape = tuple[Hashable, ...]


def shape(root: Node) -> tuple[Shape, tuple[ops.DatabaseTable, ...]] | None:
    """Return the shape of the graph under ``root`` and its database tables in their order.

    Each node is described by its type and arguments; an argument that is a node, by that
    node's place in the description; a database table, by its place among the tables, its
    schema and namespace (not its name). Two graphs with one description are the same graph
    but for the names of their tables. None when the graph holds another kind of physical
    table (an in-memory table, whose name and data would be kept) or a scalar parameter.
    """
    graph, _ = Graph.from_bfs(root).toposort()
    place: dict[Node, int] = {}
    tables: list[ops.DatabaseTable] = []
    described: list[Hashable] = []

    def arg(value: Any) -> Hashable:
        if isinstance(value, Node):
            return ("node", place[value])
        if isinstance(value, tuple):
            return ("tuple", *(arg(v) for v in value))
        if isinstance(value, FrozenDict):
            return ("dict", *((k, arg(v)) for k, v in value.items()))
        return (type(value), value)  # with its type: 1, 1.0 and True are equal keys

    for node in graph:
        if isinstance(node, ops.DatabaseTable):
            entry: Hashable = ("table", len(tables), node.schema, node.namespace)
            tables.append(node)
        elif isinstance(node, ops.PhysicalTable | ops.ScalarParameter):
            return None
        else:
            entry = (type(node), *(arg(a) for a in node.__args__))
        place[node] = len(described)
        described.append(entry)
    return tuple(described), tuple(tables)


class CompiledShapes:
    """A backend's ``compile`` (``compile(expr, *, limit, params, pretty)``) that compiles each
    shape of expression once."""

    def __init__(self, compile: Callable[..., str]) -> None:
        self._compile = compile
        self._kept: OrderedDict[Hashable, tuple[tuple[str, ...], tuple[int, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(
        self,
        expr: Any,
        /,
        *,
        limit: int | str | None = None,
        params: Mapping[Any, Any] | None = None,
        pretty: bool = False,
        **kwargs: Any,
    ) -> str:
        found = None if params or kwargs else shape(expr.op())
        if found is None or not all(OURS.fullmatch(t.name) for t in found[1]):
            return self._compile(expr, limit=limit, params=params, pretty=pretty, **kwargs)
        form, tables = found
        key = (form, limit, pretty)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is None:
            sql = self._compile(expr, limit=limit, pretty=pretty)
            kept = _cut(sql, [t.name for t in tables])
            if kept is not None:
                with self._lock:
                    self._kept[key] = kept
                    while len(self._kept) > SIZE:
                        self._kept.popitem(last=False)
            return sql
        texts, slots = kept
        names = [tables[i].name for i in slots]
        return texts[0] + "".join(n + t for n, t in zip(names, texts[1:], strict=True))


def _cut(sql: str, names: list[str]) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """Return ``sql``'s text pieces around each quoted table name (``"name"`` in DuckDB,
    `` `name` `` in Spark SQL) and which name goes between each two; None when a table's name
    does not occur so (its SQL is not kept)."""
    if not names:
        return (sql,), ()
    which = {name: i for i, name in enumerate(names)}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    cut = re.split(f'(?<=["`])({alternatives})(?=["`])', sql)
    slots = tuple(which[n] for n in cut[1::2])
    return (tuple(cut[0::2]), slots) if set(slots) == set(range(len(names))) else None
