"""Survey microsimulation: a scenario's effect on poverty and inequality, with design-based SEs.

Every sample household keeps its consumption ``y`` (rupiah per capita per month), grown to the
year by the macro assumptions; the packages are applied in priority order. A household is a
candidate for a package when, given the registry desil it is placed in (drawn from the
measured targeting errors, :mod:`rpkd.simulation.uncertainty`), it meets the rule and takes the
programme up: with probability ``u · e[k, d]``, ``e[k, d]`` being the share of the registry's
families of its kecamatan ``k`` and desil ``d`` the rule admits (:mod:`rpkd.simulation.registry`)
and ``u`` the uptake. Its benefit is the amount per family, per member or per eligible person
(the registry's share of eligible members in that cell times household size), or the top-up of
its per-capita consumption to a level. A capped package serves candidates in order of desil
(poorest first, ties at random) while the weighted cost fits the yearly budget. The
consumption share of the annual benefit, spread over twelve months, is added to per-capita
consumption (full pass-through of transfers to consumption, as in ADePT's simulations).

P0, P1, P2 and the number of poor on the poverty and extreme lines (grown by inflation), the
Gini coefficient and the survey's estimate of the annual cost are computed for the baseline
(macro assumptions only), the scenario and their difference. Standard errors are Taylor-
linearised for the release's design (:func:`rpkd.survey.linearization.variance`, as R
``survey``; the difference's score is the difference of the two scores on the same records) and
combined over the targeting-error draws by Rubin's rules. All figures are person-level (weight ×
household size), as BPS counts people.

References
----------
Foster, Greer & Thorbecke (1984); Bourguignon & Spadaro (2006), Microsimulation as a tool for
evaluating redistribution policies, *J. Econ. Inequality* 4; Lumley (2010), *Complex Surveys*,
§2.3 (linearisation), §5.3 (``svycontrast``); Rubin (1987).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.measures.inequality import gini
from rpkd.simulation.uncertainty import DESILS, ErrorModel, combine, draw, welfare_groups
from rpkd.survey import Design, Estimate, Estimates, LonelyPsu, layout, record_values, variance
from rpkd.survey.estimate import degrees_of_freedom, lonely_findings
from rpkd.survey.linearization import Structure
from rpkd.survey.totals import WEIGHT, column

if TYPE_CHECKING:
    from ibis.expr.types import Table

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Per = Literal["family", "member", "person"]
Indicator = Literal["baseline", "scenario", "difference"]
FGT = ("fgt0", "fgt1", "fgt2", "poor")


@dataclass(frozen=True)
class Sample:
    """The survey sample as the simulation reads it: base-year values and the design's layout."""

    welfare: FloatArray
    weight: FloatArray
    size: FloatArray
    area: NDArray[np.str_]
    structure: Structure
    unit: IntArray
    lonely_psu: LonelyPsu
    df: int
    findings: tuple[Finding, ...] = ()

    @property
    def person_weight(self) -> FloatArray:
        """Estimation weight: design weight × household size (persons)."""
        out: FloatArray = self.weight * self.size
        return out

    @property
    def population(self) -> float:
        return float(self.person_weight.sum())


def sample(table: Table, design: Design, *, welfare: str, area: str) -> Sample:
    """Return the sample of a survey table (an Ibis table) under ``design``.

    ``area`` names the column of each household's kecamatan code (the cell of the registry's
    eligibility shares). One engine query returns the records; the rest is NumPy.
    """
    design.check(table.columns, welfare, area)
    size = table[design.size].cast("float64") if design.size else None
    values = {
        "__y": table[welfare].cast("float64"),
        "__w": table[design.weight].cast("float64"),
        "__area": table[area].cast("string"),
        **({"__size": size} if size is not None else {}),
    }
    records = record_values(table, design, values)
    if records.num_rows == 0:
        raise InvalidInput("no_records", param="data")
    lay = layout(records, design)
    y, w = column(records, "__y"), column(records, "__w")
    if np.isnan(y).any() or (y < 0).any():
        raise InvalidInput("welfare_invalid", param=welfare, column=welfare)
    if np.isnan(column(records, WEIGHT)).any():
        raise InvalidInput("weight_missing", param="weight")
    n = records.num_rows
    df = degrees_of_freedom(lay, np.arange(n), np.zeros(n, np.int64), 1)[0]
    return Sample(
        welfare=y,
        weight=w,
        size=column(records, "__size") if size is not None else np.ones(n),
        area=np.asarray(records.column("__area").to_pylist(), dtype=str),
        structure=lay.structure,
        unit=lay.unit,
        lonely_psu=design.lonely_psu,
        df=int(df),
        findings=lonely_findings(lay, design),
    )


@dataclass(frozen=True)
class Policy:
    """One package as the survey side applies it in one year.

    ``eligible[a, d-1]`` is the share of registry families of area row ``a`` and desil ``d``
    the rule admits and ``members[a, d-1]`` the share of their members who qualify (person
    rules); area rows follow :attr:`Draws.areas`, the last row being the whole district.
    ``top_up`` is the level (rupiah per capita per month) a top-up fills to, else ``amount``
    (rupiah per ``per`` per month) is paid. ``exclusive`` names earlier packages whose
    recipients this one does not serve.
    """

    code: str
    amount: float
    per: Per
    top_up: float | None
    months: int
    consumption: float
    budget: float | None
    uptake: float
    eligible: FloatArray
    members: FloatArray
    perfect: bool = False
    exclusive: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draws:
    """The random parts of a simulation, drawn once and shared by every year and scenario.

    ``measured`` holds the registry desil of each household in each draw under the measured
    error model, ``perfect`` its true desil (the same in every draw); ``order`` breaks ties
    within a desil in a capped package's queue. A package's take-up uniforms come from a
    generator seeded by the run's seed and the package's code (:meth:`take`), so a package
    keeps its draws when another is added or its budget changes.
    """

    seed: int
    measured: NDArray[np.int8]
    perfect: NDArray[np.int8]
    order: FloatArray
    areas: tuple[str, ...]
    area_row: IntArray

    @property
    def count(self) -> int:
        return int(self.measured.shape[0])

    def take(self, code: str) -> FloatArray:
        """Return the ``draws × households`` take-up uniforms of package ``code``."""
        rng = np.random.default_rng((self.seed, zlib.crc32(code.encode())))
        out: FloatArray = rng.random(self.measured.shape)
        return out


def draws(data: Sample, model: ErrorModel, *, count: int, seed: int, areas: Sequence[str]) -> Draws:
    """Return ``count`` draws of the targeting errors for ``data`` (seeded, reproducible).

    Households are grouped by true consumption (household weights, as desil ranks families)
    into the model's groups; ``areas`` are the rows of the registry's shares (a household of
    an area not listed reads the district row).
    """
    if count < 1:
        raise InvalidInput("simulation_draws", param="draws", draws=count)
    rng = np.random.default_rng(seed)
    group = welfare_groups(data.welfare, data.weight, model.groups)
    measured = draw(model, group, rng, count)
    exact = np.broadcast_to((DESILS * group // model.groups + 1).astype(np.int8), measured.shape)
    index = {a: i for i, a in enumerate(areas)}
    row = np.array([index.get(str(a), len(areas)) for a in data.area], np.int64)
    return Draws(seed, measured, exact, rng.random(measured.shape), tuple(areas), row)


@dataclass(frozen=True)
class Applied:
    """A year's welfare after the packages, per draw: who was a candidate of each package, who
    was served, and each candidate's annual benefit before any cap (``need``)."""

    welfare: FloatArray
    cost: FloatArray
    candidate: Mapping[str, NDArray[np.bool_]]
    served: Mapping[str, NDArray[np.bool_]]
    need: Mapping[str, FloatArray]


def apply(data: Sample, welfare: FloatArray, policies: Sequence[Policy], rand: Draws) -> Applied:
    """Return per-capita welfare (``draws × households``) after ``policies`` in order.

    ``welfare`` is the year's consumption before any package (grown from the base year).
    """
    count, n = rand.count, len(welfare)
    current = np.broadcast_to(welfare, (count, n)).copy()
    cost = np.zeros((count, n))
    candidates: dict[str, NDArray[np.bool_]] = {}
    served: dict[str, NDArray[np.bool_]] = {}
    need: dict[str, FloatArray] = {}
    for p in policies:
        desil = (rand.perfect if p.perfect else rand.measured).astype(np.int64) - 1
        rows = np.broadcast_to(rand.area_row, (count, n))
        candidate = rand.take(p.code) < p.uptake * p.eligible[rows, desil]
        for other in p.exclusive:
            candidate &= ~served[other]
        if p.top_up is not None:
            monthly = np.maximum(p.top_up - current, 0.0) * data.size
        else:
            scale = {"family": np.ones(n), "member": data.size}.get(p.per)
            monthly = p.amount * (
                scale if scale is not None else p.members[rows, desil] * data.size
            )
        needed = np.where(candidate, monthly * p.months, 0.0)
        chosen = candidate & (needed > 0)
        if p.budget is not None:
            chosen &= _within_budget(needed * data.weight, desil, rand.order, p.budget)
        annual = np.where(chosen, needed, 0.0)
        share = p.consumption * p.months / 12
        if p.top_up is not None and share == 1:
            current = np.where(chosen, np.maximum(current, p.top_up), current)
        else:
            current = current + p.consumption * annual / 12 / data.size
        cost += annual
        candidates[p.code], served[p.code], need[p.code] = candidate, chosen, needed
    return Applied(current, cost, candidates, served, need)


def _within_budget(
    weighted: FloatArray, desil: IntArray, tie: FloatArray, budget: float
) -> NDArray[np.bool_]:
    """Return who is served, per draw: candidates in order of desil (ties at random) while the
    cumulative weighted cost stays within ``budget`` (a prefix of the order)."""
    order = np.lexsort((tie, desil), axis=-1)
    spent = np.cumsum(np.take_along_axis(weighted, order, axis=1), axis=1)
    fits = spent <= budget * (1 + 1e-12)
    out = np.zeros_like(fits)
    np.put_along_axis(out, order, fits, axis=1)
    return out


@dataclass(frozen=True)
class Lines:
    """The year's lines in rupiah per capita per month."""

    poverty: float
    extreme: float


def _measures(
    welfare: FloatArray, weight: FloatArray, lines: Lines
) -> tuple[FloatArray, FloatArray, list[tuple[str, float | None]]]:
    """Return points (draws × m), scores (households × draws × m) and (measure, line) names.

    Scores are the linearised values already multiplied by the weights: ``W (g − P) / N`` for
    an FGT mean, ``W g`` for the number of poor, ``W z`` for the Gini (Langel & Tillé 2013).
    """
    count = welfare.shape[0]
    total = weight.sum()
    names: list[tuple[str, float | None]] = []
    points, scores = [], []
    for z in (lines.poverty, lines.extreme):
        poor = welfare < z
        gap = np.where(poor, (z - welfare) / z, 0.0)
        for measure, g in (("fgt0", poor * 1.0), ("fgt1", gap), ("fgt2", gap * gap)):
            p = (g * weight).sum(axis=1) / total
            points.append(p)
            scores.append(weight * (g - p[:, None]) / total)
            names.append((measure, z))
        points.append((poor * weight).sum(axis=1))
        scores.append(poor * weight)
        names.append(("poor", z))
    ginis = [gini(welfare[r], weight) for r in range(count)]
    points.append(np.array([g for g, _ in ginis]))
    scores.append(np.stack([z for _, z in ginis]) * weight)
    names.append(("gini", None))
    return np.stack(points, axis=1), np.stack(scores, axis=2).transpose(1, 0, 2), names


@dataclass(frozen=True)
class TopUpCost:
    """What a top-up costs a candidate household placed in desil ``d`` (index ``d-1``): the
    mean annual top-up before any cap (zeros included) and the share with a gap to fill.
    Desils without candidates in the sample hold zeros. The registry, which does not know
    consumption, is costed with these (:mod:`rpkd.simulation.registry`)."""

    mean: FloatArray
    share: FloatArray


@dataclass(frozen=True)
class YearOutcome:
    """One year's estimates (baseline, scenario, difference), survey cost and top-up costs."""

    year: int
    lines: Lines
    estimates: Estimates
    cost: float
    top_up: Mapping[str, TopUpCost]


def simulate_year(
    data: Sample,
    year: int,
    factor: float,
    lines: Lines,
    policies: Sequence[Policy],
    rand: Draws,
) -> YearOutcome:
    """Return the year's estimates: consumption grown by ``factor``, then ``policies``."""
    base = data.welfare * factor
    applied = apply(data, base, policies, rand)
    weight = data.person_weight
    base_points, base_scores, names = _measures(base[None, :], weight, lines)
    points, scores, _ = _measures(applied.welfare, weight, lines)
    cost_points = (applied.cost * data.weight).sum(axis=1)
    cost_scores = (applied.cost * data.weight).T
    m, count = len(names), rand.count
    columns = np.concatenate(
        [
            base_scores.reshape(len(base), m),
            scores.reshape(len(base), count * m),
            (scores - base_scores).reshape(len(base), count * m),
            cost_scores,
        ],
        axis=1,
    )
    var = variance(data.structure, data.unit, np.zeros(len(base), np.int64), 1, columns,
                   data.lonely_psu)[0]  # fmt: skip
    base_var = var[:m]
    scen_point, scen_var = combine(points, var[m : m + count * m].reshape(count, m))
    diff_point, diff_var = combine(
        points - base_points, var[m + count * m : m + 2 * count * m].reshape(count, m)
    )
    cost_point, cost_var = combine(cost_points[:, None], var[m + 2 * count * m :][:, None])
    rows: list[Estimate] = []
    for indicator, values, variances in (
        ("baseline", base_points[0], base_var),
        ("scenario", scen_point, scen_var),
        ("difference", diff_point, diff_var),
    ):
        for (measure, line), value, v in zip(names, values, variances, strict=True):
            rows.append(_row(data, measure, line, indicator, float(value), float(v)))
    rows.append(_row(data, "cost", None, "scenario", float(cost_point[0]), float(cost_var[0])))
    top_up = {
        p.code: top_up_cost(applied, p, rand, data.weight) for p in policies if p.top_up is not None
    }
    estimates = Estimates(tuple(rows), data.findings)
    return YearOutcome(year, lines, estimates, float(cost_point[0]), top_up)


def _row(
    data: Sample, measure: str, line: float | None, indicator: str, value: float, var: float
) -> Estimate:
    proportion = measure == "fgt0" and indicator != "difference"
    return Estimate(
        measure=measure,
        estimate=value,
        se=float(np.sqrt(max(var, 0.0))),
        n=len(data.welfare),
        population=data.population,
        indicator=indicator,
        line=line,
        proportion=proportion,
        df=data.df,
        ci="logit" if proportion else "wald",
    )


def top_up_cost(applied: Applied, p: Policy, rand: Draws, weight: FloatArray) -> TopUpCost:
    """Return what top-up ``p`` costs a candidate household by desil (see :class:`TopUpCost`)."""
    desil = ((rand.perfect if p.perfect else rand.measured).astype(np.int64) - 1).ravel()
    w = np.where(applied.candidate[p.code], weight, 0.0).ravel()
    need = applied.need[p.code].ravel()
    candidates = np.bincount(desil, weights=w, minlength=DESILS)
    spent = np.bincount(desil, weights=need * w, minlength=DESILS)
    gap = np.bincount(desil, weights=(need > 0) * w, minlength=DESILS)
    safe = np.where(candidates > 0, candidates, 1.0)
    return TopUpCost(spent / safe, gap / safe)
