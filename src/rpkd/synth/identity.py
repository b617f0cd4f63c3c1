"""NIK and KK numbers as Dukcapil issues them, unique across the whole synthetic region.

NIK (16 digits): kecamatan code (6) + birth date DDMMYY with 40 added to DD for women + serial (4).
KK number (16 digits): kecamatan code (6) + issue date DDMMYY + serial (4). Serials count up per
(kecamatan, date, sex) prefix in chunk order, so numbers are unique without holding them.

Memory stays bounded for the whole nation: counters exist only for the kecamatan of the kabupaten
being written (one row of ``100 x 12 x 31`` dates per kecamatan, about 0.2 MB), and a kabupaten's
rows are released once its last chunk is written (:meth:`Serials.retire`). This holds because the
chunks follow the desa code order and a NIK carrying another kecamatan's code is drawn within the
same kabupaten. A prefix that has used all ``cap`` serials (9999) spills to the next calendar day
with a free serial (same kecamatan and sex): that NIK's DDMMYY then differs from the recorded
birth date by a few days, as such mismatches do occur in the registry. With 289 million persons
over 7,285 kecamatan a prefix holds a handful of persons, so spills do not happen at real sizes;
they are counted (``spilled``) and tested with a tiny cap.

References
----------
Permendagri 7/2019 and UU 24/2013 (Administrasi Kependudukan): structure of the NIK.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from rpkd.errors import InvalidInput

SERIAL_CAP = 9999
"""Four-digit serials: 0001 to 9999 per prefix."""

_CALENDAR = 100 * 12 * 31
_EPOCH = date(1970, 1, 1)


def date_parts(
    days: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Return (year, month, day) of dates given as days since 1970-01-01."""
    dates = days.astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return year, month, day


def _calendar(days: NDArray[np.int64]) -> NDArray[np.int64]:
    """Return the DDMMYY slot (0 to 37,199) of each date: two-digit year, month, day."""
    year, month, day = date_parts(days)
    return np.asarray(((year % 100) * 12 + month - 1) * 31 + day - 1, dtype=np.int64)


def _number(
    code: NDArray[np.int64], days: NDArray[np.int64], add: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Return ``code`` (6 digits) + DDMMYY (``add`` added to DD) without the serial."""
    year, month, day = date_parts(days)
    return np.asarray(
        code * 10**10 + (day + add) * 10**8 + month * 10**6 + (year % 100) * 10**4, dtype=np.int64
    )


class _Counters:
    """Serials used per (kecamatan, slot), one row per kecamatan in use."""

    def __init__(self, n_kecamatan: int, slots: int, cap: int) -> None:
        self.slots, self.cap = slots, cap
        self.row_of = np.full(n_kecamatan, -1, dtype=np.int64)
        self.used = np.zeros((0, slots), dtype=np.uint16)
        self.free: list[int] = []
        self.retired = np.zeros(n_kecamatan, dtype=bool)
        self.spilled = 0
        self.jump: dict[tuple[int, int, int], int] = {}

    def rows(self, kecamatan: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return the counter row of each kecamatan, opening rows for new ones."""
        new = np.unique(kecamatan[self.row_of[kecamatan] < 0])
        if self.retired[new].any():
            raise InvalidInput(
                "synth_serial_retired",
                "a NIK or KK serial was asked for a kecamatan already closed (chunk order broken)",
                param="region",
            )
        if len(new) > len(self.free):
            grow = max(len(new) - len(self.free), len(self.used))
            self.free.extend(range(len(self.used), len(self.used) + grow))
            self.used = np.concatenate([self.used, np.zeros((grow, self.slots), np.uint16)])
        for k in new.tolist():
            self.row_of[k] = self.free.pop()
        return self.row_of[kecamatan]

    def retire(self, kecamatan: NDArray[np.int64]) -> None:
        """Release the rows of kecamatan that will never be asked for again."""
        open_ = kecamatan[self.row_of[kecamatan] >= 0]
        rows = self.row_of[open_]
        self.used[rows] = 0
        if self.jump:
            gone = set(rows.tolist())
            self.jump = {k: v for k, v in self.jump.items() if k[0] not in gone}
        self.free.extend(rows.tolist())
        self.row_of[open_] = -1
        self.retired[kecamatan] = True

    def next(
        self, kecamatan: NDArray[np.int64], days: NDArray[np.int64], sex: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Return (serial, day written in the number) for each person, in input order."""
        rows = self.rows(kecamatan)
        flat = self.used.reshape(-1)
        key = rows * self.slots + _calendar(days) * (self.slots // _CALENDAR) + sex
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        sizes = np.diff(np.r_[starts, len(key)])
        rank = np.empty(len(key), dtype=np.int64)
        rank[order] = np.arange(len(key)) - np.repeat(starts, sizes)
        serial = flat[key].astype(np.int64) + rank + 1
        first = sorted_key[starts]
        flat[first] = np.minimum(flat[first].astype(np.int64) + sizes, self.cap).astype(np.uint16)
        days = days.copy()
        for i in np.flatnonzero(serial > self.cap).tolist():
            serial[i], days[i] = self._spill(int(rows[i]), int(days[i]), int(sex[i]), flat)
            self.spilled += 1
        return serial, days

    def _spill(self, row: int, day: int, sex: int, flat: NDArray[np.uint16]) -> tuple[int, int]:
        """Walk to the next calendar day whose prefix still has a serial free.

        Full days are skipped through ``jump`` (the next day worth trying, path-compressed), so
        that many spills into the same crowded dates stay linear.
        """
        step = self.slots // _CALENDAR
        start, walked = (row, sex, day), []
        day = self.jump.get(start, day + 1)
        while True:
            k = row * self.slots + _slot(day) * step + sex
            if flat[k] < self.cap:
                break
            walked.append((row, sex, day))
            day = self.jump.get((row, sex, day), day + 1)
        flat[k] += 1
        for key in [start, *walked]:
            self.jump[key] = day
        return int(flat[k]), day


def _slot(day: int) -> int:
    """Return the DDMMYY slot of one date (days since 1970-01-01)."""
    on = _EPOCH + timedelta(days=day)
    return ((on.year % 100) * 12 + on.month - 1) * 31 + on.day - 1


class Serials:
    """NIK and KK serial counters of the kecamatan in use.

    Parameters
    ----------
    kecamatan_codes
        The 6-digit kecamatan codes (as integers) of the region, indexed as the callers index them.
    cap
        Serials per prefix; 9999 as in real numbers (smaller only to test the spill).
    """

    def __init__(self, kecamatan_codes: list[int], cap: int = SERIAL_CAP) -> None:
        self.codes = np.asarray(kecamatan_codes, dtype=np.int64)
        self._nik = _Counters(len(kecamatan_codes), _CALENDAR * 2, cap)
        self._kk = _Counters(len(kecamatan_codes), _CALENDAR, cap)

    @property
    def spilled(self) -> dict[str, int]:
        """Return how many NIK and KK numbers spilled to a neighbouring date."""
        return {"nik": self._nik.spilled, "kk": self._kk.spilled}

    @property
    def open_rows(self) -> int:
        """Return the counter rows held (NIK and KK), a measure of the memory in use."""
        return len(self._nik.used) + len(self._kk.used)

    def nik(
        self, kecamatan: NDArray[np.int64], birth: NDArray[np.int64], female: NDArray[np.bool_]
    ) -> NDArray[np.int64]:
        """Return NIKs as integers (16 digits) for kecamatan indices, birth days and sexes."""
        sex = female.astype(np.int64)
        serial, days = self._nik.next(kecamatan, birth, sex)
        return _number(self.codes[kecamatan], days, 40 * sex) + serial

    def kk(self, kecamatan: NDArray[np.int64], issued: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return KK numbers as integers (16 digits) for kecamatan indices and issue days."""
        zero = np.zeros(len(kecamatan), dtype=np.int64)
        serial, days = self._kk.next(kecamatan, issued, zero)
        return _number(self.codes[kecamatan], days, zero) + serial

    def retire(self, kecamatan: NDArray[np.int64]) -> None:
        """Release the counters of kecamatan whose numbers are all issued."""
        self._nik.retire(kecamatan)
        self._kk.retire(kecamatan)
