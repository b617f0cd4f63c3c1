"""The estimates table as an officer reads it: BPS units, catalogue labels, region names."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from rpkd.findings import Finding
from rpkd.reports.estimates import shown, view, write_estimates
from rpkd.survey import ESTIMATES_SCHEMA


def _table() -> pa.Table:
    rows = [
        ("fgt0", None, "612345", None, None, 0.0523, 0.004, 0.045, 0.061, 1102, 16718.699999999997),
        ("fgt1", None, "612345", None, None, 0.0123, 0.001, 0.0103, 0.0143, 1102, 16718.7),
        ("mean", None, None, "kecamatan", "62.03.01", 1234567.4, 20000.0, 1.19e6, 1.27e6, 80, 5.0),
        ("gini", None, None, "urban", "true", 0.38149, 0.01, 0.36, 0.40, 500, 9.0),
    ]
    return pa.Table.from_pylist(
        [dict(zip(ESTIMATES_SCHEMA.names, r, strict=True)) for r in rows], schema=ESTIMATES_SCHEMA
    )


def test_values_in_bps_units() -> None:
    assert shown(0.0523, "percent", "id") == "5,23%"
    assert shown(0.0123, "index", "id") == "1,23"  # P1 ×100
    assert shown(16718.699999999997, "integer", "id") == "16.719"
    assert shown(1234567.4, "rupiah", "id") == "Rp1.234.567"
    assert shown(0.38149, "ratio", "en") == "0.381"
    assert shown(None, "percent", "id") == "–"


def test_view_labels_names_and_units() -> None:
    out = view(_table(), "id").to_pylist()
    assert list(out[0]) == [
        "estimates.measure",
        "estimates.line",
        "estimates.domain",
        "estimates.estimate",
        "estimates.ci_low",
        "estimates.ci_high",
        "estimates.cv",
        "estimates.n",
        "estimates.population",
    ]
    assert out[0]["estimates.measure"] == "P0 (%)" and out[0]["estimates.estimate"] == "5,23%"
    assert out[0]["estimates.line"] == "Rp612.345" and out[0]["estimates.domain"] == "seluruh"
    assert out[0]["estimates.population"] == "16.719"
    assert out[0]["estimates.cv"] == "7,65%"  # 0.004 / 0.0523
    assert out[1]["estimates.measure"] == "P1 (×100)" and out[1]["estimates.estimate"] == "1,23"
    assert out[2]["estimates.domain"] == "62.03.01 Selat"
    assert out[2]["estimates.estimate"] == "Rp1.234.567"
    assert out[3]["estimates.domain"] == "true" and out[3]["estimates.estimate"] == "0,381"


def test_workbook_headers_and_formats(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "e.xlsx"
    found = [Finding("lonely_psu", "warning", {"stratum": "S1", "stage": 1, "policy": "adjust"})]
    write_estimates(path, _table(), found, "en", title="Estimates")
    book = load_workbook(path)
    sheet, notes = book.worksheets
    assert sheet.title == "estimates" and notes.title == "findings"
    rows = list(sheet.iter_rows())
    assert rows[0][0].value == "Estimates"
    header = [c.value for c in rows[2]]
    assert header[0] == "measure" and "std. error" in header and "poverty line" in header
    at = {name: header.index(name) for name in ("estimate", "CV", "poverty line")}
    p0, p1, mean = rows[3], rows[4], rows[5]
    assert p0[at["estimate"]].number_format == "0.00%" and p0[at["estimate"]].value == 0.0523
    assert p1[at["estimate"]].value == 1.23 and p1[at["estimate"]].number_format != "0.00%"
    assert mean[at["estimate"]].number_format.startswith('"Rp"')
    assert p0[at["poverty line"]].value == 612345.0
    assert p0[at["CV"]].number_format == "0.00%"
    assert "stratum S1 has one sampled unit" in str(notes["B2"].value)
