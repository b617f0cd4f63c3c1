"""Use case: ``rpkd demo`` — the main job end to end on the embedded default (Kapuas, 62.03).

Synthetic district → validated release → poverty and inequality with standard errors →
registry profile → kecamatan poverty map by small-area estimation → beneficiary lists linked to
the registry (scored against the synthetic truth) → programme convergence and the desil-1
families left out → the RPKD plan with its outcome indicators filled from the estimates,
quarterly performance and the path to zero extreme poverty.

Every step is another workflow of this package; the demo only chains them and keeps what an
officer needs: the figures (as data, rendered by the interface in the user's language) and the
Indonesian workbooks and map it wrote under ``<workspace>/demo/hasil/``. Running it again reuses
the release and the plan already in the workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpkd import locale
from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.locale import Lang
from rpkd.workflows.results import plain

if TYPE_CHECKING:
    import pyarrow as pa

    from rpkd.survey.estimate import Estimate
    from rpkd.workflows.monitoring import Monitoring
    from rpkd.workflows.poverty import PovertyFigures
    from rpkd.workflows.workspace import Workspace

REGION = "62.03"
RELEASE = "kapuas-demo"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Figure:
    """One headline figure with its standard error and 95% interval (fractions, as estimated).

    ``kind`` says how a person reads it: ``percent`` (P0), ``index`` (P1, P2: BPS ×100),
    ``count`` (people), ``ratio`` (Gini).
    """

    key: str
    kind: str
    estimate: float
    se: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class DemoResult:
    """What the demo did, as data: the district, its figures, and the files an officer opens."""

    workspace: Path
    release: str
    reused: bool
    families: int
    persons: int
    warnings: int
    reference_date: date
    lines: Mapping[str, float]
    figures: tuple[Figure, ...]
    map_level: str
    map_method: str
    map_areas: int
    map_reliable: int
    cv_threshold: float
    lists: int
    list_rows: int
    linked: int
    precision: float | None
    recall: float | None
    excluded: int
    deceased: int
    plan: str
    plan_year: int
    target_year: int
    performance: Mapping[str, int]
    on_track: bool | None
    files: Mapping[str, Path]
    findings: tuple[Finding, ...] = field(default=())

    def figure(self, key: str) -> Figure:
        """Return the headline figure ``key`` (p0, p1, p2, extreme, poor, gini)."""
        return next(f for f in self.figures if f.key == key)

    def to_arrow(self) -> pa.Table:
        """Return the headline figures: key, estimate, se, ci_low, ci_high."""
        import pyarrow as pa

        return pa.Table.from_pylist([vars(f) for f in self.figures])

    def to_json(self) -> dict[str, Any]:
        """Return everything as a JSON-ready object (fractions, ISO dates, paths as text)."""
        out = {k: v for k, v in vars(self).items() if k not in ("figures", "findings")}
        out["figures"] = [vars(f) for f in self.figures]
        out["findings"] = [f.to_json() for f in self.findings]
        return dict(plain(out))


def _release(ws: Workspace, seed: int, families: int | None, progress: Progress) -> bool:
    """Synthesise and import the demo release unless it exists; return whether it was reused."""
    from rpkd.workflows import releases, synth

    if any(r.name == RELEASE for r in releases.list_releases(ws).releases):
        return True
    source = ws.path / "demo" / "source"
    made = synth.synthesize_district(
        ws, REGION, source, families=families, seed=seed, fmt="parquet", progress=progress
    )
    # The synthetic data describe the Susenas round they are calibrated to, not today.
    on = str(made.summary["reference_date"])
    releases.import_release(ws, source, RELEASE, reference_date=on, progress=progress)
    return False


def _figure(key: str, kind: str, row: Estimate, scale: float = 1.0) -> Figure:
    low, high = row.ci_low, row.ci_high
    return Figure(
        key,
        kind,
        scale * row.estimate,
        None if row.se is None else scale * row.se,
        None if low is None else scale * low,
        None if high is None else scale * high,
    )


def _figures(figures: PovertyFigures) -> tuple[Figure, ...]:
    z, extreme = figures.lines["poverty"].value, figures.lines["extreme"].value
    found = figures.estimates.find
    return (
        _figure("p0", "percent", found("fgt0", line=z)),
        _figure("p1", "index", found("fgt1", line=z)),
        _figure("p2", "index", found("fgt2", line=z)),
        _figure("extreme", "percent", found("fgt0", line=extreme)),
        _figure("poor", "count", found("poor", line=z)),
        _figure("gini", "ratio", found("gini")),
    )


def _poverty(ws: Workspace, folder: Path) -> tuple[PovertyFigures, Path]:
    from rpkd.reports.estimates import write_estimates
    from rpkd.workflows.poverty import poverty_figures

    figures = poverty_figures(ws, RELEASE, by="urban")
    title = locale.message("demo_workbook_poverty", ws.lang, release=RELEASE)
    path = write_estimates(
        folder / "kemiskinan.xlsx",
        figures.to_arrow(),
        figures.estimates.findings,
        ws.lang,
        title=title,
    )
    return figures, path


def _link(ws: Workspace, folder: Path) -> tuple[int, int, int, float | None, float | None]:
    """Link every list of the demo source; return lists, rows, linked, precision, recall."""
    import pyarrow.csv as pacsv

    from rpkd import inputs
    from rpkd.reports.xlsx import neutralise_table
    from rpkd.workflows.link import link_list

    source = ws.path / "demo" / "source"
    lists = sorted(source.glob("beneficiaries_*.parquet"))
    found = right = linked = rows = 0
    for path in lists:
        programme = path.stem.removeprefix("beneficiaries_")
        outcome = link_list(ws, path, RELEASE)
        table = outcome.to_arrow()
        links = neutralise_table(table.select(["record", "person_id"]))
        pacsv.write_csv(links, folder / f"links_{programme}.csv")
        truth = inputs.read(source / "truth" / f"links_{programme}.csv", required=("record",))
        expected = dict(
            zip(
                truth.table.column("record").to_pylist(),
                truth.table.column("person_id").to_pylist(),
                strict=True,
            )
        )
        for row in table.to_pylist():
            rows += 1
            if row["method"] in ("nik", "probabilistic"):
                linked += 1
                right += row["person_id"] == expected.get(str(row["record"]))
        found += sum(1 for v in expected.values() if v)
    precision = right / linked if linked else None
    recall = right / found if found else None
    return len(lists), rows, linked, precision, recall


@dataclass(frozen=True)
class _Planned:
    plan: str
    year: int
    target_year: int
    performance: Monitoring
    on_track: bool | None
    notes: tuple[Finding, ...]


def _plan(ws: Workspace, figures: PovertyFigures) -> _Planned:
    """Store the Kapuas plan (once), fill its outcome indicators from the survey estimates for
    the release's year (verified), assess them and project extreme poverty to zero."""
    from rpkd.workflows import monitoring, plan, realisations

    try:
        plan.init_plan(ws)
    except InvalidInput as exc:
        if exc.code != "plan_exists":
            raise
    stored = plan.stored_plan(ws, None)
    year = figures.on.year
    history = realisations.list_realisations(ws, plan=stored.name).items
    if year in stored.years and not any(r.year == year for r in history):
        z, extreme = figures.lines["poverty"].value, figures.lines["extreme"].value
        rows = {
            "P0": figures.estimates.find("fgt0", line=z),
            "P1": figures.estimates.find("fgt1", line=z),
            "P2": figures.estimates.find("fgt2", line=z),
            "KE": figures.estimates.find("fgt0", line=extreme),
        }
        evidence = locale.message("demo_evidence", ws.lang, release=RELEASE)
        scale = 100.0  # BPS publishes P0 in percent and P1, P2 multiplied by 100
        for code, row in rows.items():
            added = realisations.add_realisation(
                ws, "indicator", code, year, 4,
                value=scale * row.estimate,
                se=None if row.se is None else scale * row.se,
                ci_low=None if row.ci_low is None else scale * row.ci_low,
                ci_high=None if row.ci_high is None else scale * row.ci_high,
                evidence=evidence, plan=stored.name,
            )  # fmt: skip
            realisations.verify_realisation(ws, added.items[0].id)
    performance = monitoring.monitor(ws, year, quarter=4, plan=stored.name)
    evaluation = monitoring.evaluate(ws, plan=stored.name)
    path = evaluation.path_to_zero
    return _Planned(
        stored.name,
        year,
        stored.extreme_poverty_target_year,
        performance,
        None if path is None else path.on_track,
        () if path is not None else tuple(evaluation.findings),
    )


def _write_table(path: Path, table: pa.Table, lang: Lang, title: str) -> Path:
    from rpkd.reports.xlsx import Column, Sheet, write_workbook

    columns = [
        Column(c, locale.label(c, lang), format="percent" if "coverage" in c else None)
        for c in table.column_names
    ]
    return write_workbook(path, [Sheet(title[:31], table, columns, title=title)])


def run_demo(
    ws: Workspace,
    *,
    seed: int = 1,
    families: int | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Run every step of the demo in the workspace ``ws`` and return what it found and wrote."""
    from rpkd.releases.catalog import open_release
    from rpkd.reports.performance import performance_workbook
    from rpkd.workflows import convergence, profile, sae

    report = progress or (lambda _stage, _done, _total: None)
    folder = ws.path / "demo" / "hasil"
    folder.mkdir(parents=True, exist_ok=True)
    reused = _release(ws, seed, families, report)
    release = open_release(ws.path, RELEASE)
    files: dict[str, Path] = {"release": release.path}

    report("demo.poverty", 0, 1)
    figures, files["poverty"] = _poverty(ws, folder)

    report("demo.profile", 0, 1)
    profiled = profile.profile_release(
        ws, RELEASE, levels=("kabupaten", "kecamatan", "desa"), workbook=folder / "profil.xlsx"
    )
    if profiled.workbook is not None:
        files["profile"] = profiled.workbook

    report("demo.map", 0, 1)
    mapped = sae.map_release(ws, RELEASE, level="kecamatan", measure="fgt0", out=folder / "peta")
    if mapped.files.png is not None:  # drawn: map_release draws unless told not to
        files["map"] = mapped.files.png
    reliable = sum(1 for a in mapped.map.areas if a.cv is not None and a.cv <= mapped.cv_threshold)

    report("demo.link", 0, 1)
    links = folder / "tautan"
    links.mkdir(exist_ok=True)
    lists, list_rows, linked, precision, recall = _link(ws, links)
    files["links"] = links

    report("demo.convergence", 0, 1)
    converged = convergence.convergence_report(ws, RELEASE, links=links, level="kecamatan")
    lang = ws.lang
    files["convergence"] = _write_table(
        folder / "konvergensi.xlsx",
        converged.readable("coverage"),
        lang,
        locale.label("demo.sheet.convergence", lang),
    )
    files["exclusion"] = _write_table(
        folder / "eksklusi_desil1_tersamar.xlsx",
        converged.readable("exclusion"),
        lang,
        locale.label("demo.sheet.exclusion", lang),
    )

    report("demo.plan", 0, 1)
    planned = _plan(ws, figures)
    files["performance"] = performance_workbook(
        folder / "kinerja.xlsx",
        planned.performance.to_arrow(),
        lang,
        title=locale.message(
            "plan_title_performance", lang, plan=planned.plan, year=planned.year, quarter=4
        ),
    )
    report("demo.plan", 1, 1)
    manifest = release.manifest
    return DemoResult(
        workspace=ws.path,
        release=RELEASE,
        reused=reused,
        families=int(manifest["rows"].get("families", 0)),
        persons=int(manifest["rows"].get("persons", 0)),
        warnings=int(sum(manifest.get("warnings", {}).values())),
        reference_date=release.reference_date,
        lines={k: v.value for k, v in figures.lines.items()},
        figures=_figures(figures),
        map_level="kecamatan",
        map_method=mapped.map.method,
        map_areas=len(mapped.map.areas),
        map_reliable=reliable,
        cv_threshold=mapped.cv_threshold,
        lists=lists,
        list_rows=list_rows,
        linked=linked,
        precision=precision,
        recall=recall,
        excluded=converged.exclusion.num_rows,
        deceased=converged.deceased.num_rows,
        plan=planned.plan,
        plan_year=planned.year,
        target_year=planned.target_year,
        performance=planned.performance.counts(),
        on_track=planned.on_track,
        files=files,
        findings=planned.notes,
    )
