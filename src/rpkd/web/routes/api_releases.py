"""JSON API: releases, their registry profile and their poverty estimates.

``GET /api/v1/releases`` (= ``rpkd release list --format json``), ``GET
/api/v1/releases/{name}`` (= ``rpkd release show NAME --format json``), ``GET
/api/v1/releases/{name}/profile?level=`` (= ``rpkd profile --release NAME [--level L] --format
json``, small cells suppressed) and ``GET /api/v1/releases/{name}/estimates?by=`` (the
estimates table of DESIGN.md §7: P0, P1, P2 on the poverty and extreme lines, the number of
poor, Gini and S80/S20, from the release's survey). A release never changes, so its profile and
estimates are computed and encoded once per process and served again as they are
(:mod:`rpkd.workflows.release_answers`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from rpkd.web.access import API_PREFIX
from rpkd.web.deps import ApiAuth, RequestWorkspace
from rpkd.web.routes.api_common import ReleaseName, answer, encoded
from rpkd.web.routes.api_schemas import (
    ERRORS,
    EstimateRow,
    ProfileRow,
    ReleaseManifest,
    ReleaseRow,
)
from rpkd.workflows import list_releases, show_release
from rpkd.workflows.profile import LEVELS
from rpkd.workflows.release_answers import estimates_answer, profile_answer

router = APIRouter(prefix=API_PREFIX, tags=["releases"], responses=ERRORS)

ProfileLevel = Literal["kabupaten", "kecamatan", "desa"]
Domain = Literal["urban", "kecamatan"]


@router.get("/releases", response_model=list[ReleaseRow])
def releases(ws: RequestWorkspace, _: ApiAuth) -> JSONResponse:
    """The releases whose region the caller may read aggregates of, oldest first."""
    return answer(list_releases(ws).to_json())


@router.get("/releases/{name}", response_model=ReleaseManifest)
def release(name: ReleaseName, ws: RequestWorkspace, _: ApiAuth) -> JSONResponse:
    """One release's manifest: kinds, rows, sources and the SHA-256 of every file."""
    return answer(show_release(ws, name).to_json())


@router.get("/releases/{name}/profile", response_model=list[ProfileRow])
def profile(
    request: Request,
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    level: Annotated[
        ProfileLevel | None, Query(description="One level; all three when absent")
    ] = None,
) -> Response:
    """The registry poverty profile (desil, characteristics of desil 1-4 families, vulnerable
    groups, multidimensional deprivation) by area, small cells suppressed."""
    levels = (level,) if level is not None else LEVELS
    return encoded(request, profile_answer(ws, name, levels=levels))


@router.get("/releases/{name}/estimates", response_model=list[EstimateRow])
def estimates(
    request: Request,
    name: ReleaseName,
    ws: RequestWorkspace,
    _: ApiAuth,
    by: Annotated[Domain | None, Query(description="Also by urban/rural or by kecamatan")] = None,
) -> Response:
    """Poverty (P0, P1, P2 on the district and extreme lines, number of poor) and inequality
    (Gini, S80/S20) from the release's survey, with standard errors and 95% intervals."""
    return encoded(request, estimates_answer(ws, name, by=by))
