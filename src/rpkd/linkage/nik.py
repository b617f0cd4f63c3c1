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

from functools import cache
from typing import TYPE_CHECKING

import ibis

from rpkd import engine as eng
from rpkd import regions
from rpkd.linkage.dates import valid_day

if TYPE_CHECKING:
    from ibis.expr.types import StringValue, Table

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


def with_nik(engine: eng.Engine, table: Table, raw: str) -> Table:
    """Return ``table`` with the NIK in text column ``raw`` checked.

    Adds ``nik`` (the 16 digits, or null when there are not exactly 16), ``nik_valid`` (real
    kecamatan, calendar date, serial not 0000), ``nik_sex`` (from the day field, null unless
    valid) and ``nik_birth`` (the encoded day and month ``DD-MM`` and two-digit year ``YY``
    as ``DD-MM-YY``, null unless valid).

    Examples: ``6203015705800001`` is a woman born 17-05-(19)80 in kecamatan 62.03.01.
    """
    step = table.mutate(_nik_text=digits(table[raw].cast("string")))
    step = step.mutate(
        nik=ibis.ifelse(
            step._nik_text.re_search(r"^[0-9]{16}$"), step._nik_text, ibis.null("string")
        )
    )
    step = step.mutate(
        _nik_day=step.nik.substr(6, 2).cast("int32"),
        _nik_month=step.nik.substr(8, 2).cast("int32"),
        _nik_serial=step.nik.substr(12, 4),
    )
    female = step._nik_day > WOMAN_OFFSET
    day = ibis.ifelse(female, step._nik_day - WOMAN_OFFSET, step._nik_day)
    step = step.mutate(_nik_female=female, _nik_birth_day=day)
    step = step.mutate(
        _nik_shape=(
            step.nik.notnull()
            & valid_day(ibis.literal(2000), step._nik_month, step._nik_birth_day)
            & (step._nik_serial != "0000")
        ).fill_null(False)
    )
    kecamatan = kecamatan_table(engine)
    joined = step.left_join(kecamatan, step.nik.substr(0, 6) == kecamatan.nik_kecamatan)
    joined = joined.mutate(nik_valid=joined._nik_shape & joined.nik_kecamatan.notnull())
    joined = joined.mutate(
        nik_sex=ibis.ifelse(
            joined.nik_valid, ibis.ifelse(joined._nik_female, "P", "L"), ibis.null("string")
        ),
        nik_birth=ibis.ifelse(
            joined.nik_valid,
            joined._nik_birth_day.cast("string")
            .lpad(2, "0")
            .concat("-", joined.nik.substr(8, 2), "-", joined.nik.substr(10, 2)),
            ibis.null("string"),
        ),
    )
    return joined.drop("nik_kecamatan", *[c for c in joined.columns if c.startswith("_nik")])
