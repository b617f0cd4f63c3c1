"""Inequality: Gini, quintile share ratio S80/S20, Palma ratio, decile shares and the mean.

Definitions follow R ``laeken`` (Eurostat, EU-SILC), returned as fractions, not percent:

* Gini ``G = (2 Σ_k w_k N_k y_k) / (N Y) - 1`` with ``N_k`` the cumulative weight up to k minus
  ``w_k/2`` (``laeken::gini``; Langel & Tillé 2013). Its standard error is linearised with the
  influence function of Langel & Tillé (2013, eq. 5), the Deville (1999)/Osier (2009)
  linearisation used by R ``convey::svygini``:
  ``z_k = [2 N_k (y_k - Y_k/N_k) + Y - N y_k - G (Y + N y_k)] / (N Y)`` with ``Y_k`` the
  cumulative weighted income up to k minus ``w_k y_k / 2``.
* Weighted quantiles by ``laeken::weightedQuantile``: the first sorted value whose cumulative
  weight share exceeds p. S80/S20 = income of those above q(0.8) / income of those at or below
  q(0.2) (``laeken::qsr``); Palma = income above q(0.9) / income at or below q(0.4) (Cobham &
  Sumner 2013); decile d holds ``q((d-1)/10) < y ≤ q(d/10)``.

S80/S20 and Palma are ratios of partial income totals ``Y_p = Σ w y 1[y ≤ q_p]``; their SEs use
the linearisation of a partial total at an estimated quantile (Osier 2009, §3.3; the density
terms of the quantile and of the partial total cancel):
``I(Y_p)_k = y_k 1[y_k ≤ q_p] + q_p (p - 1[y_k ≤ q_p])``, so for ``R = (Y - Y_t) / Y_b``
``z_k = (y_k - I(Y_t)_k) / Y_b - R · I(Y_b)_k / Y_b``. Decile shares have no SE (``se`` null).

References
----------
Langel, M. & Tillé, Y. (2013). Variance estimation of the Gini index: revisiting a result
several times published. *JRSS A* 176(2), 521-540. Osier, G. (2009). Variance estimation for
complex indicators of poverty and inequality using linearization techniques. *Survey Research
Methods* 3(3), 167-195. Alfons, A. & Templ, M. (2013). Estimation of social exclusion indicators
from complex surveys: the R package laeken. *JSS* 54(15).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from rpkd.errors import InvalidInput, UsageError
from rpkd.survey import Design, Estimate, Estimates, lonely_findings, variance
from rpkd.survey.linearization import FloatArray
from rpkd.survey.totals import WEIGHT, column, layout, record_values

if TYPE_CHECKING:
    from ibis.expr.types import Table

MEASURES = ("gini", "qsr", "palma", "deciles", "mean")


def weighted_quantile(y: FloatArray, w: FloatArray, p: float) -> float:
    """Return the weighted quantile of sorted ``y`` as ``laeken::weightedQuantile``."""
    if p <= 0:
        return float(y[0])
    if p >= 1:
        return float(y[-1])
    share = np.cumsum(w) / w.sum()
    return float(y[int(np.argmax(share > p))])


def gini(y: FloatArray, w: FloatArray) -> tuple[float, FloatArray]:
    """Return the Gini coefficient (fraction) and each record's influence value z_k.

    ``y`` and ``w`` in any order; z is returned in the same order.
    """
    order = np.argsort(y, kind="stable")
    ys, ws = y[order], w[order]
    wy = ws * ys
    total_n, total_y = ws.sum(), wy.sum()
    n_k = np.cumsum(ws) - ws / 2
    y_k = np.cumsum(wy) - wy / 2
    g = 2 * float((ws * n_k * ys).sum()) / (total_n * total_y) - 1
    z_sorted = (2 * (n_k * ys - y_k) + total_y - total_n * ys - g * (total_y + total_n * ys)) / (
        total_n * total_y
    )
    z = np.empty_like(z_sorted)
    z[order] = z_sorted
    return g, z


def share_ratio(
    y: FloatArray, w: FloatArray, top: float, bottom: float
) -> tuple[float, FloatArray]:
    """Return income above q(top) / income at or below q(bottom), and each record's z_k.

    S80/S20 is ``share_ratio(y, w, 0.8, 0.2)`` and Palma ``share_ratio(y, w, 0.9, 0.4)``.
    """
    order = np.argsort(y, kind="stable")
    upper = weighted_quantile(y[order], w[order], top)
    lower = weighted_quantile(y[order], w[order], bottom)
    below_upper = (y <= upper).astype(np.float64)
    below_lower = (y <= lower).astype(np.float64)
    wy = w * y
    total_top = float(wy.sum() - (wy * below_upper).sum())
    total_bottom = float((wy * below_lower).sum())
    value = total_top / total_bottom
    partial_top = y * below_upper + upper * (top - below_upper)
    partial_bottom = y * below_lower + lower * (bottom - below_lower)
    z = (y - partial_top) / total_bottom - value * partial_bottom / total_bottom
    return value, z


def estimate(
    table: Table,
    design: Design,
    *,
    welfare: str,
    measures: Sequence[str] = MEASURES,
    by: str | None = None,
) -> Estimates:
    """Return inequality measures, overall then per domain (SEs for all but decile shares).

    Parameters
    ----------
    table
        Household records (Ibis table).
    design
        Sample design; with ``size`` the distribution is over persons (weight × size).
    welfare
        Per-capita welfare column.
    measures
        Any of ``gini``, ``qsr``, ``palma``, ``deciles``, ``mean``.
    by
        Domain column.
    """
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise UsageError("measure_unknown", param="measure", value=unknown[0], allowed=MEASURES)
    design.check(table.columns, welfare, by)
    records = record_values(table, design, {"y": table[welfare].cast("float64")}, by)
    if records.num_rows == 0:
        raise InvalidInput("no_records", param="data")
    lay = layout(records, design)
    y, w = column(records, "y"), column(records, WEIGHT)
    if np.isnan(w).any():
        raise InvalidInput("weight_missing", param="weight")
    if np.isnan(y).any() or (y < 0).any():
        raise InvalidInput("welfare_invalid", param=welfare, column=welfare)
    groups: list[tuple[str | None, np.ndarray]] = [(None, np.arange(y.size))]
    groups += [(str(v), np.flatnonzero(lay.domain == i)) for i, v in enumerate(lay.domains)]
    rows: list[Estimate] = []
    scores: list[tuple[int, np.ndarray, FloatArray]] = []
    for label, idx in groups:
        ys, ws = y[idx], w[idx]
        n, population = int(idx.size), float(ws.sum())

        def row(
            measure: str,
            value: float,
            indicator: str | None = None,
            *,
            label: str | None = label,
            n: int = n,
            population: float = population,
        ) -> None:
            rows.append(
                Estimate(
                    measure,
                    value,
                    None,
                    n,
                    population,
                    indicator=indicator,
                    by=by if label is not None else None,
                    domain=label,
                )
            )

        order = np.argsort(ys, kind="stable")
        sy, sw = ys[order], ws[order]
        for measure in measures:
            if measure in ("gini", "mean", "qsr", "palma"):
                if measure == "gini":
                    value, z = gini(ys, ws)
                elif measure == "qsr":
                    value, z = share_ratio(ys, ws, 0.8, 0.2)
                elif measure == "palma":
                    value, z = share_ratio(ys, ws, 0.9, 0.4)
                else:
                    value = float((ws * ys).sum() / population)
                    z = (ys - value) / population
                row(measure, value)
                scores.append((len(rows) - 1, idx, ws * z))
            else:
                cuts = [-np.inf, *(weighted_quantile(sy, sw, d / 10) for d in range(1, 10)), np.inf]
                wy = sw * sy
                for d in range(10):
                    inside = (sy > cuts[d]) & (sy <= cuts[d + 1])
                    row("decile_share", float(wy[inside].sum() / wy.sum()), f"D{d + 1}")
    for position, idx, values in scores:
        var = variance(
            lay.structure,
            lay.unit[idx],
            np.zeros(idx.size, np.int64),
            1,
            values[:, None],
            design.lonely_psu,
        )
        rows[position] = replace(rows[position], se=float(np.sqrt(max(var[0, 0], 0.0))))
    return Estimates(tuple(rows), lonely_findings(lay, design))
