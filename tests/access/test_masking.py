"""Masking of NIK and names."""

from __future__ import annotations

from rpkd.access.masking import initials, mask_nik


def test_nik_keeps_first_and_last_four_digits() -> None:
    assert mask_nik("6203015507900001") == "6203********0001"
    assert mask_nik("6203 0155 0790 0001") == "6203********0001"
    assert mask_nik("12345678") == "********"
    assert mask_nik(None) is None


def test_names_become_initials() -> None:
    assert initials("Siti Aminah") == "S.A."
    assert initials("  budi ") == "B."
    assert initials("") == ""
    assert initials(None) is None
