"""Verification workbooks for the village deliberation (musyawarah desa), one per desa.

Each desa's workbook holds the families of its own area from the convergence lists, one sheet
per list: families left out (e.g. desil 1 receiving nothing), recipients outside a programme's
rule, forbidden double receipt, deceased recipients and per-family programme gaps, with headers
in the reader's language and empty columns for the deliberation's verdict. The workflow masks
personal data before the rows reach this module (:mod:`rpkd.access.masking`).

References
----------
facts.md §2.3 (Musyawarah Desa/Kelurahan verifies and validates DTKS/DTSEN updates) and
§7.B.9 (exclusion and inclusion lists for verification).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports.xlsx import Column, Sheet, write_workbook

VERDICT: tuple[str, ...] = ("hasil_verifikasi", "keterangan")
"""Columns left empty for the deliberation to fill in."""

SHEETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("exclusion", ("family_id", "head_name", "head_nik", "kk_number", "address", "desil",
                   "family_size", "eligible_programmes")),
    ("inclusion", ("family_id", "head_name", "head_nik", "desil", "programme", "records")),
    ("double", ("family_id", "head_name", "head_nik", "desil", "programme", "other")),
    ("deceased", ("programme", "record", "family_id", "name", "nik", "death_date")),
    ("gaps", ("family_id", "head_name", "desil", "programme", "eligible", "deprivations")),
)  # fmt: skip
"""Each list (a key of the tables given) and its columns, in the order shown."""


def _header(sheet: str, column: str, lang: Lang) -> str:
    """Return the header of ``column`` on ``sheet`` (a sheet may name a column its own way)."""
    own = f"verification.{sheet}.{column}"
    return locale.label(own if locale.has_label(own) else f"verification.{column}", lang)


def _readable(table: pa.Table, lang: Lang) -> pa.Table:
    """Return ``table`` with true/false columns as the words of ``lang`` (ya/tidak)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_boolean(field.type):
            words = [
                None if v is None else locale.label("yes" if v else "no", lang)
                for v in table.column(i).to_pylist()
            ]
            table = table.set_column(i, field.name, pa.array(words, pa.string()))
    return table


def verification_workbook(
    path: Path, place: str, tables: Mapping[str, pa.Table], lang: Lang = "id"
) -> Path:
    """Write one desa's verification workbook to ``path`` and return it.

    ``place`` names the desa in each sheet's title (``Mantangai Hulu (62.03.05.2004)``);
    ``tables`` holds the rows of each list of :data:`SHEETS` for this desa.
    """
    sheets = []
    for key, columns in SHEETS:
        name = locale.label(f"verification.{key}", lang)
        shown = [Column(c, _header(key, c, lang), width=18) for c in (*columns, *VERDICT)]
        sheets.append(
            Sheet(
                name=name,
                rows=_readable(tables[key], lang),
                columns=shown,
                title=f"{name} — {place}",
                numbered=True,
            )
        )
    return write_workbook(path, sheets)
