"""Read a file of quarterly realisations (CSV, XLSX or Parquet) into submissions or findings.

Columns (Indonesian or English names): ``jenis``/``kind`` (indikator|kegiatan), ``kode``/``code``,
``tahun``/``year``, ``triwulan``/``quarter``, ``nilai``/``value``, ``se``, ``ci_low``, ``ci_high``,
``anggaran_realisasi``/``budget_spent``, ``penerima``/``beneficiaries``, ``bukti``/``evidence``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from openpyxl import load_workbook

from rpkd.errors import InvalidInput
from rpkd.planning.model import Finding
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


def _rows(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    if suffix == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            values = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
        if not values:
            return []
        head = [str(h or "").strip() for h in values[0]]
        return [
            dict(zip(head, r, strict=False)) for r in values[1:] if any(v is not None for v in r)
        ]
    if suffix == ".parquet":
        rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
        return rows
    raise InvalidInput(
        "format_unknown", f"{path.name}: format harus CSV, XLSX atau Parquet", param="file"
    )


def _number(
    raw: Any, row: int, field: str, found: list[Finding], *, integer: bool = False
) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        found.append(Finding(row, field, str(raw), "number", f"{field} harus angka"))
        return None
    if integer and value != int(value):
        found.append(Finding(row, field, str(raw), "integer", f"{field} harus bilangan bulat"))
        return None
    return value


def read_realisations(path: Path) -> tuple[tuple[Submission, ...], tuple[Finding, ...]]:
    """Return the rows of ``path`` as submissions, and the findings of the rows that break a rule."""
    found: list[Finding] = []
    out: list[Submission] = []
    for index, raw in enumerate(_rows(path), start=2):
        record = {
            ALIASES.get(str(k).strip().casefold(), str(k).strip().casefold()): v
            for k, v in raw.items()
        }
        kind = KINDS.get(str(record.get("kind") or "").strip().casefold())
        if kind is None:
            found.append(
                Finding(
                    index,
                    "kind",
                    str(record.get("kind")),
                    "code_list",
                    "jenis harus indikator atau kegiatan",
                )
            )
        code = str(record.get("code") or "").strip()
        if not code:
            found.append(Finding(index, "code", None, "required", "kode wajib diisi"))
        year = _number(record.get("year"), index, "year", found, integer=True)
        quarter = _number(record.get("quarter"), index, "quarter", found, integer=True)
        if year is None:
            found.append(Finding(index, "year", None, "required", "tahun wajib diisi"))
        if quarter is not None and quarter not in (1, 2, 3, 4):
            found.append(Finding(index, "quarter", str(quarter), "range", "triwulan harus 1-4"))
        value = _number(record.get("value"), index, "value", found)
        se = _number(record.get("se"), index, "se", found)
        low = _number(record.get("ci_low"), index, "ci_low", found)
        high = _number(record.get("ci_high"), index, "ci_high", found)
        spent = _number(record.get("budget_spent"), index, "budget_spent", found)
        people = _number(record.get("beneficiaries"), index, "beneficiaries", found, integer=True)
        if (
            kind is None
            or not code
            or year is None
            or quarter is None
            or quarter not in (1, 2, 3, 4)
        ):
            continue
        estimate = Estimate(value, se, low, high) if value is not None and se is not None else None
        out.append(
            Submission(
                index,
                kind,
                code,
                int(year),
                int(quarter),
                value,
                estimate,
                spent,
                None if people is None else int(people),
                str(record.get("evidence") or ""),
            )
        )
    return tuple(out), tuple(found)
