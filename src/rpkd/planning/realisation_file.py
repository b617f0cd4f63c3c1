"""Read a file of quarterly realisations (CSV, XLSX or Parquet) into submissions or findings.

The file is read by :func:`rpkd.inputs.read` (encoding, delimiter, title rows, decimal comma).
Columns (Indonesian or English names, case ignored): ``jenis``/``kind`` (indikator|kegiatan),
``kode``/``code``, ``tahun``/``year``, ``triwulan``/``quarter``, ``nilai``/``value``, ``se``,
``ci_low``, ``ci_high``, ``anggaran_realisasi``/``budget_spent``, ``penerima``/``beneficiaries``,
``bukti``/``evidence``; the first four are required.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rpkd import inputs
from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.planning.performance import Estimate
from rpkd.planning.realisations import SubjectKind

ALIASES = {
    "jenis": "kind",
    "kode": "code",
    "tahun": "year",
    "triwulan": "quarter",
    "nilai": "value",
    "anggaran_realisasi": "budget_spent",
    "penerima": "beneficiaries",
    "bukti": "evidence",
}
COLUMNS = (
    "kind",
    "code",
    "year",
    "quarter",
    "value",
    "se",
    "ci_low",
    "ci_high",
    "budget_spent",
    "beneficiaries",
    "evidence",
)
REQUIRED = ("kind", "code", "year", "quarter")
NUMBERS = ("year", "quarter", "value", "se", "ci_low", "ci_high", "budget_spent", "beneficiaries")
KINDS: dict[str, SubjectKind] = {
    "indikator": "indicator",
    "indicator": "indicator",
    "kegiatan": "activity",
    "activity": "activity",
}


@dataclass(frozen=True)
class Submission:
    """One row of the file, ready for :func:`rpkd.planning.realisations.submit`."""

    row: int
    kind: SubjectKind
    code: str
    year: int
    quarter: int
    value: float | None
    estimate: Estimate | None
    budget_spent: float | None
    beneficiaries: int | None
    evidence: str


def _numbers(
    table: inputs.InputTable, found: list[Finding]
) -> tuple[dict[str, list[float | None]], set[str]]:
    """Return each number column's values (None where empty), and the columns that failed."""
    rows = table.table.num_rows
    out: dict[str, list[float | None]] = {}
    failed: set[str] = set()
    for column in NUMBERS:
        if column not in table.table.column_names:
            out[column] = [None] * rows
            continue
        try:
            out[column] = table.numbers(column, required=False).to_pylist()
        except InvalidInput as exc:
            found.extend(exc.findings)
            failed.add(column)
            out[column] = [None] * rows
    return out, failed


def read_realisations(path: Path) -> tuple[tuple[Submission, ...], tuple[Finding, ...]]:
    """Return the rows of ``path`` as submissions, and the findings of the rows that break a rule.

    Rows are numbered from 1 (the first data row), as :mod:`rpkd.inputs` numbers them; a
    finding shows the value as written in the file. A file that cannot be read as a table
    raises :class:`InvalidInput` (``input_invalid``, or ``file_format`` for another format).
    """
    headers = {**{c: c for c in COLUMNS}, **ALIASES}
    table = inputs.read(path, required=REQUIRED, headers=headers)
    found: list[Finding] = list(table.findings)
    numbers, failed = _numbers(table, found)
    size = table.table.num_rows
    text = {
        c: table.table[c].to_pylist() if c in table.table.column_names else [None] * size
        for c in COLUMNS
    }
    out: list[Submission] = []
    for i, row in enumerate(table.table[inputs.ROW].to_pylist()):
        problems: list[tuple[str, str, dict[str, Any]]] = []
        kind = KINDS.get(str(text["kind"][i] or "").strip().casefold())
        if kind is None:
            problems.append(("realisation_kind", "kind", {}))
        code = str(text["code"][i] or "").strip()
        if not code:
            problems.append(("realisation_code_missing", "code", {}))
        year, quarter, people = (numbers[c][i] for c in ("year", "quarter", "beneficiaries"))
        if year is None and "year" not in failed:
            problems.append(("realisation_year_missing", "year", {}))
        for field, number in (("year", year), ("quarter", quarter), ("beneficiaries", people)):
            if number is not None and number != int(number):
                problems.append(("realisation_integer", field, {}))
        if "quarter" not in failed and quarter not in (1, 2, 3, 4):
            problems.append(("quarter_invalid", "quarter", {"quarter": text["quarter"][i]}))
        found.extend(
            Finding(code, "error", {"field": field, **params}, file=table.layout.file,
                    sheet=table.layout.sheet, row=row, field=field, value=text[field][i])
            for code, field, params in problems
        )  # fmt: skip
        if problems or year is None or quarter is None or kind is None:
            continue
        value, se = numbers["value"][i], numbers["se"][i]
        low, high = numbers["ci_low"][i], numbers["ci_high"][i]
        estimate = Estimate(value, se, low, high) if value is not None and se is not None else None
        out.append(
            Submission(
                row,
                kind,
                code,
                int(year),
                int(quarter),
                value,
                estimate,
                numbers["budget_spent"][i],
                None if people is None else int(people),
                str(text["evidence"][i] or ""),
            )
        )
    return tuple(out), tuple(found)
