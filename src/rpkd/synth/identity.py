"""NIK and KK numbers as Dukcapil issues them, unique across the whole synthetic region.

NIK (16 digits): kecamatan code (6) + birth date DDMMYY with 40 added to DD for women + serial (4).
KK number (16 digits): kecamatan code (6) + issue date DDMMYY + serial (4). Serials count up per
(kecamatan, date, sex) prefix across chunks, so numbers stay unique without holding them.

References
----------
Permendagri 7/2019 and UU 24/2013 (Administrasi Kependudukan): structure of the NIK.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rpkd.errors import InvalidInput

_CALENDAR = 100 * 12 * 31


def date_parts(
    days: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Return (year, month, day) of dates given as days since 1970-01-01."""
    dates = days.astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return year, month, day


class Serials:
    """Running serial counters per (kecamatan, DDMMYY, sex) prefix."""

    def __init__(self, kecamatan_codes: list[int]) -> None:
        self.codes = np.asarray(kecamatan_codes, dtype=np.int64)
        self._nik_count = np.zeros(len(kecamatan_codes) * _CALENDAR * 2, dtype=np.int32)
        self._kk_count = np.zeros(len(kecamatan_codes) * _CALENDAR, dtype=np.int32)

    @staticmethod
    def _next(counter: NDArray[np.int32], key: NDArray[np.int64]) -> NDArray[np.int64]:
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        sizes = np.diff(np.r_[starts, len(key)])
        group_start = np.repeat(starts, sizes)
        rank = np.empty(len(key), dtype=np.int64)
        rank[order] = np.arange(len(key)) - group_start
        serial = counter[key].astype(np.int64) + rank + 1
        counter[sorted_key[starts]] += sizes.astype(np.int32)
        if len(serial) and serial.max() > 9999:
            raise InvalidInput(
                "synth_serial", "more than 9999 NIK or KK serials for one prefix", param="families"
            )
        return serial

    def nik(
        self, kecamatan: NDArray[np.int64], birth: NDArray[np.int64], female: NDArray[np.bool_]
    ) -> NDArray[np.int64]:
        """Return NIKs as integers (16 digits) for kecamatan indices, birth days and sexes."""
        year, month, day = date_parts(birth)
        calendar = ((year % 100) * 12 + month - 1) * 31 + day - 1
        key = (kecamatan * _CALENDAR + calendar) * 2 + female
        serial = self._next(self._nik_count, key)
        dd = day + 40 * female
        return np.asarray(
            self.codes[kecamatan] * 10**10
            + dd * 10**8
            + month * 10**6
            + (year % 100) * 10**4
            + serial
        )

    def kk(self, kecamatan: NDArray[np.int64], issued: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return KK numbers as integers (16 digits) for kecamatan indices and issue days."""
        year, month, day = date_parts(issued)
        calendar = ((year % 100) * 12 + month - 1) * 31 + day - 1
        serial = self._next(self._kk_count, kecamatan * _CALENDAR + calendar)
        return np.asarray(
            self.codes[kecamatan] * 10**10
            + day * 10**8
            + month * 10**6
            + (year % 100) * 10**4
            + serial
        )
