"""``rpkd survey estimate`` and ``rpkd mpi`` in-process: contract shape, numbers, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from rpkd.cli import measure

GOLDEN = Path(__file__).parents[1] / "golden"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """rpkd."""

    measure.register(app)
    return app


def run(*args: str) -> tuple[int, str]:
    from rpkd.errors import RpkdError

    try:
        result = CliRunner().invoke(_app(), list(args), catch_exceptions=True)
    except RpkdError as exc:  # pragma: no cover
        return exc.exit_code, str(exc)
    if isinstance(result.exception, RpkdError):
        return result.exception.exit_code, str(result.exception)
    return result.exit_code, result.stdout


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


def test_json_is_the_estimates_table_matching_r() -> None:
    golden = json.loads((GOLDEN / "survey" / "fgt_designs.json").read_text())
    code, out = run(
        *BASE,
        "--psu",
        "psu,hh",
        "--fpc",
        "fpc1,fpc2",
        "--size",
        "household_size",
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
    assert list(rows[0]) == [
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
    assert rows[0]["domain"] is None and rows[0]["line"] == 600000
    assert [r["domain"] for r in rows[1:]] == ["K1", "K2", "K3", "K4", "K5", "K6"]
    for r in rows:
        g = next(
            x
            for x in golden
            if x["design"] == "two_stage_fpc"
            and x["level"] == "person"
            and x["measure"] == "fgt0"
            and x["line"] == "fixed"
            and x["domain"] == r["domain"]
        )
        assert r["estimate"] == pytest.approx(g["estimate"], rel=1e-8)
        assert r["se"] == pytest.approx(g["se"], rel=1e-8)
        assert r["ci_low"] == pytest.approx(g["estimate"] - 1.959963984540054 * g["se"], rel=1e-8)


def test_parquet_and_xlsx_output(tmp_path: Path) -> None:
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
        "fgt1",
        "--measure",
        "gini",
        "--output",
        str(out),
    )
    assert code == 0 and out.stat().st_size > 0
    assert "Estimasi" in text


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (["--psu", "nope", "--line", "600000"], 2),
        (["--line", "abc"], 2),
        (["--line", "600000", "--measure", "fgt9"], 2),
    ],
)
def test_usage_errors_exit_2(extra: list[str], code: int) -> None:
    assert run(*BASE, *extra)[0] == code


def test_invalid_data_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("y,w\n100,1\nabc,1\n")
    code, message = run(
        "survey", "estimate", str(bad), "--welfare", "y", "--weight", "w", "--line", "50"
    )
    assert code == 1 and "row 2" in message and "y" in message


def test_mpi_command_matches_r() -> None:
    golden = json.loads((GOLDEN / "measures" / "mpi.json").read_text())
    code, out = run(
        "mpi",
        str(GOLDEN / "measures" / "mpi_households.csv"),
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


def test_xlsx_input(tmp_path: Path) -> None:
    from openpyxl import Workbook

    # Hand-derived: y = 50, 100, 200 with weights 1, 1, 2 and line 150 -> P0 = 2/4.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["y", "w", "p"], [50, 1, "a"], [100, 1, "b"], [200, 2, "c"]):
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
