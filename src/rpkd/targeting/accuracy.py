"""Targeting accuracy: inclusion and exclusion error rates of a cut-off or a beneficiary list.

With ``T`` the target group (e.g. poor by consumption) and ``C`` those covered (a desil cut-off,
a programme's recipients), weighted by ``w``:

- exclusion error (undercoverage) = ``Σ w·T·(1−C) / Σ w·T``, the share of the target group not
  covered;
- inclusion error (leakage) = ``Σ w·C·(1−T) / Σ w·C``, the share of those covered who are not in
  the target group.

Against the synthetic truth every family is known (``w = 1``); against the survey the rates are
ratios of design-weighted totals with Taylor-linearised standard errors (:mod:`rpkd.survey`).

References
----------
Coady, D., Grosh, M. & Hoddinott, J. (2004). *Targeting of Transfers in Developing Countries:
Review of Lessons and Experience*. World Bank, ch. 3 (inclusion and exclusion errors).
Cornia, G. A. & Stewart, F. (1993). Two errors of targeting. *J. Int. Dev.* 5(5), 459–496.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from rpkd.survey.design import Design
from rpkd.survey.estimate import ratio, total

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, Table


@dataclass(frozen=True)
class ErrorRates:
    """Weighted totals of target, covered and both, and the two error rates."""

    target: float
    covered: float
    both: float

    @property
    def exclusion(self) -> float:
        """Share of the target group not covered (NaN when the group is empty)."""
        return 1 - self.both / self.target if self.target else float("nan")

    @property
    def inclusion(self) -> float:
        """Share of the covered not in the target group (NaN when nobody is covered)."""
        return 1 - self.both / self.covered if self.covered else float("nan")


def error_rates(
    target: NDArray[np.bool_], covered: NDArray[np.bool_], weight: NDArray[np.float64] | None = None
) -> ErrorRates:
    """Return the error rates of ``covered`` against ``target`` (unit weights by default).

    Examples
    --------
    >>> r = error_rates(np.array([True, True, False, False]), np.array([True, False, True, False]))
    >>> (r.exclusion, r.inclusion)
    (0.5, 0.5)
    """
    w = np.ones(len(target)) if weight is None else np.asarray(weight, dtype=float)
    t, c = np.asarray(target, bool), np.asarray(covered, bool)
    return ErrorRates(float(w @ t), float(w @ c), float(w @ (t & c)))


def weighted_quantile(x: NDArray[np.float64], w: NDArray[np.float64], p: float) -> float:
    """Return the smallest ``x`` whose cumulative weight share reaches ``p`` (inverse CDF).

    Examples
    --------
    >>> weighted_quantile(np.array([3.0, 1.0, 2.0]), np.array([1.0, 1.0, 2.0]), 0.5)
    2.0
    """
    order = np.argsort(x, kind="stable")
    share = np.cumsum(w[order]) / w.sum()
    return float(x[order][np.searchsorted(share, p - 1e-12)])


def counts(
    table: Table,
    target: BooleanValue,
    covered: BooleanValue,
    *,
    by: str | None = None,
    weight: str | None = None,
) -> Table:
    """Return per group (or overall) the units and weighted totals of target, covered and both."""
    w = table[weight].cast("float64") if weight else ibis.literal(1.0)
    t = target.fill_null(False)
    c = covered.fill_null(False)
    metrics: dict[str, Any] = {
        "units": table.count(),
        "target": (t.cast("float64") * w).sum(),
        "covered": (c.cast("float64") * w).sum(),
        "both": ((t & c).cast("float64") * w).sum(),
    }
    if by is None:
        return table.aggregate(**metrics).mutate(domain=ibis.literal(None, type="string"))
    return table.group_by(domain=table[by].cast("string")).aggregate(**metrics)


def rates_table(
    totals: pa.Table, *, measure: str, by: str | None, overall: pa.Table | None = None
) -> pa.Table:
    """Return rows ``measure, by, domain, units, target, covered, both, exclusion, inclusion``.

    ``overall`` (the same counts without ``by``) comes first when given, then domains in order.
    """
    rows: list[dict[str, Any]] = []
    blocks = [(overall, None)] if overall is not None else []
    for block, name in (*blocks, (totals, by)):
        ordered = sorted(block.to_pylist(), key=lambda r: domain_order(r["domain"]))
        for r in ordered:
            rates = ErrorRates(r["target"] or 0.0, r["covered"] or 0.0, r["both"] or 0.0)
            rows.append(
                {
                    "measure": measure, "by": name, "domain": r["domain"], "units": r["units"],
                    "target": rates.target, "covered": rates.covered, "both": rates.both,
                    "exclusion": _finite(rates.exclusion), "inclusion": _finite(rates.inclusion),
                }
            )  # fmt: skip
    return pa.Table.from_pylist(rows)


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def domain_order(domain: str | None) -> tuple[int, float, str]:
    """Sort key of domain labels: the whole population first, numbers numerically, then text."""
    if domain is None:
        return (0, 0.0, "")
    return (1, float(domain), "") if domain.isdigit() else (2, 0.0, domain)


def design_rates(
    table: Table,
    design: Design,
    *,
    target: str,
    covered: str,
    by: str | None,
    measure: str,
    label: str | None = None,
) -> pa.Table:
    """Return survey estimates of both error rates with Taylor-linearised SEs.

    ``target`` and ``covered`` name 0/1 columns. Exclusion is the ratio
    ``Σ w·T(1−C) / Σ w·T`` and inclusion ``Σ w·C(1−T) / Σ w·C`` (R ``svyratio``; by domain as
    ``svyby``); ``target``, ``covered`` and ``both`` are the weighted totals (``svytotal``).
    Rows: the whole population first, then each domain of ``by`` (named ``label`` if given).
    """
    t, c = table[target].cast("float64"), table[covered].cast("float64")
    exclusion = ratio(table, design, t * (1 - c), t, by=by, measure="exclusion")
    inclusion = ratio(table, design, c * (1 - t), c, by=by, measure="inclusion")
    totals = {
        name: total(table, design, value, by=by, measure=name)
        for name, value in (("target", t), ("covered", c), ("both", t * c))
    }
    rows = []
    for ex in exclusion.rows:
        inc = inclusion.find("inclusion", domain=ex.domain)
        rows.append(
            {
                "measure": measure, "by": (label or by) if ex.domain is not None else None,
                "domain": ex.domain, "units": ex.n,
                **{k: v.find(k, domain=ex.domain).estimate for k, v in totals.items()},
                "exclusion": _none(ex.estimate), "exclusion_se": _none(ex.se),
                "inclusion": _none(inc.estimate), "inclusion_se": _none(inc.se),
                "population": ex.population,
            }
        )  # fmt: skip
    return pa.Table.from_pylist(rows)


def _none(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
