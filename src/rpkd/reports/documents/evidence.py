"""What a document is written from: the workflow results a document needs, as plain values.

:func:`rpkd.workflows.documents.make_report` gathers these from the workflows (poverty figures,
poverty maps, the registry profile, programme coverage, the stored plan, monitoring and
evaluation) and hands them to the document builders of this package, which never query
anything themselves. A part that could not be gathered is None and ``missing`` says why (a
finding code), so the document says so where the part would have been.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from rpkd.planning.evaluation import DesilTransitions, TargetsOverTime
    from rpkd.planning.model import Plan
    from rpkd.planning.path_to_zero import PathToZero
    from rpkd.planning.performance import BandScheme, PerformanceTable

HEADLINES = ("p0", "p1", "p2", "extreme", "poor", "extreme_poor", "gini", "qsr")
"""The headline figures of a release's survey, in the order documents show them."""


@dataclass(frozen=True)
class Figure:
    """One survey estimate (a fraction, a count of persons or a ratio) with its precision."""

    key: str
    estimate: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


@dataclass(frozen=True)
class ReleaseFacts:
    """The release a document is written from: name, region, reference date, row counts."""

    name: str
    region: str
    reference_date: date
    created_at: str
    families: int
    persons: int
    survey_households: int


@dataclass(frozen=True)
class Line:
    """A poverty line in force at the release's date (rupiah per capita per month)."""

    kind: str
    value: float
    basis: str
    source: str


@dataclass(frozen=True)
class AreaTable:
    """A poverty map: one record per area (code, name, estimate, rmse, cv, ci_low, ci_high,
    direct, reliable, n, population; fractions) and how it was made (``benchmark_factor``: the
    ratio benchmark's factor, None when not benchmarked)."""

    level: str
    measure: str
    method: str
    line: float
    cv_threshold: float
    areas: tuple[Mapping[str, Any], ...]
    benchmark_factor: float | None = None


@dataclass(frozen=True)
class ReferencePoint:
    """A published figure of the district, its province or the nation (kit ``documents``)."""

    indicator: str
    region: str
    year: int
    value: float
    source: str


@dataclass(frozen=True)
class Spending:
    """An activity's verified realisation in the year: rupiah spent and beneficiaries."""

    activity: str
    budget_spent: float | None
    beneficiaries: int | None
    quarter: int


@dataclass(frozen=True)
class Transitions:
    """Families moving out of or into desil 1–2 between an earlier release and this one."""

    first: str
    first_date: date
    second: str
    transitions: DesilTransitions


@dataclass(frozen=True)
class ScenarioYear:
    """One year of the chosen scenario: the registry's cost (rupiah) and, on the poverty line
    (``p0``) and the extreme line (``extreme``), the survey's headcount without the scenario
    (``baseline``: the macro assumptions only) and with it (``scenario``)."""

    year: int
    cost: float
    baseline: Mapping[str, Figure]
    scenario: Mapping[str, Figure]


@dataclass(frozen=True)
class ChosenScenario:
    """The plan's chosen scenario (``rpkd scenario save --chosen``) run on the release."""

    name: str
    plan: str | None
    release: str
    release_date: date
    draws: int
    seed: int
    years: tuple[ScenarioYear, ...]


@dataclass(frozen=True)
class Evidence:
    """Everything a document of one kind, year and quarter is written from."""

    kind: str
    district_code: str
    district_name: str
    made_on: date
    year: int
    quarter: int
    min_families: int
    release: ReleaseFacts
    lines: Mapping[str, Line] = field(default_factory=dict)
    figures: Mapping[str, Figure] = field(default_factory=dict)
    urban: Mapping[str, Mapping[str, Figure]] = field(default_factory=dict)
    """Headline figures by area type (``urban``, ``rural``)."""
    kecamatan: AreaTable | None = None
    desa: AreaTable | None = None
    extreme_kecamatan: AreaTable | None = None
    priorities: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The priority areas (kantong kemiskinan) by level (``kecamatan``, ``desa``), as
    :meth:`rpkd.workflows.priority.PriorityAreas.to_json` gives them (Fay–Herriot)."""
    profile: pa.Table | None = None
    coverage: pa.Table | None = None
    programmes: Mapping[str, str] = field(default_factory=dict)
    """Programme code -> name (the kit's catalogue), for the coverage tables."""
    listed: frozenset[str] = frozenset()
    """Programmes whose beneficiary list the release holds (the others have no recipients
    to count: their coverage is not shown)."""
    references: tuple[ReferencePoint, ...] = ()
    facts: tuple[ReferencePoint, ...] = ()
    plan: Plan | None = None
    bands: BandScheme | None = None
    performance: PerformanceTable | None = None
    targets: TargetsOverTime | None = None
    path: Mapping[str, Any] | None = None
    """The path to zero as :meth:`rpkd.workflows.path_view.PathView.to_json` gives it."""
    projection: PathToZero | None = None
    spending: tuple[Spending, ...] = ()
    transitions: Transitions | None = None
    scenario: ChosenScenario | None = None
    """The plan's chosen scenario; None when none is chosen (or it could not be run:
    ``missing["scenario"]`` then says why)."""
    cadence: Mapping[str, Any] = field(default_factory=dict)
    logo: bytes | None = None
    missing: Mapping[str, str] = field(default_factory=dict)
    """Part -> finding code saying why it is absent (``plan`` -> ``document_plan_missing``)."""

    def figure(self, key: str) -> Figure | None:
        """Return the headline figure ``key`` of :data:`HEADLINES`, None if not estimated."""
        return self.figures.get(key)
