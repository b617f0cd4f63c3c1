"""Model matrices for small-area models: numeric columns and treatment-coded categorical ones.

Categorical covariates use treatment contrasts with the first sorted level as the reference, as
R's ``model.matrix`` does for ``as.factor(col)`` (Chambers & Hastie 1992, *Statistical Models in
S*, ch. 2): levels are sorted numerically when every level is a number (R sorts a numeric column's
factor levels by value) and as text otherwise. The dummy of level ``L`` of column ``c`` is named
``c[L]``; the intercept is named ``intercept``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding

INTERCEPT = "intercept"
_MISSING = frozenset({"", "na", "nan", "null", "none"})


@dataclass(frozen=True)
class ModelMatrix:
    """A model matrix (rows x columns) and the name of each column."""

    names: tuple[str, ...]
    values: np.ndarray


def invalid_rows(*found: Finding) -> InvalidInput:
    """Return the error for invalid cells; each finding names its 1-based data row and field."""
    return InvalidInput(
        "data_rows_invalid", param=found[0].field, findings=tuple(found), count=len(found)
    )


def cell(value: object) -> str | None:
    """Return a cell as the text a finding shows (None when empty)."""
    return None if value is None else str(value)


def column(data: pa.Table, name: str, flag: str) -> list[object]:
    """Return the values of column ``name``; a missing column is a usage error of ``flag``."""
    if name not in data.column_names:
        raise UsageError(
            "sae_column_missing", param=flag, column=name, flag=flag, columns=data.column_names
        )
    values: list[object] = data.column(name).to_pylist()
    return values


def is_missing(value: object) -> bool:
    """Return whether a cell is empty (None, NaN, or text such as ``""`` or ``NA``)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip().lower() in _MISSING


def numbers(values: Sequence[object], field: str) -> np.ndarray:
    """Return ``values`` as floats (NaN where missing); raise :class:`InvalidInput` on text.

    Rows in findings are numbered from 1, the header not counted.
    """
    out = np.full(len(values), np.nan)
    for i, value in enumerate(values):
        if is_missing(value):
            continue
        try:
            number = float(value.strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise invalid_rows(
                Finding("sae_not_numeric", "error", row=i + 1, field=field, value=cell(value))
            ) from None
        if not math.isfinite(number):
            raise invalid_rows(
                Finding("sae_not_finite", "error", row=i + 1, field=field, value=cell(value))
            )
        out[i] = number
    return out


def number_column(data: pa.Table, name: str, flag: str) -> np.ndarray:
    """Return column ``name`` as floats (NaN where missing), fast for census-sized tables."""
    values = data.column(name) if name in data.column_names else None
    if values is not None and (
        pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
    ):
        return np.asarray(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    if values is not None and pa.types.is_string(values.type):
        try:
            cast = pc.cast(values, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            out = np.asarray(cast.to_numpy(zero_copy_only=False), dtype=float)
            if np.isfinite(out[~np.isnan(out)]).all():
                return out
    return numbers(column(data, name, flag), name)


def labels(values: Sequence[object], field: str) -> list[str]:
    """Return category labels as text; a missing category is invalid input."""
    out = []
    for i, value in enumerate(values):
        if is_missing(value):
            raise invalid_rows(
                Finding("sae_category_missing", "error", row=i + 1, field=field, value=cell(value))
            )
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        out.append(text)
    return out


def sorted_levels(values: Sequence[str]) -> tuple[str, ...]:
    """Return the distinct levels, numerically sorted if all are numbers, else as text."""
    distinct = set(values)
    try:
        return tuple(sorted(distinct, key=float))
    except ValueError:
        return tuple(sorted(distinct))


def model_matrix(
    numeric: Mapping[str, np.ndarray],
    categorical: Mapping[str, Sequence[str]],
    reference: Mapping[str, tuple[str, ...]],
    rows: int,
) -> ModelMatrix:
    """Return intercept, numeric columns, then one dummy per non-reference level of each factor.

    ``reference`` gives each categorical column's levels (first = reference); a value outside
    them is invalid input, because its effect cannot be estimated.
    """
    names = [INTERCEPT]
    parts = [np.ones(rows)]
    for name, values in numeric.items():
        names.append(name)
        parts.append(np.asarray(values, dtype=float))
    for name, codes in categorical.items():
        levels = reference[name]
        unknown = sorted(set(codes) - set(levels))
        if unknown:
            row = next(i for i, v in enumerate(codes) if v == unknown[0])
            raise invalid_rows(
                Finding("sae_category_unknown", "error", row=row + 1, field=name, value=unknown[0])
            )
        coded = np.asarray(codes, dtype=object)
        for level in levels[1:]:
            names.append(f"{name}[{level}]")
            parts.append((coded == level).astype(float))
    return ModelMatrix(tuple(names), np.column_stack(parts))


def usable_columns(
    table: pa.Table, rows: np.ndarray, names: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Return the covariates that are complete and add rank on ``rows``, and those dropped.

    A column missing from ``table``, with an empty cell, or a linear combination of the
    intercept and the columns kept before it (on ``rows``) is dropped; order is kept.
    """
    kept: list[str] = []
    dropped: list[str] = []
    matrix = np.ones((int(rows.sum()), 1))
    for name in names:
        if name not in table.column_names:
            dropped.append(name)
            continue
        values = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)
        if np.isnan(values).any():
            dropped.append(name)
            continue
        trial = np.column_stack([matrix, values[rows]])
        if np.linalg.matrix_rank(trial) > matrix.shape[1]:
            kept.append(name)
            matrix = trial
        else:
            dropped.append(name)
    return kept, dropped
