"""What every workflow returns: a frozen value with ``to_arrow()`` and a JSON-ready ``to_json()``.

Interfaces render these values (a terminal table, a web page, a document, a JSON response);
the JSON form is the contract of ``--format json`` (DESIGN.md §7) and of the web API.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa


@runtime_checkable
class Result(Protocol):
    """A workflow's result: a table for CSV/XLSX and pages, a JSON-ready form for the API."""

    def to_arrow(self) -> pa.Table: ...

    def to_json(self) -> Any: ...


def plain(value: Any) -> Any:
    """Return ``value`` as JSON allows: no NaN or infinity, dates and paths as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def records(data: pa.Table | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return rows as JSON-ready dicts (one per row, columns in order)."""
    rows = data.to_pylist() if isinstance(data, pa.Table) else [dict(r) for r in data]
    return [{k: plain(v) for k, v in row.items()} for row in rows]


_ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}


def dataclass_table(kind: type, items: Sequence[Any]) -> pa.Table:
    """Return frozen dataclass values as a table whose columns are ``kind``'s fields.

    Field types (``str``, ``float``, ``int``, ``bool``, ``date``, each optionally ``| None``;
    anything else is JSON text) give the column types, so an empty or all-null column keeps
    its type.
    """
    import dataclasses
    import json

    fields = dataclasses.fields(kind)
    schema = []
    for f in fields:
        name = str(f.type).replace(" | None", "").strip()
        schema.append((f.name, _ARROW_TYPES.get(name, pa.string())))
    columns: dict[str, list[Any]] = {f.name: [] for f in fields}
    for item in items:
        for f, (_, kind_type) in zip(fields, schema, strict=True):
            value = getattr(item, f.name)
            if kind_type == pa.string() and value is not None and not isinstance(value, str):
                value = json.dumps(plain(value), ensure_ascii=False)
            columns[f.name].append(value)
    return pa.table(columns, schema=pa.schema(schema))
