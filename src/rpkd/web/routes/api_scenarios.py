"""JSON API: saved scenarios, a scenario run on a release, the budget optimiser.

``GET /api/v1/scenarios`` (= ``rpkd scenario list --format json``), ``GET
/api/v1/scenarios/{scenario}/run?release=&year=`` (= ``rpkd scenario run SCENARIO --release R
[--year Y] --format json``: 200 draws of the measured targeting errors, the command's seed) and
``GET /api/v1/optimise?release=&objective=&target=&year=`` (= ``rpkd optimise --release R
--objective O [--target T] [--year Y] --format json``). Listing needs ``plan.read``; a run and
the optimiser need ``aggregate.read`` on the release's region (the workflows check).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ApiAuth, RequestWorkspace
from rpkd.web.routes.api_common import answer
from rpkd.web.routes.api_schemas import ERRORS, EstimateRow, Open
from rpkd.workflows.scenarios import list_scenarios, optimise_budget, run_scenario

router = APIRouter(prefix=API_PREFIX, tags=["scenarios"], responses=ERRORS)

ScenarioName = Annotated[
    str,
    Path(
        description="Name of a saved scenario (`rpkd scenario list`)", min_length=1, max_length=200
    ),
]
Release = Annotated[
    str,
    Query(
        description="Name of a release of the workspace",
        min_length=1,
        max_length=64,
        examples=["dtsen-2025q3"],
    ),
]
Year = Annotated[
    int | None,
    Query(ge=2000, le=2060, description="Last year (default: the plan's target year)"),
]


class SavedScenarioRow(Open):
    """One saved scenario of ``rpkd scenario list --format json``."""

    name: str
    plan: str | None
    chosen: bool
    packages: int
    links: dict[str, str]


class ScenarioYearRow(Open):
    """One year of a scenario (DESIGN.md §7): registry cost and reach, survey estimates."""

    year: int
    cost: float
    families_reached: int
    persons_reached: int
    estimates: list[EstimateRow]


class ScenarioRun(Open):
    """``rpkd scenario run --format json``."""

    scenario: str
    years: list[ScenarioYearRow]


class AllocationRow(BaseModel):
    programme: str
    kecamatan: str
    budget: float
    families: float


class FrontierPoint(BaseModel):
    budget: float
    level: float


class Optimum(Open):
    """``rpkd optimise --format json`` (DESIGN.md §7)."""

    objective: str
    target: float
    year: int
    budget: float
    allocation: list[AllocationRow]
    frontier: list[FrontierPoint]


@router.get("/scenarios", response_model=list[SavedScenarioRow])
def scenarios(ws: RequestWorkspace, _: ApiAuth) -> JSONResponse:
    """The saved scenarios: plan, whether chosen, number of packages, activity links."""
    return answer(list_scenarios(ws).to_json())


@router.get("/scenarios/{scenario}/run", response_model=ScenarioRun)
def run(
    scenario: ScenarioName, release: Release, ws: RequestWorkspace, _: ApiAuth, year: Year = None
) -> JSONResponse:
    """The saved scenario simulated on the release year by year: poverty and extreme poverty,
    P1, P2, Gini with design-based SEs (baseline, scenario, difference), cost and reach."""
    return answer(run_scenario(ws, scenario, release, year=year, saved=True).to_json())


@router.get("/optimise", response_model=Optimum)
def optimise(
    release: Release,
    ws: RequestWorkspace,
    _: ApiAuth,
    objective: Annotated[Literal["extreme", "p0"], Query()] = "extreme",
    target: Annotated[float, Query(ge=0.0, le=1.0, description="Level to reach, a fraction")] = 0.0,
    year: Year = None,
) -> JSONResponse:
    """The least budget by programme and kecamatan bringing the objective to the target by
    the year, with the trade-off curve of budget against the level reached."""
    return answer(
        optimise_budget(ws, release, objective=objective, target=target, year=year).to_json()
    )
