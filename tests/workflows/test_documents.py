"""The district's documents from a small synthetic Kapuas: the RPKD's headings are Bab I–VI,
LibreOffice converts the DOCX, every number read back from the DOCX's tables equals the
workflow result it came from (computed here by calling those workflows), no table reveals a
count of fewer than 10 families (not even by subtraction), no personal data appears anywhere,
and the export is permitted for aggregates and audited.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import docx
import pyarrow.parquet as pq
import pytest
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from rpkd.errors import Forbidden, UsageError
from rpkd.planning.model import Activity, Budget
from rpkd.planning.store import load_plan, save_plan
from rpkd.reports.documents.disclosure import exposed
from rpkd.reports.documents.model import SUPPRESSED
from rpkd.synth import synthesize
from rpkd.workflows import Workspace, add_user, list_audit
from rpkd.workflows.convergence import convergence_report
from rpkd.workflows.documents import ReportFiles, make_report
from rpkd.workflows.plan import init_plan
from rpkd.workflows.poverty import poverty_figures
from rpkd.workflows.priority import priority_areas
from rpkd.workflows.profile import profile_release
from rpkd.workflows.realisations import add_realisation, verify_realisation
from rpkd.workflows.releases import import_release
from rpkd.workflows.scenarios import SEED, run_scenario, save_scenario

TODAY = date(2025, 12, 1)
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "scenario-kapuas-2027.toml"
PASSWORD = "kapuas-bersinar-2025"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("documents")
    path = base / "ws"
    with Workspace.open(path) as ws:
        synthesize("62.03", base / "s0", kit=ws.kit, families=1500, seed=12)
        synthesize("62.03", base / "s1", kit=ws.kit, families=1500, seed=11)
        import_release(ws, base / "s0", "r0", reference_date="2025-03-01")
        import_release(ws, base / "s1", "r1", reference_date="2025-09-01")
        init_plan(ws)
        with ws.transaction() as db:
            plan = load_plan(db)
            activity = Activity(
                "A01",
                "Verifikasi dan validasi keluarga miskin ekstrem",
                "DINSOS",
                regions=("62.03.01",),
                budgets=(
                    Budget(2025, "apbd", 500_000_000.0),
                    Budget(2025, "dana_desa", 250_000_000.0),
                    Budget(2026, "apbd", 600_000_000.0),
                ),
            )
            first = replace(plan.programmes[0], activities=(activity,))
            save_plan(db, replace(plan, programmes=(first, *plan.programmes[1:])))
        for code, year, value, se in (
            ("KE", 2025, 1.2, 0.3),
            ("KE", 2026, 0.9, 0.25),
            ("P0", 2025, 5.4, 0.4),
        ):
            added = add_realisation(ws, "indicator", code, year, 4, value=value, se=se)
            verify_realisation(ws, added.items[0].id)
        added = add_realisation(
            ws, "activity", "A01", 2025, 4, budget_spent=600_000_000.0, beneficiaries=120
        )
        verify_realisation(ws, added.items[0].id)
        add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(path, actor="admin") as ws:
        add_user(ws, "pemirsa", PASSWORD, role="viewer", region="62.03")
        add_user(ws, "luar", PASSWORD, role="viewer", region="62.11")
    return base


@pytest.fixture(scope="module")
def ws(root: Path) -> Iterator[Workspace]:
    with Workspace.open(root / "ws", actor="admin") as opened:
        yield opened


@pytest.fixture(scope="module")
def rpkd(ws: Workspace, root: Path) -> ReportFiles:
    if shutil.which("soffice") is None:  # scripts/test.sh installs LibreOffice Writer
        import os

        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing: scripts/test.sh installs it")
        pytest.skip("LibreOffice (soffice) is not installed")
    return make_report(ws, "rpkd", "r1", to=("docx", "pdf", "xlsx"), out=root / "out", today=TODAY)


# --- reading the DOCX back -----------------------------------------------------------------


def recoverable(
    rows: Any, hidden: frozenset[tuple[int, str]], counts: Any, relations: Any, total_row: bool
) -> list[tuple[int, str]]:
    """Return the hidden counts the table's equations fix (linear algebra: the cell's unit
    vector lies in the row space of the equations over the hidden cells)."""
    import numpy as np

    unknown = sorted(c for c in hidden if c[1] in counts)
    index = {c: i for i, c in enumerate(unknown)}
    equations = [
        [(i, p) for p in r.parts] + [(i, r.total)] for i in range(len(rows)) for r in relations
    ]
    if total_row:
        last = len(rows) - 1
        equations += [[(i, k) for i in range(last)] + [(last, k)] for k in counts]
    lines = []
    for cells in equations:
        if any(rows[i].get(k) is None and (i, k) not in hidden for i, k in cells):
            continue  # a relation with a cell of no value is no equation
        line = np.zeros(len(unknown))
        for n, cell in enumerate(cells):
            if cell in index:
                line[index[cell]] = -1.0 if n == len(cells) - 1 else 1.0
        if line.any():
            lines.append(line)
    if not lines:
        return []
    matrix = np.array(lines)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for cell, i in index.items():
        unit = np.zeros(len(unknown))
        unit[i] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(cell)
    return found


def docx_tables(path: Path) -> dict[str, list[list[str]]]:
    """Return every table of the DOCX by its caption (the paragraph just above it)."""
    document = docx.Document(str(path))
    out: dict[str, list[list[str]]] = {}
    caption = ""
    for block in document.element.body.iterchildren():
        if block.tag.endswith("}p"):
            paragraph = DocxParagraph(block, document)
            if paragraph.style is not None and paragraph.style.name == "Caption":
                caption = paragraph.text
        elif block.tag.endswith("}tbl"):
            table = DocxTable(block, document)
            out[caption] = [[c.text for c in row.cells] for row in table.rows]
    return out


def number(text: str) -> float | None:
    """Return an Indonesian number as written (``1.234,5``, ``5,23%``, ``Rp1.000``)."""
    if text in ("–", SUPPRESSED, ""):
        return None
    clean = text.replace("Rp", "").replace("%", "").replace(".", "").replace(",", ".")
    return float(clean)


def table_of(path: Path, start: str) -> list[list[str]]:
    found = [rows for caption, rows in docx_tables(path).items() if start in caption]
    assert len(found) == 1, (start, list(docx_tables(path)))
    return found[0]


# --- the RPKD --------------------------------------------------------------------------------


def test_the_rpkd_has_bab_i_to_vi_and_all_three_files(rpkd: ReportFiles) -> None:
    assert [f.format for f in rpkd.files] == ["docx", "pdf", "xlsx"]
    document = docx.Document(str(rpkd.path("docx")))
    chapters = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [c.split(" ")[1] for c in chapters] == ["I", "II", "III", "IV", "V", "VI"]
    assert all(c.startswith("BAB ") for c in chapters)
    assert chapters[2] == "BAB III PROFIL KEMISKINAN DAERAH"
    assert rpkd.path("pdf").read_bytes()[:5] == b"%PDF-"
    with zipfile.ZipFile(rpkd.path("xlsx")) as book:
        assert "xl/workbook.xml" in book.namelist()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_holds_the_chapters_and_a_paginated_contents(rpkd: ReportFiles) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(rpkd.path("pdf")), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "BAB VI PEMANTAUAN DAN EVALUASI" in text
    assert re.search(r"BAB III PROFIL KEMISKINAN DAERAH\.{3,}\s*\d+", text)
    contents = [
        p.text for p in docx.Document(str(rpkd.path("docx"))).paragraphs if p.style.name == "TOC 1"
    ]
    assert contents and all(re.search(r"\t\d+$", c) for c in contents)


def test_every_docx_cell_is_the_documents_own_cell(rpkd: ReportFiles) -> None:
    read = docx.Document(str(rpkd.path("docx"))).tables
    tables = rpkd.document.tables()
    assert len(read) == len(tables)
    for table, got in zip(tables, read, strict=True):
        expected = [[c.header for c in table.columns]]
        expected += [
            [table.text(r, c.key, "id") for c in table.columns] for r in range(len(table.rows))
        ]
        assert [[c.text for c in row.cells] for row in got.rows] == expected, table.key


def test_headline_figures_equal_the_survey_estimates(ws: Workspace, rpkd: ReportFiles) -> None:
    figures = poverty_figures(ws, "r1")
    z, extreme = figures.lines["poverty"].value, figures.lines["extreme"].value
    rows = {r[0]: r for r in table_of(rpkd.path("docx"), "Angka kemiskinan dan ketimpangan")}
    expected = {
        "Persentase penduduk miskin (P0)": (figures.estimates.find("fgt0", line=z), 100, 2),
        "Indeks kedalaman kemiskinan (P1)": (figures.estimates.find("fgt1", line=z), 100, 2),
        "Persentase penduduk miskin ekstrem": (
            figures.estimates.find("fgt0", line=extreme),
            100,
            2,
        ),
        "Jumlah penduduk miskin (jiwa)": (figures.estimates.find("poor", line=z), 1, 0),
        "Rasio Gini": (figures.estimates.find("gini"), 1, 3),
    }
    for name, (row, scale, digits) in expected.items():
        cells = rows[name]
        assert number(cells[1]) == round(scale * row.estimate, digits), name
        assert number(cells[3]) == round(scale * row.ci_low, digits), name
        assert number(cells[4]) == round(scale * row.ci_high, digits), name
        assert number(cells[5]) == row.n


def _kantong_row(cells: list[str], area: dict[str, Any]) -> None:
    """Check one row of a kantong-kemiskinan table against the priority workflow's area."""
    klass = str(area["priority"]) if area["priority"] else "–"
    assert cells[0] == klass, area["name"]
    assert number(cells[2]) == round(100 * area["estimate"], 1), area["name"]
    low, high = cells[3].split("–")
    assert number(low) == round(100 * area["ci_low"], 1), area["name"]
    assert number(high) == round(100 * area["ci_high"], 1), area["name"]
    assert number(cells[4]) == round(area["poor"]), area["name"]
    assert number(cells[5]) == round(100 * area["probability_rate"]), area["name"]
    assert number(cells[6]) == round(100 * area["probability_count"]), area["name"]
    families = area["families_desil_12"]
    shown = number(cells[7])
    assert shown is None or shown == families, area["name"]  # hidden only, never altered
    assert shown is not None or families is None or families < 10, area["name"]


def test_the_kantong_kemiskinan_tables_equal_the_priority_workflow(
    ws: Workspace, rpkd: ReportFiles
) -> None:
    for level, shown in (("kecamatan", "kecamatan"), ("desa", "desa/kelurahan")):
        expected = priority_areas(ws, "r1", level=level).to_json()["areas"]
        if level == "desa":
            expected = [a for a in expected if a["priority"] is not None]
        rows = table_of(rpkd.path("docx"), f"Kantong kemiskinan: {shown} menurut kelas")
        names = [a["name"] if level == "kecamatan" else f"{a['name']} ({a['parent']})"
                 for a in expected]  # fmt: skip
        assert [r[1] for r in rows[1:]] == names  # class 1 first
        for cells, area in zip(rows[1:], expected, strict=True):
            _kantong_row(cells, area)
    kecamatan = priority_areas(ws, "r1", level="kecamatan").to_json()["areas"]
    gaps = table_of(rpkd.path("docx"), "banyaknya desa tanpa layanan dasar")
    assert [r[1] for r in gaps[1:]] == [a["name"] for a in kecamatan]
    for cells, area in zip(gaps[1:], kecamatan, strict=True):
        keys = ("desa", "no_puskesmas", "no_sd", "no_smp", "no_market", "unpaved_road", "low_pln")
        assert [number(c) for c in cells[2:]] == [area[k] for k in keys], area["name"]
    figures = [f.key for f in rpkd.document.figures()]
    assert {"map.priority.kecamatan", "map.priority.desa"} <= set(figures)
    text = "\n".join(p.text for p in docx.Document(str(rpkd.path("docx"))).paragraphs)
    assert "masuk Prioritas 1 (peluang ≥ 80% termasuk" in text  # how sure the list is
    # and how often such a class held on synthetic districts (benchmarks/priority_calibration.py)
    measured = json.loads(resources.files("rpkd").joinpath("data/priority_calibration.json")
                          .read_text("utf-8"))  # fmt: skip
    for row in (r for r in measured["results"] if r["method"] == "ebp"):  # the kit's method
        share = round(100 * row["truly"] / row["areas"])
        assert f"dari {row['areas']} {row['level']} yang diberi peluang ≥ 80%" in text
        assert f"{row['truly']} ({share}%)" in text


def test_desil_counts_equal_the_public_profile(ws: Workspace, rpkd: ReportFiles) -> None:
    profile = (
        profile_release(ws, "r1", levels=("kabupaten", "kecamatan"), public=True, min_cell=10)
        .to_arrow()
        .to_pylist()
    )
    cells = {(r["name"], r["indicator"]): r for r in profile}
    rows = table_of(rpkd.path("docx"), "Keluarga menurut desil kesejahteraan 1–4 per kecamatan")
    keys = (
        "families_total",
        "families_desil_1",
        "families_desil_2",
        "families_desil_3",
        "families_desil_4",
        "families_desil_1_4",
    )
    for row in rows[1:]:
        for text, key in zip(row[1:7], keys, strict=True):
            cell = cells[(row[0], key)]
            if cell["suppressed"]:
                assert text == SUPPRESSED
            elif text != SUPPRESSED:  # a complementary suppression of the document's own
                assert number(text) == cell["value"], (row[0], key)


def test_coverage_equals_the_convergence_counts(ws: Workspace, rpkd: ReportFiles) -> None:
    coverage = convergence_report(ws, "r1", level="kecamatan").coverage.to_pylist()
    totals: dict[str, dict[str, int]] = {}
    for row in coverage:
        held = totals.setdefault(row["programme"], {"eligible": 0, "both": 0})
        held["eligible"] += row["eligible"]
        held["both"] += row["eligible_recipients"]
    table = rpkd.document.table("coverage.programmes")
    docx_rows = table_of(rpkd.path("docx"), "Cakupan dan kesenjangan program")[1:]
    by_name = {p["name_id"]: p["code"] for p in ws.kit.document("programmes")["programme"]}
    for model, row in zip(table.rows, docx_rows, strict=True):
        code = by_name.get(row[0], "any")
        assert number(row[1]) == totals[code]["eligible"]
        if row[2] not in (SUPPRESSED, "–"):
            assert number(row[2]) == totals[code]["both"] == model["eligible_recipients"]


def test_no_table_reveals_a_small_count(rpkd: ReportFiles) -> None:
    for table in rpkd.document.tables():
        if not table.counts:
            continue
        rows = table.rows
        assert (
            exposed(
                rows,
                table.hidden,
                counts=table.counts,
                min_families=10,
                relations=table.relations,
                total_row=table.total_row,
            )
            == []
        ), table.key
        assert (
            recoverable(rows, table.hidden, table.counts, table.relations, table.total_row) == []
        ), table.key
        for i, row in enumerate(rows):
            for key in table.counts:
                if key in {c.key for c in table.columns} and (i, key) not in table.hidden:
                    assert row.get(key) is None or row[key] == 0 or row[key] >= 10, table.key


def test_no_personal_data_in_any_file(root: Path, rpkd: ReportFiles) -> None:
    import openpyxl

    persons = pq.read_table(
        root / "ws" / "releases" / "r1" / "persons.parquet", columns=["name", "nik"]
    ).to_pylist()
    document = docx.Document(str(rpkd.path("docx")))
    words = [p.text for p in document.paragraphs]
    words += [c.text for t in document.tables for row in t.rows for c in row.cells]
    book = openpyxl.load_workbook(rpkd.path("xlsx"), read_only=True)
    words += [
        v
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str)
    ]  # an identifier would be text; numbers are figures
    if shutil.which("pdftotext"):
        words.append(
            subprocess.run(
                ["pdftotext", str(rpkd.path("pdf")), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
    text = "\n".join(words)
    assert not re.search(r"\b\d{16}\b", text)  # no NIK or KK number
    niks = {p["nik"] for p in persons if p["nik"]}
    assert not any(nik in text for nik in niks)
    full_names = {p["name"] for p in persons if p["name"] and " " in p["name"]}
    assert not [n for n in full_names if n in text]


def test_the_export_is_audited_once(ws: Workspace, rpkd: ReportFiles) -> None:
    rows = [e for e in list_audit(ws, action="document.export").to_json() if e["release"] == "r1"]
    assert rows and rows[0]["parameters"]["kind"] == "rpkd"


# --- the other documents ---------------------------------------------------------------------


def test_the_annual_report_gives_spending_by_source_and_desil_moves(
    ws: Workspace, root: Path
) -> None:
    made = make_report(ws, "lp2kd", "r1", year=2025, to=("docx",), out=root / "lp2kd", today=TODAY)
    path = made.path("docx")
    spending = table_of(path, "Pagu dan realisasi anggaran kegiatan tahun 2025")
    assert spending[1][2:5] == ["Rp750.000.000", "Rp600.000.000", "80,0%"]
    assert spending[1][5] == "120"
    sources = {r[0]: r[1:] for r in table_of(path, "menurut sumber dana tahun 2025")[1:]}
    assert sources["APBD"] == ["Rp500.000.000", "Rp400.000.000", "80,0%"]
    assert sources["Dana Desa"] == ["Rp250.000.000", "Rp200.000.000", "80,0%"]
    moves = table_of(path, "Keluarga menurut kelompok desil pada rilis r0")
    assert [r[0] for r in moves[1:]] == [
        "Desil 1–2",
        "Desil 3–4",
        "Desil 5–10",
        "Di luar registri",
        "Jumlah",
    ]
    assert made.document.table("evaluation.transitions").total_row


def test_the_quarterly_report_and_the_rakor_pack(ws: Workspace, root: Path) -> None:
    quarterly = make_report(
        ws,
        "triwulan",
        "r1",
        year=2025,
        quarter=3,
        to=("docx", "xlsx"),
        out=root / "tw",
        today=TODAY,
    )
    assert quarterly.path("docx").name == "triwulan-r1-2025-q3.docx"
    chapters = [
        p.text
        for p in docx.Document(str(quarterly.path("docx"))).paragraphs
        if p.style.name == "Heading 1"
    ]
    assert chapters[2] == "BAB III JALUR MENUJU NOL KEMISKINAN EKSTREM"
    rakor = make_report(ws, "rakor", "r1", to=("docx",), out=root / "rakor", today=TODAY)
    slots = [
        p.text
        for p in docx.Document(str(rakor.path("docx"))).paragraphs
        if p.style.name == "Isian Penulis"
    ]
    assert any("belum menyimpan keputusan" in s for s in slots)


def test_a_viewer_may_make_documents_of_their_region_only(root: Path) -> None:
    with Workspace.open(root / "ws", actor="pemirsa") as viewer:
        made = make_report(viewer, "rakor", "r1", to=("xlsx",), out=root / "v", today=TODAY)
        assert made.path("xlsx").is_file()
    with Workspace.open(root / "ws", actor="luar") as outsider, pytest.raises(Forbidden):
        make_report(outsider, "rakor", "r1", to=("xlsx",), out=root / "x", today=TODAY)


def test_documents_in_english(root: Path) -> None:
    with Workspace.open(root / "ws", actor="admin", lang="en") as english:
        made = make_report(english, "rakor", "r1", to=("docx",), out=root / "en", today=TODAY)
    chapters = [
        p.text
        for p in docx.Document(str(made.path("docx"))).paragraphs
        if p.style.name == "Heading 1"
    ]
    assert chapters[0] == "CHAPTER I HEADLINE FIGURES"
    # Bab III's kantong-kemiskinan sentences quote the measured calibration in English too
    with Workspace.open(root / "ws", actor="admin", lang="en") as english:
        made = make_report(english, "rpkd", "r1", to=("docx",), out=root / "en-rpkd", today=TODAY)
    text = "\n".join(p.text for p in docx.Document(str(made.path("docx"))).paragraphs)
    measured = json.loads(resources.files("rpkd").joinpath("data/priority_calibration.json")
                          .read_text("utf-8"))  # fmt: skip
    for row in (r for r in measured["results"] if r["method"] == "ebp"):  # the kit's method
        share = round(100 * row["truly"] / row["areas"])
        assert f"of the {row['areas']} {row['level']} given a probability ≥ 80%" in text
        assert f"{row['truly']} ({share}%) truly were" in text


@pytest.mark.parametrize(
    ("kind", "to", "quarter", "param"),
    [
        ("bogus", ("docx",), None, "kind"),
        ("rpkd", ("odt",), None, "to"),
        ("triwulan", ("docx",), 5, "quarter"),
    ],
)
def test_wrong_choices_are_usage_errors(
    ws: Workspace, root: Path, kind: str, to: Any, quarter: int | None, param: str
) -> None:
    with pytest.raises(UsageError) as caught:
        make_report(ws, kind, "r1", to=to, quarter=quarter, out=root / "bad")
    assert caught.value.param == param


# --- the chosen scenario in the RPKD's Bab V (issue 17) --------------------------------------
# Kept last: saving a chosen scenario changes the workspace the module's other tests share.


def section_text(path: Path, heading: str) -> list[str]:
    """Return the paragraphs under the section heading ``heading`` up to the next heading."""
    out: list[str] = []
    inside = False
    for p in docx.Document(str(path)).paragraphs:
        if p.style.name.startswith("Heading"):
            if inside:
                break
            inside = p.text.endswith(heading)
        elif inside:
            out.append(p.text)
    return out


def test_without_a_chosen_scenario_bab_v_says_how_to_choose_one(rpkd: ReportFiles) -> None:
    text = section_text(rpkd.path("docx"), "Skenario Terpilih dan Proyeksi Kemiskinan")
    assert len(text) == 1 and text[0].startswith("[DIISI PENULIS] Belum ada skenario terpilih")
    assert "rpkd scenario save BERKAS --chosen" in text[0]
    assert not any(t.key == "scenario.years" for t in rpkd.document.tables())


def test_the_chosen_scenario_in_bab_v_equals_the_scenario_workflow(
    ws: Workspace, root: Path
) -> None:
    from rpkd.workflows.document_evidence import SCENARIO_DRAWS

    saved = save_scenario(ws, EXAMPLE, chosen=True)
    made = make_report(ws, "rpkd", "r1", to=("docx",), out=root / "scenario", today=TODAY)
    result = run_scenario(ws, saved.name, "r1", draws=SCENARIO_DRAWS, seed=SEED, saved=True)
    path = made.path("docx")
    rows = table_of(path, f"Skenario terpilih “{saved.name}”")
    assert rows[0] == [
        "Tahun",
        "Biaya skenario",
        "P0 tanpa skenario",
        "P0 dengan skenario",
        "IK 95%",
        "Miskin ekstrem tanpa skenario",
        "Miskin ekstrem dengan skenario",
        "IK 95%",
    ]
    assert [int(r[0]) for r in rows[1:]] == [y.year for y in result.years]

    def fgt0(y: Any, indicator: str, line: float) -> dict[str, Any]:
        (row,) = [
            r
            for r in y.outcome.estimates.records()
            if r["measure"] == "fgt0" and r["indicator"] == indicator and r["line"] == line
        ]
        return row

    def pct(x: float) -> float:
        return round(100 * x, 2)

    for row, y in zip(rows[1:], result.years, strict=True):
        assert number(row[1]) == round(y.reach.cost)
        for at, line in ((2, y.lines.poverty), (5, y.lines.extreme)):
            base, scen = fgt0(y, "baseline", line), fgt0(y, "scenario", line)
            assert number(row[at]) == pct(base["estimate"])
            assert number(row[at + 1]) == pct(scen["estimate"])
            low, high = row[at + 2].split("–")
            assert (number(low), number(high)) == (pct(scen["ci_low"]), pct(scen["ci_high"]))
    last = result.years[-1]
    extreme = fgt0(last, "scenario", last.lines.extreme)
    text = " ".join(section_text(path, "Skenario Terpilih dan Proyeksi Kemiskinan"))
    assert f"“{saved.name}”" in text and f"Pada tahun {last.year}" in text
    assert f"diperkirakan {pct(extreme['estimate']):.2f}%".replace(".", ",") in text
    source = [
        p.text
        for p in docx.Document(str(path)).paragraphs
        if p.text.startswith("Sumber: simulasi skenario")
    ]
    assert source and "rilis r1 (keadaan 1 September 2025)" in source[0]
    assert f"{SCENARIO_DRAWS} tarikan dengan benih {SEED}" in source[0]


def test_the_maps_are_the_kit_methods_benchmarked_maps(
    ws: Workspace, rpkd: ReportFiles, tmp_path: Path
) -> None:
    """The RPKD's P0 maps are ``rpkd map``'s by the kit's method, ratio-benchmarked as it is by
    default, and their source line says so."""
    from rpkd.workflows.sae import map_release

    figures = {f.key: f for f in rpkd.document.figures()}
    for level in ("kecamatan", "desa"):
        mapped = map_release(ws, "r1", level=level, out=tmp_path / level)
        assert mapped.map.method == "ebp" and mapped.map.benchmark is not None
        drawn = json.dumps(figures[f"map.{level}"].spec, ensure_ascii=False)
        assert "EBP, dibenchmark ke estimasi langsung kabupaten" in drawn, level
