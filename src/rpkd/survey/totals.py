"""Weighted totals of scores per design unit, computed in the engine, and the design structure.

The engine sums weighted per-record values to stratum × PSU (× later-stage unit when the
variance is multistage) × domain and returns that small table; NumPy then builds the design's
sampling structure (n and N per stratum and stage, R ``survey``'s ``as.fpc``) from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.survey.design import Design
from rpkd.survey.linearization import FloatArray, IntArray, Stage, Structure

if TYPE_CHECKING:
    from ibis.expr.types import Table, Value

WEIGHT = "__weight"
RECORDS = "__records"
DOMAIN = "__domain"
MISSING = "__missing"


def _key(k: int) -> str:
    return f"__psu{k}"


def _fpc(k: int) -> str:
    return f"__fpc{k}"


def _design_columns(table: Table, design: Design) -> dict[str, Value]:
    import ibis

    columns: dict[str, Value] = {
        "__stratum": table[design.strata].cast("string") if design.strata else ibis.literal("1")
    }
    for k, name in enumerate(design.stages, start=1):
        columns[_key(k)] = table[name].cast("string")
    for k, name in enumerate(design.stage_fpc, start=1):
        columns[_fpc(k)] = table[name].cast("float64")
    return columns


def person_weight(table: Table, design: Design) -> Value:
    """Return the estimation weight: the design weight, times household size when given."""
    weight = table[design.weight].cast("float64")
    return weight * table[design.size].cast("float64") if design.size else weight


def unit_totals(
    table: Table, design: Design, values: Mapping[str, Value], by: str | None = None
) -> pa.Table:
    """Return weighted totals of ``values`` per design unit (and domain), computed by the engine.

    Columns: ``__stratum``, ``__psu1..k``, ``__fpc1..k`` (min and max as ``__fpc1``,
    ``__fpc1_max``), ``__domain`` (when ``by``), ``__weight`` (sum of weights), ``__records``
    and one column per value (sum of weight × value). Without PSU columns every record is
    returned (each is its own PSU).
    """
    import ibis

    weight = person_weight(table, design)
    columns = _design_columns(table, design)
    if by is not None:
        columns[DOMAIN] = table[by]
    missing = weight.isnull()
    for value in values.values():
        missing = missing | value.isnull()
    if not design.stages:
        rows = table.select(
            **columns,
            **{WEIGHT: weight},
            **{RECORDS: weight * 0 + 1, MISSING: ibis.ifelse(missing, 1, 0)},
            **{name: weight * value for name, value in values.items()},
        )
        out = eng.fetch(rows)
        _check_missing(int(pc.sum(out.column(MISSING)).as_py() or 0))
        return out.append_column(_fpc(1) + "_max", out.column(_fpc(1))) if design.stage_fpc else out
    keyed = table.mutate(
        **columns,
        **{WEIGHT: weight, MISSING: ibis.ifelse(missing, 1, 0)},
        **{name: weight * value for name, value in values.items()},
    )
    keys = ["__stratum", *(_key(k) for k in range(1, len(design.stages) + 1))]
    if by is not None:
        keys.append(DOMAIN)
    metrics: dict[str, Any] = {WEIGHT: keyed[WEIGHT].sum(), RECORDS: keyed.count()}
    for k in range(1, len(design.stage_fpc) + 1):
        metrics[_fpc(k)] = keyed[_fpc(k)].min()
        metrics[_fpc(k) + "_max"] = keyed[_fpc(k)].max()
    metrics.update({name: keyed[name].sum() for name in values})
    metrics[MISSING] = keyed[MISSING].sum()
    out = eng.fetch(keyed.group_by(keys).aggregate(**metrics))
    _check_missing(int(pc.sum(out.column(MISSING)).as_py() or 0))
    # A parallel hash aggregate returns its groups in any order, and the totals over units
    # are summed in that order: sorted, the same data gives the same last bits on every run.
    return out.sort_by([(k, "ascending") for k in keys])


def _check_missing(count: int) -> None:
    if count:
        raise InvalidInput("design_values_missing", param="data", count=count)


def record_values(
    table: Table, design: Design, values: Mapping[str, Value], by: str | None = None
) -> pa.Table:
    """Return per-record design keys, weight and ``values`` (unweighted), for rank-based measures."""
    columns = _design_columns(table, design)
    if by is not None:
        columns[DOMAIN] = table[by]
    out = eng.fetch(table.select(**columns, **{WEIGHT: person_weight(table, design)}, **values))
    if design.stage_fpc:
        for k in range(1, len(design.stage_fpc) + 1):
            out = out.append_column(_fpc(k) + "_max", out.column(_fpc(k)))
    return out.append_column(RECORDS, pa.array(np.ones(out.num_rows)))


@dataclass(frozen=True)
class Layout:
    """Where each row of a unit-totals table sits: its finest unit and its domain."""

    structure: Structure
    unit: IntArray
    domain: IntArray  # -1 where the domain value is null
    domains: tuple[Any, ...]


def _codes(column: pa.ChunkedArray) -> tuple[IntArray, list[Any]]:
    encoded = pc.dictionary_encode(column.combine_chunks())
    indices = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
    return indices, encoded.dictionary.to_pylist()


def _nest(parent: IntArray, child: IntArray) -> IntArray:
    width = np.int64(child.max() + 1) if child.size else np.int64(1)
    _, inverse = np.unique(parent * width + child, return_inverse=True)
    out: IntArray = inverse.astype(np.int64).ravel()
    return out


def _stage(
    row_unit: IntArray,
    row_stratum: IntArray,
    fpc: tuple[FloatArray, FloatArray] | None,
    counts: bool,
    factor_of_stratum: FloatArray,
    labels: list[str],
    k: int,
) -> Stage:
    units = int(row_unit.max()) + 1
    unit_stratum = np.zeros(units, np.int64)
    unit_stratum[row_unit] = row_stratum
    strata = int(row_stratum.max()) + 1
    sampled = np.bincount(unit_stratum, minlength=strata).astype(np.float64)
    population = np.full(strata, np.inf)
    if fpc is not None:
        low, high = np.full(strata, np.inf), np.full(strata, -np.inf)
        np.minimum.at(low, row_stratum, fpc[0])
        np.maximum.at(high, row_stratum, fpc[1])
        varies = high - low > 1e-9 * np.abs(high)
        if varies.any():
            label = labels[int(np.flatnonzero(varies)[0])]
            raise InvalidInput("fpc_varies", param="fpc", stratum=label, stage=k)
        population = high.copy() if counts else sampled / high
        short = population < sampled * (1 - 1e-12)
        if short.any():
            i = int(np.flatnonzero(short)[0])
            raise InvalidInput(
                "fpc_too_small",
                param="fpc",
                stratum=labels[i],
                stage=k,
                population=float(population[i]),
                sampled=int(sampled[i]),
            )
    return Stage(row_unit, unit_stratum, sampled, population, factor_of_stratum, tuple(labels))


def layout(totals: pa.Table, design: Design) -> Layout:
    """Return the full design's structure and each row's unit and domain (R's ``nest = TRUE``)."""
    stratum, stratum_labels = _codes(totals.column("__stratum"))
    if (stratum < 0).any():
        raise InvalidInput("stratum_missing", param="strata")
    fpcs: list[tuple[FloatArray, FloatArray]] = []
    for k in range(1, len(design.stage_fpc) + 1):
        low = np.asarray(totals.column(_fpc(k)).to_numpy(zero_copy_only=False), np.float64)
        high = np.asarray(
            totals.column(_fpc(k) + "_max").to_numpy(zero_copy_only=False), np.float64
        )
        if np.isnan(low).any():
            raise InvalidInput("fpc_missing", param="fpc", stage=k)
        fpcs.append((low, high))
    values = np.concatenate([f[1] for f in fpcs]) if fpcs else np.array([1.0])
    counts = bool((values > 1).any())
    if counts and (np.concatenate([f[0] for f in fpcs]) < 1).any():
        raise InvalidInput("fpc_mixed", param="fpc")
    if fpcs and (np.concatenate([f[0] for f in fpcs]) <= 0).any():
        raise InvalidInput("fpc_not_positive", param="fpc")
    stages: list[Stage] = []
    parent = stratum
    labels = [str(v) for v in stratum_labels]
    factor = np.ones(len(labels))
    for k in range(1, max(len(design.stages), 1) + 1):
        if design.stages:
            child, child_labels = _codes(totals.column(_key(k)))
            if (child < 0).any():
                raise InvalidInput(
                    "psu_missing", param=design.stages[k - 1], column=design.stages[k - 1]
                )
            row_unit = _nest(parent, child)
        else:
            row_unit = np.arange(totals.num_rows, dtype=np.int64)
        fpc = fpcs[k - 1] if k <= len(fpcs) else None
        stage = _stage(row_unit, parent, fpc, counts, factor, labels, k)
        stages.append(stage)
        if design.stages:
            first = np.zeros(int(row_unit.max()) + 1, np.int64)
            first[row_unit] = child
            labels = [
                f"{stage.labels[s]}/{child_labels[c]}"
                for s, c in zip(stage.stratum, first, strict=True)
            ]
        factor = (factor * stage.sampled / stage.population)[stage.stratum]
        parent = row_unit
    finest = stages[-1].unit
    units = int(finest.max()) + 1 if finest.size else 0
    by_finest = []
    for stage in stages:
        mapped = np.zeros(units, np.int64)
        mapped[finest] = stage.unit
        by_finest.append(
            Stage(
                mapped, stage.stratum, stage.sampled, stage.population, stage.factor, stage.labels
            )
        )
    structure = Structure(tuple(by_finest), units)
    if DOMAIN not in totals.column_names:
        return Layout(structure, finest, np.zeros(totals.num_rows, np.int64), ())
    codes, found = _codes(totals.column(DOMAIN))
    order = sorted(range(len(found)), key=lambda i: found[i])
    rank = np.empty(len(found), np.int64)
    rank[order] = np.arange(len(found))
    domain: IntArray = np.where(codes >= 0, rank[np.maximum(codes, 0)] if found else 0, -1)
    return Layout(structure, finest, domain, tuple(found[i] for i in order))


def column(totals: pa.Table, name: str) -> FloatArray:
    """Return one numeric column of a totals table as float64 (nulls as NaN)."""
    return np.asarray(totals.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
