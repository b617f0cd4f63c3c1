"""Use cases of ``rpkd target``: rank, accuracy, eligibility, convergence, verification lists.

Each opens a release of the workspace, builds the targeting queries on the configured engine
and returns frozen results for the interfaces to render. Personal data leave this module only
through :func:`_personal_export`, which checks the acting user's permission (``rpkd.access``),
masks by default and appends every export to the audit log.
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
from rpkd import params, regions
from rpkd.access import audit, users
from rpkd.access.roles import Scope, require
from rpkd.errors import InvalidInput, UsageError
from rpkd.releases.catalog import Release, open_release
from rpkd.settings import Settings
from rpkd.store import open_database, session
from rpkd.survey.design import design as survey_design
from rpkd.targeting import accuracy as acc
from rpkd.targeting import convergence as cv
from rpkd.targeting import lists as vl
from rpkd.targeting import ranking
from rpkd.targeting.eligibility import Catalogue, catalogue, eligibility, summary
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


def _materialise(o: Opened, expr: Table, stem: str) -> Table:
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
        ranked = _materialise(o, ranking.rank_registry(features, model), "ranked")
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
        ranked = eng.table(o.engine, _welfare_path(o, welfare))
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
    cuts = ranking.desil_cuts(_materialise(o, ranking.rank_registry(features, model), "ranked"))
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


# --- convergence and lists -----------------------------------------------------------------


@dataclass(frozen=True)
class ConvergenceReport:
    """Coverage by area, list linkage summary and the convergence lists (masked by default)."""

    release: str
    level: cv.Level
    links: str
    coverage: pa.Table
    lists: pa.Table
    exclusion: pa.Table
    inclusion: pa.Table
    double: pa.Table
    deceased: pa.Table
    gaps: pa.Table
    personal: bool

    def to_arrow(self) -> pa.Table:
        return self.coverage


def _matrix(
    o: Opened, cat: Catalogue, links: Path | None, welfare: ranking.Method | None = None
) -> tuple[Table, Table, str]:
    link_table, how = load_links(o, links, cat.codes)
    link_table = _materialise(o, link_table, "links")
    elig = eligibility(o.families, o.persons, cat, on=o.on)
    if welfare is not None:
        ranked = eng.table(o.engine, _welfare_path(o, welfare)).select("family_id", *cv.PREDICTED)
        elig = left_join(elig, ranked, "family_id")
    return _materialise(o, cv.matrix(elig, link_table, o.persons, cat), "matrix"), link_table, how


def _welfare_path(o: Opened, method: ranking.Method) -> Path:
    path = o.derived / f"welfare_{method}.parquet"
    if not path.is_file():
        raise UsageError(
            "welfare_missing",
            f"peringkat {method} belum ada ({path}): jalankan rpkd target rank --method "
            f"{method} --release {o.release.name}",
            param="welfare",
        )
    return path


def convergence_report(
    settings: Settings,
    name: str,
    *,
    links: Path | None = None,
    level: cv.Level = "kabupaten",
    condition: str = "desil = 1",
    welfare: ranking.Method | None = None,
    actor: str | None = None,
    personal: bool = False,
) -> ConvergenceReport:
    """Return coverage and the convergence lists of release ``name`` (see :mod:`convergence`).

    ``welfare`` adds the saved PMT ranking of that method (``rpkd target rank``), so that the
    exclusion ``condition`` may use ``predicted_desil`` (e.g. ``predicted_desil = 1``).
    """
    cat = catalogue(workspace=settings.workspace)
    _authorise(settings, actor, personal, [open_release(settings.workspace, name).region])
    with opened(settings, name) as o:
        m, link_table, how = _matrix(o, cat, links, welfare)
        counts = eng.fetch(cv.coverage_counts(m, cat, level))
        tables = _lists(o, m, link_table, cat, condition)
        summary_table = eng.fetch(cv.list_summary(link_table, o.persons, on=o.on))
    tables = _personal_export(settings, o.release, tables, actor=actor, personal=personal,
                              action="target.convergence")  # fmt: skip
    return ConvergenceReport(
        name, level, how, cv.coverage_table(counts, cat, level), summary_table,
        tables["exclusion"], tables["inclusion"], tables["double"], tables["deceased"],
        tables["gaps"], personal,
    )  # fmt: skip


def _lists(
    o: Opened, m: Table, links: Table, cat: Catalogue, condition: str
) -> dict[str, pa.Table]:
    excluded = eng.fetch(cv.exclusion(m, o.persons, condition=condition, cat=cat))
    eligible = [", ".join(p for p in cat.codes if r[f"eligible_{p}"]) for r in excluded.to_pylist()]
    excluded = excluded.select([c for c in excluded.column_names if not c.startswith("eligible_")])
    excluded = excluded.append_column("eligible_programmes", pa.array(eligible, pa.string()))

    def with_head(expr: Table) -> pa.Table:
        return eng.fetch(cv.with_head(expr, o.persons))

    people = o.persons.select("person_id", "name", "nik")
    dead = cv.deceased_recipients(links, o.persons, on=o.on)
    return {
        "exclusion": excluded,
        "inclusion": with_head(cv.inclusion(m, cat)),
        "double": with_head(cv.double_receipt(m, cat)),
        "deceased": eng.fetch(left_join(dead, people, "person_id")),
        "gaps": with_head(cv.gaps(m, cat)),
    }


def _authorise(
    settings: Settings, actor: str | None, personal: bool, areas: Sequence[str | None]
) -> None:
    """Fail early, before any query, when unmasked rows are asked for without permission."""
    if not personal:
        return
    engine = open_database(settings)
    try:
        with session(engine) as db:
            username, grants = users.acting(db, actor)
            for area in areas:
                require(grants, "personal_data.read", Scope(region=area), user=username)
    finally:
        engine.dispose()


def _personal_export(
    settings: Settings,
    release: Release,
    tables: dict[str, pa.Table],
    *,
    actor: str | None,
    personal: bool,
    action: str,
    areas: Sequence[str] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, pa.Table]:
    """Check permission, mask unless allowed, and audit: the one door for by-name rows.

    Unmasked rows need ``personal_data.read`` on every area exported (``areas``, else the
    release's region), so a desa operator may unmask the lists of its own desa only.
    """
    engine = open_database(settings)
    try:
        with session(engine) as db:
            username, grants = users.acting(db, actor)
            if personal:
                for area in areas or (release.region,):
                    require(grants, "personal_data.read", Scope(region=area), user=username)
            records = sum(t.num_rows for t in tables.values())
            audit.record(
                db, username, action, release=release.name, records=records,
                parameters={"unmasked": personal, **(extra or {})},
            )  # fmt: skip
    finally:
        engine.dispose()
    return {k: vl.mask(t, personal=personal) for k, t in tables.items()}


@dataclass(frozen=True)
class ListsResult:
    """Workbooks written, one per desa, and the number of rows per sheet."""

    release: str
    files: tuple[Path, ...]
    rows: pa.Table
    personal: bool

    def to_arrow(self) -> pa.Table:
        return self.rows


def verification_lists(
    settings: Settings,
    name: str,
    out: Path,
    *,
    links: Path | None = None,
    condition: str = "desil = 1",
    welfare: ranking.Method | None = None,
    desa: Sequence[str] = (),
    actor: str | None = None,
    personal: bool = False,
    lang: Literal["id", "en"] = "id",
) -> ListsResult:
    """Write one XLSX per desa for the musyawarah desa and return what was written."""
    cat = catalogue(workspace=settings.workspace)
    wanted = {regions.parse_code(d) for d in desa}
    region = open_release(settings.workspace, name).region
    _authorise(settings, actor, personal, sorted(wanted) or [region])
    with opened(settings, name) as o:
        m, link_table, _ = _matrix(o, cat, links, welfare)
        tables = _lists(o, m, link_table, cat, condition)
        fam_desa = eng.fetch(o.families.select("family_id", "desa_code"))
    desa_of = dict(zip(fam_desa.column("family_id").to_pylist(),
                       fam_desa.column("desa_code").to_pylist(), strict=True))  # fmt: skip
    tables["deceased"] = tables["deceased"].append_column(
        "desa_code",
        pa.array([desa_of.get(f) for f in tables["deceased"].column("family_id").to_pylist()]),
    )
    codes = sorted({d for t in tables.values() for d in t.column("desa_code").to_pylist() if d})
    if wanted:
        codes = [c for c in codes if c in wanted]
        tables = {k: _only(t, set(codes)) for k, t in tables.items()}
    tables = _personal_export(settings, o.release, tables, actor=actor, personal=personal,
                              action="target.lists.export", areas=codes,
                              extra={"desa": len(codes)})  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    files, rows = [], []
    for code in codes:
        per_desa = {k: _only(t, {code}) for k, t in tables.items()}
        path = out / f"verifikasi_{code}.xlsx"
        place = regions.name(code) if regions.exists(code) else code
        vl.write_workbook(path, f"{place} ({code})", per_desa, lang=lang)
        files.append(path)
        rows.append({"desa_code": code, "file": path.name,
                     **{k: t.num_rows for k, t in per_desa.items()}})  # fmt: skip
    return ListsResult(name, tuple(files), pa.Table.from_pylist(rows), personal)


def _only(table: pa.Table, codes: set[str]) -> pa.Table:
    keep = [c in codes for c in table.column("desa_code").to_pylist()]
    return table.filter(pa.array(keep, pa.bool_()))
