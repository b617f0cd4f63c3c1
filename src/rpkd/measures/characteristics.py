"""Family characteristics of the registry as one engine query (RPKD chapter III).

Persons are reduced to one row per family (living members, ages at the reference date, the head's
sex and work), joined to the family's housing, and summed by desa and desil. The result is a small
table of integer counts: every later step (levels, shares, suppression) works on it outside the
engine, so DuckDB and Spark give identical figures.

References
----------
Criteria from ``rpkd/params/indonesia/profile.toml``: RTLH (BSPS/Rutilahu, facts.md §3), BPS
improved water and sanitation conventions, UU 13/1998 (elderly 60+).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

from rpkd import params
from rpkd.releases.schema import DISABILITY, WORK_STATUS

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, IntegerScalar, IntegerValue, Table

# Family-level characteristics, in the order they are reported (desil 1-4 table).
FAMILY_FLAGS: tuple[str, ...] = (
    "rtlh",
    "rtlh_wall",
    "rtlh_roof",
    "rtlh_floor",
    "rtlh_toilet",
    "rtlh_floor_area",
    "unsafe_water",
    "no_proper_sanitation",
    "no_electricity",
    "non_pln_electricity",
    "child_out_of_school",
    "head_not_working",
    "head_agriculture",
    "member_disability",
    "member_elderly",
    "female_head",
    "member_under_five",
    "member_pregnant",
    "member_jkn_uninsured",
)
# Person counts of vulnerable groups and the family flag that says how many families they come from.
PERSON_COUNTS: dict[str, str] = {
    "elderly_persons": "member_elderly",
    "disability_persons": "member_disability",
    "under_five_persons": "member_under_five",
    "pregnant_persons": "member_pregnant",
}
COUNT_COLUMNS: tuple[str, ...] = (
    "families",
    "persons",
    *FAMILY_FLAGS,
    *PERSON_COUNTS,
    "without_head",
    "mpi_poor",
    "mpi_points",
)


@dataclass(frozen=True)
class Criteria:
    """Code lists and thresholds that define each characteristic (see ``profile.toml``)."""

    perishable_wall: tuple[str, ...]
    perishable_roof: tuple[str, ...]
    damaged: tuple[str, ...]
    floor: tuple[str, ...]
    no_toilet: tuple[str, ...]
    floor_area_per_person: float
    unsafe_water: tuple[str, ...]
    improper_toilet: tuple[str, ...]
    improper_sewage: tuple[str, ...]
    no_electricity: tuple[str, ...]
    non_pln: tuple[str, ...]
    agriculture: tuple[str, ...]
    uninsured: tuple[str, ...]
    elderly_age: int
    under_five_age: int
    school_from: int
    school_to: int
    min_cell: int
    mpi_points: tuple[tuple[str, int], ...] = ()
    mpi_cutoff: int = 1


def load_criteria(workspace: Path | None = None) -> Criteria:
    """Return the profile criteria from the parameter kit (a workspace copy wins)."""
    doc: dict[str, Any] = params.load("profile", workspace=workspace)
    rtlh, ages = doc["rtlh"], doc["ages"]
    return Criteria(
        perishable_wall=tuple(rtlh["perishable_wall"]),
        perishable_roof=tuple(rtlh["perishable_roof"]),
        damaged=tuple(rtlh["damaged"]),
        floor=tuple(rtlh["floor"]),
        no_toilet=tuple(rtlh["no_toilet"]),
        floor_area_per_person=float(rtlh["floor_area_per_person"]),
        unsafe_water=tuple(doc["water"]["unsafe"]),
        improper_toilet=tuple(doc["sanitation"]["improper_toilet"]),
        improper_sewage=tuple(doc["sanitation"]["improper_sewage"]),
        no_electricity=tuple(doc["electricity"]["none"]),
        non_pln=tuple(doc["electricity"]["non_pln"]),
        agriculture=tuple(doc["work"]["agriculture"]),
        uninsured=tuple(doc["health"]["uninsured"]),
        elderly_age=int(ages["elderly"]),
        under_five_age=int(ages["under_five"]),
        school_from=int(ages["school_from"]),
        school_to=int(ages["school_to"]),
        min_cell=int(doc["disclosure"]["min_cell"]),
        mpi_points=tuple((str(k), int(v)) for k, v in doc["mpi"]["points"].items()),
        mpi_cutoff=int(doc["mpi"]["cutoff_points"]),
    )


def _one(condition: BooleanValue) -> IntegerValue:
    # CASE WHEN: an unknown (null) condition counts as 0 on every engine.
    return ibis.ifelse(condition, ibis.literal(1, "int64"), ibis.literal(0, "int64"))


def _total(condition: BooleanValue) -> IntegerScalar:
    return _one(condition).sum().cast("int64")


def _any(condition: BooleanValue) -> IntegerScalar:
    return _one(condition).max().cast("int64")


def living(persons: Table, reference_date: date) -> Table:
    """Return the persons alive at ``reference_date`` (no death date on or before it)."""
    return persons.filter(
        persons.death_date.isnull() | (persons.death_date.cast("date") > ibis.date(reference_date))
    )


def age_at(birth: Any, reference_date: date) -> IntegerValue:
    """Return completed years of age at ``reference_date`` (integer arithmetic, engine-neutral)."""
    born = birth.cast("date")
    later_in_year = (born.month() * 100 + born.day()) > (
        reference_date.month * 100 + reference_date.day
    )
    result: IntegerValue = (reference_date.year - born.year()).cast("int64") - _one(later_in_year)
    return result


def family_members(persons: Table, reference_date: date, criteria: Criteria) -> Table:
    """Return one row per family: living members, vulnerable members and the head's attributes."""
    alive = living(persons, reference_date)
    age = age_at(alive.birth_date, reference_date)
    head = alive.relation == "kepala_keluarga"
    disabled = alive.disability.isin([d for d in DISABILITY if d != "tidak"])
    not_working = alive.work_status.isin([w for w in WORK_STATUS if w != "bekerja"])
    out_of_school = alive.school_attendance.isin(["tidak_pernah", "tidak_sekolah_lagi"])
    return alive.group_by("family_id").aggregate(
        members=alive.count().cast("int64"),
        heads=_total(head),
        elderly_persons=_total(age >= criteria.elderly_age),
        disability_persons=_total(disabled),
        under_five_persons=_total(age < criteria.under_five_age),
        pregnant_persons=_total(alive.pregnant.cast("boolean")),
        child_out_of_school=_any(
            age.between(criteria.school_from, criteria.school_to) & out_of_school
        ),
        female_head=_any(head & (alive.sex == "P")),
        head_not_working=_any(head & not_working),
        head_agriculture=_any(
            head & (alive.work_status == "bekerja") & alive.sector.isin(list(criteria.agriculture))
        ),
        member_jkn_uninsured=_any(alive.jkn_status.isin(list(criteria.uninsured))),
    )


def desa_desil_counts(
    families: Table, persons: Table, *, reference_date: date, criteria: Criteria
) -> Table:
    """Return an expression: counts of families, persons and characteristics by desa and desil.

    One row per (``desa_code``, ``desil``) as stored in the release (codes are normalised later);
    every other column is an ``int64`` count. Families with no living member are left out.
    """
    members = family_members(persons, reference_date, criteria)
    f = families
    joined = f.inner_join(members, f.family_id == members.family_id)
    wall = joined.wall_material.isin(list(criteria.perishable_wall)) | joined.wall_condition.isin(
        list(criteria.damaged)
    )
    roof = joined.roof_material.isin(list(criteria.perishable_roof)) | joined.roof_condition.isin(
        list(criteria.damaged)
    )
    floor = joined.floor_material.isin(list(criteria.floor))
    toilet = joined.toilet.isin(list(criteria.no_toilet))
    crowded = (
        joined.floor_area_m2.cast("float64") / joined.members
    ) < criteria.floor_area_per_person
    flags: dict[str, Any] = {
        "rtlh_wall": _one(wall),
        "rtlh_roof": _one(roof),
        "rtlh_floor": _one(floor),
        "rtlh_toilet": _one(toilet),
        "rtlh_floor_area": _one(crowded),
        "unsafe_water": _one(joined.drinking_water.isin(list(criteria.unsafe_water))),
        "no_proper_sanitation": _one(
            joined.toilet.isin(list(criteria.improper_toilet))
            | joined.sewage.isin(list(criteria.improper_sewage))
        ),
        "no_electricity": _one(joined.electricity.isin(list(criteria.no_electricity))),
        "non_pln_electricity": _one(joined.electricity.isin(list(criteria.non_pln))),
        "member_disability": _one(joined.disability_persons > 0),
        "member_elderly": _one(joined.elderly_persons > 0),
        "member_under_five": _one(joined.under_five_persons > 0),
        "member_pregnant": _one(joined.pregnant_persons > 0),
        "without_head": _one(joined.heads == 0),
    }
    rows = joined.select(
        desa_code=joined.desa_code.cast("string"),
        desil=joined.desil.cast("int64"),
        persons=joined.members,
        rtlh=ibis.greatest(
            *(
                flags[k]
                for k in ("rtlh_wall", "rtlh_roof", "rtlh_floor", "rtlh_toilet", "rtlh_floor_area")
            )
        ),
        **flags,
        **{
            name: joined[name].fill_null(0)
            for name in (
                "child_out_of_school",
                "head_not_working",
                "head_agriculture",
                "female_head",
                "member_jkn_uninsured",
                *PERSON_COUNTS,
            )
        },
    )
    # Alkire-Foster score in integer points (exact on every engine); poor when score >= cut-off.
    points = ibis.literal(0, "int64")
    for name, weight in criteria.mpi_points:
        points = points + rows[name] * weight
    rows = rows.mutate(
        mpi_poor=_one(points >= criteria.mpi_cutoff),
        mpi_points=ibis.ifelse(points >= criteria.mpi_cutoff, points, ibis.literal(0, "int64")),
    )
    return rows.group_by(["desa_code", "desil"]).aggregate(
        families=rows.count().cast("int64"),
        **{name: rows[name].sum().cast("int64") for name in COUNT_COLUMNS if name != "families"},
    )
