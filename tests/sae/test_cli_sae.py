"""``rpkd sae fh`` in-process: the §7 JSON contract, formats and exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import rpkd.cli as cli

GOLDEN = Path(__file__).parents[1] / "golden" / "sae"
CASES: list[dict[str, Any]] = json.loads((GOLDEN / "fay_herriot.json").read_text())["cases"]


@pytest.fixture(autouse=True)
def workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RPKD_WORKSPACE", str(tmp_path / "ws"))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    old = sys.argv
    sys.argv = ["rpkd", *args]
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err


def case_args(case: dict[str, Any], path: Path | None = None) -> list[str]:
    args = ["sae", "fh", str(path or GOLDEN / case["file"]), "--area", case["area"]]
    args += ["--direct", case["direct"], "--variance", case["variance"]]
    for c in case["covariates"]:
        args += ["--covariate", c]
    for c in case["categorical"]:
        args += ["--categorical", c]
    return [*args, "--method", case["method"], "--format", "json"]


@pytest.mark.parametrize("case", CASES[:2] + CASES[3:5], ids=lambda c: f"{c['name']}-{c['method']}")
def test_json_contract(case: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(case_args(case), capsys)
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["method", "sigma2_u", "coefficients", "areas"]
    assert doc["method"] == case["method"]
    assert doc["sigma2_u"] == pytest.approx(case["sigma2_u"], rel=1e-8)
    assert doc["coefficients"] == pytest.approx(case["coefficients"], rel=1e-8)
    assert len(doc["areas"]) == len(case["areas"])
    for got, want in zip(doc["areas"], case["areas"], strict=True):
        assert list(got) == ["area", "direct", "eblup", "mse", "gamma"]
        assert got["area"] == want["area"]
        assert got["direct"] == (None if want["direct"] is None else pytest.approx(want["direct"]))
        assert got["eblup"] == pytest.approx(want["eblup"], rel=1e-8)
        assert got["mse"] == pytest.approx(want["mse"], rel=1e-8)
        assert got["gamma"] == pytest.approx(want["gamma"], rel=1e-8, abs=1e-14)


def test_parquet_xlsx_and_semicolon_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[1]  # simulated, REML, with out-of-sample areas
    table = pacsv.read_csv(GOLDEN / case["file"])
    pq.write_table(table, tmp_path / "d.parquet")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(table.column_names)
    for row in table.to_pylist():
        sheet.append(list(row.values()))
    book.save(tmp_path / "d.xlsx")
    pacsv.write_csv(table, tmp_path / "d.csv", pacsv.WriteOptions(delimiter=";"))
    expected = [a["eblup"] for a in case["areas"]]
    for name in ("d.parquet", "d.xlsx", "d.csv"):
        code, out, err = run(case_args(case, tmp_path / name), capsys)
        assert code == 0, err
        got = [a["eblup"] for a in json.loads(out)["areas"]]
        assert got == pytest.approx(expected, rel=1e-8), name


def test_csv_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    args = case_args(CASES[0])[:-2]
    code, out, _ = run([*args, "--format", "csv"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "area,direct,eblup,mse,gamma"
    assert len(out.splitlines()) == 44
    code, out, _ = run([*args, "--lang", "en"], capsys)
    assert code == 0 and "Coefficients" in out


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = case_args(CASES[0])
    assert run([*base[:-4], "--method", "fh"], capsys)[0] == 2
    assert run([*base[:-2], "--format", "xml"], capsys)[0] == 2
    missing = [a if a != "var" else "nope" for a in base]
    assert run(missing, capsys)[0] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("area,y,v\n1,1.0,0.1\n2,2.0,-0.1\n3,1.5,0.2\n")
    code, _, err = run(
        ["sae", "fh", str(bad), "--area", "area", "--direct", "y", "--variance", "v"], capsys
    )
    assert code == 1
    assert "bad.csv, baris 2, kolom v = '-0.1': varians sampling harus > 0" in err
    bad.write_text("area,y,v\n1,1.0,0.1\n2,x,0.1\n3,1.5,0.2\n")
    code, _, err = run(
        [
            "sae",
            "fh",
            str(bad),
            "--area",
            "area",
            "--direct",
            "y",
            "--variance",
            "v",
            "--lang",
            "en",
        ],
        capsys,
    )
    assert code == 1 and "bad.csv, row 2, field y = 'x'" in err


def test_boundary_reports_finding(capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[2]
    code, out, err = run([*case_args(case), "--lang", "en"], capsys)
    assert code == 0
    assert json.loads(out)["sigma2_u"] == 0
    assert "area-effect variance is estimated at 0 (boundary)" in err


def test_table_is_in_the_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    args = case_args(CASES[1])[:-2]
    code, out, _ = run(args, capsys)
    assert code == 0
    assert "Koefisien" in out and "kovariat" in out and "Fay–Herriot (REML)" in out
    eblup = CASES[1]["areas"][0]["eblup"]
    assert f"{eblup:.6g}".replace(".", ",") in out
