"""Use case: the priority areas of a release (``rpkd priority``): the kantong-kemiskinan table.

Estimates the headcount rate (P0) of every kecamatan or desa of the release's region by the
chosen small-area method (:func:`rpkd.sae.area_estimates.estimate_areas`, as ``rpkd map``),
draws each area's rate from its estimate's sampling distribution and reports the probability
that the area is among the ``k`` poorest by rate and by number of poor, its rank interval and
its priority class (:mod:`rpkd.sae.priority`; ``k``, draws and class thresholds from the kit's
``sae`` document, section ``priority``). Each area is joined with the registry profile (families
in desil 1–2, :func:`rpkd.workflows.profile.profile_release`, small cells suppressed) and, when
the release holds village data, its basic-service gaps (:mod:`rpkd.measures.service_gaps`):
the table an RPKD's Bab III needs. With ``map_file`` the priority classes are drawn
(:func:`rpkd.reports.charts.priority_map_chart`: place names, north arrow, scale bar, source and
date) as PNG or SVG, of the whole district or of the desa of one kecamatan (``map_within``); the
release is never touched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.measures.service_gaps import GAPS
from rpkd.sae.area_estimates import METHODS
from rpkd.sae.inputs import LEVELS
from rpkd.workflows.results import dataclass_table, plain

if TYPE_CHECKING:
    from datetime import date

    import pyarrow as pa

    from rpkd.locale import Lang
    from rpkd.sae.area_estimates import PovertyMap
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "GAPS", "LEVELS", "METHODS", "PriorityArea", "PriorityAreas", "priority_areas", "priority_map",
]  # fmt: skip


@dataclass(frozen=True)
class PriorityArea:
    """One area of the kantong-kemiskinan table.

    ``estimate`` (P0), its 95% interval (±1.96 RMSE, within [0, 1]) and CV; ``poor``: the
    estimated number of poor persons (P0 × persons of the registry); the probabilities of being
    among the k poorest by rate and by number of poor; the rank by rate (median, 5th–95th
    percentile over the draws); the class (1–3, None: none); families in desil 1–2 of the
    registry (None: suppressed small cell); desa counted and desa lacking each service (None:
    no village data).
    """

    code: str
    name: str
    parent: str | None
    estimate: float
    ci_low: float
    ci_high: float
    cv: float | None
    population: float | None
    poor: float | None
    probability_rate: float
    probability_count: float
    rank_median: float
    rank_low: float
    rank_high: float
    priority: int | None
    families_desil_12: int | None
    desa: int | None
    no_puskesmas: int | None
    no_sd: int | None
    no_smp: int | None
    no_market: int | None
    unpaved_road: int | None
    low_pln: int | None


@dataclass(frozen=True)
class PriorityAreas:
    """The priority areas of a release at one level, with everything that produced them."""

    release: str
    region: str
    level: str
    method: str
    line: float
    k: int
    draws: int
    seed: int
    thresholds: tuple[float, float, float]
    basis: str
    benchmark_factor: float | None
    areas: tuple[PriorityArea, ...]
    findings: tuple[Finding, ...] = ()
    map_file: Path | None = None

    def to_arrow(self) -> pa.Table:
        """Return one row per estimated area (:class:`PriorityArea`'s fields), class 1 first."""
        return dataclass_table(PriorityArea, self.areas)

    def to_json(self) -> dict[str, Any]:
        """Return the parameters and the areas (``rpkd priority --format json``)."""
        head = {k: v for k, v in vars(self).items() if k not in ("areas", "findings")}
        return dict(
            plain(
                {
                    **head,
                    "areas": [asdict(a) for a in self.areas],
                    "findings": [f.to_json() for f in self.findings],
                }
            )
        )


def priority_areas(
    ws: Workspace,
    release: str,
    *,
    level: str = "desa",
    k: int | None = None,
    method: str | None = None,
    draws: int | None = None,
    seed: int = 1,
    benchmark: bool = False,
    line: float | None = None,
    bootstrap: int | None = None,
    map_file: Path | None = None,
    map_within: str | None = None,
) -> PriorityAreas:
    """Return the priority areas (kantong kemiskinan) of release ``release`` at ``level``.

    ``k`` (how many poorest areas are sought) and ``draws`` default to the kit's ``sae``
    document (``[priority]``); ``seed`` seeds both the EBP and the draws, so a run is
    reproducible. ``benchmark`` ratio-benchmarks the estimates to the district's direct
    estimate first (one factor for all areas: the ranking by rate is unchanged, the MSEs are
    not rescaled, hence off by default). ``method``, ``line`` and ``bootstrap`` as for
    ``rpkd map`` (:func:`rpkd.workflows.sae.map_release`).
    ``map_file`` (``.png`` or ``.svg``) receives the map of the classes; ``map_within`` (a
    kecamatan's code, desa level only) limits it to that kecamatan's desa.

    Examples
    --------
    >>> with Workspace.open("rpkd-workspace") as ws:  # doctest: +SKIP
    ...     result = priority_areas(ws, "kapuas-demo", level="kecamatan", k=5)
    """
    import pyarrow as pa

    from rpkd.releases.catalog import open_release
    from rpkd.sae.area_estimates import benchmarked
    from rpkd.sae.priority import priority_rule, priority_table
    from rpkd.sae.priority_calibration import calibration_finding
    from rpkd.workflows import sae

    chosen_level = _choice(level, LEVELS, "level")
    chosen_method = sae.map_method(ws, method)
    rule = priority_rule(ws.kit.document("sae", sections=("priority",)))
    chosen_k = rule.k.get(chosen_level, 10) if k is None else k
    chosen_draws = rule.draws if draws is None else draws
    _check_map(map_file, map_within, chosen_level)
    opened = open_release(ws.path, release)
    region = sae.release_region(opened)
    mapped = sae.release_estimates(
        ws,
        opened,
        level=chosen_level,
        measure="fgt0",
        method=chosen_method,
        line=sae.map_line(ws, region, opened.reference_date, line),
        seed=seed,
        bootstrap=bootstrap,
    )
    if benchmark:
        mapped = benchmarked(mapped)
    rows = pa.Table.from_pylist(
        [
            {"area": a.area, "estimate": a.estimate, "mse": a.mse, "population": a.population}
            for a in mapped.areas
        ],
        schema=pa.schema([("area", pa.string()), ("estimate", pa.float64()),
                          ("mse", pa.float64()), ("population", pa.float64())]),
    )  # fmt: skip
    estimated = sum(1 for a in mapped.areas if a.estimate is not None)
    if not 1 <= chosen_k <= estimated:
        raise UsageError("priority_k_invalid", param="k", value=chosen_k, areas=estimated)
    probabilities = priority_table(rows, k=chosen_k, rule=rule, draws=chosen_draws, seed=seed)
    findings = list(mapped.findings)
    if estimated < len(mapped.areas):
        findings.append(Finding("priority_unestimated", "warning",
                                {"count": len(mapped.areas) - estimated}))  # fmt: skip
    areas = _joined(mapped, probabilities, _desil12(ws, release, chosen_level),
                    _gaps(ws, opened, chosen_level))  # fmt: skip
    counts = {c: sum(1 for a in areas if a.priority == c) for c in (1, 2, 3)}
    measured = calibration_finding(chosen_level, chosen_method)
    if measured is not None:  # how often such classes held on synthetic districts
        findings.append(measured)
    findings.append(Finding("priority_classes", "info",
                            {"k": chosen_k, "areas": estimated, "p1": counts[1], "p2": counts[2],
                             "p3": counts[3], "draws": chosen_draws}))  # fmt: skip
    result = PriorityAreas(
        release=release,
        region=region,
        level=chosen_level,
        method=chosen_method,
        line=mapped.line,
        k=chosen_k,
        draws=chosen_draws,
        seed=seed,
        thresholds=rule.thresholds,
        basis=rule.basis,
        benchmark_factor=None if mapped.benchmark is None else mapped.benchmark.factor,
        areas=areas,
        findings=tuple(findings),
    )
    if map_file is None:
        return result
    _draw(result, map_file, map_within, ws.lang)
    files = Finding("priority_map_written", "info", {"file": str(map_file)})
    return PriorityAreas(**{**vars(result), "map_file": map_file,
                            "findings": (*result.findings, files)})  # fmt: skip


def _choice(value: str, allowed: tuple[Any, ...], flag: str) -> Any:
    chosen = value.strip().lower()
    if chosen not in allowed:
        raise UsageError("choice_invalid", param=flag, flag=f"--{flag}", value=value,
                         allowed=allowed)  # fmt: skip
    return chosen


def _check_map(map_file: Path | None, within: str | None, level: str) -> None:
    """Refuse a map file of an unknown kind, or ``within`` that is not a kecamatan at desa level."""
    if map_file is not None and map_file.suffix.lower() not in (".png", ".svg"):
        raise UsageError("priority_map_suffix", param="map", file=map_file.name)
    if within is None:
        return
    from rpkd import regions

    if level != "desa" or within.count(".") != 2 or not regions.descendants(within, "desa"):
        raise UsageError("priority_map_within", param="map_within", value=within)


def priority_map(
    result: PriorityAreas, region: str, lang: Lang, *, boundaries: str | None = None,
    made: date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Return the map of the classes of ``result``'s areas inside ``region`` (the district, or
    a kecamatan at desa level): :func:`rpkd.reports.charts.priority_figure`, the one figure of
    ``rpkd priority --map``, the web's Profil page and the RPKD's Bab III."""
    from rpkd.reports.charts import priority_figure

    return priority_figure(result.to_json(), region, lang, boundaries=boundaries, made=made)


def _draw(result: PriorityAreas, path: Path, within: str | None, lang: Lang) -> None:
    """Write the map of the classes (PNG or SVG by the suffix) with its source and date line."""
    from rpkd.reports.charts import to_png, to_svg

    spec = priority_map(result, within or result.region, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".svg":
        path.write_text(to_svg(spec, lang), encoding="utf-8")
    else:
        path.write_bytes(to_png(spec, lang))


def _desil12(ws: Workspace, release: str, level: str) -> dict[str, int | None]:
    """Return each area's families in desil 1–2 (None where a cell is suppressed)."""
    from rpkd.workflows.profile import profile_release

    table = profile_release(ws, release, levels=(level,)).to_arrow()
    out: dict[str, int | None] = {}
    for row in table.select(["code", "indicator", "value", "suppressed"]).to_pylist():
        if row["indicator"] not in ("families_desil_1", "families_desil_2"):
            continue
        before = out.get(row["code"], 0)
        hidden = row["suppressed"] or row["value"] is None
        out[row["code"]] = None if before is None or hidden else before + int(row["value"])
    return out


def _gaps(ws: Workspace, release: Any, level: str) -> dict[str, dict[str, int]]:
    """Return each area's desa and service gaps (empty without village data)."""
    if "villages" not in release.kinds:
        return {}
    from rpkd import engine as eng
    from rpkd.measures.service_gaps import service_gaps

    section = ws.kit.document("sae", sections=("priority",))["priority"]
    villages = eng.fetch(eng.table(ws.engine, release.path_of("villages")))
    table = service_gaps(villages, level=level, unpaved=section["unpaved_roads"],
                         pln_below=float(section["pln_below"]))  # fmt: skip
    return {row.pop("area"): row for row in table.to_pylist()}


def _joined(
    mapped: PovertyMap,
    probabilities: pa.Table,
    desil: dict[str, int | None],
    gaps: dict[str, dict[str, int]],
) -> tuple[PriorityArea, ...]:
    from rpkd import regions

    by_area = {a.area: a for a in mapped.areas}
    out = []
    for p in probabilities.to_pylist():
        a = by_area[p["area"]]
        estimate = float(a.estimate)  # type: ignore[arg-type]
        low, high = a.interval
        parent = p["area"].rsplit(".", 1)[0] if mapped.level == "desa" else None
        found = gaps.get(p["area"], {})
        out.append(
            PriorityArea(
                code=p["area"],
                name=a.name,
                parent=None if parent is None else regions.name(parent),
                estimate=estimate,
                ci_low=estimate if low is None else low,
                ci_high=estimate if high is None else high,
                cv=a.cv,
                population=a.population,
                poor=None if a.population is None else estimate * a.population,
                probability_rate=p["probability_rate"],
                probability_count=p["probability_count"],
                rank_median=p["rank_median"],
                rank_low=p["rank_low"],
                rank_high=p["rank_high"],
                priority=p["priority"],
                families_desil_12=desil.get(p["area"]),
                desa=found.get("desa"),
                **{g: found.get(g) for g in GAPS},
            )
        )
    return tuple(sorted(out, key=_order))


def _order(area: PriorityArea) -> tuple[int, float, float, str]:
    strongest = max(area.probability_rate, area.probability_count)
    return (area.priority or 4, -strongest, -area.estimate, area.code)
