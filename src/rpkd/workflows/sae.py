"""Use case: the poverty map of a release (``rpkd map``): direct, Fay–Herriot or EBP by area.

Opens the release, estimates with :func:`rpkd.sae.area_estimates.estimate_areas` at the kit's
poverty line for the release's region and reference date (or a given line), and writes the
estimates under ``<workspace>/derived/<release>/sae/<level>-<measure>-<method>[-benchmarked]/``
with a ``parameters.json`` naming everything that produced them. The map (SVG, PNG, GeoJSON),
rendered by the interface with :mod:`rpkd.reports.maps` (a higher layer), is written beside them
by :func:`write_map`. The release itself is never touched.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rpkd import engine as eng
from rpkd import params
from rpkd.errors import InvalidInput, UsageError
from rpkd.releases.catalog import open_release
from rpkd.sae.area_estimates import (
    METHODS,
    AreaRow,
    Benchmarking,
    Method,
    PovertyMap,
    SaeTables,
    estimate_areas,
)
from rpkd.sae.inputs import LEVELS, MEASURES, Level, Measure
from rpkd.settings import Settings
from rpkd.workflows.profile import release_date

__all__ = [
    "LEVELS",
    "MEASURES",
    "METHODS",
    "AreaRow",
    "Benchmarking",
    "Level",
    "MapFiles",
    "Measure",
    "Method",
    "PovertyMap",
    "SaeTables",
    "default_line",
    "estimate_areas",
    "map_release",
    "output_folder",
    "write_estimates",
    "write_map",
]


@dataclass(frozen=True)
class MapFiles:
    """Where a map's results were written."""

    folder: Path
    csv: Path
    parquet: Path
    svg: Path
    png: Path
    geojson: Path
    parameters: Path


def default_line(region: str, on: date, workspace: Path | None = None) -> float:
    """Return the kit's poverty line in force on ``on`` for ``region`` (rupiah per capita)."""
    return params.poverty_line("poverty", region, on, workspace=workspace).value


def output_folder(
    workspace: Path, release: str, level: Level, measure: Measure, method: Method, benchmark: bool
) -> Path:
    """Return ``<workspace>/derived/<release>/sae/<level>-<measure>-<method>[-benchmarked]``."""
    tag = f"{level}-{measure}-{method}" + ("-benchmarked" if benchmark else "")
    return workspace / "derived" / release / "sae" / tag


def write_estimates(result: PovertyMap, folder: Path, parameters: dict[str, Any]) -> MapFiles:
    """Write the estimates (CSV, Parquet) and ``parameters.json``; return every file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    files = MapFiles(
        folder=folder,
        csv=folder / "estimates.csv",
        parquet=folder / "estimates.parquet",
        svg=folder / "map.svg",
        png=folder / "map.png",
        geojson=folder / "map.geojson",
        parameters=folder / "parameters.json",
    )
    table = result.to_arrow()
    pacsv.write_csv(table, files.csv)
    pq.write_table(table, files.parquet)
    files.parameters.write_text(
        json.dumps(parameters, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return files


def write_map(files: MapFiles, *, svg: str, png: bytes, geojson: dict[str, Any]) -> None:
    """Write a rendered map (from :mod:`rpkd.reports.maps`) beside its estimates."""
    files.svg.write_text(svg, encoding="utf-8")
    files.png.write_bytes(png)
    files.geojson.write_text(json.dumps(geojson, ensure_ascii=False), encoding="utf-8")


def map_release(
    settings: Settings,
    name: str,
    *,
    level: Level,
    measure: Measure,
    method: Method,
    line: float | None = None,
    benchmark: bool = True,
    seed: int = 1,
    bootstrap: int | None = None,
    out: Path | None = None,
) -> tuple[PovertyMap, MapFiles]:
    """Estimate the poverty map of release ``name`` and write it under its derived folder.

    ``line`` defaults to the kit's poverty line for the release's region at its reference date.
    ``out`` replaces the derived folder (the release itself is never written).
    """
    release = open_release(settings.workspace, name)
    if release.region is None:
        raise InvalidInput(
            "release_region", f"rilis {name} tidak mencatat wilayahnya", param="release"
        )
    on = release_date(release)
    chosen_line = line if line is not None else default_line(release.region, on, settings.workspace)
    if not chosen_line > 0:
        raise UsageError("line", "garis kemiskinan harus > 0", param="line")
    engine = eng.connect(settings)
    try:
        villages = (
            eng.table(engine, release.path_of("villages")) if "villages" in release.kinds else None
        )
        tables = SaeTables(
            survey=eng.table(engine, release.path_of("survey")),
            families=eng.table(engine, release.path_of("families")),
            persons=eng.table(engine, release.path_of("persons")),
            villages=villages,
        )
        result = estimate_areas(
            tables,
            region=release.region,
            level=level,
            measure=measure,
            method=method,
            line=chosen_line,
            on=on,
            benchmark=benchmark,
            seed=seed,
            bootstrap=bootstrap,
            release=name,
            workspace=settings.workspace,
        )
    finally:
        eng.close(engine)
    folder = out or output_folder(settings.workspace, name, level, measure, method, benchmark)
    parameters = {
        "release": name,
        "region": release.region,
        "reference_date": on.isoformat(),
        "level": level,
        "measure": measure,
        "method": method,
        "line": chosen_line,
        "line_source": "given" if line is not None else "params poverty_lines (kind poverty)",
        "benchmark": None if result.benchmark is None else asdict(result.benchmark),
        "district_direct": result.district_direct,
        "district_se": result.district_se,
        "seed": seed,
        "model": result.model,
        "findings": [asdict(f) for f in result.findings],
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "engine": settings.engine,
    }
    return result, write_estimates(result, folder, parameters)
