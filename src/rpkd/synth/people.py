"""Member attributes: marital status, education, schooling, work, health, pregnancy, death.

Indices point into the code lists of ``rpkd.releases.schema`` (``-1`` = missing). Schooling
follows the age bands of the Indonesian system (PAUD 5-6, SD 7-12, SMP 13-15, SMA 16-18,
higher 19-23) with attendance rising with family welfare; adults' certificates follow the head's
welfare and younger cohorts are better educated.

References
----------
BPS Regsosek 2022 individual module (the variables); BPS APS/APK concepts for attendance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rpkd.releases import schema
from rpkd.synth.population import CHILD, DAYS_PER_YEAR, HEAD, OTHER, PARENT, SPOUSE, Core, ordered

LEVELS = ("paud", "sd", "smp", "sma", "perguruan_tinggi")
_BANDS = ((5, 7), (7, 13), (13, 16), (16, 19), (19, 24))
_WORK = {name: i for i, name in enumerate(schema.WORK_STATUS)}
_MARITAL = {name: i for i, name in enumerate(schema.MARITAL)}


@dataclass(frozen=True)
class Members:
    """Attributes of a chunk's members (code indices; -1 = missing)."""

    age_years: NDArray[np.float64]
    marital: NDArray[np.int64]
    education: NDArray[np.int64]
    attendance: NDArray[np.int64]
    level: NDArray[np.int64]
    work: NDArray[np.int64]
    sector: NDArray[np.int64]
    disability: NDArray[np.int64]
    chronic: NDArray[np.bool_]
    pregnant: NDArray[np.int64]
    death_ago: NDArray[np.int64]


def generate(core: Core, doc: Mapping[str, Any], rng: np.random.Generator) -> Members:
    """Return the attributes of the members of ``core``."""
    pop, q = doc["population"], doc["people"]
    m = len(core.member_family)
    fam = core.member_family
    age = core.age_days / DAYS_PER_YEAR
    z, urban = core.standard[fam], core.urban[fam]
    rel = core.relation
    u = rng.random(m)

    marital = np.full(m, _MARITAL["belum_kawin"])
    has_spouse = np.bincount(fam, weights=rel == SPOUSE, minlength=core.families)[fam] > 0
    marital[(rel == HEAD) & has_spouse | (rel == SPOUSE)] = _MARITAL["kawin"]
    alone = (rel == HEAD) & ~has_spouse & (age >= 25)
    marital[alone] = np.where(
        u[alone] < q["head_alone_widowed"], _MARITAL["cerai_mati"], _MARITAL["cerai_hidup"]
    )
    marital[(rel == PARENT)] = np.where(
        u[rel == PARENT] < q["parent_widowed"], _MARITAL["cerai_mati"], _MARITAL["kawin"]
    )
    adult_child = ((rel == CHILD) | (rel == OTHER)) & (age >= 19) & (u < q["adult_child_married"])
    marital[adult_child] = _MARITAL["kawin"]

    level = np.full(m, -1)
    attendance = np.full(m, schema.SCHOOL_ATTENDANCE.index("tidak_sekolah_lagi"))
    attendance[age < 7] = schema.SCHOOL_ATTENDANCE.index("tidak_pernah")
    attending = np.zeros(m, dtype=bool)
    rates = doc["schooling"]["attendance"]
    for k, (low, high) in enumerate(_BANDS):
        band = (age >= low) & (age < high) & ~core.deceased
        p = np.clip(rates[LEVELS[k]] * (1.0 + 0.08 * z), 0.0, 0.995)
        yes = band & (rng.random(m) < p)
        level[yes], attending[yes] = k, True
    attendance[attending] = schema.SCHOOL_ATTENDANCE.index("masih_sekolah")
    attendance[(age >= 7) & ~attending & (u < q["never_attended"])] = (
        schema.SCHOOL_ATTENDANCE.index("tidak_pernah")
    )

    cohort = doc["education"]["cohort_shift"] * (45.0 - age)
    education = ordered(rng, z + cohort, urban, doc["education"])
    education[rel == HEAD] = core.head_education
    schooled = np.select([age >= 19, age >= 16, age >= 13], [3, 2, 1], 0)
    young = age < 24
    education[young] = np.minimum(schooled[young], education[young])
    education[age < 13] = 0
    education[attendance == schema.SCHOOL_ATTENDANCE.index("tidak_pernah")] = 0

    work = np.full(m, -1)
    older = age >= 10
    work[older] = _WORK["tidak_bekerja"]
    working_age = older & ~attending
    draw = rng.random(m)
    men, women, aged = q["employment"]
    employed = working_age & (draw < np.where(age >= 65, aged, np.where(core.female, women, men)))
    work[employed] = _WORK["bekerja"]
    home = working_age & ~employed & core.female & (age >= 18) & (draw < q["homemaker"])
    work[home] = _WORK["mengurus_rumah_tangga"]
    seeking = working_age & ~employed & ~home & (age < 30) & (age >= 15) & (draw > 0.85)
    work[seeking] = _WORK["mencari_kerja"]
    work[older & attending] = _WORK["sekolah"]
    heads = rel == HEAD
    head_works = core.head_sector[fam] >= 0
    work[heads] = np.where(head_works[heads], _WORK["bekerja"], _WORK["tidak_bekerja"])
    sector = np.where(work == _WORK["bekerja"], ordered(rng, z, urban, doc["sectors"]), -1)
    sector[heads] = core.head_sector
    sector_codes = np.asarray(doc["sectors"]["codes"])
    sector = np.where(sector >= 0, _schema_index(schema.SECTOR, sector_codes, sector), -1)

    age_factor = np.select([age < 18, age < 60], [0.3, 1.0], 4.0)
    disabled = rng.random(m) < pop["disability_share"] * age_factor / 1.3
    severity = np.searchsorted(np.cumsum(q["disability_severity"])[:-1], rng.random(m)) + 1
    disability = np.where(disabled, severity, 0)
    chronic = (
        rng.random(m)
        < pop["chronic_share"] * np.select([age < 18, age < 60], [0.1, 1.0], 3.5) / 1.3
    )

    fertile = core.female & (age >= 15) & (age < 50) & ~core.deceased
    married = fertile & (marital == _MARITAL["kawin"])
    p_preg = pop["pregnant_share"] * np.where((age >= 20) & (age < 36), 1.5, 0.5)
    pregnant = np.where(fertile, (married & (rng.random(m) < p_preg)).astype(np.int64), -1)
    death_ago = np.where(core.deceased, rng.integers(20, 900, m), -1)
    return Members(
        age,
        marital,
        education,
        attendance,
        level,
        work,
        sector,
        disability,
        chronic,
        pregnant,
        death_ago,
    )


def _schema_index(
    codes: tuple[str, ...], toml_codes: NDArray[np.str_], index: NDArray[np.int64]
) -> NDArray[np.int64]:
    lookup = np.array([codes.index(c) for c in toml_codes.tolist()], dtype=np.int64)
    return lookup[np.maximum(index, 0)]
