"""A hand-built registry of six families whose features and rule outcomes are derived by hand.

Reference date 2025-03-01. Kecamatan 62.03.01 holds desa 2001 and 2002; kecamatan 62.03.02 holds
desa 2001. What each family should qualify for is written next to it; tests assert those facts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from rpkd.releases.schema import FAMILIES, PERSONS

ON = date(2025, 3, 1)

_GOOD_HOUSE: dict[str, Any] = {
    "urban": False,
    "floor_material": "keramik",
    "wall_material": "tembok",
    "wall_condition": "baik",
    "roof_material": "genteng",
    "roof_condition": "baik",
    "floor_area_m2": 60.0,
    "house_ownership": "milik_sendiri",
    "land_owned_m2": 200.0,
    "drinking_water": "ledeng",
    "toilet": "sendiri",
    "sewage": "tangki_septik",
    "electricity": "pln_meteran",
    "cooking_fuel": "gas",
    "has_refrigerator": True,
    "has_television": True,
    "has_smartphone": True,
    "has_motorcycle": True,
    "has_car": False,
    "has_boat": False,
}

FAMILY_ROWS: list[dict[str, Any]] = [
    # F1 desil 1, 4 members in 20 m² (5 m²/person < 7.2), earth floor, no toilet, river water:
    # unfit house, no sanitation, no safe water; pregnant wife -> PKH, RTLH, STBM, PAMSIMAS, BLT-DD.
    {
        "family_id": "F1",
        "desa_code": "62.03.01.2001",
        "family_size": 4,
        "desil": 1,
        **_GOOD_HOUSE,
        "floor_material": "tanah",
        "wall_material": "kayu_papan",
        "roof_material": "seng",
        "floor_area_m2": 20.0,
        "toilet": "tidak_ada",
        "sewage": "terbuka",
        "drinking_water": "air_permukaan",
    },
    # F2 desil 3, female head aged 72 (uninsured) and a job-seeking son: PKH (elderly 70+),
    # BLT-DD (desil <= 4 and female head); uninsured deprivation.
    {"family_id": "F2", "desa_code": "62.03.01.2001", "family_size": 2, "desil": 3, **_GOOD_HOUSE},
    # F3 desil 7, civil servant with a pupil in SMA: no social programme.
    {"family_id": "F3", "desa_code": "62.03.02.2001", "family_size": 3, "desil": 7, **_GOOD_HOUSE},
    # F4 desil 2, single man 66 with severe disability, renting a bamboo-walled house with a
    # public toilet: PKH (severe disability), BLT-DD (disabled), STBM; not RTLH (not the owner).
    {
        "family_id": "F4",
        "desa_code": "62.03.02.2001",
        "family_size": 1,
        "desil": 2,
        **_GOOD_HOUSE,
        "wall_material": "anyaman_bambu",
        "house_ownership": "kontrak_sewa",
        "toilet": "umum",
        "sewage": "lubang_tanah",
    },
    # F5 desil 1, head died 2024-12-01; widow and a child of 10 out of school: no PKH component,
    # BLT-DD (extreme poor); child out of school.
    {"family_id": "F5", "desa_code": "62.03.01.2002", "family_size": 3, "desil": 1, **_GOOD_HOUSE},
    # F6 desil 1, young couple, wife pregnant: PKH, BLT-DD; receives nothing (exclusion).
    {"family_id": "F6", "desa_code": "62.03.01.2002", "family_size": 2, "desil": 1, **_GOOD_HOUSE},
]


def _person(pid: str, fid: str, name: str, sex: str, born: date, relation: str,
            **extra: Any) -> dict[str, Any]:  # fmt: skip
    row: dict[str, Any] = {
        "person_id": pid, "family_id": fid, "nik": None, "name": name, "sex": sex,
        "birth_date": born, "relation": relation, "marital_status": "kawin",
        "disability": "tidak", "chronic_illness": False, "education": "sd",
        "school_attendance": "tidak_sekolah_lagi", "school_level": None, "work_status": "bekerja",
        "sector": "pertanian_tanaman", "jkn_status": "pbi_apbn", "pregnant": False,
        "death_date": None,
    }  # fmt: skip
    row.update(extra)
    return row


PERSON_ROWS: list[dict[str, Any]] = [
    _person("P11", "F1", "Ahmad Yani", "L", date(1985, 6, 1), "kepala_keluarga"),
    _person("P12", "F1", "Siti Aminah", "P", date(1990, 2, 1), "istri_suami", pregnant=True,
            work_status="mengurus_rumah_tangga"),
    _person("P13", "F1", "Budi", "L", date(2016, 5, 1), "anak", marital_status="belum_kawin",
            school_attendance="masih_sekolah", school_level="sd", work_status="sekolah"),
    _person("P14", "F1", "Rina", "P", date(2022, 1, 1), "anak", marital_status="belum_kawin",
            school_attendance="tidak_pernah", work_status=None),
    _person("P21", "F2", "Masnah", "P", date(1952, 3, 1), "kepala_keluarga",
            marital_status="cerai_mati", jkn_status="tidak_punya", work_status="tidak_bekerja"),
    _person("P22", "F2", "Rudi", "L", date(1995, 3, 2), "anak", marital_status="belum_kawin",
            work_status="mencari_kerja", education="sma"),
    _person("P31", "F3", "Hendra", "L", date(1980, 1, 1), "kepala_keluarga",
            education="sarjana", sector="pemerintahan", jkn_status="non_pbi"),
    _person("P32", "F3", "Dewi", "P", date(1981, 1, 1), "istri_suami", jkn_status="non_pbi",
            work_status="mengurus_rumah_tangga"),
    _person("P33", "F3", "Andi", "L", date(2009, 1, 1), "anak", marital_status="belum_kawin",
            school_attendance="masih_sekolah", school_level="sma", work_status="sekolah",
            jkn_status="non_pbi"),
    _person("P41", "F4", "Salim", "L", date(1958, 7, 1), "kepala_keluarga",
            disability="berat", chronic_illness=True, marital_status="cerai_mati",
            work_status="tidak_bekerja"),
    _person("P51", "F5", "Jumadi", "L", date(1975, 1, 1), "kepala_keluarga",
            death_date=date(2024, 12, 1)),
    _person("P52", "F5", "Inah", "P", date(1977, 1, 1), "istri_suami",
            work_status="mengurus_rumah_tangga"),
    _person("P53", "F5", "Ujang", "L", date(2014, 9, 1), "anak", marital_status="belum_kawin",
            school_attendance="tidak_sekolah_lagi", work_status="tidak_bekerja"),
    _person("P61", "F6", "Rahmat", "L", date(1995, 1, 1), "kepala_keluarga"),
    _person("P62", "F6", "Nur", "P", date(1997, 1, 1), "istri_suami", pregnant=True,
            work_status="mengurus_rumah_tangga"),
]  # fmt: skip

_ARROW = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
          "date": pa.date32()}  # fmt: skip


def arrow(rows: list[dict[str, Any]], schema: Any) -> pa.Table:
    """Return rows as an Arrow table with every column of a release schema (missing = null)."""
    fields = [pa.field(c.name, _ARROW[c.dtype]) for c in schema.columns]
    return pa.Table.from_pylist(
        [{f.name: r.get(f.name) for f in fields} for r in rows], schema=pa.schema(fields)
    )


@pytest.fixture
def on() -> date:
    """The reference date of the hand-built registry."""
    return ON


@pytest.fixture
def families() -> pa.Table:
    rows = [{**r, "kk_number": f"62030100000000{i}", "address": f"Jl. Sungai {i}"}
            for i, r in enumerate(FAMILY_ROWS, start=10)]  # fmt: skip
    return arrow(rows, FAMILIES)


@pytest.fixture
def persons() -> pa.Table:
    return arrow(PERSON_ROWS, PERSONS)
