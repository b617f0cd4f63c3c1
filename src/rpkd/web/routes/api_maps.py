"""JSON API: the small-area poverty map of a release, as estimates and as GeoJSON.

``GET /api/v1/releases/{name}/sae?level=&measure=&method=&benchmark=`` answers ``rpkd map
--release NAME --level L --measure M --method X --format json`` (one estimates-table record per
area with the map's own columns); ``GET /api/v1/releases/{name}/map`` with the same parameters
answers the map's GeoJSON (area boundaries with estimate, CV and reliability), as ``rpkd map``
writes it; ``GET /api/v1/releases/{name}/priority?level=&k=&method=&seed=&benchmark=`` answers
``rpkd priority --release NAME ... --format json`` (the kantong-kemiskinan table). The map is drawn once per release and parameters, into a folder removed afterwards (a
GET leaves nothing behind in the workspace), and both answers are kept encoded
(:mod:`rpkd.workflows.release_answers`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ApiAuth, RequestWorkspace
from rpkd.web.routes.api_common import ReleaseName, answer, encoded
from rpkd.web.routes.api_schemas import ERRORS, AreaEstimate, FeatureCollection, PriorityTable
from rpkd.workflows.priority import priority_areas
from rpkd.workflows.release_answers import map_answer, sae_answer

router = APIRouter(prefix=API_PREFIX, tags=["maps"], responses=ERRORS)

Level = Literal["kecamatan", "desa"]
Measure = Literal["fgt0", "fgt1", "fgt2"]
Method = Literal["direct", "fh", "ebp"]

LevelQuery = Annotated[Level, Query(description="Areas of the map")]
MeasureQuery = Annotated[Measure, Query(description="P0 (fgt0), P1 (fgt1) or P2 (fgt2)")]
MethodQuery = Annotated[
    Method | None,
    Query(description="Direct survey estimate, Fay-Herriot EBLUP or EBP (default: the kit's)"),
]
BenchmarkQuery = Annotated[
    bool, Query(description="Ratio-benchmark the areas to the district's direct estimate")
]


@router.get("/releases/{name}/sae", response_model=list[AreaEstimate])
def sae(
    request: Request,
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    level: LevelQuery = "kecamatan",
    measure: MeasureQuery = "fgt0",
    method: MethodQuery = None,
    benchmark: BenchmarkQuery = True,
) -> Response:
    """Small-area estimates of a poverty measure by kecamatan or desa, with MSE and CV."""
    return encoded(
        request,
        sae_answer(ws, name, level=level, measure=measure, method=method, benchmark=benchmark),
    )


@router.get(
    "/releases/{name}/map",
    response_model=FeatureCollection,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def poverty_map(
    request: Request,
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    level: LevelQuery = "kecamatan",
    measure: MeasureQuery = "fgt0",
    method: MethodQuery = None,
    benchmark: BenchmarkQuery = True,
) -> Response:
    """The poverty map as GeoJSON: each area's boundary with its estimate, CV and whether it
    is reliable (CV at most the kit's threshold)."""
    return encoded(
        request,
        map_answer(ws, name, level=level, measure=measure, method=method, benchmark=benchmark),
    )


@router.get("/releases/{name}/priority", response_model=PriorityTable)
def priority(
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    level: Annotated[Level, Query(description="Areas ranked")] = "desa",
    k: Annotated[
        int | None,
        Query(ge=1, le=10_000, description="How many poorest areas are sought (default: kit)"),
    ] = None,
    method: MethodQuery = None,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1, description="Seed of the draws")] = 1,
    benchmark: Annotated[
        bool, Query(description="Ratio-benchmark the areas to the district's direct estimate")
    ] = False,
) -> Response:
    """The priority areas (kantong kemiskinan): each area's probability of being among the k
    poorest by rate and by number of poor, its class (Prioritas 1-3), desil 1-2 families and
    basic-service gaps; the kit's number of draws."""
    result = priority_areas(ws, name, level=level, k=k, method=method, seed=seed,
                            benchmark=benchmark)  # fmt: skip
    return answer(result.to_json())
