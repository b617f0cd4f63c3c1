"""Use cases ``rpkd scenario run|compare|save|list`` and ``rpkd optimise``: scenarios and budgets.

A scenario (a TOML file, or the name of one saved in the application database) is simulated on
a release: on its survey sample for poverty and inequality with design-based SEs, and on its
registry for cost and reach (:mod:`rpkd.simulation`), year by year from the release's reference
year to the target year (``--year``, else the plan's extreme-poverty target year, else the
kit's). The targeting errors are measured on the release, never assumed: by default as ``rpkd
target accuracy`` measures them without a truth (each survey household's cross-validated PMT
prediction placed among the registry's desil cut points), or against a synthetic truth folder
(``truth``: every registry family's true consumption beside its official desil).

Reading a scenario's figures needs ``aggregate.read`` on the release's region; saving one needs
``plan.edit`` and is audited (``scenario.save``); listing needs ``plan.read``. A package naming a
plan ``activity`` without a budget of its own is capped by that activity's budget lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpkd.access.roles import Scope
from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding
from rpkd.simulation.optimise import OBJECTIVES
from rpkd.workflows import gate
from rpkd.workflows.scenario_results import (
    CELLS,
    VIEWS,
    BudgetOptimum,
    SavedScenario,
    ScenarioComparison,
    ScenarioList,
    ScenarioResult,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rpkd.planning.model import Plan
    from rpkd.planning.tables import PlanRow
    from rpkd.releases.catalog import Release
    from rpkd.simulation.scenario import Scenario
    from rpkd.simulation.uncertainty import ErrorModel
    from rpkd.simulation.years import Inputs
    from rpkd.workflows.targeting import Opened
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "CELLS",
    "OBJECTIVES",
    "VIEWS",
    "BudgetOptimum",
    "SavedScenario",
    "ScenarioComparison",
    "ScenarioList",
    "ScenarioResult",
    "compare_scenarios",
    "list_scenarios",
    "optimise_budget",
    "run_scenario",
    "save_scenario",
    "save_scenario_text",
]

SEED = 20250301
GROUPS = 20  # groups of true consumption in the targeting-error model (5% each)
WELFARE = "expenditure_per_capita"  # the release survey's consumption per capita per month


# --- workflows -------------------------------------------------------------------------------


def run_scenario(
    ws: Workspace,
    scenario: str | Path,
    release: str,
    *,
    year: int | None = None,
    draws: int = 200,
    seed: int = SEED,
    truth: Path | None = None,
    saved: bool = False,
) -> ScenarioResult:
    """Return scenario ``scenario`` (a TOML file or a saved name) simulated on ``release``.

    Years run from the release's reference year to ``year`` (default: the plan's
    extreme-poverty target year, else the kit's); ``draws`` targeting-error draws of a
    generator seeded by ``seed``; ``truth`` measures the errors against a synthetic truth folder.
    With ``saved`` the name is only looked up among the saved scenarios, never read as a file
    (the web app and the API: a caller names no file of the server).
    """
    return compare_scenarios(ws, [scenario], release, year=year, draws=draws, seed=seed,
                             truth=truth, saved=saved).results[0]  # fmt: skip


def compare_scenarios(
    ws: Workspace,
    scenarios: Sequence[str | Path],
    release: str,
    *,
    year: int | None = None,
    draws: int = 200,
    seed: int = SEED,
    truth: Path | None = None,
    saved: bool = False,
) -> ScenarioComparison:
    """Return ``scenarios`` run on ``release`` with the same draws of the same measured errors
    (``saved``: names of saved scenarios only, as :func:`run_scenario`)."""
    from rpkd.simulation.years import simulate

    if not scenarios:
        raise UsageError("scenario_none", param="scenario")
    opened = _release(ws, release)  # who may read it is settled before anything is looked up
    parsed = [_scenario(ws, item, saved=saved) for item in scenarios]
    with _session(ws, opened, truth) as s:
        years = _years(ws, s.release, year)
        results = []
        for chosen in parsed:
            inputs = _inputs(s, chosen, draws, seed)
            results.append(
                ScenarioResult(
                    chosen.name, release, years[0], draws, seed, s.errors,
                    simulate(chosen, inputs, years),
                    tuple(dict.fromkeys((*chosen.findings, *s.findings,
                                         *inputs.sample.findings))),
                )
            )  # fmt: skip
    return ScenarioComparison(tuple(results))


def optimise_budget(
    ws: Workspace,
    release: str,
    *,
    objective: str = "extreme",
    target: float = 0.0,
    year: int | None = None,
    draws: int = 30,
    seed: int = SEED,
    scenario: str | Path | None = None,
    truth: Path | None = None,
    points: int = 6,
    time_limit: float = 60.0,
) -> BudgetOptimum:
    """Return the least budget by programme and kecamatan bringing ``objective`` to ``target``.

    ``objective`` is ``extreme`` (P0 on the extreme line) or ``p0`` (on the poverty line),
    ``target`` a fraction (0.0 by default), reached by ``year`` (as :func:`run_scenario`).
    The programmes are the kit's simulation menu (``scenarios`` topic), or the packages of
    ``scenario`` (their budgets ignored); ``points`` levels make the trade-off curve.
    """
    from rpkd.simulation.optimise import allocate, build_problem
    from rpkd.workflows.targeting import choose

    chosen_objective = choose(objective, OBJECTIVES, "objective")
    if not 0 <= target <= 1:
        raise UsageError("optimise_target_range", param="target", value=target)
    opened = _release(ws, release)
    options = _scenario(ws, scenario) if scenario is not None else _menu(ws)
    with _session(ws, opened, truth) as s:
        end = _years(ws, s.release, year)[-1]
        inputs = _inputs(s, options, draws, seed)
        problem = build_problem(options, inputs, end, chosen_objective, s.areas)
        allocation = allocate(problem, target, points=points, time_limit=time_limit)
    findings = (
        *allocation.findings,
        Finding("optimise_sample", "info", {"households": len(problem.gap)}),
        *s.findings,
    )
    return BudgetOptimum(release, chosen_objective, target, end, allocation, draws,
                         tuple(dict.fromkeys(findings)))  # fmt: skip


def save_scenario(
    ws: Workspace,
    source: Path,
    *,
    name: str | None = None,
    chosen: bool = False,
    plan: str | None = None,
) -> SavedScenario:
    """Save the scenario of TOML file ``source`` (as ``name``, default its own name).

    It belongs to the plan ``plan`` (the only one when None; none in a workspace without a
    plan), whose ``plan.edit`` it needs; its packages' ``activity`` codes must be activities of
    that plan and are linked to them; with ``chosen`` it becomes the plan's chosen scenario.
    """
    ws.actor  # noqa: B018  (who acts is settled first: a workspace with users needs --as)
    return save_scenario_text(ws, _read_text(source), file=str(source), name=name,
                              chosen=chosen, plan=plan)  # fmt: skip


def save_scenario_text(
    ws: Workspace,
    text: str,
    *,
    file: str = "scenario.toml",
    name: str | None = None,
    chosen: bool = False,
    plan: str | None = None,
) -> SavedScenario:
    """Save the scenario of TOML ``text`` as :func:`save_scenario` saves a file's (``file``
    names it in findings: an upload's file name, a form)."""
    from rpkd.simulation.store import save_scenario as store

    actor = ws.actor
    parsed = _parse(ws, text, file)
    links = {p.code: p.activity for p in parsed.packages if p.activity}
    with ws.atomic():  # the scenario, its links and its audit row: all kept or none
        with ws.transaction() as db:
            row = _plan_row(db, plan, required=bool(links or plan or chosen))
            gate.authorise(actor, "plan.edit", Scope(region=row.region) if row else Scope())
            if links and row is not None:
                _check_activities(parsed, _activities(db, row.name), file)
            saved = store(db, name=name or parsed.name, document=text,
                          description=parsed.description, links=links, plan=row, chosen=chosen,
                          user=actor.username)  # fmt: skip
            result = SavedScenario(saved.name, None if row is None else row.name, saved.chosen,
                                   len(parsed.packages), links)  # fmt: skip
        gate.audit(ws, "scenario.save", scopes=(Scope(region=row.region),) if row else (),
                   parameters={"scenario": result.name, "plan": result.plan, "chosen": chosen})  # fmt: skip
    return result


def list_scenarios(ws: Workspace) -> ScenarioList:
    """Return every saved scenario with its plan, chosen mark and activity links.

    Needs ``plan.read`` (on the plan's region when the workspace holds one plan).
    """
    from sqlalchemy import select

    from rpkd.planning.tables import PlanRow
    from rpkd.simulation.store import scenario_rows

    actor = ws.actor
    with ws.transaction() as db:
        plans = {ident: (name, region) for ident, name, region
                 in db.execute(select(PlanRow.id, PlanRow.name, PlanRow.region))}  # fmt: skip
        regions = {region for _, region in plans.values()}
        scope = Scope(region=regions.pop()) if len(regions) == 1 else Scope()
        gate.authorise(actor, "plan.read", scope)
        items = tuple(
            SavedScenario(r.name, plans[r.plan_id][0] if r.plan_id in plans else None,
                          r.chosen, _count_packages(r.document),
                          {link.package: link.activity_code for link in r.links})
            for r in scenario_rows(db)
        )  # fmt: skip
    return ScenarioList(items)


# --- what a run needs ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Session:
    """An opened release with its measured targeting errors and the kit's values."""

    ws: Workspace
    opened: Opened
    release: Release
    errors: ErrorModel
    lines: tuple[float, float]
    areas: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def survey_path(self) -> Path:
        return self.release.path_of("survey")


def _release(ws: Workspace, name: str) -> Release:
    """Return release ``name`` once the actor may read its aggregates."""
    from rpkd.releases.catalog import open_release

    release = open_release(ws.path, name)
    gate.authorise(ws.actor, "aggregate.read", Scope(region=release.region))
    return release


@contextmanager
def _session(ws: Workspace, release: Release, truth: Path | None) -> Iterator[_Session]:
    """Open ``release`` (see :func:`_release`) and measure its targeting errors."""
    from rpkd.workflows.scenario_errors import kecamatan, measured_errors
    from rpkd.workflows.targeting import opened

    with opened(ws, release) as o:
        region = release.region or "00"
        poverty = ws.kit.poverty_line("poverty", region, o.on).value
        extreme = ws.kit.poverty_line("extreme", region, o.on).value
        errors, findings = measured_errors(o, (poverty, extreme), truth, groups=GROUPS)
        yield _Session(ws, o, release, errors, (poverty, extreme), kecamatan(o), findings)


def _inputs(s: _Session, scenario: Scenario, draws: int, seed: int) -> Inputs:
    """Return what ``scenario`` runs on: sample, registry eligibility and shares, draws."""
    from rpkd import engine as eng
    from rpkd.releases.survey_design import survey_design
    from rpkd.simulation.microsim import Lines, sample
    from rpkd.simulation.microsim import draws as make_draws
    from rpkd.simulation.registry import families, shares
    from rpkd.simulation.years import Inputs
    from rpkd.targeting.eligibility import eligibility
    from rpkd.workflows.rules import effective_catalogue

    o = s.opened
    survey = eng.table(o.engine, s.survey_path)
    survey = survey.mutate(kecamatan=survey.desa_code.substr(0, 8))
    data = sample(survey, survey_design(survey), welfare=WELFARE, area="kecamatan")
    cat = scenario.catalogue(effective_catalogue(s.ws))
    table = eligibility(o.families, o.persons, cat, on=o.on) if scenario.packages else o.families
    person = [p.code for p in scenario.packages if p.unit == "person"]
    optional = [c for c in ("desil", "pmt_score") if c in table.columns]  # both may be absent
    keep = ["desa_code", "family_size", *optional, *(f"eligible_{c}" for c in scenario.codes),
            *(f"n_eligible_{c}" for c in person)]  # fmt: skip
    registry = families(eng.fetch(table.select(*keep)), scenario.codes)
    return Inputs(
        sample=data,
        families=registry,
        shares=shares(registry, scenario.codes, s.areas),
        draws=make_draws(data, s.errors, count=draws, seed=seed, areas=s.areas),
        base_year=s.opened.on.year,
        lines=Lines(*s.lines),
    )


def _years(ws: Workspace, release: Release, year: int | None) -> list[int]:
    """Return the years from the release's reference year to ``year`` (or the target year)."""
    base = release.reference_date.year
    end = year if year is not None else _target_year(ws)
    if end is None:
        raise UsageError("scenario_year_missing", param="year")
    if end < base:
        raise UsageError("scenario_year_before", param="year", year=end, base=base)
    return list(range(base, end + 1))


def _target_year(ws: Workspace) -> int | None:
    """Return the plan's extreme-poverty target year (the only plan), else the kit's."""
    from rpkd.errors import NotFound
    from rpkd.planning.store import plan_row

    try:
        with ws.transaction() as db:
            return plan_row(db).extreme_poverty_target_year
    except NotFound:
        return ws.kit.target_year


# --- scenarios from files, the database and the kit ------------------------------------------


def _read_text(source: Path) -> str:
    if not source.is_file():
        raise UsageError("scenario_file_missing", param="scenario", path=str(source))
    try:
        return source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("scenario_toml", param="scenario", file=str(source),
                           detail=str(exc)) from None  # fmt: skip


def _parse(ws: Workspace, text: str, file: str) -> Scenario:
    from rpkd.simulation.scenario import read_scenario
    from rpkd.workflows.rules import effective_catalogue

    return read_scenario(text, catalogue=effective_catalogue(ws),
                         defaults=ws.kit.document("scenarios"), file=file)  # fmt: skip


def _scenario(ws: Workspace, item: str | Path, *, saved: bool = False) -> Scenario:
    """Return a scenario from a TOML file or the database (only the database when
    ``saved``), capped by its plan activities."""
    from rpkd.planning.store import load_plan
    from rpkd.simulation.store import load_scenario

    path = Path(item)
    if not saved and (isinstance(item, Path) or path.suffix.lower() == ".toml" or path.is_file()):
        parsed, plan_name = _parse(ws, _read_text(path), str(path)), None
    else:
        with ws.transaction() as db:
            row = load_scenario(db, str(item))
            text, plan_id = row.document, row.plan_id
            plan_name = _plan_name(db, plan_id)
        parsed = _parse(ws, text, str(item))
    if not any(p.activity and p.budget is None for p in parsed.packages):
        return parsed
    with ws.transaction() as db:
        plan = load_plan(db, plan_name)
    return parsed.with_budgets(_budgets(parsed, plan, str(item)))


def _plan_row(db: Session, name: str | None, *, required: bool) -> PlanRow | None:
    """Return the plan ``name`` (the only one when None); None when the workspace has no plan
    and none is ``required``."""
    from rpkd.errors import NotFound
    from rpkd.planning.store import plan_row

    try:
        return plan_row(db, name)
    except NotFound as error:
        if required or error.code != "plan_none":
            raise
        return None


def _plan_name(db: Session, plan_id: int | None) -> str | None:
    from rpkd.planning.tables import PlanRow

    row = None if plan_id is None else db.get(PlanRow, plan_id)
    return None if row is None else str(row.name)


def _activities(db: Session, plan: str) -> set[str]:
    from rpkd.planning.store import load_plan

    return {a.code for _, a in load_plan(db, plan).activities()}


def _check_activities(parsed: Scenario, known: set[str], file: str) -> None:
    missing = [
        Finding("scenario_activity_unknown", "error", {"activity": p.activity, "field": "activity"},
                file=file, field="activity", value=p.activity)
        for p in parsed.packages if p.activity and p.activity not in known
    ]  # fmt: skip
    if missing:
        raise InvalidInput("scenario_invalid", param="scenario", findings=tuple(missing),
                           file=file, count=len(missing))  # fmt: skip


def _budgets(parsed: Scenario, plan: Plan, file: str) -> dict[str, Any]:
    """Return each activity-linked package's yearly cap: the sum of the activity's budget lines."""
    from rpkd.simulation.scenario import ByYear

    activities = {a.code: a for _, a in plan.activities()}
    _check_activities(parsed, set(activities), file)
    out = {}
    for p in parsed.packages:
        if p.activity and p.budget is None:
            lines = activities[p.activity].budgets
            years = sorted({b.year for b in lines})
            totals = tuple((y, sum(b.amount for b in lines if b.year == y)) for y in years)
            out[p.code] = ByYear(0.0, totals)
    return out


def _menu(ws: Workspace) -> Scenario:
    """Return the kit's simulation menu as a scenario: every catalogue programme it lists."""
    from rpkd.simulation.scenario import parse_scenario
    from rpkd.workflows.rules import effective_catalogue

    defaults = ws.kit.document("scenarios")
    doc = {"name": "menu", "programme": [{"programme": str(m["code"])}
                                         for m in defaults.get("programme", [])]}  # fmt: skip
    return parse_scenario(doc, catalogue=effective_catalogue(ws),
                          defaults=defaults, file="scenarios.toml")  # fmt: skip


def _count_packages(document: str) -> int:
    import tomllib

    try:
        return len(tomllib.loads(document).get("programme", []))
    except tomllib.TOMLDecodeError:
        return 0
