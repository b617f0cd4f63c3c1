"""Use cases of ``rpkd target``: eligibility, the programme catalogue, ranking and its accuracy.

Each opens a release of the workspace (:func:`opened`) on the workspace's engine, builds the
targeting queries and returns a frozen result (``to_arrow()``, ``to_json()``, and
``readable()``: the table an officer reads, columns named by their catalogue label keys
``target.column.<name>`` and areas named beside their codes). Convergence and the verification
lists, which read the same opened release, are in :mod:`rpkd.workflows.convergence`. Parameters
(programmes, poverty lines) come from the workspace's kit, overrides included.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import pyarrow as pa

from rpkd import engine as eng
from rpkd import locale, regions
from rpkd.errors import InvalidInput, UsageError
from rpkd.releases.catalog import Release, open_release
from rpkd.targeting import convergence as cv
from rpkd.targeting import ranking
from rpkd.targeting.eligibility import Catalogue, eligibility, summary
from rpkd.targeting.features import FAMILY_FEATURES, PERSON_FEATURES
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from ibis.expr.types import Table

    from rpkd.findings import Finding
    from rpkd.workflows.workspace import Workspace

C = TypeVar("C", bound=str)
EligibilityView = Literal["counts", "catalogue", "columns"]
LEVELS: tuple[cv.Level, ...] = tuple(cv.LEVELS)
METHODS: tuple[ranking.Method, ...] = ranking.METHODS
RANK_VIEWS: tuple[str, ...] = ("quality", "coefficients", "crosstab")
COLUMN = "target.column."
"""Prefix of the label keys that name the columns of a ``readable()`` table."""
CellKind = Literal["percent", "integer", "rupiah"]
CELLS: dict[str, CellKind] = {
    **{COLUMN + c: "percent" for c in ("coverage", "coverage_of_eligible", "outside_rule",
                                      "exclusion", "inclusion", "exclusion_se", "inclusion_se")},
    **{COLUMN + c: "integer" for c in ("target", "covered", "both", "population", "units")},
    COLUMN + "line": "rupiah",
    COLUMN + "max_annual_amount": "rupiah",
}  # fmt: skip
"""How the cells of a ``readable()`` table are shown (kinds of :func:`rpkd.cli.common.cell`)."""


def readable(table: pa.Table, *, area: str | None = None) -> pa.Table:
    """Return ``table`` for reading: ``area`` codes named beside them, label-key column names.

    Examples
    --------
    >>> shown = readable(pa.table({"area": ["62.03.01"], "coverage": [0.1]}), area="area")
    >>> shown.column_names
    ['target.column.area', 'target.column.area_name', 'target.column.coverage']
    >>> shown["target.column.area_name"].to_pylist()
    ['Selat']
    """
    if area is not None and area in table.column_names:
        codes = [c if isinstance(c, str) else "" for c in table.column(area).to_pylist()]
        names = regions.names(codes)
        if any(names):  # region codes (not desil numbers): name them
            at = table.column_names.index(area) + 1
            table = table.add_column(at, f"{area}_name", pa.array(names, pa.string()))
    return table.rename_columns([COLUMN + c for c in table.column_names])


# --- an opened release ---------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """An open release: workspace, registry tables, reference date and working folders."""

    ws: Workspace
    release: Release
    families: Table
    persons: Table
    on: date
    scratch: Path
    derived: Path

    @property
    def engine(self) -> eng.Engine:
        return self.ws.engine


@contextmanager
def opened(ws: Workspace, release: Release, *, on: date | None = None) -> Iterator[Opened]:
    """Open ``release`` on the workspace's engine with a scratch folder for this use."""
    engine = ws.engine
    with tempfile.TemporaryDirectory(prefix="rpkd-target-") as scratch:
        yield Opened(
            ws, release,
            eng.table(engine, release.path_of("families")),
            eng.table(engine, release.path_of("persons")),
            on or release.reference_date, Path(scratch),
            ws.path / "derived" / release.name / "targeting",
        )  # fmt: skip


def materialise(o: Opened, expr: Table, stem: str) -> Table:
    """Write ``expr`` once to the scratch folder and read it back (queries reuse the result)."""
    path = o.scratch / f"{stem}.parquet"
    eng.write_parquet(o.engine, expr, path)
    return eng.table(o.engine, path)


def level_of(level: str) -> cv.Level:
    """Return ``level`` checked against :data:`LEVELS` (a usage error otherwise)."""
    for known in LEVELS:
        if known == level:
            return known
    raise UsageError("area_level_unknown", param="level", value=level, allowed=LEVELS)


def choose(value: str, allowed: tuple[C, ...], name: str) -> C:
    """Return ``value`` as one of ``allowed``; a usage error naming option ``--name`` otherwise."""
    for known in allowed:
        if known == value:
            return known
    raise UsageError("choice_invalid", param=name, flag=f"--{name}", value=value, allowed=allowed)


# --- links ---------------------------------------------------------------------------------


def load_links(o: Opened, source: Path | None, programmes: Sequence[str]) -> tuple[Table, str]:
    """Return links ``programme, record, person_id`` and how they were obtained.

    ``source`` is a file with those columns (CSV, XLSX or Parquet, read by :mod:`rpkd.inputs`),
    or a folder of per-programme files ``links_<programme>.csv|parquet`` with ``record,
    person_id`` (as ``rpkd link`` output or the synthetic truth). Without a source, list
    records are linked by exact NIK where the NIK belongs to exactly one registry person.
    """
    from rpkd import inputs

    if source is None:
        return _nik_links(o), "nik"
    if source.is_dir():
        parts = []
        for programme in programmes:
            found = [source / f"links_{programme}.{s}" for s in ("parquet", "csv", "xlsx")]
            path = next((p for p in found if p.is_file()), None)
            if path is not None:
                read = inputs.read(path, required=("record", "person_id")).table
                parts.append(
                    read.select(["record", "person_id"]).append_column(
                        "programme", pa.array([programme] * read.num_rows, pa.string())
                    )
                )
        if not parts:
            raise InvalidInput("target_links_missing", param="links", folder=str(source))
        table = pa.concat_tables(parts)
    elif source.is_file():
        table = inputs.read(source, required=("programme", "record", "person_id")).table
    else:
        raise UsageError("target_links_not_found", param="links", path=str(source))
    links = eng.table(o.engine, table.select(["programme", "record", "person_id"]))
    person = links.person_id.cast("string").strip()
    return links.select(
        programme=links.programme.cast("string"),
        record=links.record.cast("string"),
        person_id=(person == "").ifelse(None, person),
    ), "file"


def _nik_links(o: Opened) -> Table:
    lists = eng.table(o.engine, o.release.path_of("beneficiaries"))
    p = o.persons.filter(o.persons.nik.notnull())
    unique = p.group_by("nik").aggregate(n=p.count(), person_id=p.person_id.min())
    unique = unique.filter(unique.n == 1).select("nik", "person_id")
    joined = lists.left_join(unique, lists.nik == unique.nik)
    return joined.select(
        programme=joined.programme, record=joined.record.cast("string"), person_id=joined.person_id
    )


# --- eligibility, the catalogue and the derived columns ------------------------------------


@dataclass(frozen=True)
class EligibilityReport:
    """Eligible families (and persons) per programme, for the whole release or by area."""

    release: str
    on: date
    level: cv.Level
    counts: pa.Table

    def to_arrow(self) -> pa.Table:
        """Return one row per area and programme: eligible families and persons."""
        return self.counts

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.counts)

    def readable(self) -> pa.Table:
        return readable(self.counts, area="area")


@dataclass(frozen=True)
class CatalogueView:
    """The programme catalogue: unit, rule and largest annual transfer in ``year``."""

    year: int
    table: pa.Table

    def to_arrow(self) -> pa.Table:
        return self.table

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.table)

    def readable(self) -> pa.Table:
        return readable(self.table)


@dataclass(frozen=True)
class ColumnsView:
    """The columns an eligibility rule may use beyond the release's: derived and predicates."""

    table: pa.Table

    def to_arrow(self) -> pa.Table:
        return self.table

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.table)

    def readable(self) -> pa.Table:
        return readable(self.table)


def _catalogue(ws: Workspace) -> Catalogue:
    from rpkd.workflows.rules import effective_catalogue

    return effective_catalogue(ws)


def eligibility_report(
    ws: Workspace,
    name: str,
    *,
    level: str = "kabupaten",
    programmes: Sequence[str] | None = None,
    on: date | None = None,
) -> EligibilityReport:
    """Apply the catalogue's rules to release ``name``; return eligible counts per programme.

    Needs ``aggregate.read`` on the release's region (the whole district).
    """
    from rpkd.access.roles import Scope
    from rpkd.workflows import gate

    chosen_level = level_of(level)
    release = open_release(ws.path, name)
    gate.authorise(ws.actor, "aggregate.read", Scope(region=release.region))
    cat = _catalogue(ws)
    chosen = list(programmes) if programmes else list(cat.codes)
    for code in chosen:
        cat.programme(code)
    with opened(ws, release, on=on) as o:
        table = eligibility(o.families, o.persons, cat, on=o.on, programmes=chosen)
        by = cv.LEVELS[chosen_level]
        grouped = summary(table, cat, by=by)
        counts = eng.fetch(grouped.order_by(by) if by else grouped)
    rows = []
    for r in counts.to_pylist():
        for code in chosen:
            rows.append({
                "level": chosen_level, "area": None if by is None else str(r[by]),
                "programme": code, "unit": cat.programme(code).unit, "families": r["families"],
                "eligible_families": r[f"eligible_{code}"],
                "eligible_persons": r.get(f"n_eligible_{code}"),
            })  # fmt: skip
    return EligibilityReport(name, o.on, chosen_level, pa.Table.from_pylist(rows))


def programme_catalogue(ws: Workspace, *, year: int | None = None) -> CatalogueView:
    """Return the workspace's programme catalogue with the amounts valid in ``year`` (this year)."""
    chosen = year if year is not None else date.today().year
    return CatalogueView(chosen, _catalogue(ws).to_arrow(chosen))


def derived_columns(ws: Workspace) -> ColumnsView:
    """Return the derived columns and catalogue predicates rules may use, labelled in ws.lang."""
    rows = [
        {"column": f.name, "type": f.dtype, "label": locale.label(f"feature.{f.name}", ws.lang),
         "definition": f.definition}
        for f in (*FAMILY_FEATURES, *PERSON_FEATURES)
    ]  # fmt: skip
    rows += [
        {"column": p.name, "type": "bool", "label": p.label_en if ws.lang == "en" else p.label_id,
         "definition": p.rule.text}
        for p in _catalogue(ws).predicates
    ]  # fmt: skip
    return ColumnsView(pa.Table.from_pylist(rows))


def eligibility_view(
    ws: Workspace,
    release: str | None = None,
    *,
    view: EligibilityView = "counts",
    level: str = "kabupaten",
    programmes: Sequence[str] | None = None,
) -> EligibilityReport | CatalogueView | ColumnsView:
    """Return what ``rpkd target eligibility`` shows: counts, the catalogue or the columns."""
    if view == "catalogue":
        return programme_catalogue(ws)
    if view == "columns":
        return derived_columns(ws)
    if release is None:
        raise UsageError("eligibility_release_required", param="release")
    return eligibility_report(ws, release, level=level, programmes=programmes)


# --- ranking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingReport:
    """A fitted PMT, the official × predicted desil cross-tab and their rank correlation."""

    release: str
    model: ranking.PmtModel
    crosstab: pa.Table
    rank_correlation: float
    saved: Path | None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.model.findings

    def to_arrow(self) -> pa.Table:
        """Return the fit measures (with the rank correlation)."""
        quality = self.model.quality_table()
        extra = pa.table({"measure": ["rank_correlation"], "value": [self.rank_correlation]})
        return pa.concat_tables([quality, extra])

    def to_json(self) -> dict[str, Any]:
        """Return the model, its fit, the cross-tab and where the ranking was saved."""
        m = self.model
        return {
            "method": m.method,
            "penalty": m.penalty,
            "quality": {r["measure"]: r["value"] for r in m.quality_table().to_pylist()},
            "rank_correlation": self.rank_correlation,
            "coefficients": dict(zip(m.terms, m.coefficients, strict=True)),
            "crosstab": records(self.crosstab),
            "saved": str(self.saved) if self.saved else None,
        }

    def view(self, show: str) -> pa.Table:
        """Return one view of :data:`RANK_VIEWS`: quality, coefficients or crosstab."""
        chosen = choose(show, RANK_VIEWS, "show")
        if chosen == "coefficients":
            return self.model.to_arrow()
        return self.crosstab if chosen == "crosstab" else self.to_arrow()

    def readable(self, show: str = "quality", lang: locale.Lang = "id") -> pa.Table:
        """Return one view for reading (the fit measures named in ``lang``)."""
        table = self.view(show)
        if show in ("quality",):
            names = [
                locale.label(f"target.measure.{m}", lang) for m in table["measure"].to_pylist()
            ]
            table = table.set_column(0, "measure", pa.array(names, pa.string()))
        return readable(table)


def _fit(o: Opened, method: ranking.Method, folds: int, seed: int) -> ranking.PmtModel:
    from rpkd.targeting.pmt_design import survey_inputs

    survey = eng.table(o.engine, o.release.path_of("survey"))
    return ranking.fit_pmt(eng.fetch(survey_inputs(survey)), method=method, folds=folds, seed=seed)


def ranking_report(
    ws: Workspace,
    name: str,
    *,
    method: str = "ols",
    folds: int = 5,
    seed: int = 20250301,
    save: bool = True,
) -> RankingReport:
    """Fit the PMT on the release's survey, rank its families, compare with the official desil.

    With ``save`` the per-family predicted welfare and desil are written to
    ``<workspace>/derived/<release>/targeting/welfare_<method>.parquet`` with the parameters
    that produced them beside it (``.json``); the release itself is never written.
    """
    from rpkd.targeting.features import family_features

    chosen = choose(method, METHODS, "method")
    with opened(ws, open_release(ws.path, name)) as o:
        model = _fit(o, chosen, folds, seed)
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


def welfare_path(o: Opened, method: ranking.Method) -> Path:
    """Return the saved PMT ranking of ``method`` (``rpkd target rank``); fail if absent."""
    path = o.derived / f"welfare_{method}.parquet"
    if not path.is_file():
        raise UsageError("target_welfare_missing", param="welfare", method=method,
                         release=o.release.name, path=str(path))  # fmt: skip
    return path
