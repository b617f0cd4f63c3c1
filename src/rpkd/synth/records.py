"""Turn one generated chunk into release rows: families, persons, survey households and truth.

Code indices become the code strings of ``rpkd.releases.schema``; identifiers are built from real
desa codes (``family_id`` = plain desa code + 7-digit sequence, ``person_id`` = family id + 2-digit
member number).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from rpkd.releases import schema
from rpkd.synth.areas import Areas
from rpkd.synth.housing import CATEGORICAL, Housing
from rpkd.synth.people import Members
from rpkd.synth.population import Core

STREETS = (
    "Jl. Pemuda",
    "Jl. Tambun Bungai",
    "Jl. Patih Rumbih",
    "Jl. Mawar",
    "Jl. Melati",
    "Jl. Cilik Riwut",
    "Jl. Sudirman",
    "Jl. Ahmad Yani",
    "Jl. Pelita",
    "Jl. Kenanga",
    "Jl. Dahlia",
    "Jl. Seroja",
)


def epoch_day(on: date) -> int:
    """Return days since 1970-01-01."""
    return (on - date(1970, 1, 1)).days


def codes(values: tuple[str, ...] | list[str], index: NDArray[np.int64]) -> pa.Array:
    """Return code strings for indices (``-1`` = null)."""
    return pa.array(list(values), type=pa.string()).take(pa.array(index, mask=index < 0))


def padded(values: NDArray[np.int64], width: int) -> pa.Array:
    """Return zero-padded decimal strings."""
    return pc.utf8_lpad(pc.cast(pa.array(values, type=pa.int64()), pa.string()), width, "0")


@dataclass(frozen=True)
class Identity:
    """Identifiers and labels of a chunk's families and members."""

    family_id: pa.Array
    desa_code: pa.Array
    address: pa.Array
    person_id: pa.Array


def identity(areas: Areas, core: Core, rng: np.random.Generator) -> Identity:
    """Return family and person identifiers, desa codes and addresses."""
    plain, dotted, names = areas.labels
    desa = pa.array(core.desa)
    family_id = pc.binary_join_element_wise(plain.take(desa), padded(core.sequence + 1, 7), "")
    rt = padded(1 + (core.sequence // 35) % 25, 3)
    rw = padded(1 + core.sequence // 875, 3)
    street = np.asarray(STREETS, dtype=object)[rng.integers(0, len(STREETS), core.families)]
    street_arr = pa.array(street, type=pa.string(), mask=~core.urban)
    place = pc.binary_join_element_wise(
        pa.array(np.where(areas.kelurahan[core.desa], "Kel.", "Desa"), type=pa.string()),
        names.take(desa),
        " ",
    )
    address = pc.binary_join_element_wise(
        street_arr,
        pc.binary_join_element_wise(pa.scalar("RT"), rt, "/ RW", rw, " "),
        place,
        ", ",
        null_handling="skip",
    )
    person_id = pc.binary_join_element_wise(
        family_id.take(pa.array(core.member_family)), padded(core.member_number, 2), ""
    )
    return Identity(family_id, dotted.take(desa), address, person_id)


def families(
    ident: Identity,
    core: Core,
    housing: Housing,
    kk: pa.Array,
    score: NDArray[np.float64],
    desil: NDArray[np.int64],
    doc: Mapping[str, Any],
) -> pa.Table:
    """Return the families rows (schema FAMILIES)."""
    columns: dict[str, Any] = {
        "family_id": ident.family_id,
        "kk_number": kk,
        "desa_code": ident.desa_code,
        "address": ident.address,
        "family_size": pa.array(core.size),
    }
    columns.update(housing_columns(core, housing, doc))
    columns["pmt_score"] = pa.array(np.round(score), type=pa.float64())
    columns["desil"] = pa.array(desil)
    return pa.table(columns)


def housing_columns(core: Core, housing: Housing, doc: Mapping[str, Any]) -> dict[str, pa.Array]:
    """Return the shared housing columns (schema HOUSING_COLUMNS order)."""
    out: dict[str, pa.Array] = {"urban": pa.array(core.urban)}
    for name in schema.HOUSING_COLUMNS[1:]:
        if name in CATEGORICAL:
            out[name] = codes(doc["proxies"][name]["codes"], housing.categories[name])
        elif name in housing.assets:
            out[name] = pa.array(housing.assets[name])
        elif name == "floor_area_m2":
            out[name] = pa.array(housing.floor_area, type=pa.float64())
        elif name == "land_owned_m2":
            out[name] = pa.array(housing.land, type=pa.float64())
    return out


def persons(
    ident: Identity,
    core: Core,
    members: Members,
    nik: pa.Array,
    name: pa.Array,
    birth_days: NDArray[np.int64],
    jkn: NDArray[np.int64],
    reference: int,
) -> pa.Table:
    """Return the persons rows (schema PERSONS)."""
    death = np.where(members.death_ago >= 0, reference - members.death_ago, 0).astype(
        "datetime64[D]"
    )
    return pa.table(
        {
            "person_id": ident.person_id,
            "family_id": ident.family_id.take(pa.array(core.member_family)),
            "nik": nik,
            "name": name,
            "sex": pa.array(np.where(core.female, "P", "L"), type=pa.string()),
            "birth_date": pa.array(birth_days.astype("datetime64[D]"), type=pa.date32()),
            "relation": codes(schema.RELATION, core.relation),
            "marital_status": codes(schema.MARITAL, members.marital),
            "disability": codes(schema.DISABILITY, members.disability),
            "chronic_illness": pa.array(members.chronic),
            "education": codes(schema.EDUCATION, members.education),
            "school_attendance": codes(schema.SCHOOL_ATTENDANCE, members.attendance),
            "school_level": codes(schema.SCHOOL_LEVEL, members.level),
            "work_status": codes(schema.WORK_STATUS, members.work),
            "sector": codes(schema.SECTOR, members.sector),
            "jkn_status": codes(schema.JKN, jkn),
            "pregnant": pa.array(
                np.where(members.pregnant >= 0, members.pregnant == 1, None), type=pa.bool_()
            ),
            "death_date": pa.array(death, type=pa.date32(), mask=members.death_ago < 0),
        }
    )


def survey(
    rows: NDArray[np.int64],
    sample: NDArray[np.int64],
    design: Any,
    ident: Identity,
    core: Core,
    housing: Housing,
    expenditure: NDArray[np.float64],
    doc: Mapping[str, Any],
) -> tuple[pa.Table, pa.Table]:
    """Return the survey rows for the chunk's sampled families and the truth mapping."""
    take = pa.array(rows)
    household_id = pc.binary_join_element_wise(pa.scalar("RT"), padded(sample + 1, 6), "")
    head_sector = core.head_sector[rows]
    columns: dict[str, Any] = {
        "household_id": household_id,
        "desa_code": ident.desa_code.take(take),
        "stratum": pa.array(design.stratum[sample], type=pa.string()),
        "psu": pa.array(design.psu[sample], type=pa.string()),
        "fpc1": pa.array(design.fpc1[sample]),
        "fpc2": pa.array(design.fpc2[sample]),
        "weight": pa.array(design.weight[sample]),
        "household_size": pa.array(core.size[rows]),
        "expenditure_per_capita": pa.array(np.round(expenditure[rows], 2)),
        "head_female": pa.array(core.head_female[rows]),
        "head_education": codes(schema.EDUCATION, core.head_education[rows]),
        "head_sector": codes(doc["sectors"]["codes"], head_sector),
        "members_under5": pa.array(core.under5[rows]),
        "members_elderly": pa.array(core.elderly[rows]),
    }
    housing_table = pa.table(housing_columns(core, housing, doc)).take(take)
    for name in housing_table.column_names:
        columns[name] = housing_table[name]
    truth = pa.table({"household_id": household_id, "family_id": ident.family_id.take(take)})
    return pa.table(columns), truth
