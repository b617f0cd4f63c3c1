"""``rpkd priority`` in-process: Indonesian table, English with --lang en, JSON keys, exit codes."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from rpkd.cli import priority as priority_command
from rpkd.errors import RpkdError
from rpkd.settings import Settings
from rpkd.synth import synthesize
from rpkd.workflows.releases import import_release
from rpkd.workflows.workspace import Workspace


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """rpkd."""

    priority_command.register(app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args), catch_exceptions=True, env={"COLUMNS": "250"})
    if isinstance(result.exception, RpkdError):
        return result.exception.exit_code, "", result.exception.code
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("priority-cli")
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=1200, seed=4)
        import_release(ws, root / "synth", "r1")
    return str(root / "ws")


def test_table_in_indonesian(workspace: str) -> None:
    code, out, err = run("priority", "--release", "r1", "--level", "kecamatan", "--k", "3",
                         "--draws", "200", "--method", "fh", "--workspace", workspace)  # fmt: skip
    assert code == 0, err
    assert "Kantong kemiskinan" in out and "Prioritas 1" in out
    assert "peluang termasuk 3 kecamatan termiskin" in out
    assert "peluang (tingkat kemiskinan)" in out and "keluarga desil 1–2" in out
    assert "Prioritas 1" in err  # the class count goes to standard error


def test_english_and_json(workspace: str) -> None:
    code, out, _ = run("priority", "--release", "r1", "--level", "kecamatan", "--k", "3",
                       "--draws", "200", "--method", "fh", "--workspace", workspace, "--lang", "en")  # fmt: skip
    assert code == 0 and "Priority 1" in out and "basic-service gaps" in out
    code, out, _ = run("priority", "--release", "r1", "--level", "kecamatan", "--k", "3",
                       "--draws", "200", "--workspace", workspace, "--format", "json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["k"] == 3 and data["draws"] == 200 and data["level"] == "kecamatan"
    assert sum(a["probability_rate"] for a in data["areas"]) == pytest.approx(3.0)


def test_bad_k_exits_with_usage_error(workspace: str) -> None:
    code, _, error = run("priority", "--release", "r1", "--level", "kecamatan", "--k", "0",
                         "--workspace", workspace)  # fmt: skip
    assert (code, error) == (2, "priority_k_invalid")


def test_command_is_registered() -> None:
    from rpkd.cli import _register, app

    _register()
    assert "priority" in {c.name for c in app.registered_commands}
