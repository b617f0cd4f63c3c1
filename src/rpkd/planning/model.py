"""The RPKD plan as a frozen value: pillars, strategies, programmes, activities, indicators.

The structure follows the matrices an RPKD carries (programme/activity matrix by the three
national strategies with the OPD in charge, lokus and indicative budget by source; indicator
table with baseline and yearly targets) and the three strategies of Inpres 4/2022 and 8/2025.
:func:`validate` returns the findings of a plan (:class:`rpkd.findings.Finding`); the store
refuses a plan with errors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, get_args

from rpkd import regions
from rpkd.errors import UnknownRegion
from rpkd.findings import Finding

Polarity = Literal["higher", "lower"]
IndicatorLevel = Literal["outcome", "output"]
FundingSource = Literal["apbd", "apbn_dak", "dana_desa", "csr", "baznas", "other"]
PartnerKind = Literal["csr", "university", "religious", "baznas", "community", "other"]

POLARITIES: tuple[Polarity, ...] = get_args(Polarity)
LEVELS: tuple[IndicatorLevel, ...] = get_args(IndicatorLevel)
FUNDING_SOURCES: tuple[FundingSource, ...] = get_args(FundingSource)
PARTNER_KINDS: tuple[PartnerKind, ...] = get_args(PartnerKind)


@dataclass(frozen=True)
class Pillar:
    """A pillar of the district's vision (Kapuas Bersinar: Berdaya Saing, Sejahtera, ...)."""

    code: str
    name: str


@dataclass(frozen=True)
class Strategy:
    """A strategy: one of the three national ones (Inpres 4/2022, 8/2025) or a local one."""

    code: str
    name: str
    national: bool = False


@dataclass(frozen=True)
class Agency:
    """A perangkat daerah (OPD) responsible for programmes."""

    code: str
    name: str


@dataclass(frozen=True)
class Partner:
    """A partner outside the government budget: CSR, university, religious body, Baznas, ..."""

    code: str
    name: str
    kind: PartnerKind


@dataclass(frozen=True)
class Budget:
    """An indicative budget line of an activity: year, funding source, rupiah."""

    year: int
    source: FundingSource
    amount: float


@dataclass(frozen=True)
class Activity:
    """A kegiatan: responsible OPD, target group, location focus and budget by year and source.

    The location focus is either ``regions`` (kecamatan/desa codes) or a by-name target group in
    a registry ``release`` with a ``release_filter`` (an eligibility expression or list name).
    """

    code: str
    name: str
    agency: str
    target_group: str = ""
    regions: tuple[str, ...] = ()
    release: str | None = None
    release_filter: str | None = None
    partners: tuple[str, ...] = ()
    budgets: tuple[Budget, ...] = ()

    def __post_init__(self) -> None:
        order = sorted(self.budgets, key=lambda b: (b.year, FUNDING_SOURCES.index(b.source)))
        object.__setattr__(self, "budgets", tuple(order))

    def budget(self, year: int) -> dict[FundingSource, float]:
        """Return the budget of ``year`` by funding source."""
        totals: dict[FundingSource, float] = {}
        for line in self.budgets:
            if line.year == year:
                totals[line.source] = totals.get(line.source, 0.0) + line.amount
        return totals


@dataclass(frozen=True)
class Programme:
    """A programme under one strategy (and optionally one pillar), led by one OPD."""

    code: str
    name: str
    strategy: str
    agency: str
    pillar: str | None = None
    activities: tuple[Activity, ...] = ()


@dataclass(frozen=True)
class Indicator:
    """An outcome or output indicator with polarity, baseline and a target for each year.

    ``targets`` maps year to target value; a year without a target is a warning, not an error
    (the starter kit leaves unknown district figures for the TKPKD to enter).
    """

    code: str
    name: str
    level: IndicatorLevel
    unit: str
    polarity: Polarity
    source: str = ""
    baseline_year: int | None = None
    baseline_value: float | None = None
    targets: tuple[tuple[int, float], ...] = ()
    programme: str | None = None
    activity: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(sorted(self.targets)))

    def target(self, year: int) -> float | None:
        """Return the target of ``year`` or ``None``."""
        return dict(self.targets).get(year)


@dataclass(frozen=True)
class Commitment:
    """What a partner commits: to an activity (or in general), in a year, in kind or rupiah."""

    partner: str
    year: int
    description: str
    activity: str | None = None
    amount: float | None = None


@dataclass(frozen=True)
class Plan:
    """An RPKD: a five-year plan for one region (kabupaten/kota or provinsi)."""

    name: str
    region: str
    start_year: int
    end_year: int
    extreme_poverty_target_year: int
    description: str = ""
    pillars: tuple[Pillar, ...] = ()
    strategies: tuple[Strategy, ...] = ()
    agencies: tuple[Agency, ...] = ()
    partners: tuple[Partner, ...] = ()
    programmes: tuple[Programme, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    extreme_poverty_indicator: str | None = None
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    @property
    def years(self) -> tuple[int, ...]:
        """Every year of the period."""
        return tuple(range(self.start_year, self.end_year + 1))

    def activities(self) -> tuple[tuple[Programme, Activity], ...]:
        """Every activity with its programme, in plan order."""
        return tuple((p, a) for p in self.programmes for a in p.activities)

    def indicator(self, code: str) -> Indicator:
        """Return the indicator ``code``; raise ``KeyError`` if absent."""
        return {i.code: i for i in self.indicators}[code]


def _duplicates(kind: str, codes: list[str]) -> list[Finding]:
    return [
        Finding("plan_duplicate", "error", {"code": code}, field=f"{kind}.code", value=code)
        for code, n in Counter(codes).items()
        if n > 1
    ]


def _region_findings(plan: Plan, activity: Activity) -> list[Finding]:
    found: list[Finding] = []
    where = f"activity[{activity.code}].regions"
    for code in activity.regions:
        try:
            known = regions.region(code)
        except UnknownRegion:
            found.append(
                Finding("plan_region_unknown", "error", {"code": code}, field=where, value=code)
            )
            continue
        if known.depth not in ("kecamatan", "desa") or not regions.contains(
            plan.region, known.code
        ):
            found.append(
                Finding(
                    "plan_region_scope",
                    "error",
                    {"code": code, "region": plan.region},
                    field=where,
                    value=code,
                )
            )
    if activity.release_filter and not activity.release:
        found.append(
            Finding(
                "plan_release_required",
                "error",
                {"activity": activity.code},
                field=f"activity[{activity.code}].release",
            )
        )
    return found


def _reference(code: str | None, known: set[str], where: str) -> list[Finding]:
    if code is None or code in known:
        return []
    return [Finding("plan_reference", "error", {"code": code}, field=where, value=code)]


def _period(plan: Plan) -> dict[str, int]:
    return {"start": plan.start_year, "end": plan.end_year}


def validate(plan: Plan) -> tuple[Finding, ...]:
    """Return the findings of a plan: broken references, duplicates, bad regions and years.

    Each finding's ``field`` says where (``activity[K0501].regions``), ``value`` what was read.
    """
    found: list[Finding] = []
    if plan.end_year < plan.start_year:
        found.append(
            Finding(
                "plan_period",
                "error",
                _period(plan),
                field="period",
                value=f"{plan.start_year}-{plan.end_year}",
            )
        )
    try:
        regions.region(plan.region)
    except UnknownRegion:
        found.append(
            Finding(
                "plan_region_unknown",
                "error",
                {"code": plan.region},
                field="region",
                value=plan.region,
            )
        )
    for kind, codes in (
        ("pillar", [p.code for p in plan.pillars]),
        ("strategy", [s.code for s in plan.strategies]),
        ("agency", [a.code for a in plan.agencies]),
        ("partner", [p.code for p in plan.partners]),
        ("programme", [p.code for p in plan.programmes]),
        ("activity", [a.code for _, a in plan.activities()]),
        ("indicator", [i.code for i in plan.indicators]),
    ):
        found += _duplicates(kind, codes)
    pillars = {p.code for p in plan.pillars}
    strategies = {s.code for s in plan.strategies}
    agencies = {a.code for a in plan.agencies}
    partners = {p.code for p in plan.partners}
    programmes = {p.code for p in plan.programmes}
    activities = {a.code for _, a in plan.activities()}
    for programme in plan.programmes:
        where = f"programme[{programme.code}]"
        found += _reference(programme.strategy, strategies, f"{where}.strategy")
        found += _reference(programme.pillar, pillars, f"{where}.pillar")
        found += _reference(programme.agency, agencies, f"{where}.agency")
        for activity in programme.activities:
            found += _activity_findings(plan, activity, agencies, partners)
    for indicator in plan.indicators:
        where = f"indicator[{indicator.code}]"
        found += _reference(indicator.programme, programmes, f"{where}.programme")
        found += _reference(indicator.activity, activities, f"{where}.activity")
        for year, _ in indicator.targets:
            if year not in plan.years:
                found.append(
                    Finding(
                        "plan_target_year",
                        "error",
                        {"year": year, **_period(plan)},
                        field=f"{where}.targets",
                        value=str(year),
                    )
                )
        missing = [y for y in plan.years if indicator.target(y) is None]
        if missing:
            found.append(
                Finding(
                    "plan_target_missing",
                    "warning",
                    {"code": indicator.code, "years": missing},
                    field=f"{where}.targets",
                    value=", ".join(map(str, missing)),
                )
            )
    for commitment in plan.commitments:
        found += _reference(commitment.partner, partners, "commitment.partner")
        found += _reference(commitment.activity, activities, "commitment.activity")
    if plan.extreme_poverty_indicator is not None:
        found += _reference(
            plan.extreme_poverty_indicator,
            {i.code for i in plan.indicators},
            "extreme_poverty_indicator",
        )
    return tuple(found)


def _activity_findings(
    plan: Plan, activity: Activity, agencies: set[str], partners: set[str]
) -> list[Finding]:
    where = f"activity[{activity.code}]"
    found = _reference(activity.agency, agencies, f"{where}.agency")
    for partner in activity.partners:
        found += _reference(partner, partners, f"{where}.partners")
    found += _region_findings(plan, activity)
    for line in activity.budgets:
        if line.year not in plan.years:
            found.append(
                Finding(
                    "plan_budget_year",
                    "error",
                    {"year": line.year, **_period(plan)},
                    field=f"{where}.budget",
                    value=str(line.year),
                )
            )
        if line.amount < 0:
            found.append(
                Finding(
                    "plan_budget_negative",
                    "error",
                    {"amount": line.amount},
                    field=f"{where}.budget",
                    value=str(line.amount),
                )
            )
    return found
