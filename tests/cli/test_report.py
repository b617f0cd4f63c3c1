"""``rpkd report`` in-process: the files it writes, its JSON, its exit codes (DESIGN.md §7)."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
import typer
from typer.testing import CliRunner

from rpkd.cli import report as report_command
from rpkd.errors import RpkdError
from rpkd.settings import Settings
from rpkd.synth import synthesize
from rpkd.workflows.plan import init_plan
from rpkd.workflows.releases import import_release
from rpkd.workflows.workspace import Workspace


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """rpkd."""

    report_command.register(app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        _app(), ["report", *args], catch_exceptions=True, env={"COLUMNS": "200"}
    )
    if isinstance(result.exception, RpkdError):
        return result.exception.exit_code, "", result.exception.message("en")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=900, seed=3)
        import_release(ws, root / "synth", "r1", reference_date="2025-03-01")
        init_plan(ws)
    return root / "ws"


def test_report_writes_the_files_asked_for_and_prints_them_as_json(
    workspace: Path, tmp_path: Path
) -> None:
    code, out, err = run(
        "rakor",
        "--release",
        "r1",
        "--to",
        "docx,xlsx",
        "--out",
        str(tmp_path),
        "--workspace",
        str(workspace),
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert [f["format"] for f in data["files"]] == ["docx", "xlsx"]
    assert data["kind"] == "rakor" and data["release"] == "r1" and data["year"] == 2025
    assert data["headings"][0] == "BAB I ANGKA UTAMA"
    written = tmp_path / "rakor-r1-2025.docx"
    assert Path(data["files"][0]["file"]) == written and written.stat().st_size > 0
    assert docx.Document(str(written)).paragraphs  # opens


def test_report_prints_the_files_as_a_table(workspace: Path, tmp_path: Path) -> None:
    code, out, err = run(
        "rakor",
        "--release",
        "r1",
        "--to",
        "xlsx",
        "--out",
        str(tmp_path),
        "--workspace",
        str(workspace),
    )
    assert code == 0, err
    assert "BAHAN RAPAT KOORDINASI TKPKD" in out and "rakor-r1-2025.xlsx" in out
    header = next(line for line in out.splitlines() if "Format" in line)
    assert "Berkas" in header and "Ukuran (byte)" in header  # headers capitalised alike


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("memo", "--release", "r1"), 2),
        (("rpkd", "--release", "r1", "--to", "odt"), 2),
        (("triwulan", "--release", "r1", "--quarter", "7"), 2),
        (("rpkd", "--release", "r9"), 1),
    ],
)
def test_report_exit_codes(
    workspace: Path, tmp_path: Path, args: tuple[str, ...], code: int
) -> None:
    got, _, _ = run(*args, "--out", str(tmp_path), "--workspace", str(workspace))
    assert got == code
