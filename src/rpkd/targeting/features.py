"""Derived family and person features: the documented columns eligibility rules may use.

A family's features are its registry columns (``families``) plus aggregates of its living
members (``persons``) at a reference date: the head's characteristics (``relation ==
"kepala_keluarga"``), counts by age and status, and housing ratios. Everything is an Ibis
expression, so it runs on DuckDB or Spark (DESIGN.md §5). Age is in completed years at ``on``;
a person whose ``death_date`` is on or before ``on`` is not a living member (but is counted in
``n_deceased``, because registries keep deceased persons listed; facts.md §4.1).

References
----------
Permensos 1/2018 (PKH components: pregnant women, children 0–6, school children, elderly,
severe disability); BPS Susenas/Regsosek concepts for age groups and school attendance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import ibis

from rpkd.releases.schema import EDUCATION, FAMILIES, PERSONS, SECTOR, WORK_STATUS, Column

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, IntegerValue, Table


@dataclass(frozen=True)
class Feature:
    """One derived column: name, type, and how it is computed (for the dictionary).

    Its label, in both languages, is the catalogue's ``feature.<name>`` (:mod:`rpkd.locale`).
    """

    name: str
    dtype: str
    definition: str
    codes: tuple[str, ...] | None = None


def _count(name: str, definition: str) -> Feature:
    return Feature(name, "int", definition)


FAMILY_FEATURES: tuple[Feature, ...] = (
    Feature("kecamatan_code", "string", "desa_code[:8]"),
    _count("n_members", "persons not deceased at on"),
    Feature("head_age", "int", "age of the living head"),
    Feature("head_female", "bool", "head's sex == 'P'"),
    Feature("head_education", "string", "head's education", EDUCATION),
    Feature("head_sector", "string", "head's sector", SECTOR),
    Feature("head_work_status", "string", "head's work_status", WORK_STATUS),
    _count("n_under5", "age < 5"),
    _count("n_under6", "age < 6"),
    _count("n_school_age", "7 <= age <= 18"),
    _count("n_in_sd", "attending, school_level 'sd'"),
    _count("n_in_smp", "attending, school_level 'smp'"),
    _count("n_in_sma", "attending, school_level 'sma'"),
    _count("n_school_children", "n_in_sd + n_in_smp + n_in_sma"),
    _count("n_out_of_school", "7 <= age <= 18 and school_attendance != 'masih_sekolah'"),
    _count("n_elderly", "age >= 60"),
    _count("n_elderly70", "age >= 70"),
    _count("n_pregnant", "pregnant"),
    _count("n_disabled", "disability in ('ringan', 'sedang', 'berat')"),
    Feature("has_severe_disability", "bool", "any disability == 'berat'"),
    Feature("has_chronic_illness", "bool", "any chronic_illness"),
    _count("n_uninsured", "jkn_status == 'tidak_punya'"),
    _count("n_pbi", "jkn_status in ('pbi_apbn', 'pbi_apbd')"),
    _count("n_job_seekers", "work_status == 'mencari_kerja'"),
    _count("n_working_age", "18 <= age <= 64"),
    _count("n_deceased", "death_date <= on"),
    Feature("floor_area_per_person", "float", "floor_area_m2 / family_size"),
)
"""Family features computed by :func:`family_features` (beside the ``families`` columns)."""

PERSON_FEATURES: tuple[Feature, ...] = (Feature("age", "int", "completed years at on"),)
"""Person features computed by :func:`person_frame` (beside the ``persons`` columns)."""


def family_columns() -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """Return every column a family-unit rule may use: name -> (dtype, code list)."""
    columns: dict[str, tuple[str, tuple[str, ...] | None]] = {
        c.name: (c.dtype, c.codes) for c in FAMILIES.columns if not c.pii
    }
    columns.update({f.name: (f.dtype, f.codes) for f in FAMILY_FEATURES})
    return columns


def person_columns() -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """Return every column a person-unit rule may use: person, person-feature and family columns."""
    columns = family_columns()
    person: tuple[Column, ...] = tuple(c for c in PERSONS.columns if not c.pii)
    columns.update({c.name: (c.dtype, c.codes) for c in person})
    columns.update({f.name: (f.dtype, f.codes) for f in PERSON_FEATURES})
    return columns


def age_at(birth: ibis.expr.types.DateValue, on: date) -> IntegerValue:
    """Return completed years between ``birth`` and ``on`` (an Ibis integer expression)."""
    before_birthday = (birth.month() > on.month) | (
        (birth.month() == on.month) & (birth.day() > on.day)
    )
    return (on.year - birth.year() - before_birthday.cast("int32")).cast("int32")


def _living(persons: Table, on: date) -> BooleanValue:
    return persons.death_date.isnull() | (persons.death_date > ibis.literal(on))


def family_features(families: Table, persons: Table, *, on: date) -> Table:
    """Return ``families`` with every column of :data:`FAMILY_FEATURES` added.

    Parameters
    ----------
    families, persons
        Release tables (schema ``families`` and ``persons``).
    on
        Reference date for ages and deaths (e.g. the release's data date).
    """
    p = persons.mutate(age=age_at(persons.birth_date, on), living=_living(persons, on))
    alive = p.living
    head = alive & (p.relation == "kepala_keluarga")
    attending = alive & (p.school_attendance == "masih_sekolah")
    school_age = alive & p.age.between(7, 18)

    def n(cond: BooleanValue) -> IntegerValue:
        return cond.fill_null(False).cast("int64").sum()

    agg = p.group_by("family_id").aggregate(
        n_members=n(alive),
        head_age=p.age.max(where=head),
        head_female=(p.sex == "P").any(where=head),
        head_education=p.education.max(where=head),
        head_sector=p.sector.max(where=head),
        head_work_status=p.work_status.max(where=head),
        n_under5=n(alive & (p.age < 5)),
        n_under6=n(alive & (p.age < 6)),
        n_school_age=n(school_age),
        n_in_sd=n(attending & (p.school_level == "sd")),
        n_in_smp=n(attending & (p.school_level == "smp")),
        n_in_sma=n(attending & (p.school_level == "sma")),
        n_out_of_school=n(school_age & (p.school_attendance != "masih_sekolah")),
        n_elderly=n(alive & (p.age >= 60)),
        n_elderly70=n(alive & (p.age >= 70)),
        n_pregnant=n(alive & p.pregnant),
        n_disabled=n(alive & p.disability.isin(("ringan", "sedang", "berat"))),
        has_severe_disability=n(alive & (p.disability == "berat")) > 0,
        has_chronic_illness=n(alive & p.chronic_illness) > 0,
        n_uninsured=n(alive & (p.jkn_status == "tidak_punya")),
        n_pbi=n(alive & p.jkn_status.isin(("pbi_apbn", "pbi_apbd"))),
        n_job_seekers=n(alive & (p.work_status == "mencari_kerja")),
        n_working_age=n(alive & p.age.between(18, 64)),
        n_deceased=n(~alive),
    )
    agg = agg.mutate(n_school_children=agg.n_in_sd + agg.n_in_smp + agg.n_in_sma)
    joined = left_join(families, agg, "family_id")
    counts = [f.name for f in FAMILY_FEATURES if f.dtype == "int" and f.name != "head_age"]
    flags = ("has_severe_disability", "has_chronic_illness")
    return joined.mutate(
        kecamatan_code=joined.desa_code.substr(0, 8),
        floor_area_per_person=joined.floor_area_m2.cast("float64") / joined.family_size,
        **{c: joined[c].fill_null(0) for c in counts},
        **{c: joined[c].fill_null(False) for c in flags},
    )


def left_join(left: Table, right: Table, key: str) -> Table:
    """Return ``left`` left-joined to ``right`` on ``key``, keeping one ``key`` column."""
    joined = left.left_join(right, key)
    return joined.drop(f"{key}_right") if f"{key}_right" in joined.columns else joined


def person_frame(persons: Table, features: Table, *, on: date) -> Table:
    """Return living persons with ``age`` and their family's features (for person-unit rules)."""
    p = persons.filter(_living(persons, on)).mutate(age=age_at(persons.birth_date, on))
    person_names = set(p.columns)
    keep = [c for c in features.columns if c not in person_names or c == "family_id"]
    fam = features.select(keep)
    return p.inner_join(fam, "family_id")
