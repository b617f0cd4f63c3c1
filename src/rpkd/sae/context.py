"""Context variables of a unit-level model: area means of registry proxies and village indicators.

ELL (Elbers, Lanjouw & Lanjouw 2003) and the World Bank's povmap add to each household's own
proxies the means of those proxies over its cluster and larger areas, computed from the census,
and village-level indicators (Podes in Indonesia): they carry the part of the area effect the
household's own characteristics miss. Here every registry family and every survey household gets

- ``desa_mean_<proxy>`` and ``kecamatan_mean_<proxy>``: the mean of ``<proxy>`` over all
  registry families of its desa or kecamatan (the whole registry, not the sample, so survey and
  registry rows of one desa get the same value);
- ``village_<column>``: each numeric or yes/no column of the release's ``villages`` table for
  its desa (a desa missing there gets no value, and the column is then left out of the model);
- ``village_log_<column>``: ``log(1 + x)`` of such a column, for distances and travel times,
  whose effect on welfare falls off with their size (the first hour's travel matters more than
  the fifth) and whose long right tail would otherwise set a linear coefficient (Corral et al.
  2022, ch. 4, on transforming skewed covariates). A negative value has no log: that desa gets
  no value, as a missing one.

Which of them enter the model is the kit's choice (``[ebp]`` of ``sae.toml``), usually followed
by :mod:`rpkd.sae.selection`.

References
----------
Elbers, C., Lanjouw, J.O. & Lanjouw, P. (2003). Micro-level estimation of poverty and
inequality. Econometrica 71, 355–364.
Corral, P., Molina, I., Cojocaru, A. & Segovia, S. (2022). *Guidelines to Small Area Estimation
for Poverty Mapping*, World Bank, ch. 4 (contextual variables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

ContextLevel = Literal["desa", "kecamatan"]
CONTEXT_LEVELS: tuple[ContextLevel, ...] = ("desa", "kecamatan")
DESA = "desa_code"


@dataclass(frozen=True)
class Context:
    """Sample and census tables with the context columns appended, and those columns' names."""

    sample: pa.Table
    census: pa.Table
    names: tuple[str, ...]


def _key(codes: Sequence[str], level: ContextLevel) -> np.ndarray:
    return np.asarray([c[:8] if level == "kecamatan" else c for c in codes], dtype=object)


def _lookup(values: dict[str, float], keys: np.ndarray) -> np.ndarray:
    """Return each key's value (NaN where it has none)."""
    return np.array([values.get(k, np.nan) for k in keys], dtype=float)


def village_columns(villages: pa.Table) -> tuple[str, ...]:
    """Return the numeric and yes/no columns of a villages table (other than the desa code)."""
    return tuple(
        f.name
        for f in villages.schema
        if f.name != DESA
        and (
            pa.types.is_integer(f.type)
            or pa.types.is_floating(f.type)
            or pa.types.is_boolean(f.type)
        )
    )


def with_context(
    sample: pa.Table,
    census: pa.Table,
    villages: pa.Table | None,
    *,
    proxies: Sequence[str],
    levels: Sequence[ContextLevel],
    village: Sequence[str] | Literal["all"] = (),
    village_log: Sequence[str] = (),
) -> Context:
    """Return ``sample`` and ``census`` with area means of ``proxies`` and village columns.

    Both tables need ``desa_code`` and (for the means) the proxies; ``village`` names columns of
    ``villages`` or is ``"all"`` (every column of :func:`village_columns`); ``village_log``
    names columns entered as ``log(1 + x)``.
    """
    s_codes = [str(c) for c in sample.column(DESA).to_pylist()]
    c_codes = [str(c) for c in census.column(DESA).to_pylist()]
    names: list[str] = []
    for level in levels:
        c_key, s_key = _key(c_codes, level), _key(s_codes, level)
        groups, index = np.unique(c_key, return_inverse=True)
        counts = np.bincount(index, minlength=groups.size)
        for proxy in proxies:
            values = np.asarray(census.column(proxy).to_numpy(zero_copy_only=False), dtype=float)
            means = np.bincount(index, weights=values, minlength=groups.size) / counts
            name = f"{level}_mean_{proxy}"
            on_sample = _lookup(dict(zip(groups, means, strict=True)), s_key)
            census = census.append_column(name, pa.array(means[index], pa.float64()))
            sample = sample.append_column(name, pa.array(on_sample, pa.float64()))
            names.append(name)
    if villages is not None:
        chosen = village_columns(villages) if village == "all" else tuple(village)
        desa = np.asarray([str(c) for c in villages.column(DESA).to_pylist()], dtype=object)
        terms = [(c, f"village_{c}", _identity) for c in chosen]
        terms += [(c, f"village_log_{c}", _log1p) for c in village_log]
        for column, name, transform in terms:
            if column not in villages.column_names:
                continue
            raw = villages.column(column).cast(pa.float64())
            values = transform(np.asarray(raw.to_numpy(zero_copy_only=False), dtype=float))
            by_desa = dict(zip(desa, values, strict=True))
            on_census = _lookup(by_desa, np.asarray(c_codes, dtype=object))
            on_sample = _lookup(by_desa, np.asarray(s_codes, dtype=object))
            census = census.append_column(name, pa.array(on_census, pa.float64()))
            sample = sample.append_column(name, pa.array(on_sample, pa.float64()))
            names.append(name)
    return Context(sample, census, tuple(names))


def _identity(values: np.ndarray) -> np.ndarray:
    return values


def _log1p(values: np.ndarray) -> np.ndarray:
    """Return ``log(1 + x)``, NaN where ``x`` is negative (or missing)."""
    out = np.full(values.shape, np.nan)
    ok = values >= 0
    out[ok] = np.log1p(values[ok])
    return out
