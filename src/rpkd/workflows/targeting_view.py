"""Use cases of the page *Sasaran*: the coverage matrix and the left-out families of a desa.

:func:`coverage_matrix` counts, for an area (the district, a kecamatan or a desa) and each area
one level below it, the families of each desil, those a programme's rule makes eligible, those
on the programme's list (linked by NIK, :func:`rpkd.workflows.targeting.load_links`) and those
both: the programme × desil × area matrix, drilled down kabupaten → kecamatan → desa as the
poverty profile is. It needs ``aggregate.read`` on the area; an actor who may not read the
area's records sees cells of fewer than the kit's ``min_cell`` families suppressed (as the
profile). :func:`left_out_families` lists by name the desil 1–2 families of one desa that
receive no programme (the exclusion list of :func:`rpkd.workflows.convergence.convergence_report`
limited to the desa): personal data, masked unless asked and allowed, every view audited.
The eligibility rules are the workspace's (:func:`rpkd.workflows.rules.effective_catalogue`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd import engine as eng
from rpkd import regions
from rpkd.access import masking
from rpkd.access.roles import Scope, allowed
from rpkd.errors import NotFound
from rpkd.targeting import convergence as cv
from rpkd.workflows import cache, gate
from rpkd.workflows.area_profile import (
    BELOW,
    Place,
    _newest,
    _place,
    _readable,
    _registries,
    _trail,
)
from rpkd.workflows.results import records
from rpkd.workflows.rules import effective_catalogue, keyed_catalogue
from rpkd.workflows.targeting import opened

if TYPE_CHECKING:
    from rpkd.releases.catalog import Release
    from rpkd.targeting.eligibility import Catalogue
    from rpkd.workflows.accuracy import AccuracyReport
    from rpkd.workflows.workspace import Workspace

__all__ = ["BANDS", "LEFT_OUT_DESIL", "CoverageMatrix", "LeftOutFamilies", "coverage_matrix",
           "district_accuracy", "left_out_families"]  # fmt: skip

LEFT_OUT_DESIL = 2
"""Families of desil 1 to this one that receive no programme are "left out" (Inpres 8/2025)."""
BANDS: tuple[int, ...] = (2, 4, 10)
"""Desil bands the matrix by area may show: desil 1–2, 1–4, all."""
_MATRICES: cache.ResultCache[pa.Table] = cache.ResultCache(64)
"""The coverage matrix's counts by release, catalogue (the kit's and the saved rules) and area:
a page served again reads them, not the registry (a new rule or release makes a new key)."""
_COUNTS = ("families", "eligible", "recipients", "eligible_recipients")


@dataclass(frozen=True)
class CoverageMatrix:
    """Families, eligible, recipients per programme × desil for an area and the areas below.

    ``rows``: one row per ``area`` (the area itself and each area below it), ``programme``
    (each of the catalogue and ``any``: at least one) and ``desil`` (1–10, None: no desil),
    with ``families``, ``eligible``, ``recipients``, ``eligible_recipients`` (null when
    ``suppressed``).
    """

    release: str
    reference_date: date
    area: Place
    trail: tuple[Place, ...]
    children: str | None
    programmes: tuple[tuple[str, str, str], ...]
    rows: pa.Table
    public: bool
    min_cell: int
    records: bool
    releases: tuple[str, ...]

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "area": self.area.code, "public": self.public,
                "rows": records(self.rows)}  # fmt: skip

    def programme_codes(self) -> tuple[str, ...]:
        """Return the programmes of the matrix and ``any``, in order."""
        return (*(p[0] for p in self.programmes), cv.ANY)

    def by_desil(self) -> pa.Table:
        """Return the area's own coverage: one row per programme, ``desil_1`` … ``desil_10``
        (recipients / families of that desil) and ``all``."""
        own = [r for r in self.rows.to_pylist() if r["area"] == self.area.code]
        out = []
        for code in self.programme_codes():
            mine = [r for r in own if r["programme"] == code]
            row: dict[str, Any] = {"programme": code}
            for d in range(1, 11):
                row[f"desil_{d}"] = _rate([r for r in mine if r["desil"] == d])
            row["all"] = _rate(mine)
            out.append(row)
        return pa.Table.from_pylist(out)

    def by_area(self, band: int = LEFT_OUT_DESIL) -> pa.Table:
        """Return one row per area below (the area itself for a desa): its families of desil
        1–``band``, each programme's coverage of them, and those receiving nothing (``left_out``)."""
        rows = [r for r in self.rows.to_pylist() if r["desil"] is not None and r["desil"] <= band]
        areas = [a for a in dict.fromkeys(self.rows.column("area").to_pylist())
                 if a != self.area.code or self.children is None]  # fmt: skip
        grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            grouped[(r["area"], r["programme"])].append(r)
        names = dict(zip(areas, regions.names(areas), strict=True))
        out = []
        for area in areas:
            anyone = grouped[(area, cv.ANY)]
            families = _sum(anyone, "families")
            reached = _sum(anyone, "recipients")
            row: dict[str, Any] = {"area": area, "name": names[area] or area, "families": families}
            for code in self.programme_codes():
                row[code] = _rate(grouped[(area, code)])
            row["left_out"] = None if families is None or reached is None else families - reached
            out.append(row)
        return pa.Table.from_pylist(out)


def _sum(rows: list[dict[str, Any]], key: str) -> int | None:
    if any(r[key] is None for r in rows):
        return None
    return sum(int(r[key]) for r in rows)


def _rate(rows: list[dict[str, Any]]) -> float | None:
    families, reached = _sum(rows, "families"), _sum(rows, "recipients")
    if not families or reached is None:
        return None
    return reached / families


def _release(ws: Workspace, release: str | None, area: str | None) -> Release:
    from rpkd.releases.catalog import open_release

    if release is not None:
        return open_release(ws.path, release)
    chosen = _newest(_readable(ws, area)) or _newest(_registries(ws))
    if chosen is None:
        raise NotFound("profile_no_release", param="release")
    return chosen


def _unit(place: Place) -> str:
    return {"kabupaten": "kecamatan_code", "kecamatan": "desa_code"}.get(place.depth, "desa_code")


def coverage_matrix(
    ws: Workspace, release: str | None = None, *, area: str | None = None
) -> CoverageMatrix:
    """Return the coverage matrix of ``area`` in ``release`` (see the module's description).

    ``release`` defaults to the newest release the actor may read; ``area`` to its district
    (or the region of the actor's grant).
    """
    from rpkd.measures.characteristics import criteria

    wanted = None if not area else regions.region(area).code
    chosen = _release(ws, release, wanted)
    if chosen.region is None:
        raise NotFound("release_region_missing", param="release", release=chosen.name)
    place = _place(ws, chosen, wanted)
    if not regions.contains(chosen.region, place.code):
        raise NotFound("profile_area_outside", param="area", area=place.code, release=chosen.name,
                       region=chosen.region)  # fmt: skip
    gate.authorise(ws.actor, "aggregate.read", Scope(region=place.code))
    public = not allowed(ws.actor.grants, "records.read", Scope(region=place.code))
    min_cell = criteria(ws.kit.document("profile")).min_cell
    cat, cat_key = keyed_catalogue(ws)
    key = cache.digest("coverage", str(ws.path.resolve()), chosen.name,
                       cache.release_digest(chosen), cat_key, place.code)  # fmt: skip
    counts = _MATRICES.get(key, lambda: _counts(ws, chosen, cat, place))[0]
    rows = _long(counts.to_pylist(), (*cat.codes, cv.ANY), place, public, min_cell)
    return CoverageMatrix(
        release=chosen.name,
        reference_date=chosen.reference_date,
        area=place,
        trail=tuple(_trail(ws, place)),
        children=BELOW[place.depth],
        programmes=tuple((p.code, p.name_id, p.name_en) for p in cat.programmes),
        rows=rows,
        public=public,
        min_cell=min_cell,
        records=not public,
        releases=tuple(r.name for r in _readable(ws, wanted)),
    )


def _counts(ws: Workspace, release: Release, cat: Catalogue, place: Place) -> pa.Table:
    """Return the families, eligible, recipients and both by area below ``place`` and desil."""
    from rpkd.workflows.convergence import _matrix

    with opened(ws, release) as o:
        m, _, _ = _matrix(o, cat, None)
        if place.depth != "kabupaten":
            m = m.filter(m.desa_code.startswith(place.code))
        unit = _unit(place)
        metrics: dict[str, Any] = {"families": m.count()}
        eligible_any = None
        for code in cat.codes:
            elig, rec = m[f"eligible_{code}"], m[f"receives_{code}"]
            eligible_any = elig if eligible_any is None else eligible_any | elig
            metrics[f"eligible__{code}"] = elig.cast("int64").sum()
            metrics[f"recipients__{code}"] = rec.cast("int64").sum()
            metrics[f"both__{code}"] = (elig & rec).cast("int64").sum()
        if eligible_any is not None:
            metrics[f"eligible__{cv.ANY}"] = eligible_any.cast("int64").sum()
            metrics[f"both__{cv.ANY}"] = (eligible_any & m.receives_any).cast("int64").sum()
        metrics[f"recipients__{cv.ANY}"] = m.receives_any.cast("int64").sum()
        return eng.fetch(
            m.group_by(area=m[unit].cast("string"), desil=m.desil.cast("int64")).aggregate(
                **metrics
            )
        )


def _long(
    counts: list[dict[str, Any]], codes: tuple[str, ...], place: Place, public: bool,
    min_cell: int,
) -> pa.Table:  # fmt: skip
    """Return the grouped counts in long form, with the area's own rows (their sums) first."""
    own: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in counts:
        for key, value in r.items():
            if key not in ("area", "desil") and value is not None:
                own[r["desil"]][key] += int(value)
    blocks = [{**v, "area": place.code, "desil": d} for d, v in own.items()]
    if place.depth != "desa":
        blocks += sorted(counts, key=lambda r: (r["area"], r["desil"] or 99))
    out = []
    for r in blocks:
        families = int(r["families"])
        hidden = public and 0 < families < min_cell
        for code in codes:
            values = {
                "families": families,
                "eligible": r.get(f"eligible__{code}", 0),
                "recipients": r.get(f"recipients__{code}", 0),
                "eligible_recipients": r.get(f"both__{code}", 0),
            }
            out.append({"area": r["area"], "programme": code, "desil": r["desil"],
                        **{k: None if hidden else int(v or 0) for k, v in values.items()},
                        "suppressed": hidden})  # fmt: skip
    schema = pa.schema([("area", pa.string()), ("programme", pa.string()), ("desil", pa.int64()),
                        *((c, pa.int64()) for c in _COUNTS), ("suppressed", pa.bool_())])  # fmt: skip
    return pa.Table.from_pylist(out, schema=schema)


@dataclass(frozen=True)
class LeftOutFamilies:
    """The desil 1–2 families of a desa that receive no programme (masked unless ``unmasked``)."""

    release: str
    desa: str
    name: str
    rows: pa.Table
    unmasked: bool
    may_unmask: bool

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows)


@gate.personal_data("target.left_out")
def left_out_families(
    ws: Workspace, release: str | None = None, *, desa: str, unmask: bool = False
) -> LeftOutFamilies:
    """Return the families of desil 1–:data:`LEFT_OUT_DESIL` in ``desa`` that receive nothing.

    The actor needs ``records.read`` on the desa (``personal_data.read`` with ``unmask``),
    checked before any query; one audit row records the view.
    """
    from rpkd.workflows.convergence import _desa_codes, _matrix

    code = _desa_codes([desa])[0]
    chosen = _release(ws, release, code)
    scopes = [Scope(region=code)]
    gate.authorise_records(ws, scopes, unmask=unmask)
    cat = effective_catalogue(ws)
    with opened(ws, chosen) as o:
        m, _, _ = _matrix(o, cat, None)
        m = m.filter(m.desa_code == code)
        found = eng.fetch(
            cv.exclusion(m, o.persons, condition=f"desil <= {LEFT_OUT_DESIL}", cat=cat)
        )
    eligible = [", ".join(p for p in cat.codes if r[f"eligible_{p}"]) for r in found.to_pylist()]
    found = found.select([c for c in found.column_names if not c.startswith("eligible_")])
    found = found.append_column("eligible_programmes", pa.array(eligible, pa.string()))
    gate.audit_records(ws, "target.left_out", release=chosen.name, scopes=scopes,
                       records=found.num_rows, unmask=unmask)  # fmt: skip
    if not unmask:
        found = masking.mask_table(found)
    return LeftOutFamilies(
        chosen.name, code, regions.names([code])[0] or code, found, unmask,
        allowed(ws.actor.grants, "personal_data.read", Scope(region=code)),
    )  # fmt: skip


def district_accuracy(
    ws: Workspace, release: str | None = None, *, cutoff: int = LEFT_OUT_DESIL
) -> AccuracyReport | None:
    """Return the survey's inclusion and exclusion errors (with SEs) of desil 1–``cutoff``
    for the district and by kecamatan (:func:`rpkd.workflows.accuracy.accuracy_report`), or
    None when the release holds no survey. Needs ``aggregate.read`` on the district."""
    from rpkd.workflows.accuracy import accuracy_report

    chosen = _release(ws, release, None)
    gate.authorise(ws.actor, "aggregate.read", Scope(region=chosen.region))
    if "survey" not in chosen.kinds:
        return None
    return accuracy_report(ws, chosen.name, cutoff=cutoff, by="kecamatan")
