"""The RPKD plan as a frozen value: pillars, strategies, programmes, activities, indicators.

The structure follows the matrices an RPKD carries (programme/activity matrix by the three
national strategies with the OPD in charge, lokus and indicative budget by source; indicator
table with baseline and yearly targets) and the three strategies of Inpres 4/2022 and 8/2025.
:func:`validate` returns the findings of a plan; the store refuses a plan with errors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, get_args

from rpkd import regions
from rpkd.errors import UnknownRegion

Polarity = Literal["higher", "lower"]
IndicatorLevel = Literal["outcome", "output"]
FundingSource = Literal["apbd", "apbn_dak", "dana_desa", "csr", "baznas", "other"]
PartnerKind = Literal["csr", "university", "religious", "baznas", "community", "other"]
Severity = Literal["error", "warning"]

POLARITIES: tuple[Polarity, ...] = get_args(Polarity)
LEVELS: tuple[IndicatorLevel, ...] = get_args(IndicatorLevel)
FUNDING_SOURCES: tuple[FundingSource, ...] = get_args(FundingSource)
PARTNER_KINDS: tuple[PartnerKind, ...] = get_args(PartnerKind)


@dataclass(frozen=True)
class Finding:
    """One problem found in a plan or an input file (STYLE.md: errors are data)."""

    row: int | None
    field: str
    value: str | None
    rule: str
    message: str
    severity: Severity = "error"
    sheet: str | None = None


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
        Finding(
            None, f"{kind}.code", code, "unique", f"kode {kind} {code} dipakai lebih dari sekali"
        )
        for code, n in Counter(codes).items()
        if n > 1
    ]


def _region_findings(plan: Plan, activity: Activity) -> list[Finding]:
    found: list[Finding] = []
    for code in activity.regions:
        where = f"activity[{activity.code}].regions"
        try:
            known = regions.region(code)
        except UnknownRegion as exc:
            found.append(Finding(None, where, code, "region", exc.message))
            continue
        if known.depth not in ("kecamatan", "desa") or not regions.contains(
            plan.region, known.code
        ):
            found.append(
                Finding(
                    None,
                    where,
                    code,
                    "region_scope",
                    f"lokasi {code} harus kecamatan/desa di dalam wilayah {plan.region}",
                )
            )
    if activity.release_filter and not activity.release:
        found.append(
            Finding(
                None,
                f"activity[{activity.code}].release",
                None,
                "required",
                "filter sasaran by name memerlukan nama rilis",
            )
        )
    return found


def _reference(kind: str, code: str | None, known: set[str], where: str) -> list[Finding]:
    if code is None or code in known:
        return []
    return [Finding(None, where, code, "reference", f"{kind} {code} tidak terdaftar dalam rencana")]


def validate(plan: Plan) -> tuple[Finding, ...]:
    """Return the findings of a plan: broken references, duplicates, bad regions and years."""
    found: list[Finding] = []
    if plan.end_year < plan.start_year:
        found.append(
            Finding(
                None,
                "period",
                f"{plan.start_year}-{plan.end_year}",
                "period",
                "tahun akhir periode sebelum tahun awal",
            )
        )
    try:
        regions.region(plan.region)
    except UnknownRegion as exc:
        found.append(Finding(None, "region", plan.region, "region", exc.message))
    for kind, codes in (
        ("pilar", [p.code for p in plan.pillars]),
        ("strategi", [s.code for s in plan.strategies]),
        ("OPD", [a.code for a in plan.agencies]),
        ("mitra", [p.code for p in plan.partners]),
        ("program", [p.code for p in plan.programmes]),
        ("kegiatan", [a.code for _, a in plan.activities()]),
        ("indikator", [i.code for i in plan.indicators]),
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
        found += _reference("strategi", programme.strategy, strategies, f"{where}.strategy")
        found += _reference("pilar", programme.pillar, pillars, f"{where}.pillar")
        found += _reference("OPD", programme.agency, agencies, f"{where}.agency")
        for activity in programme.activities:
            where = f"activity[{activity.code}]"
            found += _reference("OPD", activity.agency, agencies, f"{where}.agency")
            for partner in activity.partners:
                found += _reference("mitra", partner, partners, f"{where}.partners")
            found += _region_findings(plan, activity)
            for line in activity.budgets:
                if line.year not in plan.years:
                    found.append(
                        Finding(
                            None,
                            f"{where}.budget",
                            str(line.year),
                            "period",
                            f"tahun anggaran {line.year} di luar periode rencana",
                        )
                    )
                if line.amount < 0:
                    found.append(
                        Finding(
                            None,
                            f"{where}.budget",
                            str(line.amount),
                            "minimum",
                            "anggaran tidak boleh negatif",
                        )
                    )
    for indicator in plan.indicators:
        where = f"indicator[{indicator.code}]"
        found += _reference("program", indicator.programme, programmes, f"{where}.programme")
        found += _reference("kegiatan", indicator.activity, activities, f"{where}.activity")
        for year, _ in indicator.targets:
            if year not in plan.years:
                found.append(
                    Finding(
                        None,
                        f"{where}.targets",
                        str(year),
                        "period",
                        f"target tahun {year} di luar periode rencana",
                    )
                )
        missing = [y for y in plan.years if indicator.target(y) is None]
        if missing:
            found.append(
                Finding(
                    None,
                    f"{where}.targets",
                    ", ".join(map(str, missing)),
                    "target_missing",
                    "target belum ditetapkan untuk tahun ini",
                    severity="warning",
                )
            )
    for commitment in plan.commitments:
        found += _reference("mitra", commitment.partner, partners, "commitment.partner")
        found += _reference("kegiatan", commitment.activity, activities, "commitment.activity")
    if plan.extreme_poverty_indicator is not None:
        found += _reference(
            "indikator",
            plan.extreme_poverty_indicator,
            {i.code for i in plan.indicators},
            "extreme_poverty_indicator",
        )
    return tuple(found)


def errors(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Return only the findings that block saving or importing."""
    return tuple(f for f in findings if f.severity == "error")
