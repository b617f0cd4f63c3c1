"""JSON API: the small-area poverty map of a release, as estimates and as GeoJSON.

``GET /api/v1/releases/{name}/sae?level=&measure=&method=&benchmark=`` answers ``rpkd map
--release NAME --level L --measure M --method X --format json`` (one estimates-table record per
area with the map's own columns); ``GET /api/v1/releases/{name}/map`` with the same parameters
answers the map's GeoJSON (area boundaries with estimate, CV and reliability), as ``rpkd map``
writes it. The map's files are written to a folder of the request, removed afterwards: a GET
leaves nothing behind in the workspace.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ApiAuth, RequestWorkspace
from rpkd.web.routes.api_common import ReleaseName, answer
from rpkd.web.routes.api_schemas import ERRORS, AreaEstimate, FeatureCollection
from rpkd.workflows import Workspace, map_release

router = APIRouter(prefix=API_PREFIX, tags=["maps"], responses=ERRORS)

Level = Literal["kecamatan", "desa"]
Measure = Literal["fgt0", "fgt1", "fgt2"]
Method = Literal["direct", "fh", "ebp"]

LevelQuery = Annotated[Level, Query(description="Areas of the map")]
MeasureQuery = Annotated[Measure, Query(description="P0 (fgt0), P1 (fgt1) or P2 (fgt2)")]
MethodQuery = Annotated[
    Method, Query(description="Direct survey estimate, Fay-Herriot EBLUP or EBP")
]
BenchmarkQuery = Annotated[
    bool, Query(description="Ratio-benchmark the areas to the district's direct estimate")
]


def _mapped(
    ws: Workspace, name: str, level: Level, measure: Measure, method: Method, benchmark: bool
) -> tuple[list[dict[str, object]], dict[str, object]]:
    """Return the map's records and its GeoJSON, drawn in a folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="rpkd-api-map-") as folder:
        result = map_release(
            ws, name, level=level, measure=measure, method=method, benchmark=benchmark,
            out=Path(folder),
        )  # fmt: skip
        geojson = json.loads(result.files.geojson.read_text(encoding="utf-8"))
    return result.to_json(), geojson


@router.get("/releases/{name}/sae", response_model=list[AreaEstimate])
def sae(
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    level: LevelQuery = "kecamatan",
    measure: MeasureQuery = "fgt0",
    method: MethodQuery = "fh",
    benchmark: BenchmarkQuery = True,
) -> JSONResponse:
    """Small-area estimates of a poverty measure by kecamatan or desa, with MSE and CV."""
    records, _geojson = _mapped(ws, name, level, measure, method, benchmark)
    return answer(records)


@router.get(
    "/releases/{name}/map",
    response_model=FeatureCollection,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def poverty_map(
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    level: LevelQuery = "kecamatan",
    measure: MeasureQuery = "fgt0",
    method: MethodQuery = "fh",
    benchmark: BenchmarkQuery = True,
) -> JSONResponse:
    """The poverty map as GeoJSON: each area's boundary with its estimate, CV and whether it
    is reliable (CV at most the kit's threshold)."""
    _records, geojson = _mapped(ws, name, level, measure, method, benchmark)
    return answer(geojson, media_type="application/geo+json")
