"""A data file a user gives to an estimating command: read once, columns checked, rows located.

The file is read by :mod:`rpkd.inputs` (the header row found by the columns the options name,
numbers with a decimal comma or dot). A column an option names that the file lacks is a usage
error naming the option; a cell that is not a number, or breaks a rule (a weight that is not
positive, a household size below 1, negative welfare, an MPI indicator other than 0 or 1), is
invalid input whose findings name the file, row, field and value. Errors a statistical
function raises about rows of the table it was given are mapped back to the file's rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding

if TYPE_CHECKING:
    from rpkd.inputs import InputTable


def read(data: Path | str, names: Sequence[str | None]) -> InputTable:
    """Read the file, finding the header row by the columns the options name."""
    from rpkd import inputs

    return inputs.read(Path(data), headers=[n for n in dict.fromkeys(names) if n])


def columns(
    source: InputTable,
    numeric: Sequence[str],
    text: Sequence[str],
    *,
    required: bool = True,
    flags: Mapping[str, str] | None = None,
) -> dict[str, pa.Array]:
    """Return the named columns: ``numeric`` parsed as numbers, ``text`` as text.

    A column the file lacks is a usage error naming the option (exit 2); a cell that is not a
    number (or is empty, when ``required``) is invalid input naming file, row and field.
    """
    from rpkd.inputs import ROW

    present = [c for c in source.table.column_names if c != ROW]
    for name in dict.fromkeys([*numeric, *text]):
        if name not in present:
            flag = (flags or {}).get(name, name)
            raise UsageError("data_column_missing", param=flag, column=name, columns=present)
    out: dict[str, pa.Array] = {}
    for name in dict.fromkeys(numeric):
        out[name] = source.numbers(name, required=required)
    for name in dict.fromkeys(text):
        if name not in out:
            out[name] = source.table[name].combine_chunks().cast(pa.string())
    return out


def check(
    source: InputTable, columns: Mapping[str, pa.Array], rules: Sequence[tuple[str | None, str]]
) -> None:
    """Raise invalid input naming every row whose weight, size or welfare breaks its rule."""
    import pyarrow.compute as pc

    limits = {
        "design_weight_not_positive": lambda v: pc.less_equal(v, 0),
        "household_size_below_one": lambda v: pc.less(v, 1),
        "welfare_negative": lambda v: pc.less(v, 0),
    }
    found: list[Finding] = []
    for name, code in rules:
        if name is not None:
            found += _rows(source, name, limits[code](columns[name]), code)
    if found:
        raise InvalidInput(
            "data_rows_invalid", param=found[0].field, findings=tuple(found), count=len(found)
        )


def check_binary(source: InputTable, columns: Mapping[str, pa.Array], names: Sequence[str]) -> None:
    import pyarrow.compute as pc

    found: list[Finding] = []
    for name in names:
        inside = pc.is_in(columns[name], value_set=pa.array([0.0, 1.0]))
        found += _rows(source, name, pc.invert(inside), "indicator_not_binary")
    if found:
        raise InvalidInput(
            "data_rows_invalid", param=found[0].field, findings=tuple(found), count=len(found)
        )


def _rows(source: InputTable, name: str, bad: pa.Array, code: str) -> list[Finding]:
    import pyarrow.compute as pc

    from rpkd.inputs import ROW

    rows = pc.filter(source.table[ROW].combine_chunks(), bad).to_pylist()
    values = pc.filter(source.table[name].combine_chunks(), bad).to_pylist()
    return [
        Finding(
            code,
            "error",
            file=source.layout.file,
            sheet=source.layout.sheet,
            row=r,
            field=name,
            value=v,
        )
        for r, v in zip(rows, values, strict=True)
    ]


def located(exc: InvalidInput, source: InputTable) -> InvalidInput:
    """Return ``exc`` with its findings' rows (1-based in the table) as rows of the file."""
    from rpkd.inputs import ROW

    rows = source.table[ROW].to_pylist()
    found = tuple(
        replace(
            f,
            file=source.layout.file,
            sheet=source.layout.sheet,
            row=None if f.row is None else rows[f.row - 1],
        )
        for f in exc.findings
    )
    return type(exc)(exc.code, param=exc.param, findings=found, **exc.params)
