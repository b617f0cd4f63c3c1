"""NIK and KK numbers: hand-derived cases (Dukcapil structure)."""

from __future__ import annotations

import numpy as np
import pytest

from rpkd.errors import InvalidInput
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


def test_more_than_9999_serials_is_refused() -> None:
    serials = Serials([620301])
    with pytest.raises(InvalidInput):
        serials.kk(np.zeros(10_000, dtype=np.int64), np.full(10_000, 10_000))
