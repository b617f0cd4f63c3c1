"""One shape for every problem rpkd reports: a :class:`Finding` (STYLE.md rule 4, errors are data).

A finding is a stable ``code`` (the key of its sentence in the :mod:`rpkd.locale` catalogue), a
severity, the parameters its sentence needs, and where it was found: file, sheet, 1-based data
row, field and the value as read. Modules return findings as values; interfaces render them in
the user's language with :func:`rpkd.locale.render`. Large sets (a registry import can find
millions) travel as an Arrow table of :data:`FINDINGS_SCHEMA`, converted without loss by
:func:`findings_table` and :func:`from_table`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pyarrow as pa

    FINDINGS_SCHEMA: pa.Schema
    """Arrow form of findings; ``params`` is a JSON object (``"{}"`` when there are none)."""

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@cache
def _schema() -> pa.Schema:
    # Built on first use: errors (and so every command's start) import this module, Arrow
    # only when findings become a table.
    import pyarrow as pa

    return pa.schema(
        [
            ("code", pa.string()),
            ("severity", pa.string()),
            ("file", pa.string()),
            ("sheet", pa.string()),
            ("row", pa.int64()),
            ("field", pa.string()),
            ("value", pa.string()),
            ("params", pa.string()),
        ]
    )


def __getattr__(name: str) -> Any:
    if name == "FINDINGS_SCHEMA":
        return _schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _frozen(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(params or {}))


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem or note: code, severity, parameters and location.

    Examples
    --------
    >>> f = Finding("nik_malformed", "error", file="persons.csv", row=3, field="nik")
    >>> (f.code, f.row, f.is_error)
    ('nik_malformed', 3, True)
    """

    code: str
    severity: Severity = "warning"
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, hash=False)
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    field: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        object.__setattr__(self, "params", _frozen(self.params))

    def __hash__(self) -> int:
        return hash((self.code, self.severity, self.file, self.sheet, self.row, self.field,
                     self.value, _params_json(self.params)))  # fmt: skip

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def at(self, **location: Any) -> Finding:
        """Return this finding with location fields (``file``, ``row``, ...) filled in."""
        return dataclasses.replace(self, **location)

    def to_json(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready object (no message: that depends on the language)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "field": self.field,
            "value": self.value,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _params_json(params: Mapping[str, Any]) -> str:
    return json.dumps({k: _plain(v) for k, v in params.items()}, ensure_ascii=False, sort_keys=True)


def errors(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return the findings of severity ``error``."""
    return tuple(f for f in findings if f.is_error)


def findings_table(findings: Iterable[Finding]) -> pa.Table:
    """Return findings as an Arrow table of :data:`FINDINGS_SCHEMA`."""
    import pyarrow as pa

    rows = [
        {
            "code": f.code,
            "severity": f.severity,
            "file": f.file,
            "sheet": f.sheet,
            "row": f.row,
            "field": f.field,
            "value": f.value,
            "params": _params_json(f.params),
        }
        for f in findings
    ]
    return pa.Table.from_pylist(rows, schema=_schema())


def from_table(table: pa.Table) -> tuple[Finding, ...]:
    """Return the findings of an Arrow table of :data:`FINDINGS_SCHEMA` (inverse of the above)."""
    out = []
    for r in table.select(_schema().names).to_pylist():
        out.append(
            Finding(
                r["code"],
                r["severity"],
                json.loads(r["params"] or "{}"),
                file=r["file"],
                sheet=r["sheet"],
                row=r["row"],
                field=r["field"],
                value=r["value"],
            )
        )
    return tuple(out)
