"""Design-based totals, means and ratios with linearised standard errors, for domains too.

Every estimate here is a total ``Σ w·a`` or a ratio of totals ``Σ w·a / Σ w·b`` (a mean is a
ratio with ``b = 1``). The ratio's linearised score is ``(a - R·b) / Σ w·b`` (Woodruff 1971),
zero outside the domain with the full design kept, as R ``survey``'s ``svyby``/``svyratio``/
``svymean`` compute it. Confidence intervals are 95%, by :mod:`rpkd.survey.intervals`: logit
for proportions (R ``svyciprop``) unless another method is chosen, normal (Wald) otherwise.
Design effects follow R's ``deff = "replace"`` (simple random sampling with replacement).

References
----------
Woodruff, R. S. (1971). A simple method for approximating the variance of a complicated
estimate. *JASA* 66, 411-414. Lumley, T. (2010). *Complex Surveys*. Wiley, §2.3, §3.2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.survey.design import Design
from rpkd.survey.intervals import Bounds, CiMethod, interval, method_for
from rpkd.survey.linearization import FloatArray, IntArray, variance
from rpkd.survey.totals import RECORDS, WEIGHT, Layout, column, layout, unit_totals

if TYPE_CHECKING:
    from ibis.expr.types import Table, Value

ESTIMATES_SCHEMA = pa.schema(
    [
        ("measure", pa.string()),
        ("indicator", pa.string()),
        ("line", pa.string()),
        ("by", pa.string()),
        ("domain", pa.string()),
        ("estimate", pa.float64()),
        ("se", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("n", pa.int64()),
        ("population", pa.float64()),
    ]
)


@dataclass(frozen=True)
class Estimate:
    """One estimate with its standard error, 95% interval, CV and design effect.

    ``proportion`` marks the mean of a 0/1 variable (a headcount); ``df`` is the design's
    degrees of freedom in the estimate's domain (R ``degf``) and ``ci`` the interval method
    (:mod:`rpkd.survey.intervals`).
    """

    measure: str
    estimate: float
    se: float | None
    n: int
    population: float
    indicator: str | None = None
    line: float | str | None = None
    by: str | None = None
    domain: str | None = None
    deff: float | None = None
    proportion: bool = False
    df: int | None = None
    ci: CiMethod = "wald"

    @cached_property
    def interval(self) -> Bounds:
        """The 95% interval (low, high) by :attr:`ci`."""
        return interval(self.ci, self.estimate, self.se, df=self.df, n=self.n)

    @property
    def ci_low(self) -> float | None:
        return self.interval[0]

    @property
    def ci_high(self) -> float | None:
        return self.interval[1]

    @property
    def cv(self) -> float | None:
        """Coefficient of variation se / |estimate| (None when the estimate is 0)."""
        if self.se is None or self.estimate == 0:
            return None
        return self.se / abs(self.estimate)


@dataclass(frozen=True)
class Estimates:
    """Rows of estimates (whole population first, then each domain) and their findings."""

    rows: tuple[Estimate, ...]
    findings: tuple[Finding, ...] = ()

    def records(self) -> list[dict[str, Any]]:
        """Return the estimates table as JSON-ready records (``line`` a number or a column name)."""
        out: list[dict[str, Any]] = self.to_arrow().to_pylist()
        for record, row in zip(out, self.rows, strict=True):
            record["line"] = row.line if isinstance(row.line, str | None) else float(row.line)
        return out

    def with_intervals(self, method: CiMethod | None) -> Estimates:
        """Return the rows with proportions' intervals by ``method`` (None: logit), others Wald."""
        rows = tuple(replace(r, ci=method_for(r.proportion, method)) for r in self.rows)
        return Estimates(rows, self.findings)

    def to_arrow(self) -> pa.Table:
        """Render the DESIGN.md §7 estimates table (``line`` as text)."""
        records = [
            {
                "measure": r.measure,
                "indicator": r.indicator,
                "line": None if r.line is None else _line_text(r.line),
                "by": r.by,
                "domain": r.domain,
                "estimate": _finite(r.estimate),
                "se": None if r.se is None else _finite(r.se),
                "ci_low": None if r.ci_low is None else _finite(r.ci_low),
                "ci_high": None if r.ci_high is None else _finite(r.ci_high),
                "n": r.n,
                "population": r.population,
            }
            for r in self.rows
        ]
        return pa.Table.from_pylist(records, schema=ESTIMATES_SCHEMA)

    def find(self, measure: str, *, domain: str | None = None, **match: Any) -> Estimate:
        """Return the one row of ``measure`` (and ``domain``, ``line``, ``indicator``)."""
        for r in self.rows:
            if (
                r.measure == measure
                and r.domain == domain
                and all(getattr(r, k) == v for k, v in match.items())
            ):
                return r
        raise KeyError((measure, domain, match))

    def __add__(self, other: Estimates) -> Estimates:
        findings = self.findings + tuple(f for f in other.findings if f not in self.findings)
        return Estimates(self.rows + other.rows, findings)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _line_text(line: float | str) -> str:
    if isinstance(line, str):
        return line
    return repr(float(line)) if not float(line).is_integer() else str(int(line))


def ordered(rows: Sequence[Estimate]) -> tuple[Estimate, ...]:
    """Return rows with the whole population first, then each domain in order of appearance.

    Used to merge estimates of several measures into one DESIGN §7 table.
    """
    rank: dict[str | None, int] = {None: 0}
    for r in rows:
        rank.setdefault(r.domain, len(rank))
    return tuple(sorted(rows, key=lambda r: rank[r.domain]))


@dataclass(frozen=True)
class Quantity:
    """A total (``denominator`` None) or ratio of weighted totals of named per-record values.

    ``mean`` marks a ratio whose denominator is the constant 1 (a weighted mean), for which the
    design effect is computed; ``square`` names the per-record value squared (for the deff).
    """

    measure: str
    numerator: str
    denominator: str | None = None
    indicator: str | None = None
    line: float | str | None = None
    square: str | None = None
    mean: bool = False
    proportion: bool = False


@dataclass(frozen=True)
class Domains:
    """Totals per group: group 0 is the whole population, then one per domain value."""

    layout: Layout
    totals: pa.Table
    by: str | None
    labels: tuple[str | None, ...] = field(default=())

    def groups(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Return (row index, group code, number of groups): whole population rows then domains."""
        rows = np.arange(self.totals.num_rows)
        if self.by is None:
            return rows, np.zeros(rows.size, np.int64), 1
        inside = self.layout.domain >= 0
        index = np.concatenate([rows, rows[inside]])
        group = np.concatenate([np.zeros(rows.size, np.int64), self.layout.domain[inside] + 1])
        return index, group, 1 + len(self.layout.domains)


def domain_totals(
    table: Table, design: Design, values: Mapping[str, Value], by: str | None = None
) -> Domains:
    """Return the engine's unit totals of ``values`` with the design layout, ready to estimate."""
    design.check(table.columns, by)
    totals = unit_totals(table, design, values, by)
    if totals.num_rows == 0:
        raise InvalidInput("no_records", param="data")
    lay = layout(totals, design)
    labels: tuple[str | None, ...] = (None, *(str(v) for v in lay.domains))
    return Domains(lay, totals, by, labels)


def estimate_quantities(
    domains: Domains, quantities: Sequence[Quantity], design: Design
) -> Estimates:
    """Return estimates of ``quantities`` for the whole population and each domain.

    The weighted unit totals come from :func:`domain_totals`; scores are formed per unit and
    group, and their variance by :func:`rpkd.survey.linearization.variance`.
    """
    index, group, groups = domains.groups()
    totals = domains.totals
    summed_once: dict[str, tuple[FloatArray, FloatArray]] = {}

    def sums(name: str) -> tuple[FloatArray, FloatArray]:
        # Once per column: the design effects ask for the same sums in every group.
        if name not in summed_once:
            values = column(totals, name)[index]
            summed = np.bincount(group, weights=values, minlength=groups).astype(np.float64)
            summed_once[name] = (values, summed)
        return summed_once[name]

    _, population = sums(WEIGHT)
    _, records = sums(RECORDS)
    scores = np.empty((index.size, len(quantities)))
    points = np.empty((groups, len(quantities)))
    for j, q in enumerate(quantities):
        num, num_total = sums(q.numerator)
        if q.denominator is None:
            scores[:, j] = num
            points[:, j] = num_total
            continue
        den, den_total = sums(q.denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = num_total / den_total
            scores[:, j] = (num - ratio[group] * den) / den_total[group]
        points[:, j] = ratio
    var = variance(
        domains.layout.structure,
        domains.layout.unit[index],
        group,
        groups,
        scores,
        design.lonely_psu,
    )
    df = degrees_of_freedom(domains.layout, index, group, groups)
    rows: list[Estimate] = []
    for g in range(groups):
        for j, q in enumerate(quantities):
            deff = _deff(q, sums, g, var[g, j], points[g, j], population[g], records[g])
            rows.append(
                Estimate(
                    measure=q.measure,
                    estimate=float(points[g, j]),
                    se=math.sqrt(max(var[g, j], 0.0)) if math.isfinite(var[g, j]) else None,
                    n=int(np.rint(records[g])),
                    population=float(population[g]),
                    indicator=q.indicator,
                    line=q.line,
                    by=domains.by if g > 0 else None,
                    domain=domains.labels[g],
                    deff=deff,
                    proportion=q.proportion,
                    df=int(df[g]),
                    ci=method_for(q.proportion, None),
                )
            )
    return Estimates(tuple(rows), lonely_findings(domains.layout, design))


def degrees_of_freedom(lay: Layout, index: IntArray, group: IntArray, groups: int) -> IntArray:
    """Return R's ``degf`` per group: sampled PSUs minus strata holding the group's records.

    ``index`` and ``group`` are the totals rows and group codes of :meth:`Domains.groups`.
    """
    first = lay.structure.stages[0]
    psu = first.unit[lay.unit[index]]
    stratum = first.stratum[psu]

    def distinct(keys: IntArray, size: int) -> IntArray:
        pairs = np.unique(group.astype(np.int64) * np.int64(size) + keys)
        counted: IntArray = np.bincount(pairs // size, minlength=groups).astype(np.int64)
        return counted

    return distinct(psu, first.stratum.size) - distinct(stratum, first.sampled.size)


def _deff(
    q: Quantity, sums: Any, g: int, var: float, point: float, population: float, records: float
) -> float | None:
    if q.square is None or records < 2:
        return None
    _, squares = sums(q.square)
    mean = point if q.mean else sums(q.numerator)[1][g] / population
    spread = squares[g] / population - mean**2
    srs = spread * records / (records - 1)  # R svyvar: weighted variance × n/(n-1)
    reference = srs / records if q.mean else srs * population**2 / records
    return float(var / reference) if reference > 0 else None


def lonely_findings(lay: Layout, design: Design) -> tuple[Finding, ...]:
    """Return one finding per stratum with a single sampled unit, naming the policy applied."""
    return tuple(
        Finding(
            "lonely_psu",
            "warning",
            {"stratum": label, "stage": stage, "policy": design.lonely_psu},
        )
        for stage, label in lay.structure.lonely()
    )


def _quantity_values(table: Table, **columns: str | Value) -> dict[str, Value]:
    import ibis

    values: dict[str, Value] = {"one": ibis.literal(1.0)}
    for name, value in columns.items():
        if isinstance(value, str):
            design_free = table[value].cast("float64")
            values[name] = design_free
        else:
            values[name] = value
        values[f"{name}2"] = values[name] * values[name]
    return values


def mean(
    table: Table,
    design: Design,
    value: str | Value,
    *,
    by: str | None = None,
    measure: str = "mean",
) -> Estimates:
    """Return the weighted mean of ``value`` (R ``svymean``), overall and by domain."""
    values = _quantity_values(table, y=value)
    q = Quantity(measure, "y", "one", square="y2", mean=True)
    return estimate_quantities(domain_totals(table, design, values, by), [q], design)


def total(
    table: Table,
    design: Design,
    value: str | Value,
    *,
    by: str | None = None,
    measure: str = "total",
) -> Estimates:
    """Return the weighted total of ``value`` (R ``svytotal``), overall and by domain."""
    values = _quantity_values(table, y=value)
    q = Quantity(measure, "y", None, square="y2")
    return estimate_quantities(domain_totals(table, design, values, by), [q], design)


def ratio(
    table: Table,
    design: Design,
    numerator: str | Value,
    denominator: str | Value,
    *,
    by: str | None = None,
    measure: str = "ratio",
) -> Estimates:
    """Return the ratio of weighted totals (R ``svyratio``), overall and by domain (no deff)."""
    values = _quantity_values(table, a=numerator, b=denominator)
    q = Quantity(measure, "a", "b")
    return estimate_quantities(domain_totals(table, design, values, by), [q], design)
