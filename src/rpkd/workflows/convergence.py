"""Use cases of ``rpkd target``: convergence of programmes and the desa verification lists.

Both open a release (:func:`rpkd.workflows.targeting.opened`), build the programme matrix and
return frozen results for the interfaces to render. Personal data leave this module only
through :func:`_personal_export`, which checks the acting user's permission (``rpkd.access``),
masks by default and appends every export to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd import engine as eng
from rpkd import regions
from rpkd.access import audit, users
from rpkd.access.roles import Scope, require
from rpkd.releases.catalog import Release, open_release
from rpkd.settings import Settings
from rpkd.store import open_database, session
from rpkd.targeting import convergence as cv
from rpkd.targeting import lists as vl
from rpkd.targeting import ranking
from rpkd.targeting.eligibility import Catalogue, catalogue, eligibility
from rpkd.targeting.features import left_join
from rpkd.workflows.targeting import Opened, load_links, materialise, opened, welfare_path

if TYPE_CHECKING:
    from ibis.expr.types import Table


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
    link_table = materialise(o, link_table, "links")
    elig = eligibility(o.families, o.persons, cat, on=o.on)
    if welfare is not None:
        ranked = eng.table(o.engine, welfare_path(o, welfare)).select("family_id", *cv.PREDICTED)
        elig = left_join(elig, ranked, "family_id")
    return materialise(o, cv.matrix(elig, link_table, o.persons, cat), "matrix"), link_table, how


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
