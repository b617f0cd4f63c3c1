"""Findings of an import as an Arrow table: one :class:`rpkd.findings.Finding` per row, plus kind.

An import can find millions of problems, so its findings travel as a table of :data:`SCHEMA`
(the base layer's :data:`rpkd.findings.FINDINGS_SCHEMA` and the table ``kind``), computed and
streamed by the engine. A row holds the rule's code (its id in the findings report and its
sentence in the :mod:`rpkd.locale` catalogue), the severity (``error`` blocks the import,
``warning`` is kept in the release), the file, sheet, 1-based data row, canonical field, the
value as read and the rule's parameters as JSON: everything needed to render it in either
language when a report is written. Values of personal-data columns are masked with
:func:`rpkd.access.masking.mask_column` unless the data officer asks for them in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from rpkd.access.masking import mask_column
from rpkd.findings import FINDINGS_SCHEMA, Finding, findings_table

Severity = Literal["error", "warning"]

SCHEMA = pa.schema([*FINDINGS_SCHEMA, pa.field("kind", pa.string())])
"""Findings of an import: the base findings columns and the release table kind."""

SEVERITY: Mapping[str, Severity] = {
    "file_empty": "error",
    "file_unreadable": "error",
    "sheet_missing": "error",
    "row_ragged": "error",
    "cell_formula": "error",
    "cell_merged": "error",
    "column_missing": "error",
    "column_duplicate": "error",
    "column_unknown": "warning",
    "required_missing": "error",
    "not_number": "error",
    "not_integer": "error",
    "not_date": "error",
    "not_boolean": "error",
    "code_unknown": "error",
    "out_of_range": "error",
    "weight_not_positive": "error",
    "age_impossible": "error",
    "birth_future": "error",
    "death_before_birth": "error",
    "deceased": "warning",
    "desa_malformed": "error",
    "desa_unknown": "error",
    "desa_outside": "error",
    "nik_empty": "warning",
    "nik_malformed": "error",
    "nik_region_unknown": "error",
    "nik_moved": "warning",
    "nik_birth_invalid": "error",
    "nik_birth_mismatch": "error",
    "nik_duplicate": "error",
    "nik_in_two_families": "error",
    "kk_malformed": "error",
    "kk_region_unknown": "error",
    "kk_duplicate": "warning",
    "key_duplicate": "error",
    "psu_strata": "error",
    "row_duplicate": "error",
    "family_missing": "error",
    "head_missing": "error",
    "head_multiple": "error",
    "family_size_mismatch": "error",
    "birth_date_placeholder": "warning",
}
"""Every validation rule (its code, the ``rule`` of the findings report) and its severity."""

# In beneficiary lists, identity problems are kept as the agency holds them (linkage deals with
# them): these rules are warnings there, whatever their severity in the registry.
LIST_WARNINGS = frozenset(
    {
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
    return SEVERITY[rule]


def table(findings: Iterable[Finding], kind: str) -> pa.Table:
    """Return findings of one file of ``kind`` as a table of :data:`SCHEMA`, severity by rule."""
    rows = [f.at(severity=severity(f.code, kind, f.field)) for f in findings]
    base = findings_table(rows)
    return base.append_column("kind", pa.array([kind] * base.num_rows, pa.string()))


def mask_pii(findings: pa.Table | pa.RecordBatch, pii_fields: Iterable[str]) -> pa.Table:
    """Return ``findings`` with the values of personal-data fields masked, field by field."""
    data = findings if isinstance(findings, pa.Table) else pa.Table.from_batches([findings])
    if data.num_rows == 0:
        return data
    values = data["value"].combine_chunks()
    fields = data["field"].combine_chunks()
    for field in sorted(set(pii_fields)):
        mask = pc.fill_null(pc.equal(fields, field), False)
        if not pc.any(mask).as_py():
            continue
        masked = mask_column(pc.filter(values, mask), field).combine_chunks()
        values = pc.replace_with_mask(values, mask, masked)
    return data.set_column(data.schema.get_field_index("value"), "value", values)
