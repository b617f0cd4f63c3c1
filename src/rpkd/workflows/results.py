"""What every workflow returns: a frozen value with ``to_arrow()`` and a JSON-ready ``to_json()``.

Interfaces render these values (a terminal table, a web page, a document, a JSON response);
the JSON form is the contract of ``--format json`` (DESIGN.md §7) and of the web API.
:func:`records` turns a table into JSON records column by column in Arrow (no Python call per
cell for numbers, text and flags); :class:`Encoded` is a JSON answer encoded once, as the web
API sends it, for results that are kept (:mod:`rpkd.workflows.cache`).
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.compute as pc

GZIP_LEVEL = 6
"""zlib level of gzipped answers (and of the web app's compression): near level 9's size at a
third of its time."""


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
    """Return rows as JSON-ready dicts (one per row, columns in order), as :func:`plain` makes
    each value.

    A table is converted a column at a time: text, integer and boolean columns as Arrow gives
    them, floating-point columns with NaN and infinities made null in Arrow, other columns
    (dates, timestamps, nested values) through :func:`plain`.

    Examples
    --------
    >>> records(pa.table({"code": ["a", "b"], "share": [0.5, float("nan")]}))
    [{'code': 'a', 'share': 0.5}, {'code': 'b', 'share': None}]
    """
    if not isinstance(data, pa.Table):
        return [{k: plain(v) for k, v in dict(row).items()} for row in data]
    columns = [_column_values(column) for column in data.columns]
    if not columns:
        return [{} for _ in range(data.num_rows)]
    return [dict(zip(data.column_names, row, strict=True)) for row in zip(*columns, strict=True)]


def _column_values(column: pa.ChunkedArray) -> list[Any]:
    kind = column.type
    if pa.types.is_float64(kind) or pa.types.is_float32(kind):
        return pc.if_else(pc.is_finite(column), column, None).to_pylist()  # type: ignore[no-any-return]
    if (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    ):
        return column.to_pylist()  # type: ignore[no-any-return]
    return [plain(v) for v in column.to_pylist()]


@dataclass(frozen=True)
class Encoded:
    """A JSON answer encoded once: the body the web API sends (UTF-8, compact, as FastAPI's
    ``JSONResponse`` encodes it) and, made on first use, the same body gzipped."""

    body: bytes
    media_type: str = "application/json"

    @classmethod
    def of(cls, value: Any, media_type: str = "application/json") -> Encoded:
        """Return ``value`` (a result's ``to_json()``) encoded, made JSON-safe by :func:`plain`."""
        return cls(_dumps(plain(value)), media_type)

    @classmethod
    def of_records(
        cls, rows: list[dict[str, Any]], media_type: str = "application/json"
    ) -> Encoded:
        """Return rows made by :func:`records` (JSON-safe already) encoded."""
        return cls(_dumps(rows), media_type)

    @cached_property
    def gzipped(self) -> bytes:
        """The body gzipped at :data:`GZIP_LEVEL` (no timestamp: equal bodies, equal bytes)."""
        return gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)

    def to_json(self) -> Any:
        """Return the answer decoded (tests; an interface that needs the values)."""
        return json.loads(self.body)


def _dumps(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


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
