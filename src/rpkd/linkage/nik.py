"""NIK (Nomor Induk Kependudukan) validity, and what a valid NIK says about its holder.

A NIK has 16 digits: the kecamatan of first registration (6: PP KK CC), the birth date as
DDMMYY with 40 added to DD for women, and a serial (4, from 0001). A list's NIK is trusted for
exact linkage only if it is valid: 16 digits, a kecamatan that exists in the Kemendagri master,
a calendar date (29 February always allowed: the century is not in the NIK) and a serial other
than 0000. An invalid NIK still helps as a comparison (a typo keeps most digits).

References
----------
UU No. 24/2013 (Administrasi Kependudukan), art. 1(12) and 13; Permendagri No. 95/2019 (SIAK),
structure of the NIK. Kemendagri region codes: Kepmendagri 300.2.2-2138/2025 (``rpkd.regions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import ibis

from rpkd import engine as eng
from rpkd import regions
from rpkd.linkage.dates import valid_day

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, IntegerValue, StringValue, Table

WOMAN_OFFSET = 40


@cache
def kecamatan_codes() -> tuple[str, ...]:
    """Return the plain 6-digit code of every kecamatan in the Kemendagri master."""
    provinces = [f"{i:02d}" for i in range(11, 100) if regions.exists(f"{i:02d}")]
    return tuple(
        regions.plain(r.code) for p in provinces for r in regions.descendants(p, "kecamatan")
    )


def kecamatan_table(engine: eng.Engine) -> Table:
    """Return a one-column table ``nik_kecamatan`` of every real kecamatan code."""
    return eng.literal_table(engine, {"nik_kecamatan": list(kecamatan_codes())})


def digits(raw: StringValue) -> StringValue:
    """Return the NIK as written with spaces, dots, dashes, quotes and a trailing ``.0`` removed."""
    text = raw.strip().re_replace(r"\.0$", "")
    return text.re_replace(r"[\s.'`-]", "").nullif("")


@dataclass(frozen=True)
class NikParts:
    """What a 16-digit NIK encodes; every field is null when the NIK is not 16 digits."""

    nik: StringValue
    kecamatan: StringValue
    day: IntegerValue
    month: IntegerValue
    year2: IntegerValue
    serial: StringValue

    @property
    def female(self) -> BooleanValue:
        return self.day > WOMAN_OFFSET

    @property
    def birth_day(self) -> IntegerValue:
        return ibis.ifelse(self.female, self.day - WOMAN_OFFSET, self.day)

    def sex(self) -> StringValue:
        """Return ``P`` (perempuan) or ``L`` (laki-laki) from the day field, null if invalid."""
        return ibis.ifelse(self.date_valid(), ibis.ifelse(self.female, "P", "L"), ibis.null("string"))

    def date_valid(self) -> BooleanValue:
        """Return whether the date part is a calendar date (leap year assumed)."""
        return self.nik.notnull() & valid_day(ibis.literal(2000), self.month, self.birth_day)

    def shape_valid(self) -> BooleanValue:
        """Return whether the date and serial parts are valid (the region is checked by join)."""
        return self.date_valid() & (self.serial != "0000")


def parts(raw: StringValue) -> NikParts:
    """Return the parts of a NIK (after :func:`digits`); null unless it has exactly 16 digits."""
    text = digits(raw)
    nik = ibis.ifelse(text.re_search(r"^[0-9]{16}$"), text, ibis.null("string"))
    return NikParts(
        nik=nik,
        kecamatan=nik.substr(0, 6),
        day=nik.substr(6, 2).cast("int32"),
        month=nik.substr(8, 2).cast("int32"),
        year2=nik.substr(10, 2).cast("int32"),
        serial=nik.substr(12, 4),
    )


def in_real_kecamatan(engine: eng.Engine, table: Table, column: str = "nik") -> Table:
    """Return ``table`` with ``nik_region_ok``: digits 1-6 of ``column`` are a real kecamatan."""
    kecamatan = kecamatan_table(engine)
    joined = table.left_join(kecamatan, table[column].substr(0, 6) == kecamatan.nik_kecamatan)
    return joined.mutate(nik_region_ok=joined.nik_kecamatan.notnull()).drop("nik_kecamatan")
