"""Deprivation indicators from registry families and persons (params/indonesia/mpi.toml)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.measures import mpi
from rpkd.params import load_kit


def _kit() -> mpi.IndicatorSet:
    return mpi.indicator_set(load_kit().document("mpi"))


def test_default_kit_weights_and_cutoff() -> None:
    kit = _kit()
    weights = mpi.normalise(kit.weights)
    by_dimension: dict[str, float] = {}
    for name, w in weights.items():
        by_dimension[kit.dimensions[name]] = by_dimension.get(kit.dimensions[name], 0) + w
    # Three dimensions of 1/3 each; health and education indicators 1/6, living standards 1/24.
    assert by_dimension == pytest.approx(
        {"education": 1 / 3, "health": 1 / 3, "living_standards": 1 / 3}
    )
    assert weights["adult_schooling"] == pytest.approx(1 / 6)
    assert weights["assets"] == pytest.approx(1 / 24)
    assert kit.cutoff == pytest.approx(1 / 3)
    assert all(rule["source"] for rule in kit.rules)


def test_deprivations_by_hand() -> None:
    on = date(2025, 3, 1)
    families = pa.table(
        {
            "family_id": ["A", "B"],
            "desa_code": ["62.03.01.2001"] * 2,
            "family_size": [4, 2],
            "floor_material": ["tanah", "keramik"],
            "wall_material": ["tembok", "anyaman_bambu"],
            "wall_condition": ["baik", "baik"],
            "roof_material": ["seng", "seng"],
            "roof_condition": ["baik", None],
            "drinking_water": ["air_permukaan", "ledeng"],
            "toilet": ["sendiri", "tidak_ada"],
            "sewage": ["tangki_septik", None],
            "electricity": ["pln_meteran", "tidak_ada"],
            "cooking_fuel": ["kayu_bakar", "gas"],
            "floor_area_m2": [24.0, 30.0],
            "has_refrigerator": [False, True],
            "has_television": [True, True],
            "has_smartphone": [False, True],
            "has_motorcycle": [False, False],
            "has_boat": [False, False],
            "has_car": [False, False],
        }
    )
    persons = pa.table(
        {
            "person_id": ["a1", "a2", "a3", "a4", "b1", "b2"],
            "family_id": ["A", "A", "A", "A", "B", "B"],
            # A: adults without a certificate, a 10-year-old out of school, one without JKN.
            # B: an SMA graduate; an 8-year-old who died in 2024 (not counted).
            "birth_date": [
                date(1980, 5, 1),
                date(1985, 1, 1),
                date(2014, 6, 1),
                date(2010, 3, 2),
                date(1990, 1, 1),
                date(2016, 1, 1),
            ],
            "education": ["tidak_punya_ijazah", "tidak_punya_ijazah", None, "sd", "sma", None],
            "school_attendance": [
                None,
                None,
                "tidak_sekolah_lagi",
                "masih_sekolah",
                None,
                "tidak_pernah",
            ],
            "jkn_status": ["pbi_apbn", "tidak_punya", "pbi_apbn", "pbi_apbn", "non_pbi", "non_pbi"],
            "chronic_illness": [False, False, False, False, True, False],
            "disability": ["tidak"] * 6,
            "death_date": [None, None, None, None, None, date(2024, 5, 1)],
        }
    )
    engine = eng.connect()
    try:
        out = eng.fetch(
            mpi.deprivations(
                eng.table(engine, families), eng.table(engine, persons), on=on, indicators=_kit()
            )
        ).to_pylist()
    finally:
        eng.close(engine)
    rows = {r["family_id"]: r for r in out}
    a, b = rows["A"], rows["B"]
    # a4 turns 15 on 2 March 2025, so on 1 March 2025 she is 14 and not an adult with an SD
    # certificate: no eligible adult of A holds one.
    assert a["adult_schooling"] == 1 and b["adult_schooling"] == 0
    assert a["school_attendance"] == 1 and b["school_attendance"] == 0
    assert a["health_insurance"] == 1 and b["health_insurance"] == 0
    assert a["health_risk"] == 0 and b["health_risk"] == 1
    assert (a["floor"], b["floor"]) == (1, 0)
    assert (a["wall_roof"], b["wall_roof"]) == (0, 1)
    assert (a["drinking_water"], b["drinking_water"]) == (1, 0)
    assert (a["sanitation"], b["sanitation"]) == (0, 1)
    assert (a["electricity"], b["electricity"]) == (0, 1)
    assert (a["cooking_fuel"], b["cooking_fuel"]) == (1, 0)
    assert (a["floor_area"], b["floor_area"]) == (1, 0)  # 24/4 = 6 < 7.2; 30/2 = 15
    assert (a["assets"], b["assets"]) == (1, 0)  # A owns one (television); B three
