"""NIK and KK numbers: hand-derived cases (Dukcapil structure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from rpkd import params
from rpkd.errors import InvalidInput
from rpkd.synth import identity, synthesize
from rpkd.synth.identity import Serials, date_parts


def test_date_parts_by_hand() -> None:
    # 10,000 days after 1970-01-01: 27 years with 7 leap days reach 1997-01-01 (day 9,862);
    # 138 more days is 19 May 1997.
    year, month, day = date_parts(np.array([0, 10_000]))
    assert year.tolist() == [1970, 1997] and month.tolist() == [1, 5] and day.tolist() == [1, 19]


def test_nik_adds_40_for_women_and_counts_serials_per_prefix() -> None:
    serials = Serials([620301, 620302])
    kecamatan = np.array([0, 0, 1, 0])
    birth = np.array([10_000, 10_000, 10_000, 10_001])
    female = np.array([True, True, True, False])
    first = serials.nik(kecamatan, birth, female).tolist()
    assert first == [6203015905970001, 6203015905970002, 6203025905970001, 6203012005970001]
    again = serials.nik(kecamatan, birth, female).tolist()
    assert again == [6203015905970003, 6203015905970004, 6203025905970002, 6203012005970002]


def test_kk_number_is_kecamatan_issue_date_serial() -> None:
    serials = Serials([620301])
    assert serials.kk(np.array([0, 0]), np.array([10_000, 10_000])).tolist() == [
        6203011905970001,
        6203011905970002,
    ]


def test_a_full_prefix_spills_to_the_next_day() -> None:
    # cap 3: seven women born 19 May 1997 take 0001-0003 on 19 May (DD 59), then 20 May (60),
    # then 21 May (61); a man born 20 May keeps his own prefix (DD 20).
    serials = Serials([620301], cap=3)
    women = serials.nik(np.zeros(7, dtype=np.int64), np.full(7, 10_000), np.ones(7, dtype=bool))
    assert women.tolist() == [
        6203015905970001,
        6203015905970002,
        6203015905970003,
        6203016005970001,
        6203016005970002,
        6203016005970003,
        6203016105970001,
    ]
    man = serials.nik(np.zeros(1, dtype=np.int64), np.array([10_001]), np.zeros(1, dtype=bool))
    assert man.tolist() == [6203012005970001]
    # a woman born 20 May later finds 20 May full and goes on to 21 May (serial 0002)
    later = serials.nik(np.zeros(1, dtype=np.int64), np.array([10_001]), np.ones(1, dtype=bool))
    assert later.tolist() == [6203016105970002]
    assert serials.spilled == {"nik": 5, "kk": 0}


def test_nik_unique_under_a_tiny_cap_across_chunks_and_kabupaten() -> None:
    rng = np.random.default_rng(4)
    codes = [620101, 620102, 620201, 620202, 620203]
    serials = Serials(codes, cap=2)
    seen: list[int] = []
    # chunks in code order: kabupaten 62.01 (kecamatan 0, 1), then 62.02 (2-4), retired after
    for chunk, pool in enumerate(([0, 1], [0, 1], [1, 2, 3], [2, 3, 4])):
        n = 5_000
        kecamatan = rng.choice(pool, n)
        birth = 10_000 + rng.integers(0, 60, n)  # crowded: 60 days for 20,000 persons
        seen += serials.nik(kecamatan, birth, rng.random(n) < 0.5).tolist()
        if chunk == 2:
            held = serials.open_prefixes
            serials.retire(np.array([0, 1]))
            assert 0 < serials.open_prefixes < held
    numbers = np.array(seen)
    assert len(np.unique(numbers)) == len(numbers)
    assert (numbers % 10_000).max() <= 2 and (numbers % 10_000).min() >= 1
    assert (numbers // 10**10).tolist() == [codes[k] for k in _kecamatan_of(numbers, codes)]
    with pytest.raises(InvalidInput):
        serials.nik(np.array([0]), np.array([10_000]), np.array([True]))


def _kecamatan_of(numbers: np.ndarray, codes: list[int]) -> list[int]:
    return [codes.index(int(n // 10**10)) for n in numbers]


def test_synth_nik_unique_when_every_prefix_holds_one_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kit: params.Kit
) -> None:
    # cap 1: a second person with the same kecamatan, birth date and sex must spill
    monkeypatch.setattr(identity, "SERIAL_CAP", 1)
    result = synthesize("62.03.09", tmp_path, kit=kit, families=700, seed=5, fmt="parquet")
    persons = pq.read_table(tmp_path / "persons.parquet")
    nik = pc.drop_null(persons["nik"]).to_pylist()
    assert len(set(nik)) == len(nik) > 2000
    assert {n[-4:] for n in nik} == {"0001"}
    families = pq.read_table(tmp_path / "families.parquet")["kk_number"].to_pylist()
    assert len(set(families)) == len(families) == 700
    assert result.summary["serials_spilled"]["nik"] > 0
