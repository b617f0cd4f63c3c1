"""Unit-level inputs of the EBPs: model matrices, census weights, poverty lines and the areas
reported, checked.

Shared by the nested-error EBP (:mod:`rpkd.sae.ebp`) and the logit EBP
(:mod:`rpkd.sae.logit_ebp`). Bad values raise :class:`rpkd.errors.InvalidInput` with a finding
naming the row and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.sae.covariates import (
    ModelMatrix,
    column,
    invalid_rows,
    labels,
    model_matrix,
    number_column,
    sorted_levels,
)


def area_indices(
    sample: pa.Table, census: pa.Table, area: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the census's sorted area codes and each census and sample row's index in them.

    Every sample area must be a census area (the EBP predicts over the census).
    """
    sample_area = [str(a).strip() for a in column(sample, area, "--area")]
    census_area = [str(a).strip() for a in column(census, area, "--area")]
    codes, census_index = np.unique(np.asarray(census_area, dtype=object), return_inverse=True)
    position = {c: i for i, c in enumerate(codes)}
    missing = [a for a in dict.fromkeys(sample_area) if a not in position]
    if missing:
        raise InvalidInput("ebp_area_not_in_census", param=area, area=missing[0])
    sample_index = np.array([position[a] for a in sample_area], dtype=np.intp)
    return codes, census_index, sample_index


@dataclass(frozen=True)
class Reported:
    """The areas an EBP reports: its model's areas, or unions of them (povmap's ``aggregate_to``).

    When the random effect is on finer areas than those reported (desa effects for a kecamatan
    map), a reported area's indicator is the census-weighted mean of its model areas' EBPs: the
    indicators are census means, so this is the EBP of the reported area's indicator under the
    same model, and a bootstrap replicate's true and estimated values aggregate alike.
    ``of_model_area`` is each model area's index in ``codes`` (``None``: the model's own areas).
    """

    codes: np.ndarray
    of_model_area: np.ndarray | None = None

    def mean(self, values: np.ndarray, population: np.ndarray) -> np.ndarray:
        """Return the population-weighted mean of model-area ``values`` (rows) per reported area."""
        if self.of_model_area is None:
            return values
        size, up = self.codes.size, self.of_model_area
        weighted = np.where(population > 0, population, 0.0)
        columns = values.reshape(values.shape[0], -1)
        sums = np.column_stack(
            [np.bincount(up, np.nan_to_num(c) * weighted, size) for c in columns.T]
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            out = sums / np.bincount(up, weighted, size)[:, None]
        return out.reshape((size, *values.shape[1:]))

    def total(self, values: np.ndarray) -> np.ndarray:
        """Return the sum of model-area ``values`` (e.g. sample sizes) per reported area."""
        if self.of_model_area is None:
            return values
        return np.bincount(self.of_model_area, values, self.codes.size).astype(values.dtype)


def reported_areas(
    census: pa.Table, census_index: np.ndarray, codes: np.ndarray, report: str | None
) -> Reported:
    """Return the areas reported: ``codes`` (the model's areas) or the census column ``report``.

    ``census_index`` is each census row's model area (:func:`area_indices`); each model area
    must lie in one reported area (every desa in one kecamatan).
    """
    if report is None:
        return Reported(codes)
    coarse = [str(a).strip() for a in column(census, report, "report")]
    reported, coarse_index = np.unique(np.asarray(coarse, dtype=object), return_inverse=True)
    _, first_row = np.unique(census_index, return_index=True)  # every model area has census rows
    up = np.asarray(coarse_index[first_row], dtype=np.intp)
    bad = np.flatnonzero(up[census_index] != coarse_index)
    if bad.size:
        row = int(bad[0])
        raise invalid_rows(
            Finding(
                "ebp_area_not_nested",
                "error",
                {
                    "area": str(codes[census_index[row]]),
                    "first": str(reported[up[census_index[row]]]),
                    "second": str(reported[coarse_index[row]]),
                },
                row=row + 1,
                field=report,
            )
        )
    return Reported(reported, up)


def require_complete(values: np.ndarray, name: str) -> None:
    """Raise a row-level error for the first missing value of ``values`` (column ``name``)."""
    missing = np.flatnonzero(np.isnan(values))
    if missing.size:
        raise invalid_rows(
            Finding("sae_value_missing", "error", row=int(missing[0]) + 1, field=name)
        )


def weights(table: pa.Table, name: str, flag: str) -> np.ndarray:
    """Return a complete, non-negative weight column."""
    weight = number_column(table, name, flag)
    require_complete(weight, name)
    if (weight < 0).any():
        row = int(np.flatnonzero(weight < 0)[0])
        raise invalid_rows(
            Finding(
                "ebp_weight_negative",
                "error",
                row=row + 1,
                field=name,
                value=repr(float(weight[row])),
            )
        )
    return weight


def census_weights(census: pa.Table, name: str | None) -> np.ndarray:
    """Return the census rows' weights (column ``name``), or ones."""
    if name is None:
        return np.ones(census.num_rows)
    return weights(census, name, "--census-weight")


def census_lines(table: pa.Table, line: float | str) -> np.ndarray:
    """Return each row's poverty line (a number, or a column of ``table``)."""
    if isinstance(line, str):
        values = number_column(table, line, "--line")
        require_complete(values, line)
    else:
        values = np.full(table.num_rows, float(line))
    bad = np.flatnonzero(~(values > 0))
    if bad.size:
        field = line if isinstance(line, str) else None
        raise invalid_rows(
            Finding(
                "line_not_positive",
                "error",
                {"value": float(values[bad[0]])},
                row=int(bad[0]) + 1,
                field=field,
            )
        )
    return values


def unit_matrices(
    sample: pa.Table, census: pa.Table, covariates: Sequence[str], categorical: Sequence[str]
) -> tuple[ModelMatrix, ModelMatrix]:
    """Return sample and census model matrices with the sample's factor levels."""
    out = []
    levels: dict[str, tuple[str, ...]] = {}
    for table in (sample, census):
        numeric = {}
        for name in covariates:
            values = number_column(table, name, "--covariate")
            require_complete(values, name)
            numeric[name] = values
        factors = {n: labels(column(table, n, "--categorical"), n) for n in categorical}
        if not levels:
            levels = {n: sorted_levels(v) for n, v in factors.items()}
        out.append(model_matrix(numeric, factors, levels, table.num_rows))
    return out[0], out[1]
