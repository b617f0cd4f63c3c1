"""``rpkd demo`` end to end on a small synthetic Kapuas: figures as data, Indonesian workbooks."""

from __future__ import annotations

import json
from dataclasses import replace

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from rpkd.cli import _register, app
from rpkd.cli.demo import _tell
from rpkd.workflows.demo import RELEASE, DemoResult, run_demo
from rpkd.workflows.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    with Workspace.open(tmp_path_factory.mktemp("demo")) as ws:
        return run_demo(ws, families=2500, seed=3)


def test_poverty_rate_is_the_weighted_share_of_poor_persons(demo: DemoResult) -> None:
    survey = pq.read_table(demo.workspace / "releases" / RELEASE / "survey.parquet")
    y = survey.column("expenditure_per_capita").to_numpy()
    persons = survey.column("weight").to_numpy() * survey.column("household_size").to_numpy()
    # Kalimantan Tengah 2024 line and the USD 2.15 PPP 2017 extreme line (params kit).
    assert dict(demo.lines) == {"poverty": 623954.0, "extreme": 391000.0}
    p0, extreme = demo.figure("p0"), demo.figure("extreme")
    assert p0.estimate == pytest.approx(persons[y < 623954.0].sum() / persons.sum(), rel=1e-12)
    assert extreme.estimate == pytest.approx(persons[y < 391000.0].sum() / persons.sum(), rel=1e-12)
    assert demo.figure("poor").estimate == pytest.approx(persons[y < 623954.0].sum(), rel=1e-9)
    for figure in (p0, extreme):  # logit intervals stay inside [0, 1] around the estimate
        assert figure.ci_low is not None and figure.ci_high is not None
        assert 0 < figure.ci_low < figure.estimate < figure.ci_high < 1


def test_plan_indicators_are_filled_from_the_estimates(demo: DemoResult) -> None:
    book = load_workbook(demo.files["performance"], read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[1] == "Kode")
    by_code = {r[1]: dict(zip(rows[header], r, strict=True)) for r in rows[header + 1 :]}
    assert by_code["P0"]["Realisasi"] == pytest.approx(100 * demo.figure("p0").estimate)
    assert by_code["KE"]["Realisasi"] == pytest.approx(100 * demo.figure("extreme").estimate)
    # P0 has a 2025 target in the Kapuas kit; items without one are listed, not counted as scored
    assert demo.plan_year == 2025 and demo.performance["scored"] >= 1
    assert sum(demo.performance[k] for k in ("scored", "no_target", "no_realisation")) == len(
        by_code
    )


def test_profile_workbook_covers_every_kecamatan_in_indonesian(demo: DemoResult) -> None:
    book = load_workbook(demo.files["profile"], read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "Kode" in r)
    level = rows[header].index("Tingkat")
    assert sum(1 for r in rows[header + 1 :] if r[level] == "kecamatan") == 17


def test_map_has_every_kecamatan(demo: DemoResult) -> None:
    assert demo.map_areas == 17 and 0 <= demo.map_reliable <= 17
    assert demo.files["map"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_linkage_is_scored_against_the_synthetic_truth(demo: DemoResult) -> None:
    assert demo.lists == 6 and demo.linked <= demo.list_rows
    assert demo.precision is not None and demo.precision > 0.99
    assert demo.recall is not None and demo.recall > 0.95


def test_the_result_is_data_and_its_json_is_plain(demo: DemoResult) -> None:
    document = demo.to_json()
    assert json.loads(json.dumps(document)) == document
    assert document["files"]["performance"].endswith("kinerja.xlsx")
    assert {f["key"] for f in document["figures"]} == {"p0", "p1", "p2", "extreme", "poor", "gini"}


def test_second_run_reuses_the_release_and_speaks_each_language(
    demo: DemoResult, capsys: pytest.CaptureFixture[str]
) -> None:
    _register()
    english = CliRunner().invoke(app, ["demo", "--workspace", str(demo.workspace), "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "is reused" in english.output
    # what the command prints of the same result in Indonesian (the default)
    _tell(replace(demo, reused=True), "id")
    indonesian = capsys.readouterr().out
    assert "dipakai ulang" in indonesian and "Kinerja RPKD" in indonesian
    indonesian_words = ("keluarga", "dipakai ulang", "Berkas hasil", "butir dinilai", "tertaut")
    assert all(w in indonesian for w in indonesian_words)
    assert not any(w in english.output for w in indonesian_words)
