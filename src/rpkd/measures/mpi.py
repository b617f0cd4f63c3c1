"""Alkire-Foster multidimensional poverty: H, A, M0, headcounts, contributions, with SEs.

Each indicator is a 0/1 deprivation column with a weight; weights are normalised to sum 1.
The deprivation score is ``c_i = Σ_j w_j d_ij``; a unit is poor when ``c_i ≥ k`` (compared as
``c_i ≥ k - 1e-9`` so that 1/3 + 1/3 + 1/3 reaches 1). Then

* ``H`` = weighted share poor; ``M0`` = weighted mean of ``c_i·1[poor]`` (= H·A);
* ``A`` = Σ w c_i 1[poor] / Σ w 1[poor] (a ratio);
* censored headcount ``CH_j`` = weighted share poor and deprived in j; raw headcount ``h_j``;
* contribution of j = ``w_j CH_j / M0`` (a ratio; contributions sum to 1);
* subgroup contribution = population share × M0 of the group / M0 (a ratio).

Means and ratios get design-based standard errors from :mod:`rpkd.survey`.

References
----------
Alkire, S. & Foster, J. (2011). Counting and multidimensional poverty measurement. *Journal
of Public Economics* 95(7-8), 476-487. Alkire, S., Foster, J., Seth, S., Santos, M. E., Roche,
J. M. & Ballon, P. (2015). *Multidimensional Poverty Measurement and Analysis*. OUP, ch. 5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import engine as eng
from rpkd.errors import UsageError
from rpkd.survey import Design, Estimate, Estimates, Quantity, domain_totals, estimate_quantities

if TYPE_CHECKING:
    from ibis.expr.types import Table, Value

    from rpkd.findings import Finding

TOLERANCE = 1e-9
CONTRACT_MEASURES = ("H", "A", "M0", "censored_headcount", "contribution")
UNIT_WEIGHT = "__mpi_weight"


@dataclass(frozen=True)
class MpiResult:
    """Alkire-Foster estimates (whole population, then domains) and their design."""

    estimates: Estimates
    weights: Mapping[str, float]
    cutoff: float

    def get(
        self, measure: str, *, indicator: str | None = None, domain: str | None = None
    ) -> Estimate:
        """Return one estimate, e.g. ``get("M0")`` or ``get("contribution", indicator="water")``."""
        return self.estimates.find(measure, domain=domain, indicator=indicator)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.estimates.findings

    def to_arrow(self, *, measures: tuple[str, ...] | None = None) -> pa.Table:
        """Render the estimates table (DESIGN §7); ``measures`` keeps only those measures."""
        rows = self.estimates.rows
        if measures is not None:
            rows = tuple(r for r in rows if r.measure in measures)
        return Estimates(rows, self.estimates.findings).to_arrow()


def normalise(indicators: Mapping[str, float]) -> dict[str, float]:
    """Return the indicator weights scaled to sum 1 (weights must be positive)."""
    if not indicators:
        raise UsageError("mpi_no_indicators", param="indicator")
    bad = [name for name, w in indicators.items() if not w > 0]
    if bad:
        raise UsageError(
            "mpi_weight_not_positive",
            param="indicator",
            indicator=bad[0],
            weight=indicators[bad[0]],
        )
    total = sum(indicators.values())
    return {name: w / total for name, w in indicators.items()}


def estimate(
    table: Table,
    indicators: Mapping[str, float],
    cutoff: float,
    design: Design | None = None,
    by: str | None = None,
) -> MpiResult:
    """Return H, A, M0, raw and censored headcounts and contributions, overall and by domain.

    Parameters
    ----------
    table
        One row per unit (family or household) with a 0/1 column per indicator.
    indicators
        Indicator column → weight (normalised to sum 1).
    cutoff
        Poverty cut-off k in (0, 1].
    design
        Sample design; ``None`` for a census or registry (every unit weight 1, each unit its
        own PSU: the SEs are then those of a simple random sample with replacement).
    by
        Domain column: each domain's estimates, and its contribution to the overall M0.
    """
    import ibis

    if not 0 < cutoff <= 1:
        raise UsageError("mpi_cutoff_invalid", param="cutoff", value=cutoff)
    weights = normalise(indicators)
    if design is None:
        table = table.mutate(**{UNIT_WEIGHT: ibis.literal(1.0)})
        design = Design(UNIT_WEIGHT)
    design.check(table.columns, *weights, by)
    deprived = {j: table[j].cast("float64") for j in weights}
    score: Value = ibis.literal(0.0)
    for j, w in weights.items():
        score = score + deprived[j] * w
    poor = ibis.ifelse(score >= cutoff - TOLERANCE, 1.0, 0.0)
    values: dict[str, Value] = {
        "one": ibis.literal(1.0),
        "poor": poor,
        "pc": poor * score,
        "pc2": poor * score * score,
    }
    quantities = [
        Quantity("H", "poor", "one", square="poor", mean=True, proportion=True),
        Quantity("A", "pc", "poor"),
        Quantity("M0", "pc", "one", square="pc2", mean=True),
    ]
    for i, (j, w) in enumerate(weights.items()):
        values[f"d{i}"] = deprived[j]
        values[f"cd{i}"] = poor * deprived[j]
        values[f"wcd{i}"] = poor * deprived[j] * w
        quantities += [
            Quantity(
                "censored_headcount",
                f"cd{i}",
                "one",
                indicator=j,
                square=f"cd{i}",
                mean=True,
                proportion=True,
            ),
            Quantity(
                "raw_headcount",
                f"d{i}",
                "one",
                indicator=j,
                square=f"d{i}",
                mean=True,
                proportion=True,
            ),
            Quantity("contribution", f"wcd{i}", "pc", indicator=j),
        ]
    levels: list[object] = []
    if by is not None:
        levels = sorted(
            v for v in eng.fetch(table.select(by).distinct())[by].to_pylist() if v is not None
        )
        for i, level in enumerate(levels):
            values[f"pc_g{i}"] = ibis.ifelse(table[by] == level, poor * score, 0.0)
            quantities.append(Quantity(f"subgroup_contribution:{i}", f"pc_g{i}", "pc"))
    result = estimate_quantities(domain_totals(table, design, values, by), quantities, design)
    return MpiResult(_subgroups(result, by, levels), weights, cutoff)


def _subgroups(result: Estimates, by: str | None, levels: list[object]) -> Estimates:
    """Turn whole-population ``subgroup_contribution:i`` rows into rows of their domain."""
    from dataclasses import replace

    rows: list[Estimate] = []
    extra: dict[str, Estimate] = {}
    for r in result.rows:
        if not r.measure.startswith("subgroup_contribution:"):
            rows.append(r)
        elif r.domain is None:
            label = str(levels[int(r.measure.split(":")[1])])
            extra[label] = replace(r, measure="subgroup_contribution", by=by, domain=label)
    by_domain: dict[str | None, list[Estimate]] = {}
    for r in rows:
        by_domain.setdefault(r.domain, []).append(r)
    out: list[Estimate] = []
    for domain, domain_rows in by_domain.items():
        out += domain_rows
        if domain in extra:
            first = domain_rows[0]
            out.append(replace(extra[domain], n=first.n, population=first.population))
    return Estimates(tuple(out), result.findings)


@dataclass(frozen=True)
class IndicatorSet:
    """A parameter kit's MPI indicators: relative weights, dimensions, rules and the cut-off."""

    weights: Mapping[str, float]
    dimensions: Mapping[str, str]
    cutoff: float
    rules: tuple[Mapping[str, Any], ...]


def indicator_set(doc: Mapping[str, Any]) -> IndicatorSet:
    """Return the indicator set of an ``mpi`` parameter document (the kit's ``mpi`` topic)."""
    rules = tuple(doc["indicator"])
    return IndicatorSet(
        weights={r["name"]: float(r["weight"]) for r in rules},
        dimensions={r["name"]: str(r["dimension"]) for r in rules},
        cutoff=float(doc["cutoff"]),
        rules=rules,
    )


def _condition(table: Table, spec: Mapping[str, Any], size: Value | None) -> Value:
    import ibis

    if "count_true" in spec:
        count: Value = ibis.literal(0)
        for name in spec["count_true"]:
            count = count + table[name].fill_null(False).cast("int64")
        held = count <= int(spec["at_most"])
        if "unless" in spec:
            held = held & ~table[spec["unless"]].fill_null(False)
        return held
    value = table[spec["column"]]
    if "below" in spec:
        number = value.cast("float64")
        if spec.get("per_person"):
            if size is None:
                raise UsageError("mpi_rule_needs_size", param="mpi", column=spec["column"])
            number = number / size
        return (number < float(spec["below"])).fill_null(False)
    return value.isin(list(spec["in"])).fill_null(False)


def _any(table: Table, specs: list[Mapping[str, Any]], size: Value | None) -> Value:
    import ibis

    out: Value = ibis.literal(False)
    for spec in specs:
        out = out | _condition(table, spec, size)
    return out


def _age(birth: Value, on: date) -> Value:
    before_birthday = (birth.month() > on.month) | (
        (birth.month() == on.month) & (birth.day() > on.day)
    )
    return on.year - birth.year() - before_birthday.cast("int64")


def deprivations(families: Table, persons: Table, *, on: date, indicators: IndicatorSet) -> Table:
    """Return one row per family: ``family_id``, ``desa_code`` and a 0/1 column per indicator.

    Computed in the engine from release tables (``families`` and ``persons`` of
    :mod:`rpkd.releases.schema`): persons rules look at members alive on ``on`` within the age
    band; a family without members or with missing values is not deprived by that indicator.
    """
    import ibis

    alive = persons.filter(persons.death_date.isnull() | (persons.death_date > on))
    age = _age(alive.birth_date, on)
    person_values: dict[str, Value] = {}
    for rule in indicators.rules:
        if rule["level"] != "persons":
            continue
        eligible = alive.family_id.notnull()
        if "age_min" in rule:
            eligible = eligible & (age >= int(rule["age_min"]))
        if "age_max" in rule:
            eligible = eligible & (age <= int(rule["age_max"]))
        meets = eligible & _any(alive, rule["any_of"], None)
        person_values[rule["name"]] = meets.cast("int64").max()
        person_values[f"__eligible_{rule['name']}"] = eligible.cast("int64").max()
    members = alive.group_by("family_id").aggregate(**person_values) if person_values else None
    size = families.family_size.cast("float64")
    columns: dict[str, Value] = {"family_id": families.family_id, "desa_code": families.desa_code}
    for rule in indicators.rules:
        if rule["level"] == "family":
            columns[rule["name"]] = _any(families, rule["any_of"], size).cast("float64")
    base = families.select(**columns)
    if members is None:
        return base
    joined = base.left_join(members, "family_id")
    out: dict[str, Value] = {c: joined[c] for c in base.columns}
    for rule in indicators.rules:
        if rule["level"] != "persons":
            continue
        meets = joined[rule["name"]].fill_null(0)
        if rule.get("rule", "any") == "none":
            has_members = joined[f"__eligible_{rule['name']}"].fill_null(0) > 0
            out[rule["name"]] = ibis.ifelse(has_members & (meets == 0), 1.0, 0.0)
        else:
            out[rule["name"]] = meets.cast("float64")
    return joined.select(**out)
