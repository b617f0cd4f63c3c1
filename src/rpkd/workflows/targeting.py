"""Use cases of ``rpkd target``: eligibility, ranking and its accuracy.

Each opens a release of the workspace (:func:`opened`), builds the targeting queries on the
configured engine and returns frozen results for the interfaces to render. Convergence and the
verification lists, which read the same opened release, are in :mod:`rpkd.workflows.convergence`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import ibis
import numpy as np
import pyarrow as pa

from rpkd import engine as eng
from rpkd import params
from rpkd.errors import InvalidInput, UsageError
from rpkd.releases.catalog import Release, open_release
from rpkd.settings import Settings
from rpkd.survey.design import design as survey_design
from rpkd.targeting import accuracy as acc
from rpkd.targeting import convergence as cv
from rpkd.targeting import ranking
from rpkd.targeting.eligibility import catalogue, eligibility, summary
from rpkd.targeting.features import family_features, left_join
from rpkd.targeting.findings import Finding
from rpkd.targeting.pmt_design import survey_inputs
from rpkd.workflows.profile import release_date

if TYPE_CHECKING:
    from ibis.expr.types import Table

Target = Literal["poor", "extreme_poor"]


@dataclass(frozen=True)
class Opened:
    """An open release: engine, registry tables and the reference date."""

    release: Release
    engine: eng.Engine
    families: Table
    persons: Table
    on: date
    scratch: Path
    derived: Path


@contextmanager
def opened(settings: Settings, name: str, *, on: date | None = None) -> Iterator[Opened]:
    """Open release ``name`` on the settings' engine; close the engine afterwards."""
    release = open_release(settings.workspace, name)
    engine = eng.connect(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="rpkd-target-") as scratch:
            yield Opened(
                release, engine,
                eng.table(engine, release.path_of("families")),
                eng.table(engine, release.path_of("persons")),
                on or release_date(release), Path(scratch),
                settings.workspace / "derived" / name / "targeting",
            )  # fmt: skip
    finally:
        eng.close(engine)


def materialise(o: Opened, expr: Table, stem: str) -> Table:
    """Write ``expr`` once to the scratch folder and read it back (queries reuse the result)."""
    path = o.scratch / f"{stem}.parquet"
    eng.write_parquet(o.engine, expr, path)
    return eng.table(o.engine, path)


# --- links ---------------------------------------------------------------------------------


def load_links(o: Opened, source: Path | None, programmes: Sequence[str]) -> tuple[Table, str]:
    """Return links ``programme, record, person_id`` and how they were obtained.

    ``source`` is a file with those columns (CSV or Parquet), or a folder of per-programme files
    ``links_<programme>.csv|parquet`` with ``record, person_id`` (as ``rpkd link`` output or the
    synthetic truth). Without a source, list records are linked by exact NIK where the NIK
    belongs to exactly one registry person.
    """
    if source is None:
        return _nik_links(o), "nik"
    if source.is_dir():
        parts = []
        for programme in programmes:
            for suffix in ("parquet", "csv"):
                path = source / f"links_{programme}.{suffix}"
                if path.is_file():
                    t = _read(o, path, ("record", "person_id"))
                    parts.append(t.mutate(programme=ibis.literal(programme)))
                    break
        if not parts:
            raise InvalidInput("links_missing", f"{source}: tidak ada berkas links_<program>",
                               param="links")  # fmt: skip
        table = ibis.union(*[p.select("programme", "record", "person_id") for p in parts])
    elif source.is_file():
        table = _read(o, source, ("programme", "record", "person_id"))
    else:
        raise UsageError("links_missing", f"{source} tidak ditemukan", param="links")
    person = table.person_id.cast("string")
    return table.select(
        programme=table.programme.cast("string"),
        record=table.record.cast("string"),
        person_id=(person.strip() == "").ifelse(ibis.null().cast("string"), person),
    ), "file"


def _read(o: Opened, path: Path, columns: Sequence[str]) -> Table:
    table = (
        eng.table(o.engine, path)
        if path.suffix == ".parquet"
        else eng.read_csv(o.engine, path, list(columns))
    )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InvalidInput("links_columns", f"{path}: kolom {', '.join(missing)} tidak ada",
                           param=missing[0])  # fmt: skip
    return table


def _nik_links(o: Opened) -> Table:
    lists = eng.table(o.engine, o.release.path_of("beneficiaries"))
    p = o.persons.filter(o.persons.nik.notnull())
    unique = p.group_by("nik").aggregate(n=p.count(), person_id=p.person_id.min())
    unique = unique.filter(unique.n == 1).select("nik", "person_id")
    joined = lists.left_join(unique, lists.nik == unique.nik)
    return joined.select(
        programme=joined.programme, record=joined.record.cast("string"), person_id=joined.person_id
    )


# --- eligibility ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityReport:
    """Eligible families (and persons) per programme, for the whole release or by area."""

    release: str
    on: date
    level: cv.Level
    counts: pa.Table
    catalogue: pa.Table

    def to_arrow(self) -> pa.Table:
        """Return one row per area and programme: eligible families and persons."""
        return self.counts


def eligibility_report(
    settings: Settings,
    name: str,
    *,
    level: cv.Level = "kabupaten",
    programmes: Sequence[str] | None = None,
    on: date | None = None,
) -> EligibilityReport:
    """Apply the catalogue's rules to release ``name``; return eligible counts per programme."""
    cat = catalogue(workspace=settings.workspace)
    chosen = list(programmes) if programmes else list(cat.codes)
    for code in chosen:
        cat.programme(code)
    with opened(settings, name, on=on) as o:
        table = eligibility(o.families, o.persons, cat, on=o.on, programmes=chosen)
        by = cv.LEVELS[level]
        grouped = summary(table, cat, by=by)
        counts = eng.fetch(grouped.order_by(by) if by else grouped)
    rows = []
    for r in counts.to_pylist():
        for code in chosen:
            rows.append({
                "level": level, "area": None if by is None else str(r[by]), "programme": code,
                "unit": cat.programme(code).unit, "families": r["families"],
                "eligible_families": r[f"eligible_{code}"],
                "eligible_persons": r.get(f"n_eligible_{code}"),
            })  # fmt: skip
    year = o.on.year
    return EligibilityReport(name, o.on, level, pa.Table.from_pylist(rows), cat.to_arrow(year))


# --- ranking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingReport:
    """A fitted PMT, the official × predicted desil cross-tab and their rank correlation."""

    release: str
    model: ranking.PmtModel
    crosstab: pa.Table
    rank_correlation: float
    saved: Path | None

    def to_arrow(self) -> pa.Table:
        """Return the fit measures (with the rank correlation)."""
        quality = self.model.quality_table()
        extra = pa.table({"measure": ["rank_correlation"], "value": [self.rank_correlation]})
        return pa.concat_tables([quality, extra])


def _fit(o: Opened, method: ranking.Method, folds: int, seed: int) -> ranking.PmtModel:
    survey = eng.table(o.engine, o.release.path_of("survey"))
    return ranking.fit_pmt(eng.fetch(survey_inputs(survey)), method=method, folds=folds, seed=seed)


def ranking_report(
    settings: Settings,
    name: str,
    *,
    method: ranking.Method = "ols",
    folds: int = 5,
    seed: int = 20250301,
    save: bool = True,
) -> RankingReport:
    """Fit the PMT on the release's survey, rank its families, compare with the official desil.

    With ``save`` the per-family predicted welfare and desil are written to
    ``<workspace>/derived/<release>/targeting/welfare_<method>.parquet`` with the parameters
    that produced them beside it (``.json``); the release itself is never written.
    """
    with opened(settings, name) as o:
        model = _fit(o, method, folds, seed)
        features = family_features(o.families, o.persons, on=o.on)
        ranked = materialise(o, ranking.rank_registry(features, model), "ranked")
        table = eng.fetch(ranking.crosstab(ranked).order_by(["desil", "predicted_desil"]))
        saved = None
        if save:
            o.derived.mkdir(parents=True, exist_ok=True)
            saved = o.derived / f"welfare_{method}.parquet"
            eng.write_parquet(o.engine, eng.fetch(ranked), saved)
            tags = {"release": name, "method": method, "folds": folds, "seed": seed,
                    "penalty": model.penalty, "reference_date": o.on.isoformat()}  # fmt: skip
            saved.with_suffix(".json").write_text(json.dumps(tags, indent=2) + "\n", "utf-8")
    return RankingReport(name, model, table, ranking.rank_correlation(table), saved)


# --- accuracy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccuracyReport:
    """Inclusion and exclusion error rates, measured against the truth or the survey."""

    release: str
    basis: Literal["truth", "survey"]
    rows: pa.Table
    findings: tuple[Finding, ...]

    def to_arrow(self) -> pa.Table:
        return self.rows


def accuracy_report(
    settings: Settings,
    name: str,
    *,
    truth: Path | None = None,
    links: Path | None = None,
    cutoff: int = 4,
    target: Target = "poor",
    by: Literal["desil", "kecamatan"] | None = None,
    method: ranking.Method = "ols",
    line: float | None = None,
    welfare: ranking.Method | None = None,
) -> AccuracyReport:
    """Return error rates of the desil cut-off (and, with the truth, of each programme's list).

    With ``truth`` (a synthetic release's ``truth/`` folder) every family's poverty is known;
    ``welfare`` adds the same cut-off on the saved PMT ranking (``predicted_desil_1_<k>``), so
    the official and the predicted desil can be compared.
    Without it the survey measures the cut-off applied to a PMT desil: each survey household's
    cross-validated PMT prediction placed among the registry's predicted-desil cut points,
    against poverty by consumption, with Taylor-linearised SEs.
    """
    if not 1 <= cutoff <= 10:
        raise UsageError("cutoff", "--cutoff harus 1 sampai 10", param="cutoff")
    with opened(settings, name) as o:
        if truth is not None:
            return _accuracy_truth(o, truth, links, cutoff, target, by, welfare)
        return _accuracy_survey(o, cutoff, by, method, line)


def _truth_families(o: Opened, folder: Path) -> Table:
    for suffix in ("parquet", "csv"):
        path = folder / f"families.{suffix}"
        if path.is_file():
            if suffix == "parquet":
                return eng.table(o.engine, path)
            raw = eng.read_csv(o.engine, path, [])
            return raw.mutate(**{
                c: raw[c].lower() == "true" for c in raw.columns
                if c in ("poor", "extreme_poor") or c.startswith(("eligible_", "receives_"))
            })  # fmt: skip
    raise UsageError("truth_missing", f"{folder}: families.parquet/csv tidak ada", param="truth")


def _accuracy_truth(
    o: Opened,
    folder: Path,
    links: Path | None,
    cutoff: int,
    target: Target,
    by: str | None,
    welfare: ranking.Method | None,
) -> AccuracyReport:
    truth = _truth_families(o, folder)
    keep = [c for c in truth.columns if c != "family_id"]
    fam = o.families.select("family_id", "desil", kecamatan=o.families.desa_code.substr(0, 8))
    table = fam.inner_join(truth.select("family_id", *keep), "family_id")
    programmes = [c.removeprefix("receives_") for c in keep if c.startswith("receives_")]
    if links is not None:
        link_table, _ = load_links(o, links, programmes)
        got = cv.receipt(link_table, o.persons, programmes).rename(
            {f"linked_{p}": f"receives_{p}" for p in programmes}
        )
        table = left_join(table, got, "family_id")
    if welfare is not None:
        ranked = eng.table(o.engine, welfare_path(o, welfare))
        table = left_join(table, ranked.select("family_id", "predicted_desil"), "family_id")
    measures: list[tuple[str, Any]] = [(f"desil_1_{cutoff}", table.desil <= cutoff)]
    if welfare is not None:
        measures.append((f"predicted_desil_1_{cutoff}", table.predicted_desil <= cutoff))
    for p in programmes:
        column = f"linked_{p}" if links is not None else f"receives_{p}"
        measures.append((f"programme_{p}", table[column].fill_null(False)))
    blocks = []
    for measure, covered in measures:
        t = table.mutate(covered=covered)
        overall = eng.fetch(acc.counts(t, t[target], t.covered))
        grouped = eng.fetch(acc.counts(t, t[target], t.covered, by=by)) if by else None
        blocks.append(
            acc.rates_table(
                grouped if grouped is not None else overall,
                measure=measure,
                by=by,
                overall=overall if grouped is not None else None,
            )
        )
    rows = pa.concat_tables(blocks)
    rows = rows.append_column("target_group", pa.array([target] * rows.num_rows))
    return AccuracyReport(o.release.name, "truth", rows, ())


def _accuracy_survey(
    o: Opened, cutoff: int, by: str | None, method: ranking.Method, line: float | None
) -> AccuracyReport:
    survey = eng.fetch(eng.table(o.engine, o.release.path_of("survey")))
    inputs = eng.fetch(survey_inputs(eng.table(o.engine, survey)))
    model = ranking.fit_pmt(inputs, method=method)
    kept, predicted = ranking.cross_validated(inputs, model)
    features = family_features(o.families, o.persons, on=o.on)
    cuts = ranking.desil_cuts(materialise(o, ranking.rank_registry(features, model), "ranked"))
    desil = ranking.desil_of(predicted, cuts)
    z = line if line is not None else _poverty_line(o)
    ids = kept.column("unit_id").to_pylist()
    index = {h: i for i, h in enumerate(survey.column("household_id").to_pylist())}
    rows = survey.take(pa.array([index[h] for h in ids]))
    expenditure = np.asarray(rows.column("expenditure_per_capita").to_pylist(), float)
    poor = expenditure < z
    covered = desil <= cutoff
    frame = (
        rows.append_column("poor", pa.array(poor.astype(float)))
        .append_column("covered", pa.array(covered.astype(float)))
        .append_column("predicted_desil", pa.array(desil.astype(np.int64)))
        .append_column("kecamatan", pa.array([c[:8] for c in rows.column("desa_code").to_pylist()]))
    )
    # Ultimate-cluster variance (PSUs within strata, no fpc); lonely PSUs as R "adjust".
    design = survey_design("weight", strata="stratum", psu="psu", lonely_psu="adjust")
    domain = {"desil": "predicted_desil", "kecamatan": "kecamatan"}.get(by or "")
    out = acc.design_rates(eng.table(o.engine, frame), design, target="poor", covered="covered",
                           by=domain, measure=f"desil_1_{cutoff}_pmt", label=by)  # fmt: skip
    out = out.append_column("line", pa.array([z] * out.num_rows, pa.float64()))
    note = Finding(
        "pmt_desil",
        "survey households placed in the registry's PMT desil by their cross-validated PMT "
        "prediction; the official desil is not in the survey",
    )
    findings = (*model.findings, note)
    return AccuracyReport(o.release.name, "survey", out, findings)


def _poverty_line(o: Opened) -> float:
    region = o.release.region or "00"
    return params.poverty_line("poverty", region, o.on).value


def welfare_path(o: Opened, method: ranking.Method) -> Path:
    """Return the saved PMT ranking of ``method`` (``rpkd target rank``); fail if absent."""
    path = o.derived / f"welfare_{method}.parquet"
    if not path.is_file():
        raise UsageError(
            "welfare_missing",
            f"peringkat {method} belum ada ({path}): jalankan rpkd target rank --method "
            f"{method} --release {o.release.name}",
            param="welfare",
        )
    return path
