"""Use case: ``rpkd demo`` — the main job end to end on the embedded default (Kapuas, 62.03).

Synthetic district → validated release → poverty and inequality with standard errors →
registry profile → kecamatan poverty map by small-area estimation → beneficiary lists linked to the registry (scored against the synthetic
truth) → programme convergence and the desil-1 families left out → the RPKD plan with outcome indicators filled from the estimates, quarterly
performance and the path to zero extreme poverty. Every step writes its result table under
``<workspace>/demo/`` (CSV and JSON) and the run returns where they are. Running it again
reuses the release and the plan already in the workspace.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from rpkd.access import audit, users
from rpkd.errors import InvalidInput
from rpkd.planning import monitoring, realisations
from rpkd.planning.kit import starter_plan
from rpkd.planning.performance import as_estimate, band_scheme
from rpkd.planning.store import load_plan, plan_names, save_plan
from rpkd.releases.catalog import list_releases
from rpkd.releases.importer import import_release
from rpkd.settings import Settings
from rpkd.store import open_database, session
from rpkd.synth import synthesize
from rpkd.workflows.convergence import convergence_report
from rpkd.workflows.link import link_list
from rpkd.workflows.poverty import PovertyFigures, poverty_figures
from rpkd.workflows.profile import profile_release
from rpkd.workflows.sae import MapFiles, PovertyMap, map_release

REGION = "62.03"
RELEASE = "kapuas-demo"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoStep:
    """One step of the demo: what it did, in one line, and the files it wrote."""

    name: str
    summary: str
    files: tuple[Path, ...]


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its release and its results."""

    workspace: Path
    release: str
    steps: tuple[DemoStep, ...]
    maps: tuple[tuple[PovertyMap, MapFiles], ...] = ()

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(
            [
                {"step": s.name, "summary": s.summary, "files": ", ".join(map(str, s.files))}
                for s in self.steps
            ]
        )


def _write(table: pa.Table, folder: Path, stem: str) -> tuple[Path, ...]:
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / f"{stem}.csv", folder / f"{stem}.json"
    pacsv.write_csv(table, csv_path)
    json_path.write_text(
        json.dumps(table.to_pylist(), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return csv_path, json_path


def _release(settings: Settings, seed: int, families: int | None, progress: Progress) -> DemoStep:
    if any(r.name == RELEASE for r in list_releases(settings.workspace)):
        return DemoStep("release", f"rilis {RELEASE} sudah ada, dipakai ulang", ())
    source = settings.workspace / "demo" / "source"
    made = synthesize(
        REGION, source, families=families, seed=seed, fmt="parquet", progress=progress
    )
    result = import_release(source, RELEASE, settings, progress=progress)
    if result.release is None:  # the generator's registry must always pass: a bug if not
        raise RuntimeError(f"demo release rejected with {result.errors} errors: {result.report}")
    summary = (
        f"{made.summary['families']:,} keluarga, {made.summary['persons']:,} jiwa disintesis; "
        f"rilis {RELEASE} "
        f"diimpor dengan {result.warnings:,} peringatan"
    )
    return DemoStep("release", summary, (result.release.path,))


def _poverty(settings: Settings, folder: Path) -> tuple[DemoStep, PovertyFigures]:
    figures = poverty_figures(settings, RELEASE, by="urban")
    p0 = figures.estimates.find("fgt0", line=figures.lines["poverty"].value)
    extreme = figures.estimates.find("fgt0", line=figures.lines["extreme"].value)
    summary = (
        f"P0 {p0.estimate:.2%} (SE {p0.se:.2%}), kemiskinan ekstrem {extreme.estimate:.2%} "
        f"(SE {extreme.se:.2%}); garis Rp{figures.lines['poverty'].value:,.0f}"
    )
    return DemoStep("poverty", summary, _write(figures.to_arrow(), folder, "kemiskinan")), figures


def _profile(settings: Settings, folder: Path) -> DemoStep:
    profile = profile_release(settings, RELEASE, levels=("kabupaten", "kecamatan"))
    table = profile.to_arrow()
    return DemoStep(
        "profile",
        f"profil registri: {table.num_rows:,} sel (kabupaten, kecamatan)",
        _write(table, folder, "profil"),
    )


def _plan(settings: Settings, folder: Path, figures: PovertyFigures) -> DemoStep:
    """Store the Kapuas plan, fill its outcome indicators from the estimates, assess them."""
    year = figures.on.year
    engine = open_database(settings)
    try:
        with session(engine) as db:
            actor, grants = users.acting(db, None)
            plan = starter_plan("kapuas", workspace=settings.workspace)
            if plan.name not in plan_names(db):
                save_plan(db, plan)
                audit.record(db, actor, "plan.init", parameters={"kit": "kapuas"})
            plan = load_plan(db, plan.name)
            stored = realisations.history(db, plan.name)
            if year in plan.years and not any(r.year == year for r in stored):
                rows = {
                    "P0": figures.estimates.find("fgt0", line=figures.lines["poverty"].value),
                    "P1": figures.estimates.find("fgt1", line=figures.lines["poverty"].value),
                    "P2": figures.estimates.find("fgt2", line=figures.lines["poverty"].value),
                    "KE": figures.estimates.find("fgt0", line=figures.lines["extreme"].value),
                }
                for code, row in rows.items():
                    scale = 100.0 if plan.indicator(code).unit == "persen" else 1.0
                    made = realisations.submit(
                        db,
                        "indicator",
                        code,
                        year,
                        4,
                        user=actor,
                        grants=grants,
                        estimate=as_estimate(row, scale=scale),
                        evidence=f"rpkd demo: survei rilis {RELEASE}",
                        plan=plan,
                    )
                    realisations.review(db, made.id, "verified", user=actor, grants=grants)
            stored = realisations.history(db, plan.name)
    finally:
        engine.dispose()
    scheme = band_scheme(workspace=settings.workspace)
    table = monitoring.monitor(plan, stored, year, 4, scheme)
    files = _write(table.to_arrow(), folder, "kinerja")
    try:
        path = monitoring.extreme_poverty_path(plan, stored)
    except InvalidInput as exc:
        if exc.code != "points_few":
            raise
        verdict = "jalur belum dapat dihitung: perlu realisasi minimal dua tahun"
    else:
        files += _write(path.to_arrow(), folder, "jalur_nol")
        verdict = "sesuai jalur" if path.on_track else "tidak sesuai jalur"
    summary = (
        f"{plan.name}: {len(table.rows)} butir dinilai, {len(table.lagging)} tertinggal; "
        f"kemiskinan ekstrem nol {plan.extreme_poverty_target_year}: {verdict}"
    )
    return DemoStep("plan", summary, files)


def _map(settings: Settings, folder: Path) -> tuple[DemoStep, tuple[PovertyMap, MapFiles]]:
    """The kecamatan poverty map by Fay–Herriot, benchmarked to the district's direct P0."""
    result, files = map_release(
        settings, RELEASE, level="kecamatan", measure="fgt0", method="fh", out=folder / "peta"
    )
    reliable = sum(1 for a in result.areas if a.cv is not None and a.cv <= 0.25)
    summary = (
        f"P0 per kecamatan (Fay–Herriot, dibenchmark): {len(result.areas)} kecamatan, "
        f"{reliable} dengan CV ≤ 25%"
    )
    return DemoStep("map", summary, (files.csv, files.svg, files.png, files.geojson)), (
        result,
        files,
    )


def _link(settings: Settings, folder: Path) -> DemoStep:
    """Link every beneficiary list of the demo source to the registry; score against the truth."""
    source = settings.workspace / "demo" / "source"
    links = folder / "links"
    links.mkdir(parents=True, exist_ok=True)
    lists = sorted(source.glob("beneficiaries_*.parquet"))
    found = right = linked = rows = 0
    for path in lists:
        programme = path.stem.removeprefix("beneficiaries_")
        outcome = link_list(settings, path, RELEASE)
        table = outcome.to_arrow()
        pacsv.write_csv(table.select(["record", "person_id"]), links / f"links_{programme}.csv")
        truth_path = source / "truth" / f"links_{programme}.csv"
        truth = {
            str(r["record"]): r["person_id"]
            for r in pacsv.read_csv(
                truth_path,
                convert_options=pacsv.ConvertOptions(
                    column_types={"record": pa.string(), "person_id": pa.string()}
                ),
            ).to_pylist()
        }
        for row in table.to_pylist():
            rows += 1
            if row["method"] in ("nik", "probabilistic"):
                linked += 1
                right += row["person_id"] == truth.get(str(row["record"]))
        found += sum(1 for v in truth.values() if v)
    precision = right / linked if linked else float("nan")
    recall = right / found if found else float("nan")
    summary = (
        f"{len(lists)} daftar penerima, {rows:,} baris; {linked:,} tertaut "
        f"(presisi {precision:.4f}, recall {recall:.4f} terhadap kebenaran sintetis)"
    )
    return DemoStep("link", summary, (links,))


def _convergence(settings: Settings, folder: Path) -> DemoStep:
    report = convergence_report(settings, RELEASE, links=folder / "links", level="kecamatan")
    files = _write(report.coverage, folder, "konvergensi") + _write(
        report.exclusion, folder, "eksklusi_desil1_tersamar"
    )
    summary = (
        f"cakupan program per kecamatan; {report.exclusion.num_rows:,} keluarga desil 1 tanpa "
        f"program apa pun, {report.deceased.num_rows:,} penerima telah meninggal (NIK tersamar)"
    )
    return DemoStep("convergence", summary, files)


def run_demo(
    settings: Settings,
    *,
    seed: int = 1,
    families: int | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Run every step of the demo in ``settings.workspace`` and return what each produced."""
    report = progress or (lambda _what, _done, _total: None)
    folder = settings.workspace / "demo" / "hasil"
    steps = [_release(settings, seed, families, report)]
    report("poverty", 0, 1)
    poverty_step, figures = _poverty(settings, folder)
    steps.append(poverty_step)
    report("profile", 0, 1)
    steps.append(_profile(settings, folder))
    report("map", 0, 1)
    map_step, poverty_map = _map(settings, folder)
    steps.append(map_step)
    report("link", 0, 1)
    steps.append(_link(settings, folder))
    report("convergence", 0, 1)
    steps.append(_convergence(settings, folder))
    report("plan", 0, 1)
    steps.append(_plan(settings, folder, figures))
    return DemoResult(settings.workspace, RELEASE, tuple(steps), maps=(poverty_map,))
