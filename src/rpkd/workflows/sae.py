"""Use case: the poverty map of a release (``rpkd map``): direct, Fay–Herriot or EBP by area.

Opens the release, estimates with :func:`rpkd.sae.area_estimates.estimate_areas` at the kit's
poverty line for the release's region and reference date (or a given line), and writes under
``<workspace>/derived/<release>/sae/<level>-<measure>-<method>[-benchmarked]/`` (or ``out``)
the estimates (CSV, Parquet), a ``parameters.json`` naming everything that produced them, and
the map (SVG and PNG of :func:`rpkd.reports.charts.poverty_figure`, the figure of the web pages
and the documents; GeoJSON of the boundaries with each area's values): areas whose CV exceeds the
kit's threshold are drawn pale with a dashed outline. The release itself is never touched.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.sae.area_estimates import (
    METHODS,
    SETTINGS_SECTIONS,
    AreaRow,
    Method,
    PovertyMap,
    benchmarked,
    map_cv,
)
from rpkd.sae.inputs import LEVELS, MEASURES, Level, Measure
from rpkd.workflows import cache

if TYPE_CHECKING:
    from datetime import date

    from rpkd.locale import Lang
    from rpkd.releases.catalog import Release
    from rpkd.sae.area_estimates import SaeTables
    from rpkd.workflows.workspace import Workspace

_ESTIMATES: cache.ResultCache[PovertyMap] = cache.ResultCache(16)
_KIT_TOPICS = ("sae", "programmes")
"""The kit documents the estimates depend on (besides the poverty line, given)."""

__all__ = [
    "LEVELS",
    "MEASURES",
    "METHODS",
    "AreaRow",
    "MapFiles",
    "MapRelease",
    "PovertyMap",
    "map_cv",
    "map_line",
    "map_method",
    "map_release",
    "output_folder",
    "release_estimates",
    "release_region",
    "sae_tables",
]


@dataclass(frozen=True)
class MapFiles:
    """Where a map's results were written (``svg`` and ``png`` None when it was not drawn)."""

    folder: Path
    csv: Path
    parquet: Path
    svg: Path | None
    png: Path | None
    geojson: Path
    parameters: Path

    def paths(self) -> tuple[Path, ...]:
        written = (self.csv, self.parquet, self.svg, self.png, self.geojson, self.parameters)
        return tuple(p for p in written if p is not None)


@dataclass(frozen=True)
class MapRelease:
    """A release's poverty map: the area estimates, the files written and the CV threshold."""

    map: PovertyMap
    files: MapFiles
    cv_threshold: float

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The estimation's findings, then notes on benchmarking, reliability and the files."""
        notes = []
        if self.map.benchmark is not None:
            b = self.map.benchmark
            notes.append(
                Finding(
                    "map_benchmarked",
                    "info",
                    {"target": b.target, "factor": b.factor, "implied": b.implied},
                )
            )
        unreliable = sum(
            1 for a in self.map.areas if (cv := map_cv(a)) is not None and cv > self.cv_threshold
        )
        notes.append(
            Finding(
                "map_unreliable",
                "info",
                {"count": unreliable, "areas": len(self.map.areas), "threshold": self.cv_threshold},
            )
        )
        notes.append(Finding("map_files", "info", {"files": [str(p) for p in self.files.paths()]}))
        return (*self.map.findings, *notes)

    def to_arrow(self) -> pa.Table:
        """The estimates-table records of :meth:`to_json` as a table (the CSV)."""
        return pa.Table.from_pylist(self.to_json())

    def to_json(self) -> list[dict[str, Any]]:
        """One record per area: DESIGN.md §7 keys first, then the map's own."""
        return self.map.records()


def output_folder(
    workspace: Path, release: str, level: Level, measure: Measure, method: Method, benchmark: bool
) -> Path:
    """Return ``<workspace>/derived/<release>/sae/<level>-<measure>-<method>[-benchmarked]``."""
    tag = f"{level}-{measure}-{method}" + ("-benchmarked" if benchmark else "")
    return workspace / "derived" / release / "sae" / tag


def map_release(
    ws: Workspace,
    name: str,
    *,
    level: str = "kecamatan",
    measure: str = "fgt0",
    method: str | None = None,
    line: float | None = None,
    benchmark: bool = True,
    seed: int = 1,
    bootstrap: int | None = None,
    out: Path | None = None,
    draw: bool = True,
) -> MapRelease:
    """Estimate, write and draw the poverty map of release ``name``.

    ``method`` defaults to the kit's (:func:`map_method`); ``line`` to the kit's poverty line
    for the release's region at its reference date; ``bootstrap`` overrides the EBP's
    bootstrap replicates; ``out`` replaces the derived folder. ``draw=False`` writes no SVG
    and PNG (a page or a document that draws the map its own way; drawing takes seconds).
    """
    from rpkd.releases.catalog import open_release

    chosen_level = _choice(level, LEVELS, "level")
    chosen_measure = _choice(measure, MEASURES, "measure")
    chosen_method = map_method(ws, method)
    if bootstrap is not None and bootstrap < 0:
        raise UsageError("bootstrap_negative", param="bootstrap", value=bootstrap)
    release = open_release(ws.path, name)
    region = release_region(release)
    chosen_line = map_line(ws, region, release.reference_date, line)
    result = release_estimates(
        ws,
        release,
        level=chosen_level,
        measure=chosen_measure,
        method=chosen_method,
        line=chosen_line,
        seed=seed,
        bootstrap=bootstrap,
    )
    if benchmark:
        result = benchmarked(result)
    folder = out or output_folder(
        ws.path, name, chosen_level, chosen_measure, chosen_method, benchmark
    )
    parameters = {
        "release": name,
        "region": region,
        "reference_date": release.reference_date.isoformat(),
        "level": chosen_level,
        "measure": chosen_measure,
        "method": chosen_method,
        "line": chosen_line,
        "line_source": "given" if line is not None else "params poverty_lines (kind poverty)",
        "benchmark": None if result.benchmark is None else asdict(result.benchmark),
        "district_direct": result.district_direct,
        "district_se": result.district_se,
        "seed": seed,
        "model": result.model,
        "findings": [f.to_json() for f in result.findings],
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "engine": ws.settings.engine,
    }
    mapped = MapRelease(
        result, _write(result, folder, parameters, draw), ws.kit.cv_unreliable_above
    )
    _draw(mapped, name, ws.lang)
    return mapped


def release_estimates(
    ws: Workspace,
    release: Release,
    *,
    level: Level,
    measure: Measure,
    method: Method,
    line: float,
    seed: int = 1,
    bootstrap: int | None = None,
) -> PovertyMap:
    """Return the unbenchmarked estimates of ``release`` (:func:`estimate_areas` with the kit's
    settings), kept in this process.

    A map, its priority ranking, the dashboard, the profile pages and a document's parts ask
    for the same model fit; an EBP with its bootstrap takes seconds on a district, so it is
    made once per release, kit, level, measure, method, line, seed and bootstrap.
    """
    from rpkd.sae.area_estimates import estimate_areas

    key = cache.digest(
        "estimates", str(ws.path.resolve()), release.name, cache.release_digest(release),
        cache.kit_digest(ws, _KIT_TOPICS), level, measure, method, line, seed, bootstrap,
    )  # fmt: skip

    def build() -> PovertyMap:
        return estimate_areas(
            sae_tables(ws, release),
            region=release_region(release),
            level=level,
            measure=measure,
            method=method,
            line=line,
            on=release.reference_date,
            seed=seed,
            bootstrap=bootstrap,
            release=release.name,
            settings=ws.kit.document("sae", sections=SETTINGS_SECTIONS),
            programmes=ws.kit.document("programmes"),
        )

    return _ESTIMATES.get(key, build)[0]


def clear_cache() -> None:
    """Forget the estimates kept in this process."""
    _ESTIMATES.clear()


def map_method(ws: Workspace, method: str | None = None) -> Method:
    """Return ``method`` or, when None, the kit's ``[map] method`` (the ``sae`` document): the
    method of every map, profile, priority list and document that names none; checked."""
    if method is None:
        method = str(ws.kit.document("sae", sections=("map",))["map"].get("method", ""))
    chosen: Method = _choice(method, METHODS, "method")
    return chosen


def release_region(release: Release) -> str:
    """Return the region code of ``release`` (a map needs it), or raise ``InvalidInput``."""
    from rpkd.errors import InvalidInput

    if release.region is None:
        raise InvalidInput("release_region_missing", param="release", release=release.name)
    return release.region


def map_line(ws: Workspace, region: str, on: date, line: float | None) -> float:
    """Return ``line``, or the kit's poverty line for ``region`` at ``on``; positive."""
    chosen = line if line is not None else ws.kit.poverty_line("poverty", region, on).value
    if not chosen > 0:
        raise UsageError("line_not_positive", param="line", value=chosen)
    return chosen


def sae_tables(ws: Workspace, release: Release) -> SaeTables:
    """Return the survey, registry and (when present) village tables of ``release``."""
    from rpkd import engine as eng
    from rpkd.sae.area_estimates import SaeTables

    return SaeTables(
        survey=eng.table(ws.engine, release.path_of("survey")),
        families=eng.table(ws.engine, release.path_of("families")),
        persons=eng.table(ws.engine, release.path_of("persons")),
        villages=(
            eng.table(ws.engine, release.path_of("villages"))
            if "villages" in release.kinds
            else None
        ),
    )


def _choice(value: str, allowed: tuple[Any, ...], flag: str) -> Any:
    chosen = value.strip().lower()
    if chosen not in allowed:
        raise UsageError(
            "choice_invalid", param=flag, flag=f"--{flag}", value=value, allowed=allowed
        )
    return chosen


def _write(result: PovertyMap, folder: Path, parameters: dict[str, Any], draw: bool) -> MapFiles:
    """Write the estimates (CSV, Parquet) and ``parameters.json``; return every file's path
    (the SVG and PNG ones only when the map is to be ``draw``n)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from rpkd.reports.xlsx import neutralise_table

    folder.mkdir(parents=True, exist_ok=True)
    files = MapFiles(
        folder=folder,
        csv=folder / "estimates.csv",
        parquet=folder / "estimates.parquet",
        svg=folder / "map.svg" if draw else None,
        png=folder / "map.png" if draw else None,
        geojson=folder / "map.geojson",
        parameters=folder / "parameters.json",
    )
    table = result.to_arrow()
    pacsv.write_csv(neutralise_table(table), files.csv)
    pq.write_table(table, files.parquet)
    files.parameters.write_text(
        json.dumps(parameters, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return files


def _draw(mapped: MapRelease, release: str, lang: Lang) -> None:
    """Draw the map beside the estimates (SVG, PNG, where asked) and write its GeoJSON."""
    from rpkd.reports.charts import poverty_figure, to_png, to_svg
    from rpkd.workflows.area_map import area_map

    drawn = area_map(mapped).to_json()
    files = mapped.files
    if files.svg is not None or files.png is not None:
        spec = poverty_figure(drawn, mapped.map.region, lang, release=release)
        if files.svg is not None:
            files.svg.write_text(to_svg(spec, lang), encoding="utf-8")
        if files.png is not None:
            files.png.write_bytes(to_png(spec, lang))
    geojson = _geojson(drawn)
    mapped.files.geojson.write_text(json.dumps(geojson, ensure_ascii=False), encoding="utf-8")


def _geojson(drawn: dict[str, Any]) -> dict[str, Any]:
    """Return the boundaries of a map's areas (RFC 7946) with each area's ``estimate``,
    ``rmse``, ``cv``, ``ci_low``, ``ci_high`` and ``reliable`` in its properties (None where
    the area has none, and the CV of an estimate of 0).

    ``drawn`` is :meth:`rpkd.workflows.area_map.AreaMap.to_json`."""
    from rpkd import regions

    by_code = {a["code"]: a for a in drawn["areas"]}
    features = []
    for feature in regions.boundaries(drawn["region"], drawn["level"])["features"]:
        area = by_code.get(feature["properties"]["code"], {})
        values = {k: area.get(k) for k in ("estimate", "rmse", "cv", "ci_low", "ci_high",
                                           "reliable")}  # fmt: skip
        features.append({"type": "Feature", "properties": {**feature["properties"], **values},
                         "geometry": feature["geometry"]})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}
