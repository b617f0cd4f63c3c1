"""The plan, realisation, monitor, evaluate, user and audit commands, in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from rpkd.cli import plan as plan_cli
from rpkd.errors import RpkdError

INDICATOR_SHEET = "Matriks Indikator"


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and the URL of its application database."""

    path: Path
    database_url: str


def run(
    workspace: Workspace, *args: str, stdin: str | None = None, user: str | None = None
) -> Result:
    app = typer.Typer()
    plan_cli.register(app)
    env = {"COLUMNS": "250", "RPKD_DATABASE_URL": workspace.database_url, "RPKD_USER": user}
    return CliRunner().invoke(
        app, [*args, "--workspace", str(workspace.path)], input=stdin, env=env
    )


def ok(result: Result) -> Any:
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout) if result.stdout.lstrip().startswith(("[", "{")) else None


def failed(result: Result, code: int) -> RpkdError:
    assert isinstance(result.exception, RpkdError), result.output
    assert result.exception.exit_code == code
    return result.exception


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Workspace:
    """A workspace with the Kapuas starter plan, its database on SQLite and on PostgreSQL."""
    ws = Workspace(tmp_path / "ws", database_url)
    ok(run(ws, "plan", "init", "--kit", "kapuas", "--target-year", "2027", "--format", "json"))
    return ws


def test_plan_export_edit_import(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "rpkd.xlsx"
    ok(run(workspace, "plan", "export", str(path)))
    book = load_workbook(path)
    sheet = book[INDICATOR_SHEET]
    row = next(r[0].row for r in sheet.iter_rows(min_row=5) if r[1].value == "P0")
    sheet.cell(row, 13).value = 4.8  # target 2026 (columns: 11 fixed, then 2025, 2026, ...)
    book.save(path)
    ok(run(workspace, "plan", "import", str(path), "--format", "json"))
    rat = ok(run(workspace, "plan", "rat", "--year", "2026", "--format", "json"))
    assert rat == []  # the starter kit has programmes but no activities yet
    evaluation = ok(run(workspace, "evaluate", "--format", "json"))
    p0 = [r for r in evaluation["targets"] if r["code"] == "P0" and r["year"] == 2026]
    assert p0[0]["target"] == 4.8


def test_init_refuses_to_overwrite_a_plan(workspace: Workspace) -> None:
    error = failed(run(workspace, "plan", "init", "--kit", "kapuas"), 1)
    assert (error.code, error.params) == (
        "plan_exists",
        {"plan": "RPKD Kabupaten Kapuas 2025-2029"},
    )


def test_bad_import_changes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "rpkd.xlsx"
    ok(run(workspace, "plan", "export", str(path)))
    book = load_workbook(path)
    sheet = book[INDICATOR_SHEET]
    first, second = (r[0].row for r in sheet.iter_rows(min_row=5) if r[1].value in ("P0", "P1"))
    sheet.cell(first, 13).value = "empat"
    sheet.cell(second, 12).value = 0.5
    book.save(path)
    report = tmp_path / "temuan.csv"
    result = run(
        workspace, "plan", "import", str(path), "--findings", str(report), "--format", "json"
    )
    error = failed(result, 1)
    assert (error.code, error.params["file"], error.params["count"]) == (
        "matrix_invalid",
        "rpkd.xlsx",
        1,
    )
    findings = json.loads(result.stdout)
    assert list(findings[0]) == ["sheet", "row", "field", "value", "rule", "message", "severity"]
    assert (findings[0]["row"], findings[0]["rule"]) == (first, "matrix_number")
    assert findings[0]["message"] == "Target/2026 harus angka"
    assert report.read_text(encoding="utf-8").startswith("sheet,row,field,value,rule,message")
    evaluation = ok(run(workspace, "evaluate", "--format", "json"))
    p1 = [r for r in evaluation["targets"] if r["code"] == "P1" and r["year"] == 2025]
    assert p1[0]["target"] is None


def test_realisations_monitor_and_path_to_zero(workspace: Workspace, tmp_path: Path) -> None:
    add = ["realisation", "add", "--indicator", "KE", "--quarter", "4", "--format", "json"]
    first = ok(run(workspace, *add, "--year", "2025", "--value", "0.8", "--se", "0.1"))
    second = ok(run(workspace, *add, "--year", "2026", "--value", "0.5", "--se", "0.1"))
    for item in (first, second):
        ok(run(workspace, "realisation", "verify", str(item[0]["id"]), "--format", "json"))
    table = ok(run(workspace, "monitor", "--year", "2027", "--quarter", "4", "--format", "json"))
    ke = next(r for r in table if r["code"] == "KE")
    assert ke["target"] == 0.0 and ke["realisation"] is None
    assert (ke["status"], ke["lagging"]) == ("no_realisation", False)
    path = ok(run(workspace, "evaluate", "--format", "json"))["path_to_zero"]
    # two points with SE 0.1: slope -0.3 per year, projection for 2027 = 0.5 - 0.3 = 0.2
    assert path["projected"] == pytest.approx(0.2)
    assert path["required_annual_change"] == pytest.approx(-0.5)
    assert path["on_track"] is False
    assert path["projected_se"] == pytest.approx(0.05**0.5)
    text = run(workspace, "monitor", "--year", "2027", "--quarter", "4")
    assert "Capaian (%)" in text.stdout and "belum ada realisasi" in text.stdout
    assert "1 belum ada realisasi" in text.stderr  # KE: target 0 in 2027, no realisation yet
    english = run(workspace, "monitor", "--year", "2027", "--lang", "en")
    assert "Achievement (%)" in english.stdout and "no realisation yet" in english.stdout


def test_realisation_import_is_all_or_nothing(workspace: Workspace, tmp_path: Path) -> None:
    good = tmp_path / "ok.csv"
    good.write_text(
        "jenis,kode,tahun,triwulan,nilai\nindikator,P0,2025,2,5.1\nindikator,JKN,2025,2,97\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "jenis,kode,tahun,triwulan,nilai\nindikator,P0,2025,2,5.1\nindikator,XX,2025,2,1\n",
        encoding="utf-8",
    )
    result = run(workspace, "realisation", "import", str(bad), "--format", "json")
    error = failed(result, 1)
    assert (error.code, error.params["file"]) == ("realisations_invalid", "bad.csv")
    (finding,) = json.loads(result.stdout)
    assert (finding["row"], finding["value"], finding["rule"]) == (
        2,
        "XX",
        "plan_indicator_unknown",
    )
    assert ok(run(workspace, "realisation", "list", "--format", "json")) == []
    added = ok(run(workspace, "realisation", "import", str(good), "--format", "json"))
    assert [r["subject_code"] for r in added] == ["P0", "JKN"]


def test_users_roles_and_audit(workspace: Workspace) -> None:
    password = "kata-sandi-yang-panjang\nkata-sandi-yang-panjang\n"
    ok(run(workspace, "user", "add", "admin", "--role", "admin", stdin=password))
    failed(run(workspace, "user", "list"), 2)  # users exist: --as is required
    ok(
        run(
            workspace,
            "user",
            "add",
            "sari",
            "--role",
            "agency_operator",
            "--agency",
            "PERKIM",
            "--as",
            "admin",
            stdin=password,
        )
    )
    users = ok(run(workspace, "user", "list", "--format", "json", user="admin"))
    assert [u["username"] for u in users] == ["admin", "sari"]
    failed(run(workspace, "user", "list", user="sari"), 1)
    failed(
        run(
            workspace,
            "realisation",
            "add",
            "--indicator",
            "P0",
            "--year",
            "2025",
            "--quarter",
            "1",
            "--value",
            "5",
            user="sari",
        ),
        1,
    )
    entries = ok(
        run(workspace, "audit", "list", "--format", "json", "--action", "user.", user="admin")
    )
    assert [(e["username"], e["parameters"]["username"]) for e in entries] == [
        ("local", "admin"),
        ("admin", "sari"),
    ]
    init = ok(
        run(workspace, "audit", "list", "--format", "json", "--action", "plan.", user="admin")
    )
    assert [(e["action"], e["scope"]) for e in init] == [("plan.init", "region=62.03")]
    assert (
        ok(
            run(
                workspace,
                "audit",
                "list",
                "--format",
                "json",
                "--user",
                "local",
                "--since",
                "2999-01-01",
                user="admin",
            )
        )
        == []
    )
