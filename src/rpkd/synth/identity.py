"""NIK and KK numbers as Dukcapil issues them, unique across the whole synthetic region.

NIK (16 digits): kecamatan code (6) + birth date DDMMYY with 40 added to DD for women + serial (4).
KK number (16 digits): kecamatan code (6) + issue date DDMMYY + serial (4). Serials count up per
(kecamatan, date, sex) prefix in chunk order, so numbers are unique without holding them.

Memory stays bounded for the whole nation: counts are held only for the prefixes touched in the
kabupaten being written (10 bytes a prefix, at most one per person), and a kabupaten's prefixes
are forgotten once its last chunk is written (:meth:`Serials.retire`). This holds because the
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


def _slots(
    year: NDArray[np.int64], month: NDArray[np.int64], day: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Return the DDMMYY slot (0 to 37,199) of each date: two-digit year, month, day."""
    return np.asarray(((year % 100) * 12 + month - 1) * 31 + day - 1, dtype=np.int64)


def _number(
    code: NDArray[np.int64],
    parts: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
    add: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Return ``code`` (6 digits) + DDMMYY (``add`` added to DD) without the serial."""
    year, month, day = parts
    return np.asarray(
        code * 10**10 + (day + add) * 10**8 + month * 10**6 + (year % 100) * 10**4, dtype=np.int64
    )


class _Counters:
    """Serials used per (kecamatan, DDMMYY slot, sex) prefix, for the prefixes touched so far.

    Held as a sorted array of prefix keys and their counts (10 bytes a prefix), so memory follows
    the persons of the kecamatan still open, never the 7,285 x 37,200 x 2 possible prefixes.
    """

    def __init__(self, n_kecamatan: int, slots: int, cap: int) -> None:
        self.slots, self.cap = slots, cap
        self.keys = np.zeros(0, dtype=np.int64)
        self.used = np.zeros(0, dtype=np.uint16)
        self.retired = np.zeros(n_kecamatan, dtype=bool)
        self.spilled = 0
        self.jump: dict[tuple[int, int, int], int] = {}

    def retire(self, kecamatan: NDArray[np.int64]) -> None:
        """Forget the prefixes of kecamatan that will never be asked for again."""
        if not len(kecamatan):
            return
        self.retired[kecamatan] = True
        keep = ~self.retired[self.keys // self.slots]
        self.keys, self.used = self.keys[keep], self.used[keep]
        if self.jump:
            self.jump = {k: v for k, v in self.jump.items() if not self.retired[k[0]]}

    def _counts(self, keys: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return the serials already used by each of ``keys``."""
        pos = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        if not len(self.keys):
            return np.zeros(len(keys), dtype=np.int64)
        return np.where(self.keys[pos] == keys, self.used[pos].astype(np.int64), 0)

    def _store(self, keys: NDArray[np.int64], counts: NDArray[np.int64]) -> None:
        """Set the counts of sorted unique ``keys``, inserting the new ones in order."""
        pos = np.searchsorted(self.keys, keys)
        hit = pos < len(self.keys)
        hit[hit] = self.keys[pos[hit]] == keys[hit]
        self.used[pos[hit]] = counts[hit]
        self.keys = np.insert(self.keys, pos[~hit], keys[~hit])
        self.used = np.insert(self.used, pos[~hit], counts[~hit].astype(np.uint16))

    def next(
        self, kecamatan: NDArray[np.int64], days: NDArray[np.int64], sex: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]]:
        """Return each person's serial and the (year, month, day) written in the number."""
        parts = date_parts(days)
        if self.retired[kecamatan].any():
            # Chunks are written in desa order; a closed kecamatan asked again is a bug.
            raise InvalidInput("synth_serial_retired", param="region")
        key = kecamatan * self.slots + _slots(*parts) * (self.slots // _CALENDAR) + sex
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        sizes = np.diff(np.r_[starts, len(key)])
        rank = np.empty(len(key), dtype=np.int64)
        rank[order] = np.arange(len(key)) - np.repeat(starts, sizes)
        first = sorted_key[starts]
        before = self._counts(first)
        serial = np.empty(len(key), dtype=np.int64)
        serial[order] = np.repeat(before, sizes)
        serial += rank + 1
        self._store(first, np.minimum(before + sizes, self.cap))
        days = days.copy()
        over = np.flatnonzero(serial > self.cap)
        if len(over):
            touched: dict[int, int] = {}
            for i in over.tolist():
                serial[i], days[i] = self._spill(
                    int(kecamatan[i]), int(days[i]), int(sex[i]), touched
                )
            self.spilled += len(over)
            ordered = np.array(sorted(touched), dtype=np.int64)
            self._store(ordered, np.array([touched[k] for k in ordered.tolist()], dtype=np.int64))
            parts = date_parts(days)
        return serial, parts

    def _spill(self, kec: int, day: int, sex: int, touched: dict[int, int]) -> tuple[int, int]:
        """Walk to the next calendar day whose prefix still has a serial free.

        Full days are skipped through ``jump`` (the next day worth trying, path-compressed), so
        that many spills into the same crowded dates stay linear.
        """
        step = self.slots // _CALENDAR
        start, walked = (kec, sex, day), []
        day = self.jump.get(start, day + 1)
        while True:
            k = kec * self.slots + _slot(day) * step + sex
            if k not in touched:
                touched[k] = int(self._counts(np.array([k]))[0])
            if touched[k] < self.cap:
                break
            walked.append((kec, sex, day))
            day = self.jump.get((kec, sex, day), day + 1)
        touched[k] += 1
        for jump_key in [start, *walked]:
            self.jump[jump_key] = day
        return touched[k], day


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
    def open_prefixes(self) -> int:
        """Return the prefixes held (NIK and KK), a measure of the memory in use."""
        return len(self._nik.keys) + len(self._kk.keys)

    def nik(
        self, kecamatan: NDArray[np.int64], birth: NDArray[np.int64], female: NDArray[np.bool_]
    ) -> NDArray[np.int64]:
        """Return NIKs as integers (16 digits) for kecamatan indices, birth days and sexes."""
        sex = female.astype(np.int64)
        serial, parts = self._nik.next(kecamatan, birth, sex)
        return _number(self.codes[kecamatan], parts, 40 * sex) + serial

    def kk(self, kecamatan: NDArray[np.int64], issued: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return KK numbers as integers (16 digits) for kecamatan indices and issue days."""
        zero = np.zeros(len(kecamatan), dtype=np.int64)
        serial, parts = self._kk.next(kecamatan, issued, zero)
        return _number(self.codes[kecamatan], parts, zero) + serial

    def retire(self, kecamatan: NDArray[np.int64]) -> None:
        """Release the counters of kecamatan whose numbers are all issued."""
        self._nik.retire(kecamatan)
        self._kk.retire(kecamatan)
