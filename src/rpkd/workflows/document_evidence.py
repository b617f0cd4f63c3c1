"""The figures a document is written from, gathered from the other workflows as values
(:class:`rpkd.reports.documents.evidence.Evidence`).

Only aggregates are gathered: survey estimates (:func:`rpkd.workflows.poverty.poverty_figures`),
Fay–Herriot maps (:func:`rpkd.workflows.sae.map_release`, written to a scratch folder), the
priority areas by kecamatan and desa (:func:`rpkd.workflows.priority.priority_areas`), the
registry profile published with the kit's small-cell threshold
(:func:`rpkd.workflows.profile.profile_release`), programme coverage counts by kecamatan (the
counts of :func:`rpkd.targeting.convergence.coverage_counts`, without the by-name lists of
``convergence_report``; receipt by exact NIK, as ``rpkd target convergence`` without
``--links``), the stored plan with monitoring and evaluation, and desil transitions from the
previous release of the same region. A part that is absent (no survey in the release, no plan
stored, no earlier release) is left out with a finding; the document says so in its place.

The RPKD also cites the plan's chosen scenario (:func:`rpkd.workflows.scenarios.list_scenarios`
and :func:`~rpkd.workflows.scenarios.run_scenario`): its registry cost and the survey's P0 and
extreme poverty with and without it, year by year to the plan's target year. It is run with
:data:`SCENARIO_DRAWS` targeting-error draws of the scenario workflows' fixed seed, so the
document is reproducible and quick; ``rpkd scenario run`` gives more draws.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rpkd.errors import Forbidden, InvalidInput, NotFound, UsageError
from rpkd.findings import Finding

if TYPE_CHECKING:
    import pyarrow as pa

    from rpkd.planning.model import Plan
    from rpkd.releases.catalog import Release
    from rpkd.reports.documents.evidence import (
        AreaTable,
        ChosenScenario,
        Evidence,
        Figure,
        Transitions,
    )
    from rpkd.workflows.workspace import Workspace

T = TypeVar("T")
SCENARIO_DRAWS = 20
"""Targeting-error draws of the chosen scenario in a document (``rpkd scenario run``: 200)."""
_NEEDS: dict[str, frozenset[str]] = {
    "rpkd": frozenset({"figures", "maps", "priority", "profile", "coverage", "plan", "scenario"}),
    "lp2kd": frozenset({"figures", "coverage", "plan", "transitions"}),
    "triwulan": frozenset({"figures", "extreme_map", "profile", "plan"}),
    "rakor": frozenset({"figures", "coverage", "plan"}),
}


def gather(
    ws: Workspace,
    release: Release,
    kind: str,
    year: int,
    quarter: int,
    made_on: date,
    seconds: dict[str, float] | None = None,
) -> tuple[Evidence, list[Finding]]:
    """Return the evidence of document ``kind`` for ``year`` and ``quarter``, and the findings
    naming the parts that could not be gathered; ``seconds`` receives the time the chosen
    scenario's run took (``scenario``)."""
    from rpkd import regions
    from rpkd.reports.documents.evidence import Evidence, ReleaseFacts

    needs = _NEEDS[kind]
    doc = ws.kit.document("documents")
    threshold = int(doc["disclosure"]["min_families"])
    found: list[Finding] = []
    missing: dict[str, str] = {}

    def part(name: str, code: str, make: Callable[[], T]) -> T | None:
        try:
            return make()
        except (NotFound, InvalidInput) as exc:
            missing[name] = code
            found.append(Finding(code, "warning", {"release": release.name, "detail": exc.code}))
            return None

    region = release.region or "00"
    rows = release.manifest.get("rows", {})
    facts = ReleaseFacts(
        release.name,
        region,
        release.reference_date,
        str(release.manifest.get("created_at", "")),
        int(rows.get("families", 0)),
        int(rows.get("persons", 0)),
        int(rows.get("survey", 0)),
    )
    survey = part("survey", "document_survey_missing", lambda: _figures(ws, release.name))
    figures, urban, lines = survey if survey else ({}, {}, {})
    maps: dict[str, AreaTable | None] = {}
    if "maps" in needs or "extreme_map" in needs:
        with tempfile.TemporaryDirectory(prefix="rpkd-doc-map-") as scratch:
            folder = Path(scratch)
            if "maps" in needs:
                for level in ("kecamatan", "desa"):
                    maps[level] = part(
                        "map",
                        "document_map_missing",
                        partial(_map, ws, release.name, level, None, folder),
                    )
            if "extreme_map" in needs and "extreme" in lines:
                line = lines["extreme"].value
                maps["extreme"] = part(
                    "map",
                    "document_map_missing",
                    lambda: _map(ws, release.name, "kecamatan", line, folder),
                )
    priorities: dict[str, dict[str, Any]] = {}
    if "priority" in needs:
        for level in ("kecamatan", "desa"):
            ranked = part(
                "priority", "document_priority_missing", partial(_priority, ws, release.name, level)
            )
            if ranked is not None:
                priorities[level] = ranked
    profile = (
        part("profile", "document_profile_missing", lambda: _profile(ws, release.name, threshold))
        if "profile" in needs
        else None
    )
    coverage, names, listed = (
        part("coverage", "document_coverage_missing", lambda: _coverage(ws, release))
        or (None, {}, frozenset())
        if "coverage" in needs
        else (None, {}, frozenset())
    )
    planned = part("plan", "document_plan_missing", lambda: _plan(ws, year, quarter))
    transitions = (
        part("transitions", "document_previous_missing", lambda: _transitions(ws, release))
        if "transitions" in needs
        else None
    )
    started = time.monotonic()
    scenario = (
        part(
            "scenario",
            "document_scenario_missing",
            lambda: _chosen_scenario(ws, release, planned),
        )
        if "scenario" in needs
        else None
    )
    if seconds is not None and "scenario" in needs:
        seconds["scenario"] = time.monotonic() - started
    logo = ws.path / "params" / "logo.png"
    ev = Evidence(
        kind=kind,
        district_code=region,
        district_name=regions.names([region])[0] or region,
        made_on=made_on,
        year=year,
        quarter=quarter,
        min_families=threshold,
        release=facts,
        lines=lines,
        figures=figures,
        urban=urban,
        kecamatan=maps.get("kecamatan"),
        desa=maps.get("desa"),
        extreme_kecamatan=maps.get("extreme"),
        priorities=priorities,
        profile=profile,
        coverage=coverage,
        programmes=names,
        listed=listed,
        references=_references(doc, "series"),
        facts=_references(doc, "fact"),
        cadence=dict(doc.get("cadence", {})),
        logo=logo.read_bytes() if logo.is_file() else None,
        missing=missing,
        **(planned or {}),
        transitions=transitions,
        scenario=scenario,
    )
    return ev, found


def _figures(
    ws: Workspace, name: str
) -> tuple[dict[str, Figure], dict[str, dict[str, Figure]], dict[str, Any]]:
    """Return the headline figures, the same by urban and rural area, and the lines used."""
    from rpkd.reports.documents.evidence import Figure, Line
    from rpkd.workflows.poverty import poverty_figures

    result = poverty_figures(ws, name)  # the district's figures exactly as the workflow's
    areas = poverty_figures(ws, name, by="urban")
    z, extreme = result.lines["poverty"].value, result.lines["extreme"].value
    wanted = {
        "p0": ("fgt0", z),
        "p1": ("fgt1", z),
        "p2": ("fgt2", z),
        "extreme": ("fgt0", extreme),
        "poor": ("poor", z),
        "extreme_poor": ("poor", extreme),
        "gini": ("gini", None),
        "qsr": ("qsr", None),
    }

    def pick(source: Any, domain: str | None) -> dict[str, Figure]:
        out = {}
        for key, (measure, line) in wanted.items():
            match = {} if line is None else {"line": line}
            try:
                row = source.estimates.find(measure, domain=domain, **match)
            except KeyError:
                continue
            out[key] = Figure(key, row.estimate, row.se, row.ci_low, row.ci_high, row.n)
        return out

    # the survey's urban flag is boolean (``true``) or 0/1 (``1``), as the release holds it
    by_area = {
        "urban": pick(areas, "true") or pick(areas, "1"),
        "rural": pick(areas, "false") or pick(areas, "0"),
    }
    lines: dict[str, Any] = {
        str(kind): Line(kind, line.value, line.basis, line.source)
        for kind, line in result.lines.items()
    }
    return pick(result, None), {k: v for k, v in by_area.items() if v}, lines


def _map(ws: Workspace, name: str, level: str, line: float | None, folder: Path) -> AreaTable:
    """Return the map of P0 at ``level`` by the kit's method (on ``line``; default the kit's)."""
    from rpkd.reports.documents.evidence import AreaTable
    from rpkd.workflows.area_map import area_map
    from rpkd.workflows.sae import map_release

    tag = f"{level}-{'extreme' if line else 'poverty'}"
    mapped = area_map(
        map_release(ws, name, level=level, measure="fgt0", line=line, out=folder / tag, draw=False)
    )
    return AreaTable(
        mapped.level,
        mapped.measure,
        mapped.method,
        mapped.line,
        mapped.cv_threshold,
        tuple(asdict(a) for a in mapped.areas),
        mapped.benchmark_factor,
    )


def _priority(ws: Workspace, name: str, level: str) -> dict[str, Any]:
    """Return the priority areas at ``level`` (the kit's map method, k, draws and thresholds,
    seed 1) as :meth:`rpkd.workflows.priority.PriorityAreas.to_json` gives them."""
    from rpkd.workflows.priority import priority_areas

    try:
        return priority_areas(ws, name, level=level).to_json()
    except UsageError as exc:  # fewer areas estimated than k: the part is absent, said so
        raise InvalidInput(exc.code, param=exc.param, **exc.params) from None


def _profile(ws: Workspace, name: str, threshold: int) -> pa.Table:
    """Return the registry profile (kabupaten, kecamatan) with small cells suppressed."""
    from rpkd.workflows.profile import profile_release

    report = profile_release(
        ws, name, levels=("kabupaten", "kecamatan"), public=True, min_cell=threshold
    )
    return report.to_arrow()


def _coverage(ws: Workspace, release: Release) -> tuple[pa.Table, dict[str, str], frozenset[str]]:
    """Return coverage counts by kecamatan and programme (no by-name row leaves the engine),
    the programmes' names and the programmes whose beneficiary list the release holds."""
    from rpkd import engine as eng
    from rpkd.targeting import convergence as cv
    from rpkd.targeting.eligibility import eligibility
    from rpkd.workflows.rules import effective_catalogue
    from rpkd.workflows.targeting import load_links, materialise, opened

    cat = effective_catalogue(ws)
    with opened(ws, release) as o:
        links, _ = load_links(o, None, cat.codes)
        links = materialise(o, links, "links")
        eligible = eligibility(o.families, o.persons, cat, on=o.on)
        matrix = materialise(o, cv.matrix(eligible, links, o.persons, cat), "matrix")
        counts = eng.fetch(cv.coverage_counts(matrix, cat, "kecamatan"))
        lists = eng.table(o.engine, release.path_of("beneficiaries"))
        listed = eng.fetch(lists.select("programme").distinct()).column("programme").to_pylist()
    names = {p.code: p.name_id if ws.lang == "id" else p.name_en for p in cat.programmes}
    return cv.coverage_table(counts, cat, "kecamatan"), names, frozenset(map(str, listed))


def _plan(ws: Workspace, year: int, quarter: int) -> dict[str, Any]:
    """Return the stored plan, its monitoring of ``year`` up to ``quarter``, its evaluation,
    the path to zero, the bands and the activities' spending of the year."""
    from rpkd.planning import realisations
    from rpkd.planning.performance import band_scheme
    from rpkd.reports.documents.evidence import Spending
    from rpkd.workflows.monitoring import evaluate, monitor
    from rpkd.workflows.path_view import path_view
    from rpkd.workflows.plan import stored_plan

    plan: Plan = stored_plan(ws, None)
    performance = monitor(ws, year, quarter=quarter, plan=plan.name).table
    evaluation = evaluate(ws, plan=plan.name)
    with ws.transaction() as db:
        items = realisations.history(db, plan.name)
    view = path_view(plan, items, evaluation.path_to_zero)
    now = realisations.current(items, year, quarter)
    spending = tuple(
        Spending(code, r.budget_spent, r.beneficiaries, r.quarter)
        for (kind, code), r in now.items()
        if kind == "activity"
    )
    return {
        "plan": plan,
        "bands": band_scheme(ws.kit.document("bands")),
        "performance": performance,
        "targets": evaluation.targets,
        "path": None if view is None else view.to_json(),
        "projection": evaluation.path_to_zero,
        "spending": spending,
    }


def _chosen_scenario(
    ws: Workspace, release: Release, planned: dict[str, Any] | None
) -> ChosenScenario | None:
    """Return the plan's chosen scenario run on ``release`` (None when none is chosen): the
    registry's cost and the survey's P0 and extreme poverty with and without it by year."""
    from rpkd.reports.documents.evidence import ChosenScenario, Figure, ScenarioYear
    from rpkd.workflows.scenarios import SEED, list_scenarios, run_scenario

    plan = planned["plan"].name if planned else None
    # who may make the document may not read the plan's scenarios (Forbidden), or the scenario
    # may not run on this release (a year before the release's, UsageError): a slot says so
    try:
        saved = list_scenarios(ws).chosen(plan)
        if saved is None:
            return None
        result = run_scenario(
            ws, saved.name, release.name, draws=SCENARIO_DRAWS, seed=SEED, saved=True
        )
    except (Forbidden, UsageError) as exc:
        raise NotFound("document_scenario_missing", param="scenario", detail=exc.code) from exc
    years = []
    for y in result.years:
        lines = {"p0": y.lines.poverty, "extreme": y.lines.extreme}
        found: dict[str, dict[str, Figure]] = {"baseline": {}, "scenario": {}}
        for r in y.outcome.estimates.records():
            if r["measure"] != "fgt0" or r["indicator"] not in found or r["line"] is None:
                continue
            for key, line in lines.items():
                if abs(float(r["line"]) - line) < 0.5:
                    found[r["indicator"]][key] = Figure(
                        key, r["estimate"], r["se"], r["ci_low"], r["ci_high"], int(r["n"] or 0)
                    )
        years.append(ScenarioYear(y.year, y.reach.cost, found["baseline"], found["scenario"]))
    return ChosenScenario(
        result.scenario,
        saved.plan,
        release.name,
        release.reference_date,
        result.draws,
        result.seed,
        tuple(years),
    )


def _transitions(ws: Workspace, release: Release) -> Transitions:
    """Return the desil 1–2 transitions from the newest earlier release of the same region."""
    from rpkd import engine as eng
    from rpkd.access.roles import Scope
    from rpkd.planning.evaluation import desil_transitions
    from rpkd.releases.catalog import list_releases
    from rpkd.reports.documents.evidence import Transitions
    from rpkd.workflows import gate

    earlier = [
        r
        for r in list_releases(ws.path)
        if r.region == release.region
        and r.name != release.name
        and "families" in r.kinds
        and r.reference_date < release.reference_date
    ]
    if not earlier:
        raise NotFound("document_previous_missing", param="release", release=release.name)
    first = max(earlier, key=lambda r: r.reference_date)
    gate.authorise(ws.actor, "aggregate.read", Scope(region=first.region))
    moved = desil_transitions(
        eng.table(ws.engine, first.path_of("families")),
        eng.table(ws.engine, release.path_of("families")),
    )
    return Transitions(first.name, first.reference_date, release.name, moved)


def _references(doc: Any, key: str) -> tuple[Any, ...]:
    from rpkd.reports.documents.evidence import ReferencePoint

    return tuple(
        ReferencePoint(
            str(r.get("indicator", r.get("key"))),
            str(r["region"]),
            int(r["year"]),
            float(r["value"]),
            str(r["source"]),
        )
        for r in doc.get(key, ())
    )
