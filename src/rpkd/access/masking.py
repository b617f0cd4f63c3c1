"""Masking of personal data for display: NIK and names.

Used wherever by-name data leave the database for a person without ``personal_data.read`` or
for a printed list (UU 27/2022 on Pelindungan Data Pribadi, data minimisation). The first four
digits of a NIK are the province and kabupaten code (Dukcapil), so they stay readable.
"""

from __future__ import annotations

import re

_NON_DIGIT = re.compile(r"\D")


def mask_nik(nik: str | None, *, mask: str = "*") -> str | None:
    """Return the NIK with all but the first 4 and last 4 digits masked.

    Examples
    --------
    >>> mask_nik("6203012345678901")
    '6203********8901'
    >>> mask_nik("1234")
    '****'
    """
    if nik is None:
        return None
    digits = _NON_DIGIT.sub("", nik)
    if len(digits) <= 8:
        return mask * len(digits)
    return digits[:4] + mask * (len(digits) - 8) + digits[-4:]


def initials(name: str | None) -> str | None:
    """Return a person's name as initials (``"Siti Aminah"`` -> ``"S.A."``).

    Examples
    --------
    >>> initials("  siti   nur aminah ")
    'S.N.A.'
    """
    if name is None:
        return None
    return "".join(f"{part[0].upper()}." for part in name.split() if part)
