"""Mapping files: how an export's headers, values, dates and booleans map to the release schema.

A mapping is a TOML file with one table per kind (``[persons]``, ``[beneficiaries]`` ...)::

    [persons]
    file = "ART DTSEN 2025.xlsx"   # default: persons.csv|xlsx|parquet
    sheet = "Data"                 # XLSX only; default: the first sheet
    header_row = 3                 # 1-based; default: found by matching known column names
    date_format = "%d/%m/%Y"       # default ISO YYYY-MM-DD (always accepted as well)
    decimal = ","                  # "1.234,5" -> 1234.5; default: decided per column
                                   #   (rpkd.inputs.numbers)
    true = ["ADA"]                 # added to the default spellings (true, ya, y, 1)
    false = ["TIDAK ADA"]          # added to the default spellings (false, tidak, t, 0)

    [persons.columns]              # source header -> canonical column
    "NIK" = "nik"
    "JENIS KELAMIN" = "sex"

    [persons.values.sex]           # value recoding, compared without case
    "LAKI-LAKI" = "L"

For beneficiaries, ``[beneficiaries.files]`` maps a programme to its file name. Headers and values
are compared case-insensitively with surrounding spaces removed.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rpkd.errors import InvalidInput
from rpkd.inputs import fold
from rpkd.releases.schema import KINDS, table_schema

TRUE_SPELLINGS = ("TRUE", "YA", "Y", "1", "1.0")
FALSE_SPELLINGS = ("FALSE", "TIDAK", "T", "0", "0.0")
_KIND_KEYS = {
    "file",
    "files",
    "sheet",
    "header_row",
    "date_format",
    "decimal",
    "true",
    "false",
    "columns",
    "values",
}


@dataclass(frozen=True)
class KindMapping:
    """How one kind's source file(s) are read and recoded."""

    kind: str
    file: str | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int | None = None
    date_format: str | None = None
    decimal: str | None = None
    true: tuple[str, ...] = TRUE_SPELLINGS
    false: tuple[str, ...] = FALSE_SPELLINGS
    columns: Mapping[str, str] = field(default_factory=dict)  # folded source header -> canonical
    values: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict
    )  # column -> folded -> code

    def canonical(self, header: str) -> str | None:
        """Return the canonical column for a source header, or None if it is unknown."""
        return self.headers().get(fold(header))

    def headers(self) -> dict[str, str]:
        """Return {folded source header: canonical column} of every header this kind knows."""
        names = {fold(c.name): c.name for c in table_schema(self.kind).columns}
        return {**names, **self.columns}


@dataclass(frozen=True)
class SourceMapping:
    """A whole mapping file: one :class:`KindMapping` per kind, its source and hash."""

    kinds: Mapping[str, KindMapping]
    path: Path | None = None
    sha256: str | None = None
    document: Mapping[str, Any] = field(default_factory=dict)

    def of(self, kind: str) -> KindMapping:
        return self.kinds.get(kind) or KindMapping(kind)


def default() -> SourceMapping:
    """Return the identity mapping: canonical headers, ISO dates, default booleans."""
    return SourceMapping({k: KindMapping(k) for k in KINDS})


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise InvalidInput("mapping_list", param="mapping", where=where)
    return tuple(fold(v) for v in value)


def date_directives(fmt: str) -> list[str]:
    """Return the ``%d %m %Y %y`` directives of a date format, in order."""
    return re.findall(r"%[dmYy]", fmt)


def _date_format(value: Any, where: str) -> str | None:
    if value is None:
        return None
    directives = sorted(date_directives(str(value)))
    if directives not in (["%Y", "%d", "%m"], ["%d", "%m", "%y"]):
        raise InvalidInput("mapping_date_format", param="mapping", where=where, format=str(value))
    return str(value)


def _kind(kind: str, body: Mapping[str, Any], where: str) -> KindMapping:
    unknown = set(body) - _KIND_KEYS
    if unknown:
        raise InvalidInput(
            "mapping_key_unknown", param="mapping", where=where, keys=sorted(unknown)
        )
    schema = table_schema(kind)
    columns: dict[str, str] = {}
    for source, target in dict(body.get("columns", {})).items():
        if target not in schema.by_column:
            raise InvalidInput(
                "mapping_column_unknown",
                param="mapping",
                where=f"{where}.columns",
                column=target,
                kind=kind,
            )
        columns[fold(source)] = target
    values: dict[str, dict[str, str]] = {}
    for column, recode in dict(body.get("values", {})).items():
        if column not in schema.by_column:
            raise InvalidInput(
                "mapping_column_unknown",
                param="mapping",
                where=f"{where}.values",
                column=column,
                kind=kind,
            )
        values[column] = {fold(k): str(v) for k, v in dict(recode).items()}
    header_row = body.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise InvalidInput("mapping_header_row", param="mapping", where=where)
    decimal = body.get("decimal")
    if decimal is not None and decimal not in (".", ","):
        raise InvalidInput("mapping_decimal", param="mapping", where=where)
    return KindMapping(
        kind=kind,
        file=body.get("file"),
        files={str(k): str(v) for k, v in dict(body.get("files", {})).items()},
        sheet=body.get("sheet"),
        header_row=header_row,
        date_format=_date_format(body.get("date_format"), f"{where}.date_format"),
        decimal=decimal,
        true=TRUE_SPELLINGS + _strings(body.get("true", []), f"{where}.true"),
        false=FALSE_SPELLINGS + _strings(body.get("false", []), f"{where}.false"),
        columns=columns,
        values=values,
    )


def load_mapping(path: Path) -> SourceMapping:
    """Return the mapping in TOML file ``path``; raise :class:`InvalidInput` naming what is wrong."""
    if not path.is_file():
        raise InvalidInput("mapping_missing", param="mapping", file=str(path))
    try:
        blob = path.read_bytes()
        document = tomllib.loads(blob.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise InvalidInput(
            "mapping_unreadable",
            param="mapping",
            file=path.name,
            line=int(line.group(1)) if line else None,
        ) from exc
    unknown = set(document) - set(KINDS)
    if unknown:
        raise InvalidInput(
            "mapping_kind_unknown",
            param="mapping",
            file=path.name,
            kinds=sorted(unknown),
            expected=KINDS,
        )
    kinds: dict[str, KindMapping] = {
        k: _kind(k, document.get(k, {}), f"{path.name} [{k}]") for k in KINDS
    }
    return SourceMapping(kinds, path, hashlib.sha256(blob).hexdigest(), document)
