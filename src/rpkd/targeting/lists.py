"""Verification lists for the village deliberation (musyawarah desa), one workbook per desa.

Each desa gets the families of its own area from the convergence lists — families left out
(e.g. desil 1 receiving nothing), recipients outside a programme's rule, forbidden double
receipt, deceased recipients and per-family programme gaps — with Indonesian headers and empty
columns for the deliberation's verdict. Personal data (names, NIK, KK number, address) are
masked unless the caller may read them (:func:`mask`), the one place where masking happens.

References
----------
facts.md §2.3 (Musyawarah Desa/Kelurahan verifies and validates DTKS/DTSEN updates) and
§7.B.9 (exclusion and inclusion lists for verification); UU 27/2022 on personal-data
protection (data minimisation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from rpkd.access.masking import initials, mask_nik

PERSONAL_NAMES = ("head_name", "name")
PERSONAL_NUMBERS = ("head_nik", "nik", "kk_number")
PERSONAL_TEXT = ("address",)


def mask(table: pa.Table, *, personal: bool) -> pa.Table:
    """Return ``table`` with names as initials, NIK/KK numbers masked and addresses blanked.

    With ``personal=True`` the table is returned as is (the caller checked the permission and
    records the export in the audit log).
    """
    if personal:
        return table
    for name in table.column_names:
        values = table.column(name).to_pylist()
        if name in PERSONAL_NAMES:
            masked = [initials(v) for v in values]
        elif name in PERSONAL_NUMBERS:
            masked = [mask_nik(v) for v in values]
        elif name in PERSONAL_TEXT:
            masked = [None if v is None else "***" for v in values]
        else:
            continue
        index = table.column_names.index(name)
        table = table.set_column(index, name, pa.array(masked, pa.string()))
    return table


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its key, Indonesian and English titles, and columns with headers."""

    key: str
    title_id: str
    title_en: str
    columns: Mapping[str, tuple[str, str]]


VERDICT = {
    "hasil_verifikasi": ("Hasil verifikasi musdes", "Village verdict"),
    "keterangan": ("Keterangan", "Remarks"),
}

SHEETS: tuple[Sheet, ...] = (
    Sheet("exclusion", "Tidak Menerima Bantuan", "Receiving nothing", {
        "family_id": ("ID keluarga", "Family id"),
        "head_name": ("Nama kepala keluarga", "Head's name"),
        "head_nik": ("NIK kepala keluarga", "Head's NIK"),
        "kk_number": ("Nomor KK", "KK number"),
        "address": ("Alamat", "Address"),
        "desil": ("Desil", "Desil"),
        "family_size": ("Jumlah anggota", "Family size"),
        "eligible_programmes": ("Layak menerima", "Eligible for"),
        **VERDICT,
    }),
    Sheet("inclusion", "Penerima di Luar Aturan", "Recipients outside the rule", {
        "family_id": ("ID keluarga", "Family id"),
        "head_name": ("Nama kepala keluarga", "Head's name"),
        "head_nik": ("NIK kepala keluarga", "Head's NIK"),
        "desil": ("Desil", "Desil"),
        "programme": ("Program", "Programme"),
        "records": ("Jumlah catatan daftar", "List records"),
        **VERDICT,
    }),
    Sheet("double", "Penerima Ganda", "Double receipt", {
        "family_id": ("ID keluarga", "Family id"),
        "head_name": ("Nama kepala keluarga", "Head's name"),
        "head_nik": ("NIK kepala keluarga", "Head's NIK"),
        "desil": ("Desil", "Desil"),
        "programme": ("Program", "Programme"),
        "other": ("Bersamaan dengan", "Together with"),
        **VERDICT,
    }),
    Sheet("deceased", "Penerima Meninggal", "Deceased recipients", {
        "programme": ("Program", "Programme"),
        "record": ("Nomor urut daftar", "List record"),
        "family_id": ("ID keluarga", "Family id"),
        "name": ("Nama", "Name"),
        "nik": ("NIK", "NIK"),
        "death_date": ("Tanggal meninggal", "Date of death"),
        **VERDICT,
    }),
    Sheet("gaps", "Kesenjangan Program", "Programme gaps", {
        "family_id": ("ID keluarga", "Family id"),
        "head_name": ("Nama kepala keluarga", "Head's name"),
        "desil": ("Desil", "Desil"),
        "programme": ("Program yang belum diterima", "Programme not received"),
        "eligible": ("Memenuhi aturan", "Meets the rule"),
        "deprivations": ("Kekurangan terkait", "Related deprivations"),
        **VERDICT,
    }),
)  # fmt: skip


def rows_for(
    table: pa.Table, sheet: Sheet, *, lang: str = "id"
) -> tuple[list[str], list[list[object]]]:
    """Return the headers and rows of ``sheet`` from ``table`` (verdict columns left empty)."""
    headers = ["No."] + [label[1] if lang == "en" else label[0] for label in sheet.columns.values()]
    present = [c for c in sheet.columns if c in table.column_names]
    data = {c: table.column(c).to_pylist() for c in present}
    rows = []
    for i in range(table.num_rows):
        rows.append([i + 1] + [data[c][i] if c in data else None for c in sheet.columns])
    return headers, rows


def write_workbook(
    path: Path, title: str, tables: Mapping[str, pa.Table], *, lang: str = "id"
) -> None:
    """Write one desa's verification workbook: one sheet per list, headers frozen."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    try:
        for sheet in SHEETS:
            headers, rows = rows_for(tables[sheet.key], sheet, lang=lang)
            name = sheet.title_en if lang == "en" else sheet.title_id
            ws = workbook.add_worksheet(name[:31])
            ws.write(0, 0, f"{name} — {title}", bold)
            ws.write_row(2, 0, headers, bold)
            for i, row in enumerate(rows, start=3):
                ws.write_row(i, 0, [_cell(v, lang) for v in row])
            ws.freeze_panes(3, 0)
            ws.set_column(0, len(headers) - 1, 18)
    finally:
        workbook.close()


def _cell(value: object, lang: str) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return ("yes" if value else "no") if lang == "en" else ("ya" if value else "tidak")
    return value
