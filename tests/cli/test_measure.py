"""``rpkd survey estimate``, ``rpkd mpi`` (and ``rpkd sae fh``) in-process: contract shape, R
agreement, officer-readable tables and workbooks, exit codes, one reader for every file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from rpkd.cli import measure, sae
from rpkd.errors import RpkdError

GOLDEN = Path(__file__).parents[1] / "golden"
KEYS = [
    "measure",
    "indicator",
    "line",
    "by",
    "domain",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "population",
]


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """rpkd."""

    measure.register(app)
    sae.register(app)
    return app


def invoke(*args: str) -> tuple[int, str, RpkdError | None]:
    result = CliRunner().invoke(_app(), list(args), catch_exceptions=True, env={"COLUMNS": "160"})
    if isinstance(result.exception, RpkdError):
        return result.exception.exit_code, result.stdout, result.exception
    return result.exit_code, result.stdout, None


def run(*args: str) -> tuple[int, str]:
    code, out, _ = invoke(*args)
    return code, out


BASE = [
    "survey",
    "estimate",
    str(GOLDEN / "survey" / "households.csv"),
    "--welfare",
    "expenditure_per_capita",
    "--weight",
    "weight",
    "--strata",
    "stratum",
]
TWO_STAGE = ["--psu", "psu,hh", "--fpc", "fpc1,fpc2", "--size", "household_size"]


def _golden(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((GOLDEN / "survey" / name).read_text())
    return rows


def test_json_is_the_estimates_table_matching_r() -> None:
    code, out = run(
        *BASE,
        *TWO_STAGE,
        "--line",
        "600000",
        "--by",
        "kecamatan",
        "--measure",
        "fgt0",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert list(rows[0]) == KEYS
    assert rows[0]["domain"] is None and rows[0]["line"] == 600000
    assert [r["domain"] for r in rows[1:]] == ["K1", "K2", "K3", "K4", "K5", "K6"]
    point = {
        x["domain"]: x
        for x in _golden("fgt_designs.json")
        if (x["design"], x["level"], x["measure"], x["line"])
        == ("two_stage_fpc", "person", "fgt0", "fixed")
    }
    logit = {
        x["domain"]: x
        for x in _golden("ciprop.json")
        if (x["source"], x["design"], x["level"], x["line"], x["method"])
        == ("households", "two_stage_fpc", "person", "fixed", "logit")
    }
    for r in rows:
        assert r["estimate"] == pytest.approx(point[r["domain"]]["estimate"], rel=1e-8)
        assert r["se"] == pytest.approx(point[r["domain"]]["se"], rel=1e-8)
        # headcount intervals are R svyciprop's logit intervals by default
        assert r["ci_low"] == pytest.approx(logit[r["domain"]]["ci_low"], rel=1e-8)
        assert r["ci_high"] == pytest.approx(logit[r["domain"]]["ci_high"], rel=1e-8)


@pytest.mark.parametrize("method", ["beta", "wald"])
def test_ci_option(method: str) -> None:
    code, out = run(
        *BASE,
        *TWO_STAGE,
        "--line",
        "600000",
        "--measure",
        "fgt0,fgt1",
        "--ci",
        method,
        "--format",
        "json",
    )
    assert code == 0
    p0, p1 = json.loads(out)
    if method == "beta":
        want = next(
            x
            for x in _golden("ciprop.json")
            if (x["source"], x["design"], x["level"], x["line"], x["method"], x["domain"])
            == ("households", "two_stage_fpc", "person", "fixed", "beta", None)
        )
        assert (p0["ci_low"], p0["ci_high"]) == pytest.approx(
            (want["ci_low"], want["ci_high"]), rel=1e-8
        )
    else:
        assert p0["ci_low"] == pytest.approx(p0["estimate"] - 1.959963984540054 * p0["se"])
    # P1 is not a proportion: always a Wald interval
    assert p1["ci_low"] == pytest.approx(p1["estimate"] - 1.959963984540054 * p1["se"])


def test_table_is_indonesian_with_percent_and_bps_index() -> None:
    code, out = run(*BASE, "--psu", "psu", "--line", "600000", "--measure", "fgt0,fgt1,mean")
    assert code == 0
    assert "Estimasi kemiskinan dan ketimpangan" in out
    assert "P0 (%)" in out and "P1 (×100)" in out and "SK95% bawah" in out
    # R, household level: P0 = 0.39821642041586 -> 39,82%; P1 = 0.118482... -> 11,85 (×100)
    assert "39,82%" in out and "│ 11,85 " in out and "Rp600.000" in out and "seluruh" in out
    code, out = run(*BASE, "--psu", "psu", "--line", "600000", "--measure", "fgt0", "--lang", "en")
    assert "39.82%" in out and "95% CI low" in out and "│ all " in out


def test_parquet_input_and_xlsx_output(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = tmp_path / "hh.parquet"
    pq.write_table(pcsv.read_csv(GOLDEN / "survey" / "households.csv"), data)
    out = tmp_path / "est.xlsx"
    code, text = run(
        "survey",
        "estimate",
        str(data),
        "--welfare",
        "expenditure_per_capita",
        "--weight",
        "weight",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--line",
        "line",
        "--measure",
        "fgt0",
        "--measure",
        "fgt1",
        "--measure",
        "gini",
        "--output",
        str(out),
    )
    assert code == 0 and "Estimasi" in text
    sheet = load_workbook(out).worksheets[0]
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[2]]
    assert header[:2] == ["ukuran", "indikator"] and "galat baku" in header
    estimate = header.index("estimasi")
    cells = {r[0].value: r[estimate] for r in rows[3:]}
    p0 = cells["P0 persentase penduduk miskin (%)"]
    p1 = cells["P1 indeks kedalaman kemiskinan (×100)"]
    assert p0.number_format == "0.00%" and 0 < p0.value < 1
    assert p1.number_format != "0.00%" and 1 < p1.value < 100  # ×100, as BPS publishes P1
    assert run(*BASE, "--line", "1", "--output", str(tmp_path / "x.csv"))[0] == 2


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        (["--psu", "nope", "--line", "600000"], "nope"),
        (["--line", "abc"], "line"),
        (["--line", "600000", "--measure", "fgt9"], "measure"),
        (["--line", "600000", "--ci", "exact"], "ci"),
        (["--line", "600000", "--lonely-psu", "average"], "lonely-psu"),
        (["--measure", "fgt0"], "line"),
    ],
)
def test_usage_errors_exit_2(extra: list[str], param: str) -> None:
    code, _, exc = invoke(*BASE, *extra)
    assert code == 2 and exc is not None and exc.param == param


def test_invalid_data_names_file_row_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("y,w\n100,1\nabc,1\n")
    code, _, exc = invoke(
        "survey", "estimate", str(bad), "--welfare", "y", "--weight", "w", "--line", "50"
    )
    assert code == 1 and exc is not None
    [finding] = exc.findings
    assert (finding.file, finding.row, finding.field, finding.value) == ("bad.csv", 2, "y", "abc")
    bad.write_text("y,w,n\n100,1,2\n50,0,1\n-5,2,0\n")
    code, _, exc = invoke(
        "survey",
        "estimate",
        str(bad),
        "--welfare",
        "y",
        "--weight",
        "w",
        "--size",
        "n",
        "--line",
        "50",
    )
    assert code == 1 and exc is not None and exc.code == "data_rows_invalid"
    found = {(f.code, f.row, f.field) for f in exc.findings}
    assert found == {
        ("design_weight_not_positive", 2, "w"),
        ("household_size_below_one", 3, "n"),
        ("welfare_negative", 3, "y"),
    }


MPI = [
    "--indicator",
    "d_money=2",
    "--indicator",
    "d_crowded=1",
    "--indicator",
    "d_rural=1",
    "--indicator",
    "d_weight=2",
    "--cutoff",
    "0.3333333333333333",
]


def test_mpi_command_matches_r() -> None:
    golden = json.loads((GOLDEN / "measures" / "mpi.json").read_text())
    code, out = run(
        "mpi",
        str(GOLDEN / "measures" / "mpi_households.csv"),
        *MPI,
        "--weight",
        "weight",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--by",
        "kecamatan",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert {r["measure"] for r in rows} == {"H", "A", "M0", "censored_headcount", "contribution"}
    for r in rows:
        g = next(
            x
            for x in golden
            if x["measure"] == r["measure"]
            and x["indicator"] == r["indicator"]
            and x["domain"] == r["domain"]
        )
        assert r["estimate"] == pytest.approx(g["estimate"], rel=1e-8)
        assert r["se"] == pytest.approx(g["se"], rel=1e-8)


def test_mpi_indicators_must_be_binary(tmp_path: Path) -> None:
    bad = tmp_path / "mpi.csv"
    bad.write_text("a,b\n1,0\n2,1\n")
    code, _, exc = invoke("mpi", str(bad), "--indicator", "a", "--indicator", "b", "--cutoff", "1")
    assert code == 1 and exc is not None
    assert [(f.code, f.row, f.field, f.value) for f in exc.findings] == [
        ("indicator_not_binary", 2, "a", "2")
    ]
    code, _, exc = invoke("mpi", str(bad), "--indicator", "a=x", "--cutoff", "1")
    assert code == 2 and exc is not None and exc.code == "indicator_spec_invalid"


def test_xlsx_input_with_title_rows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    # Hand-derived: y = 50, 100, 200 with weights 1, 1, 2 and line 150 -> P0 = 2/4.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["Susenas contoh"],
        [],
        ["Y", "W", "P"],
        [50, 1, "a"],
        [100, 1, "b"],
        [200, 2, "c"],
    ):
        sheet.append(row)
    data = tmp_path / "data.xlsx"
    book.save(data)
    code, out = run(
        "survey",
        "estimate",
        str(data),
        "--welfare",
        "y",
        "--weight",
        "w",
        "--psu",
        "p",
        "--line",
        "150",
        "--measure",
        "fgt0",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)[0]["estimate"] == pytest.approx(0.5)


def _windows_csv(source: Path, target: Path, numbers: set[str], accented: str | None) -> None:
    """Write ``source`` as a Windows-1252, semicolon-delimited CSV with decimal commas."""
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        for name in numbers:
            if row[name] not in ("", "NA"):
                row[name] = row[name].replace(".", ",")
        if accented:
            row[accented] = row[accented] + "é"
        writer.writerow(row)
    target.write_bytes(buffer.getvalue().encode("cp1252"))


def test_one_reader_semicolon_windows_csv_works_in_every_command(tmp_path: Path) -> None:
    """The same kind of file an office exports works in survey estimate, mpi and sae fh."""
    survey = tmp_path / "susenas.csv"
    _windows_csv(GOLDEN / "survey" / "households.csv", survey, {"weight", "frac1"}, "kecamatan")
    args = ["--psu", "psu", "--line", "600000", "--by", "kecamatan", "--measure", "fgt0"]
    args += ["--format", "json"]
    code, out = run("survey", "estimate", str(survey), *BASE[3:], *args)
    assert code == 0, out
    _, plain = run(*BASE, *args)
    got, want = json.loads(out), json.loads(plain)
    assert [r["domain"] for r in got] == [None, *(f"K{i}é" for i in range(1, 7))]
    assert [r["estimate"] for r in got] == pytest.approx([r["estimate"] for r in want], rel=1e-12)

    households = tmp_path / "mpi.csv"
    _windows_csv(GOLDEN / "measures" / "mpi_households.csv", households, {"weight"}, "kecamatan")
    code, out = run(
        "mpi",
        str(households),
        *MPI,
        "--weight",
        "weight",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--format",
        "json",
    )
    assert code == 0, out
    h = next(r for r in json.loads(out) if r["measure"] == "H" and r["domain"] is None)
    golden = json.loads((GOLDEN / "measures" / "mpi.json").read_text())
    want_h = next(g for g in golden if g["measure"] == "H" and g["domain"] is None)
    assert h["estimate"] == pytest.approx(want_h["estimate"], rel=1e-8)

    areas = tmp_path / "areas.csv"
    _windows_csv(GOLDEN / "sae" / "simulated_fh.csv", areas, {"x1", "variance", "direct"}, "region")
    case = next(
        c
        for c in json.loads((GOLDEN / "sae" / "fay_herriot.json").read_text())["cases"]
        if c["name"] == "simulated" and c["method"] == "reml"
    )
    code, out = run(
        "sae",
        "fh",
        str(areas),
        "--area",
        "area",
        "--direct",
        "direct",
        "--variance",
        "variance",
        "--covariate",
        "x1",
        "--categorical",
        "region",
        "--format",
        "json",
    )
    assert code == 0, out
    eblups = [a["eblup"] for a in json.loads(out)["areas"]]
    assert eblups == pytest.approx([a["eblup"] for a in case["areas"]], rel=1e-8)
