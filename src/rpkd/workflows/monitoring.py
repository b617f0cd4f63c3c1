"""Use cases ``rpkd monitor`` and ``rpkd evaluate``: performance of a quarter, evaluation over
the plan period and across registry releases.

:func:`monitor` scores every indicator and activity against the year's target and says, row by
row, what is not scored yet (``no_target``, ``no_realisation``). :func:`evaluate` gives target
against realisation by year and the path to zero extreme poverty; given two or more
``releases``, it adds, for each consecutive pair, the growth–redistribution decomposition of
the change in P0 on their surveys (Datt & Ravallion 1992 and its Shapley version, persons
weighted by weight × household size, each release's welfare deflated by the kit's poverty line
at its reference date) and the families that moved out of or into desil 1–2 in the registry.

References
----------
Datt, G. and Ravallion, M. (1992), J. Dev. Econ. 38(2); Shorrocks, A. (2013), J. Econ. Inequal.
11(1); :mod:`rpkd.planning.decomposition`, :mod:`rpkd.planning.evaluation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import locale
from rpkd.access.roles import Scope
from rpkd.errors import NotFound, RpkdError, UsageError
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.workflows import gate
from rpkd.workflows.plan import stored_plan
from rpkd.workflows.results import plain, records

if TYPE_CHECKING:
    from rpkd.planning.decomposition import Decomposition
    from rpkd.planning.evaluation import DesilTransitions, TargetsOverTime
    from rpkd.planning.model import Plan
    from rpkd.planning.path_to_zero import PathToZero, TrendMethod
    from rpkd.planning.performance import BandScheme, PerformanceTable
    from rpkd.planning.realisations import Realisation
    from rpkd.releases.catalog import Release
    from rpkd.workflows.workspace import Workspace

TREND_METHODS = ("linear", "loglinear")
"""The ``--method`` choices of :func:`evaluate` (trend of the path to zero)."""


@dataclass(frozen=True)
class Monitoring:
    """The performance table of one plan, year and quarter; every row says its ``status``."""

    plan: str
    year: int
    quarter: int
    table: PerformanceTable

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.table.findings

    def counts(self) -> dict[str, int]:
        """Rows by status (``scored``, ``no_target``, ``no_realisation``) and ``lagging``."""
        return self.table.counts()

    def to_arrow(self) -> pa.Table:
        return self.table.to_arrow()

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.to_arrow())


def _scheme(ws: Workspace, bands: str | None) -> BandScheme:
    from rpkd.planning.performance import band_scheme

    return band_scheme(ws.kit.document("bands"), bands)


def monitor(
    ws: Workspace,
    year: int,
    *,
    quarter: int = 4,
    bands: str | None = None,
    plan: str | None = None,
) -> Monitoring:
    """Return target, realisation, achievement, band and light of every item in ``year`` up to
    ``quarter``; items without a target or realisation are listed, not scored."""
    from rpkd.planning import monitoring, realisations

    if quarter not in (1, 2, 3, 4):
        raise UsageError("quarter_invalid", param="quarter", quarter=quarter)
    scheme = _scheme(ws, bands)
    stored = stored_plan(ws, plan, "monitor.read")
    with ws.transaction() as db:
        items = realisations.history(db, stored.name)
    table = monitoring.monitor(stored, items, year, quarter, scheme)
    return Monitoring(stored.name, year, quarter, table)


@dataclass(frozen=True)
class ReleasePoint:
    """A release evaluated: its reference date and the poverty line in force then."""

    release: str
    reference_date: date
    poverty_line: float


@dataclass(frozen=True)
class PovertyChange:
    """Growth and redistribution components of the change in P0 between two releases.

    Welfare of the second release is deflated by the ratio of the poverty lines, so both are in
    rupiah of the first release and ``line`` is the first release's line.
    """

    first: str
    second: str
    decompositions: tuple[Decomposition, ...]

    def rows(self) -> list[dict[str, Any]]:
        return [{"from": self.first, "to": self.second, **vars(d)} for d in self.decompositions]


@dataclass(frozen=True)
class DesilChange:
    """Families that moved out of or into desil 1–2 between two registry releases."""

    first: str
    second: str
    transitions: DesilTransitions

    def row(self) -> dict[str, Any]:
        return {
            "from": self.first,
            "to": self.second,
            **self.transitions.summary(),
            "transitions": self.transitions.to_arrow().to_pylist(),
        }


@dataclass(frozen=True)
class Evaluation:
    """Target against realisation by year, the path to zero, and changes across releases."""

    plan: str
    targets: TargetsOverTime
    path_to_zero: PathToZero | None
    findings: tuple[Finding, ...] = ()
    releases: tuple[ReleasePoint, ...] = ()
    poverty_changes: tuple[PovertyChange, ...] = field(default=())
    desil_changes: tuple[DesilChange, ...] = field(default=())

    def to_arrow(self) -> pa.Table:
        """Return the target-against-realisation rows (what ``--format csv`` writes)."""
        return self.targets.to_arrow()

    def path_items(self) -> dict[str, Any]:
        """Return the path to zero as item -> value (empty when it could not be computed)."""
        if self.path_to_zero is None:
            return {}
        return {k: v for k, v in vars(self.path_to_zero).items() if k != "findings"}

    def to_json(self, lang: Lang = "id") -> dict[str, Any]:
        """Return ``{"targets", "path_to_zero", "findings"}`` (sentences in ``lang``) and the
        release keys ``releases``, ``poverty_change`` and ``desil_transitions``."""
        return {
            "targets": records(self.targets.to_arrow()),
            "path_to_zero": plain(self.path_items()) if self.path_to_zero else None,
            "findings": [locale.message(f.code, lang, **f.params) for f in self.findings],
            "releases": [plain(vars(r)) for r in self.releases],
            "poverty_change": [plain(r) for c in self.poverty_changes for r in c.rows()],
            "desil_transitions": [plain(c.row()) for c in self.desil_changes],
        }


def _path(
    plan: Plan, items: Sequence[Realisation], method: TrendMethod
) -> tuple[PathToZero | None, list[Finding]]:
    from rpkd.planning import monitoring

    try:
        path = monitoring.extreme_poverty_path(plan, items, method=method)
    except RpkdError as exc:
        return None, [Finding(exc.code, "warning", exc.params)]
    return path, list(path.findings)


def evaluate(
    ws: Workspace,
    *,
    method: str = "linear",
    bands: str | None = None,
    plan: str | None = None,
    releases: Sequence[str] = (),
) -> Evaluation:
    """Return target against realisation by year and the path to zero extreme poverty (trend
    ``linear`` or ``loglinear``); with two or more ``releases``, the P0 decomposition and the
    desil 1–2 transitions between consecutive ones."""
    from rpkd.planning import monitoring, realisations
    from rpkd.planning.evaluation import targets_over_time

    if method not in TREND_METHODS:
        raise UsageError("trend_method_unknown", param="method", method=method)
    if len(releases) == 1:
        raise UsageError("evaluate_releases_few", param="releases", count=1)
    scheme = _scheme(ws, bands)
    stored = stored_plan(ws, plan, "monitor.read")
    with ws.transaction() as db:
        items = realisations.history(db, stored.name)
    realised = {
        key: r.value for key, r in monitoring.yearly(stored, items).items() if r.value is not None
    }
    targets = targets_over_time(stored.indicators, realised, stored.years, scheme)
    path, found = _path(stored, items, "loglinear" if method == "loglinear" else "linear")
    points, poverty, desil = _across_releases(ws, releases, found)
    return Evaluation(stored.name, targets, path, tuple(found), points, poverty, desil)


def _across_releases(
    ws: Workspace, names: Sequence[str], found: list[Finding]
) -> tuple[tuple[ReleasePoint, ...], tuple[PovertyChange, ...], tuple[DesilChange, ...]]:
    from rpkd.releases.catalog import open_release

    opened = [open_release(ws.path, name) for name in names]
    for release in opened:
        gate.authorise(ws.actor, "aggregate.read", Scope(region=release.region))
    points = tuple(ReleasePoint(r.name, r.reference_date, _line(ws, r)) for r in opened)
    poverty: list[PovertyChange] = []
    desil: list[DesilChange] = []
    for (first, z1), (second, z2) in zip(
        zip(opened, points, strict=True), zip(opened[1:], points[1:], strict=True), strict=False
    ):
        change = _poverty_change(ws, first, second, z1.poverty_line, z2.poverty_line, found)
        if change is not None:
            poverty.append(change)
        moved = _desil_change(ws, first, second, found)
        if moved is not None:
            desil.append(moved)
    return points, tuple(poverty), tuple(desil)


def _line(ws: Workspace, release: Release) -> float:
    return ws.kit.poverty_line("poverty", release.region or "00", release.reference_date).value


def _missing(release: Release, kind: str, first: Release, second: Release) -> Finding:
    code = "evaluate_survey_missing" if kind == "survey" else "evaluate_families_missing"
    return Finding(
        code, "warning", {"release": release.name, "first": first.name, "second": second.name}
    )


def _welfare(ws: Workspace, release: Release) -> tuple[Any, Any]:
    """Return per-capita expenditure and person weights (weight × household size)."""
    from rpkd import engine as eng

    survey = eng.table(ws.engine, release.path_of("survey"))
    data = eng.fetch(
        survey.select(
            welfare=survey.expenditure_per_capita.cast("float64"),
            persons=(survey.weight * survey.household_size).cast("float64"),
        )
    )
    return data["welfare"].to_numpy(), data["persons"].to_numpy()


def _poverty_change(
    ws: Workspace,
    first: Release,
    second: Release,
    line_first: float,
    line_second: float,
    found: list[Finding],
) -> PovertyChange | None:
    from rpkd.planning.decomposition import DECOMPOSITION_METHODS, decompose

    try:
        y1, w1 = _welfare(ws, first)
    except NotFound:
        found.append(_missing(first, "survey", first, second))
        return None
    try:
        y2, w2 = _welfare(ws, second)
    except NotFound:
        found.append(_missing(second, "survey", first, second))
        return None
    deflated = y2 * (line_first / line_second)
    return PovertyChange(
        first.name,
        second.name,
        tuple(
            decompose(y1, w1, deflated, w2, line_first, alpha=0, method=m)
            for m in DECOMPOSITION_METHODS
        ),
    )


def _desil_change(
    ws: Workspace, first: Release, second: Release, found: list[Finding]
) -> DesilChange | None:
    from rpkd import engine as eng
    from rpkd.planning.evaluation import desil_transitions

    tables = []
    for release in (first, second):
        try:
            tables.append(eng.table(ws.engine, release.path_of("families")))
        except NotFound:
            found.append(_missing(release, "families", first, second))
            return None
    return DesilChange(first.name, second.name, desil_transitions(tables[0], tables[1]))
