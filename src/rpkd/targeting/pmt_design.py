"""One feature definition for the proxy-means test, built the same way on survey and registry.

Both sides are reduced to the same canonical columns (:data:`INPUTS`) by Ibis expressions —
the survey from its own columns, the registry from family features (head via persons) — and
one design matrix is built from them: numeric proxies (log household size, members under five
and aged 60+, log floor area per person, log(1 + land)), booleans as 0/1, and categorical
proxies one-hot with the first sorted level as reference (treatment contrasts), including the
kecamatan as a regional fixed effect. Levels are learned on the survey; a registry level the
survey never saw gets the reference level's zeros and is counted in the findings.

References
----------
Grosh, M. & Baker, J. (1995). *Proxy Means Tests for Targeting Social Programs*. LSMS Working
Paper 118, World Bank. BPS (2023): DTSEN/Regsosek PMT on housing, assets and demography.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from rpkd.releases.schema import HOUSING_COLUMNS

if TYPE_CHECKING:
    from ibis.expr.types import FloatingValue, Table

MISSING = "~na"
"""Level standing for a missing category (sorts after every code, so never the reference)."""

NUMERIC: tuple[str, ...] = ("household_size", "members_under5", "members_elderly",
                            "floor_area_m2", "land_owned_m2")  # fmt: skip
BOOLEAN: tuple[str, ...] = (
    "head_female",
    "urban",
    *tuple(c for c in HOUSING_COLUMNS if c.startswith("has_")),
)
CATEGORICAL: tuple[str, ...] = (
    "kecamatan", "head_education", "head_sector",
    *(c for c in HOUSING_COLUMNS
      if c not in NUMERIC and c not in BOOLEAN),
)  # fmt: skip
_NUMERIC_TERMS = {
    "household_size": "log_household_size",
    "floor_area_m2": "log_floor_area_per_person",
    "land_owned_m2": "log1p_land_owned_m2",
}
INPUTS: tuple[str, ...] = ("unit_id", *NUMERIC, *BOOLEAN, *CATEGORICAL)
"""Canonical PMT input columns shared by survey and registry."""


def survey_inputs(survey: Table) -> Table:
    """Return the survey's PMT inputs (plus ``weight``, ``psu`` and log expenditure ``y``)."""
    return survey.select(
        unit_id=survey.household_id,
        kecamatan=survey.desa_code.substr(0, 8),
        household_size=survey.household_size,
        members_under5=survey.members_under5,
        members_elderly=survey.members_elderly,
        head_female=survey.head_female,
        head_education=survey.head_education,
        head_sector=survey.head_sector,
        **{c: survey[c] for c in HOUSING_COLUMNS},
        weight=survey.weight,
        psu=survey.psu.cast("string"),
        expenditure=survey.expenditure_per_capita,
    )


def registry_inputs(features: Table) -> Table:
    """Return the registry's PMT inputs from :func:`rpkd.targeting.features.family_features`."""
    return features.select(
        unit_id=features.family_id,
        kecamatan=features.kecamatan_code,
        household_size=features.family_size,
        members_under5=features.n_under5,
        members_elderly=features.n_elderly,
        head_female=features.head_female,
        head_education=features.head_education,
        head_sector=features.head_sector,
        **{c: features[c] for c in HOUSING_COLUMNS},
    )


@dataclass(frozen=True)
class DesignSpec:
    """How inputs become model columns: categorical levels and numeric fill values."""

    levels: Mapping[str, tuple[str, ...]]
    fill: Mapping[str, float]

    @property
    def terms(self) -> tuple[str, ...]:
        """Model column names (without the intercept), in matrix order."""
        names = [_NUMERIC_TERMS.get(c, c) for c in NUMERIC] + list(BOOLEAN)
        for column in CATEGORICAL:
            names += [f"{column}[{level}]" for level in self.levels[column][1:]]
        return tuple(names)


def _numeric(data: pa.Table, column: str) -> NDArray[np.float64]:
    values = data.column(column).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float64)


def _transformed(data: pa.Table, column: str) -> NDArray[np.float64]:
    x = _numeric(data, column)
    if column == "floor_area_m2":
        return np.log(x / np.maximum(_numeric(data, "household_size"), 1.0))
    if column == "land_owned_m2":
        return np.log1p(x)
    if column == "household_size":
        return np.log(x)
    return x


def _labels(data: pa.Table, column: str) -> NDArray[np.str_]:
    return np.asarray([MISSING if v is None else str(v) for v in data.column(column).to_pylist()])


def learn(data: pa.Table, weight: NDArray[np.float64]) -> DesignSpec:
    """Return the design spec learned on survey inputs: sorted levels and weighted means."""
    levels = {c: tuple(sorted(set(_labels(data, c).tolist()))) for c in CATEGORICAL}
    fill: dict[str, float] = {}
    for column in NUMERIC:
        x = _transformed(data, column)
        ok = np.isfinite(x)
        fill[column] = float(np.average(x[ok], weights=weight[ok])) if ok.any() else 0.0
    return DesignSpec(levels, fill)


@dataclass(frozen=True)
class Matrix:
    """A design matrix (intercept first) and counts of what had to be filled or was unseen."""

    x: NDArray[np.float64]
    filled: Mapping[str, int]
    unseen: Mapping[str, int]


def matrix(data: pa.Table, spec: DesignSpec) -> Matrix:
    """Return the design matrix of ``data`` (survey or registry inputs) under ``spec``."""
    n = data.num_rows
    blocks: list[NDArray[np.float64]] = [np.ones((n, 1))]
    filled: dict[str, int] = {}
    unseen: dict[str, int] = {}
    for column in NUMERIC:
        x = _transformed(data, column)
        bad = ~np.isfinite(x)
        filled[column] = int(bad.sum())
        blocks.append(np.where(bad, spec.fill[column], x)[:, None])
    for column in BOOLEAN:
        values = data.column(column).to_pylist()
        filled[column] = sum(v is None for v in values)
        blocks.append(np.asarray([1.0 if v else 0.0 for v in values])[:, None])
    for column in CATEGORICAL:
        labels = _labels(data, column)
        levels = spec.levels[column]
        unseen[column] = int((~np.isin(labels, levels)).sum())
        blocks.append((labels[:, None] == np.asarray(levels[1:])[None, :]).astype(np.float64))
    return Matrix(np.hstack(blocks), filled, unseen)


def linear_score(table: Table, spec: DesignSpec, coefficients: Sequence[float]) -> FloatingValue:
    """Return ``x'beta`` as an Ibis expression over registry or survey inputs.

    The same transforms as :func:`matrix`, written for the engine so that the registry is
    scored where it lives.
    """
    beta = iter(coefficients)
    score = ibis.literal(float(next(beta)))
    size = table.household_size.cast("float64")
    for column in NUMERIC:
        raw = table[column].cast("float64")
        if column == "floor_area_m2":
            value = (raw / ibis.greatest(size, 1.0)).ln()
        elif column == "land_owned_m2":
            value = (raw + 1.0).ln()
        elif column == "household_size":
            value = raw.ln()
        else:
            value = raw
        score = score + value.fill_null(spec.fill[column]) * float(next(beta))
    for column in BOOLEAN:
        score = score + table[column].fill_null(False).cast("float64") * float(next(beta))
    for column in CATEGORICAL:
        levels = spec.levels[column]
        mapping = {level: float(next(beta)) for level in levels[1:]}
        known = {k: v for k, v in mapping.items() if k != MISSING}
        if not mapping:
            continue
        text = table[column].cast("string")
        term = text.substitute(known, else_=0.0) if known else ibis.literal(0.0)
        if MISSING in mapping:
            term = text.isnull().ifelse(mapping[MISSING], term)
        score = score + term.cast("float64")
    return score
