"""Use cases of ``rpkd target``: convergence of programmes and the desa verification lists.

Both open a release (:func:`rpkd.workflows.targeting.opened`), build the family × programme
matrix and return frozen results. Their lists name families (head's name and NIK, KK number,
address): personal data. Both pass the one gate (:mod:`rpkd.workflows.gate`): the acting user
needs ``records.read`` on the release's region (or the desa asked for) to see them masked and
``personal_data.read`` to see them unmasked, checked before any query; every view or export
writes one audit row. Masking is :mod:`rpkd.access.masking`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from rpkd import engine as eng
from rpkd import regions
from rpkd.access import masking
from rpkd.access.roles import Scope
from rpkd.errors import InvalidInput, UnknownRegion
from rpkd.releases.catalog import open_release
from rpkd.targeting import convergence as cv
from rpkd.targeting import ranking
from rpkd.targeting.eligibility import Catalogue, eligibility
from rpkd.targeting.features import left_join
from rpkd.workflows import gate
from rpkd.workflows.results import records
from rpkd.workflows.rules import effective_catalogue
from rpkd.workflows.targeting import (
    CELLS,
    METHODS,
    Opened,
    choose,
    level_of,
    load_links,
    materialise,
    opened,
    readable,
    welfare_path,
)

if TYPE_CHECKING:
    from ibis.expr.types import Table

    from rpkd.workflows.workspace import Workspace

__all__ = [
    "CELLS",
    "VIEWS",
    "ConvergenceReport",
    "ListsResult",
    "convergence_report",
    "verification_lists",
]

VIEWS: tuple[str, ...] = ("coverage", "lists", "exclusion", "inclusion", "double", "deceased",
                          "gaps")  # fmt: skip
"""What ``rpkd target convergence --show`` may show."""
LISTS: tuple[str, ...] = ("exclusion", "inclusion", "double", "deceased", "gaps")
"""The by-name lists (personal data)."""


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
    unmasked: bool

    def view(self, show: str = "coverage") -> pa.Table:
        """Return one table of :data:`VIEWS`."""
        table: pa.Table = getattr(self, choose(show, VIEWS, "show"))
        return table

    def to_arrow(self) -> pa.Table:
        return self.coverage

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.coverage)

    def readable(self, show: str = "coverage") -> pa.Table:
        """Return one view for reading: areas and desa named beside their codes."""
        table = self.view(show)
        area = "area" if show == "coverage" and self.level in ("kecamatan", "desa") else "desa_code"
        return readable(table, area=area)


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


@gate.personal_data("target.convergence")
def convergence_report(
    ws: Workspace,
    name: str,
    *,
    links: Path | None = None,
    level: str = "kabupaten",
    condition: str = "desil = 1",
    welfare: str | None = None,
    unmask: bool = False,
) -> ConvergenceReport:
    """Return coverage and the convergence lists of release ``name`` (see :mod:`convergence`).

    ``welfare`` adds the saved PMT ranking of that method (``rpkd target rank``), so that the
    exclusion ``condition`` may use ``predicted_desil`` (e.g. ``predicted_desil = 1``). The
    lists are masked unless ``unmask`` (which needs ``personal_data.read``); one audit row
    records the view.
    """
    chosen_level = level_of(level)
    chosen_welfare = None if welfare is None else choose(welfare, METHODS, "welfare")
    cat = effective_catalogue(ws)
    release = open_release(ws.path, name)
    scopes = [Scope(region=release.region)]
    gate.authorise_records(ws, scopes, unmask=unmask)
    with opened(ws, release) as o:
        m, link_table, how = _matrix(o, cat, links, chosen_welfare)
        counts = eng.fetch(cv.coverage_counts(m, cat, chosen_level))
        tables = _lists(o, m, link_table, cat, condition)
        summary_table = eng.fetch(cv.list_summary(link_table, o.persons, on=o.on))
    gate.audit_records(ws, "target.convergence", release=release.name, scopes=scopes,
                       records=sum(t.num_rows for t in tables.values()), unmask=unmask)  # fmt: skip
    if not unmask:
        tables = {k: masking.mask_table(t) for k, t in tables.items()}
    return ConvergenceReport(
        release.name, chosen_level, how, cv.coverage_table(counts, cat, chosen_level),
        summary_table, tables["exclusion"], tables["inclusion"], tables["double"],
        tables["deceased"], tables["gaps"], unmask,
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


@dataclass(frozen=True)
class ListsResult:
    """Workbooks written, one per desa, and the number of rows per sheet."""

    release: str
    files: tuple[Path, ...]
    rows: pa.Table
    unmasked: bool

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows)

    def readable(self) -> pa.Table:
        """Return the rows for reading, desa named beside their codes."""
        return readable(self.rows, area="desa_code")


def _desa_codes(desa: Sequence[str]) -> list[str]:
    """Return the desa codes asked for, checked against the Kemendagri master (no query)."""
    wanted = []
    for text in desa:
        code = regions.parse_code(text)
        if regions.depth_of(code) != "desa" or not regions.exists(code):
            raise UnknownRegion("target_desa_unknown", param="desa", desa=code)
        wanted.append(code)
    return sorted(set(wanted))


@gate.personal_data("target.lists.export")
def verification_lists(
    ws: Workspace,
    name: str,
    out: Path,
    *,
    links: Path | None = None,
    condition: str = "desil = 1",
    welfare: str | None = None,
    desa: Sequence[str] = (),
    unmask: bool = False,
) -> ListsResult:
    """Write one XLSX per desa for the musyawarah desa and return what was written.

    ``desa`` limits the workbooks to those desa (each must be a desa of the release); the
    acting user needs ``records.read`` on each (``personal_data.read`` with ``unmask``), so a
    desa operator may export the lists of its own desa only. One audit row records the export.
    """
    from rpkd.reports.verification import verification_workbook

    chosen_welfare = None if welfare is None else choose(welfare, METHODS, "welfare")
    wanted = _desa_codes(desa)
    cat = effective_catalogue(ws)
    release = open_release(ws.path, name)
    scopes = [Scope(region=d) for d in wanted] or [Scope(region=release.region)]
    gate.authorise_records(ws, scopes, unmask=unmask)
    with opened(ws, release) as o:
        fam_desa = eng.fetch(o.families.select("family_id", "desa_code"))
        present = set(pc.unique(fam_desa.column("desa_code")).to_pylist())
        absent = [d for d in wanted if d not in present]
        if absent:
            raise InvalidInput("desa_not_in_release", param="desa", desa=absent, release=name)
        m, link_table, _ = _matrix(o, cat, links, chosen_welfare)
        tables = _lists(o, m, link_table, cat, condition)
    desa_of = dict(zip(fam_desa.column("family_id").to_pylist(),
                       fam_desa.column("desa_code").to_pylist(), strict=True))  # fmt: skip
    tables["deceased"] = tables["deceased"].append_column(
        "desa_code",
        pa.array([desa_of.get(f) for f in tables["deceased"].column("family_id").to_pylist()]),
    )
    codes = sorted({d for t in tables.values() for d in t.column("desa_code").to_pylist() if d})
    if wanted:
        codes = wanted
        tables = {k: _only(t, set(codes)) for k, t in tables.items()}
    gate.audit_records(ws, "target.lists.export", release=release.name, scopes=scopes,
                       records=sum(t.num_rows for t in tables.values()), unmask=unmask,
                       parameters={"desa": len(codes)})  # fmt: skip
    if not unmask:
        tables = {k: masking.mask_table(t) for k, t in tables.items()}
    out.mkdir(parents=True, exist_ok=True)
    files, rows = [], []
    places = dict(zip(codes, regions.names(codes), strict=True))
    for code in codes:
        per_desa = {k: _only(t, {code}) for k, t in tables.items()}
        path = out / f"verifikasi_{code}.xlsx"
        place = f"{places[code]} ({code})" if places[code] else code
        files.append(verification_workbook(path, place, per_desa, ws.lang))
        rows.append({"desa_code": code, "file": path.name,
                     **{k: t.num_rows for k, t in per_desa.items()}})  # fmt: skip
    return ListsResult(release.name, tuple(files), pa.Table.from_pylist(rows), unmask)


def _only(table: pa.Table, codes: set[str]) -> pa.Table:
    keep = [c in codes for c in table.column("desa_code").to_pylist()]
    return table.filter(pa.array(keep, pa.bool_()))
