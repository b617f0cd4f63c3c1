"""The documented shapes of the JSON API's answers (OpenAPI at ``/api/v1/openapi.json``).

Each model states the keys of a workflow result's ``to_json()`` (DESIGN.md §7), the same JSON
the matching ``--format json`` command prints. They document; they never filter: a handler
answers the workflow's JSON itself (:func:`rpkd.web.routes.api_common.answer`), so the API
and the command line cannot drift apart. Models accept further keys (``extra="allow"``) where a
result may carry more than is listed (a release manifest, a map's own columns).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Number = float | int


class Open(BaseModel):
    """A JSON object that may carry more keys than those listed."""

    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    """The coded error of an rpkd error (``rpkd.errors.RpkdError.to_json``)."""

    code: str
    param: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    findings: list[dict[str, Any]] = Field(default_factory=list)


class ApiError(BaseModel):
    """An error answer: the sentence in the caller's language and the coded error.

    Request parameters that do not parse (422) answer the first problem's code naming its
    parameter, every problem a finding (:func:`rpkd.workflows.api_requests.refusal`).
    """

    detail: str
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ApiError, "description": "Usage error (an option value is wrong)"},
    401: {"model": ApiError, "description": "No token, or an expired or unknown one"},
    403: {"model": ApiError, "description": "The token's role or scope does not cover this"},
    404: {"model": ApiError, "description": "The release (or plan) does not exist"},
    422: {"model": ApiError, "description": "Invalid input, named by its parameter"},
}
"""The error answers every read endpoint documents."""


class ReleaseRow(Open):
    """One release of ``rpkd release list --format json``."""

    name: str
    region: str | None
    kinds: str = Field(description="Kinds of data, comma-separated")
    rows_families: int | None
    rows_persons: int | None
    warnings: int
    created_at: str | None
    created_by: str | None


class ReleaseManifest(Open):
    """A release's manifest (``rpkd release show --format json``): rows, hashes, sources."""

    schema_version: int
    name: str
    region: str | None = None
    kinds: list[str]
    rows: dict[str, int]
    sources: list[dict[str, Any]] = Field(default_factory=list)
    outputs: dict[str, str] = Field(default_factory=dict)
    reference_date: str | None = None
    created_at: str | None = None
    created_by: str | None = None


class ProfileRow(BaseModel):
    """One row of the registry profile's long table (``rpkd profile --format json``)."""

    level: str
    code: str | None
    name: str | None
    indicator: str
    value: Number | None
    denominator: Number | None
    share: float | None
    suppressed: bool


class EstimateRow(Open):
    """One record of the estimates table (DESIGN.md §7)."""

    measure: str
    indicator: str | None
    line: Number | str | None
    by: str | None
    domain: str | None
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    population: float | None


class AreaEstimate(EstimateRow):
    """One area of a poverty map (``rpkd map --format json``): the estimates-table keys, then
    the map's own (direct estimate, MSE, CV, method)."""

    area: str
    name: str | None
    direct: float | None
    direct_se: float | None
    direct_cv: float | None
    mse: float | None
    rmse: float | None
    cv: float | None
    method: str
    in_sample: bool


class Feature(Open):
    """A GeoJSON feature: an area's boundary and its estimate, CV and reliability."""

    type: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollection(Open):
    """The poverty map as GeoJSON (RFC 7946), as ``rpkd map`` writes ``map.geojson``."""

    type: str
    features: list[Feature]


class PriorityAreaRow(BaseModel):
    """One area of the kantong-kemiskinan table (``rpkd priority --format json``'s ``areas``)."""

    code: str
    name: str
    parent: str | None
    estimate: float
    ci_low: float
    ci_high: float
    cv: float | None
    population: Number | None
    poor: Number | None
    probability_rate: float
    probability_count: float
    rank_median: Number
    rank_low: Number
    rank_high: Number
    priority: int | None
    families_desil_12: int | None
    desa: int | None
    no_puskesmas: int | None
    no_sd: int | None
    no_smp: int | None
    no_market: int | None
    unpaved_road: int | None
    low_pln: int | None


class PriorityTable(Open):
    """The priority areas of a release (``rpkd priority --format json``): the parameters, the
    areas (class 1 first) and the findings."""

    release: str
    region: str
    level: str
    method: str
    line: float
    k: int
    draws: int
    seed: int
    thresholds: list[float]
    basis: str
    benchmark_factor: float | None
    areas: list[PriorityAreaRow]
    findings: list[dict[str, Any]]


class PerformanceRow(Open):
    """One item of the quarterly performance table (``rpkd monitor --format json``)."""

    kind: str
    code: str
    name: str | None
    agency: str | None
    unit: str | None
    polarity: str | None
    target: float | None
    realisation: float | None
    achievement: float | None
    achievement_low: float | None
    achievement_high: float | None
    band: str | None
    band_en: str | None
    light: str | None
    lagging: bool
    status: str


class AuditEntry(BaseModel):
    """One audit entry (``rpkd audit list --format json``)."""

    id: int
    at: str
    username: str
    action: str
    release: str | None
    records: int | None
    parameters: dict[str, Any]
    scope: str | None


class FamilyRow(BaseModel):
    """One family of a desa: desil, head, KK, address (masked unless unmasked), programmes
    received and eligible for (catalogue codes)."""

    family_id: str
    desa_code: str
    desil: int | None
    kk_number: str | None
    head_name: str | None
    head_nik: str | None
    address: str | None
    family_size: int | None
    received_programmes: list[str]
    eligible_programmes: list[str]
