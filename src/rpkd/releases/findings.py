"""Findings: what validation found, as data (STYLE.md rule 4), and the report files written from it.

A finding is one row: the source file and kind, the 1-based data row number in that file (null
for file- or column-level findings), the canonical field, the value as read, the rule id, its
severity (``error`` blocks the import, ``warning`` is kept in the release) and a message in the
user's language. Values of PII columns (NIK, KK, names, addresses, birth dates) are masked unless
the data officer asks for them in full.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from rpkd.settings import Lang

Severity = Literal["error", "warning"]

FINDINGS_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("kind", pa.string()),
        ("row", pa.int64()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("rule", pa.string()),
        ("severity", pa.string()),
        ("message", pa.string()),
    ]
)
REPORT_COLUMNS = tuple(FINDINGS_SCHEMA.names)
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit minus the header row
_REPORT_BATCH = 65_536


@dataclass(frozen=True)
class Rule:
    """A validation rule: stable id, severity and message templates (Indonesian, English)."""

    id: str
    severity: Severity
    text_id: str
    text_en: str

    def message(self, lang: Lang, **values: object) -> str:
        return (self.text_en if lang == "en" else self.text_id).format(**values)


_RULES = (
    Rule("file_empty", "error", "berkas tidak berisi baris data", "file holds no data rows"),
    Rule(
        "file_unreadable",
        "error",
        "berkas tidak dapat dibaca: {detail}",
        "file cannot be read: {detail}",
    ),
    Rule(
        "file_ambiguous",
        "error",
        "lebih dari satu berkas untuk jenis ini: {detail}",
        "more than one file for this kind: {detail}",
    ),
    Rule(
        "column_missing",
        "error",
        "kolom wajib {field} tidak ada",
        "required column {field} is missing",
    ),
    Rule(
        "column_duplicate",
        "error",
        "kolom {field} muncul lebih dari sekali",
        "column {field} appears more than once",
    ),
    Rule(
        "column_unknown",
        "warning",
        "kolom {field} tidak dikenal dan diabaikan",
        "column {field} is unknown and ignored",
    ),
    Rule("required_missing", "error", "{field} wajib diisi", "{field} is required"),
    Rule("not_number", "error", "{field} harus berupa angka", "{field} must be a number"),
    Rule(
        "not_integer",
        "error",
        "{field} harus berupa bilangan bulat",
        "{field} must be a whole number",
    ),
    Rule(
        "not_date",
        "error",
        "{field} bukan tanggal yang sah ({formats})",
        "{field} is not a valid date ({formats})",
    ),
    Rule("not_boolean", "error", "{field} harus ya/tidak", "{field} must be yes/no"),
    Rule(
        "code_unknown",
        "error",
        "{field} bukan kode yang sah ({codes})",
        "{field} is not a valid code ({codes})",
    ),
    Rule("out_of_range", "error", "{field} di luar batas {bounds}", "{field} is outside {bounds}"),
    Rule("weight_not_positive", "error", "penimbang harus > 0", "weight must be > 0"),
    Rule("age_impossible", "error", "umur lebih dari 120 tahun", "age above 120 years"),
    Rule("birth_future", "error", "tanggal lahir di masa depan", "birth date in the future"),
    Rule(
        "death_before_birth",
        "error",
        "tanggal meninggal sebelum tanggal lahir",
        "date of death before birth date",
    ),
    Rule("deceased", "warning", "anggota keluarga telah meninggal", "person is deceased"),
    Rule(
        "desa_malformed",
        "error",
        "kode desa harus 10 angka (62.03.01.2001)",
        "village code must have 10 digits (62.03.01.2001)",
    ),
    Rule(
        "desa_unknown",
        "error",
        "kode desa tidak ada dalam daftar Kemendagri",
        "village code is not in the Kemendagri list",
    ),
    Rule(
        "desa_outside",
        "error",
        "desa di luar wilayah rilis {region}",
        "village lies outside the release region {region}",
    ),
    Rule("nik_malformed", "error", "NIK harus 16 angka", "NIK must have 16 digits"),
    Rule(
        "nik_region_unknown",
        "error",
        "6 angka pertama NIK bukan kode kecamatan yang ada",
        "the first 6 digits of the NIK are not a real kecamatan",
    ),
    Rule(
        "nik_moved",
        "warning",
        "NIK diterbitkan di kecamatan lain (pindah)",
        "NIK issued in another kecamatan (moved)",
    ),
    Rule(
        "nik_birth_invalid",
        "error",
        "bagian tanggal lahir NIK (DDMMYY) tidak sah",
        "the birth part of the NIK (DDMMYY) is not a date",
    ),
    Rule(
        "nik_birth_mismatch",
        "error",
        "bagian tanggal lahir NIK tidak sesuai tanggal lahir/jenis kelamin",
        "the birth part of the NIK does not match birth date/sex",
    ),
    Rule(
        "nik_duplicate",
        "error",
        "NIK yang sama muncul lebih dari sekali",
        "the same NIK appears more than once",
    ),
    Rule(
        "nik_in_two_families",
        "error",
        "NIK yang sama ada di lebih dari satu keluarga",
        "the same NIK is in more than one family",
    ),
    Rule("kk_malformed", "error", "nomor KK harus 16 angka", "KK number must have 16 digits"),
    Rule(
        "kk_region_unknown",
        "error",
        "6 angka pertama nomor KK bukan kode kecamatan yang ada",
        "the first 6 digits of the KK number are not a real kecamatan",
    ),
    Rule(
        "kk_duplicate",
        "warning",
        "nomor KK yang sama dipakai lebih dari satu keluarga",
        "the same KK number is used by more than one family",
    ),
    Rule(
        "key_duplicate",
        "error",
        "{field} muncul lebih dari sekali",
        "{field} appears more than once",
    ),
    Rule(
        "row_duplicate",
        "error",
        "baris yang sama persis muncul lebih dari sekali",
        "the exact same row appears more than once",
    ),
    Rule(
        "family_missing",
        "error",
        "keluarga {field} tidak ada dalam data keluarga",
        "family is not in the families data",
    ),
    Rule("head_missing", "error", "keluarga tanpa kepala keluarga", "family has no head"),
    Rule(
        "head_multiple",
        "error",
        "keluarga dengan lebih dari satu kepala keluarga",
        "family has more than one head",
    ),
    Rule(
        "family_size_mismatch",
        "error",
        "jumlah anggota keluarga tidak sama dengan jumlah anggota yang masih hidup",
        "family size differs from the number of living persons",
    ),
    Rule(
        "birth_date_placeholder",
        "warning",
        "tanggal lahir tampak sebagai isian sementara (01-01/31-12)",
        "birth date looks like a placeholder (01-01/31-12)",
    ),
)
RULES: dict[str, Rule] = {r.id: r for r in _RULES}

# In beneficiary lists, identity problems are kept as the agency holds them (linkage deals with
# them): these rules are warnings there, whatever their severity in the registry.
LIST_WARNINGS = frozenset(
    {
        "required_missing_name",
        "nik_malformed",
        "nik_region_unknown",
        "nik_birth_invalid",
        "nik_birth_mismatch",
        "nik_duplicate",
        "kk_malformed",
        "kk_region_unknown",
        "not_date",
        "row_duplicate",
    }
)


def severity(rule: str, kind: str, field: str | None = None) -> Severity:
    """Return the severity of ``rule`` for a table ``kind`` (lists downgrade identity problems)."""
    if kind == "beneficiaries" and (
        rule in LIST_WARNINGS or (rule == "required_missing" and field == "name")
    ):
        return "warning"
    return RULES[rule].severity


def mask(values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Return values with all but the first and last 4 characters masked (``6203xxxxxxxx1234``).

    Short values keep only their first character, so that no name or date can be read back.

    Examples
    --------
    >>> mask(pa.array(["6203014508900001", "Siti Aminah", None])).to_pylist()
    ['6203xxxxxxxx0001', 'Sxxxxxxxxxx', None]
    """
    text = pc.cast(values, pa.string())
    long_form = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(text, 0, 4),
        pc.replace_substring_regex(pc.utf8_slice_codeunits(text, 4, -4), ".", "x"),
        pc.utf8_slice_codeunits(text, -4, 1 << 30),
        "",
    )
    short_form = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(text, 0, 1),
        pc.replace_substring_regex(pc.utf8_slice_codeunits(text, 1, 1 << 30), ".", "x"),
        "",
    )
    result = pc.if_else(pc.greater_equal(pc.utf8_length(text), 12), long_form, short_form)
    return result if isinstance(result, pa.ChunkedArray) else pa.chunked_array([result])


def mask_pii(findings: pa.Table, pii_fields: frozenset[str]) -> pa.Table:
    """Return ``findings`` with the values of PII fields masked."""
    if findings.num_rows == 0:
        return findings
    is_pii = pc.is_in(findings["field"], value_set=pa.array(sorted(pii_fields), pa.string()))
    masked = pc.if_else(is_pii, mask(findings["value"]), findings["value"])
    return findings.set_column(findings.schema.get_field_index("value"), "value", masked)


def write_report(
    findings: pa.Table | Iterable[pa.RecordBatch], folder: Path, stem: str
) -> tuple[Path, Path]:
    """Write ``findings`` to ``folder/stem.csv`` (UTF-8 with BOM, opens in Excel) and ``.xlsx``.

    ``findings`` may be a table or a stream of record batches (as the engine returns them); both
    files are written in one pass, batch by batch, so memory does not grow with the number of
    findings. The XLSX file stops at Excel's sheet limit (:data:`XLSX_MAX_ROWS`); the CSV holds
    every row.
    """
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    stream = findings.to_batches(_REPORT_BATCH) if isinstance(findings, pa.Table) else findings
    book = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    sheet = book.add_worksheet("temuan")
    bold = book.add_format({"bold": True})
    for col, name in enumerate(REPORT_COLUMNS):
        sheet.write_string(0, col, name, bold)
    numeric = REPORT_COLUMNS.index("row")
    sheet_rows = 0
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REPORT_COLUMNS)
        for batch in stream:
            columns = [batch.column(name).to_pylist() for name in REPORT_COLUMNS]
            records = list(zip(*columns, strict=True))
            writer.writerows(records)
            for record in records[: XLSX_MAX_ROWS - sheet_rows]:
                sheet_rows += 1
                for col, value in enumerate(record):
                    if value is None:
                        continue
                    if col == numeric:
                        sheet.write_number(sheet_rows, col, value)
                    else:
                        sheet.write_string(sheet_rows, col, str(value))
    sheet.autofilter(0, 0, sheet_rows, len(REPORT_COLUMNS) - 1)
    book.close()
    return csv_path, xlsx_path
