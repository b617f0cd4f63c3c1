"""Use case: the JSON API's answers that depend on a release alone, encoded once per process.

The registry profile (``GET /api/v1/releases/{name}/profile``), the estimates table
(``.../estimates``), the small-area estimates (``.../sae``) and the poverty map's GeoJSON
(``.../map``) are functions of an immutable release, the request's parameters, the parameter
kit and the engine: the same for every user who may ask (the profile's small cells are
suppressed for all). Each is computed once per process by the workflow the command line runs
(:func:`~rpkd.workflows.profile_release`, :func:`~rpkd.workflows.poverty_figures`,
:func:`~rpkd.workflows.map_release`), encoded as the API sends it (the JSON of the matching
``--format json`` command, :class:`~rpkd.workflows.results.Encoded`) and kept under a key
naming the release's manifest digest, the parameters, the kit and the engine
(:func:`rpkd.workflows.cache.release_key`); a repeated call sends the kept bytes.

The release is opened (``NotFound``) before an answer is looked up; parameters the workflow
refuses (``UsageError``) raise from the first build and nothing is kept. Who may ask is the
route's concern (any signed-in user), as it was before answers were kept.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rpkd.workflows import cache
from rpkd.workflows.results import Encoded

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

__all__ = ["estimates_answer", "map_answer", "profile_answer", "sae_answer"]

GEOJSON = "application/geo+json"
_MAPS: cache.ResultCache[tuple[Encoded, Encoded]] = cache.ResultCache(32)
"""Maps' area estimates and GeoJSON, drawn once per key."""


def profile_answer(ws: Workspace, name: str, *, levels: Sequence[str] | None = None) -> Encoded:
    """Return ``rpkd profile --release NAME [--level L] --format json`` for ``levels`` (default:
    all three), encoded; small cells suppressed."""
    from rpkd.releases.catalog import open_release
    from rpkd.workflows.profile import LEVELS, profile_release

    chosen = tuple(levels or LEVELS)
    release = open_release(ws.path, name)

    def build() -> Encoded:
        report = profile_release(ws, name, levels=chosen)
        return Encoded.of_records(report.to_json())

    return cache.release_answer(ws, release, "profile", {"levels": chosen}, build)


def estimates_answer(
    ws: Workspace, name: str, *, by: Literal["urban", "kecamatan"] | None = None
) -> Encoded:
    """Return the estimates table of :func:`~rpkd.workflows.poverty_figures` (DESIGN.md §7)
    of release ``name``, by ``by`` as well when given, encoded."""
    from rpkd.releases.catalog import open_release
    from rpkd.workflows.poverty import poverty_figures

    release = open_release(ws.path, name)

    def build() -> Encoded:
        return Encoded.of(poverty_figures(ws, name, by=by).to_json())

    return cache.release_answer(ws, release, "estimates", {"by": by}, build)


def sae_answer(
    ws: Workspace,
    name: str,
    *,
    level: str = "kecamatan",
    measure: str = "fgt0",
    method: str | None = None,
    benchmark: bool = True,
) -> Encoded:
    """Return ``rpkd map --release NAME ... --format json`` (one estimates-table record per
    area with the map's own columns), encoded."""
    return _map_answers(ws, name, level, measure, method, benchmark)[0]


def map_answer(
    ws: Workspace,
    name: str,
    *,
    level: str = "kecamatan",
    measure: str = "fgt0",
    method: str | None = None,
    benchmark: bool = True,
) -> Encoded:
    """Return the map's GeoJSON as ``rpkd map`` writes ``map.geojson`` (each area's boundary
    with its estimate, CV and reliability), encoded as ``application/geo+json``."""
    return _map_answers(ws, name, level, measure, method, benchmark)[1]


def _map_answers(
    ws: Workspace, name: str, level: str, measure: str, method: str | None, benchmark: bool
) -> tuple[Encoded, Encoded]:
    from rpkd.releases.catalog import open_release
    from rpkd.workflows.sae import map_method, map_release

    method = map_method(ws, method)
    chosen = {"level": level, "measure": measure, "method": method, "benchmark": benchmark}
    release = open_release(ws.path, name)

    def build() -> tuple[Encoded, Encoded]:
        # The map is written as the command line writes it (not drawn: the answer is its data
        # and GeoJSON), into a folder removed afterwards: a GET leaves nothing in the workspace.
        with tempfile.TemporaryDirectory(prefix="rpkd-api-map-") as folder:
            result = map_release(ws, name, level=level, measure=measure, method=method,
                                 benchmark=benchmark, out=Path(folder), draw=False)  # fmt: skip
            geojson = json.loads(result.files.geojson.read_text(encoding="utf-8"))
        return Encoded.of(result.to_json()), Encoded.of(geojson, GEOJSON)

    return _MAPS.get(cache.release_key(ws, release, "map", chosen), build)[0]


def clear_cache() -> None:
    """Forget the answers kept in this process (tests)."""
    cache.forget_answers()
    _MAPS.clear()
