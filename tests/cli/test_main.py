"""The console script: exit codes and what a user reads when a command is called wrongly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

import rpkd.cli as cli
from rpkd.errors import MissingExtra

RPKD = str(Path(sys.executable).with_name("rpkd"))


def test_rejected_import_exits_1(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "families.csv").write_text(
        "family_id,desa_code\nF1,99.99.99.9999\n", encoding="utf-8"
    )
    done = subprocess.run(
        [RPKD, "release", "import", str(source), "--name", "r", "--workspace", str(tmp_path / "w")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert not (tmp_path / "w" / "releases" / "r").exists()


def test_success_exits_0() -> None:
    done = subprocess.run([RPKD, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def rpkd(monkeypatch: pytest.MonkeyPatch, run_main: Any) -> Any:
    """Run :func:`rpkd.cli.main` in-process on an app with the root options and ``synth`` only.

    Returns a function of the arguments giving (exit code, stdout, stderr).
    """
    from rpkd.cli import synth

    app = typer.Typer(
        name="rpkd", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
    )
    app.callback()(cli._root)
    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(cli, "_register", lambda: synth.register(app))
    monkeypatch.delenv("RPKD_LANG", raising=False)
    return run_main


@pytest.mark.parametrize(
    ("args", "indonesian", "english"),
    [
        (("synth", "--region", "62.03", "--out", "d", "--bogus"),
         "opsi --bogus tidak dikenal", "no such option: --bogus"),
        (("synth", "--region", "62.03", "--out", "d", "--sed", "1"),
         "opsi --sed tidak dikenal; mungkin maksudnya --seed",
         "no such option: --sed; did you mean --seed"),
        (("synth", "--out", "d"), "opsi --region wajib diisi", "missing option --region"),
        (("synht",), "perintah 'synht' tidak dikenal; mungkin maksudnya 'synth'",
         "no such command: 'synht'; did you mean 'synth'"),
        (("synth", "--region", "62.03", "--out", "d", "--seed", "x"),
         "--seed harus bilangan bulat, bukan 'x'", "--seed must be a whole number, not 'x'"),
        (("synth", "--region", "62.03", "--out", "d", "lagi"),
         "argumen berlebih: lagi", "unexpected extra arguments: lagi"),
    ],
)  # fmt: skip
def test_a_parser_error_is_one_line_in_the_users_language_and_exits_2(
    rpkd: Any, args: tuple[str, ...], indonesian: str, english: str
) -> None:
    code, out, err = rpkd(*args)
    assert code == 2 and out == ""
    assert err.startswith(f"Galat: {indonesian} (bantuan: ") and err.endswith(" --help)\n"), err
    assert err.count("\n") == 1
    code, _, err = rpkd(*args, "--lang", "en")
    assert code == 2 and err.startswith(f"Error: {english} (help: "), err


def test_an_option_without_its_value_is_named(rpkd: Any) -> None:
    # The parser raises it without a context: no help hint, but the option and what is wrong.
    code, _, err = rpkd("synth", "--region", "62.03", "--out")
    assert (code, err) == (2, "Galat: opsi --out memerlukan nilai\n")


def test_a_workflow_usage_error_exits_2_in_the_users_language(rpkd: Any, tmp_path: Path) -> None:
    args = ("synth", "--region", "62.03", "--out", str(tmp_path / "d"), "--format", "xlsx")
    code, out, err = rpkd(*args, "--workspace", str(tmp_path / "w"))
    assert (code, out) == (2, "")
    assert err == "Galat: format berkas harus salah satu dari csv, parquet, bukan 'xlsx'\n"
    code, _, err = rpkd(*args, "--workspace", str(tmp_path / "w"), "--lang", "en")
    assert err == "Error: the file format must be one of csv, parquet, not 'xlsx'\n"


def test_the_install_hint_keeps_its_brackets(
    rpkd: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 13: the hint for --engine spark printed pip install 'rpkd' (Rich ate "[spark]").
    from rpkd.workflows import synth as wf

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise MissingExtra("pyspark", "spark")

    monkeypatch.setattr(wf, "synthesize_district", missing)
    code, _, err = rpkd("synth", "--region", "62.03", "--out", str(tmp_path / "d"))
    assert code == 2
    assert err == "Galat: pyspark belum terpasang; pasang dengan: pip install 'rpkd[spark]'\n"


def test_plain_rpkd_shows_the_help_and_exits_2(rpkd: Any) -> None:
    code, out, err = rpkd()
    assert code == 2 and "[OPSI] PERINTAH" in out + err and "Traceback" not in err


def test_version(rpkd: Any) -> None:
    from importlib.metadata import version

    assert rpkd("--version") == (0, f"rpkd {version('rpkd')}\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("realisation", "add", "--value", "1,5"),
         "--value harus bilangan dengan titik desimal (mis. 0.5), bukan '1,5' (bantuan: "),
        (("profile", "--public=ya"), "opsi --public tidak menerima nilai\n"),
    ],
)  # fmt: skip
def test_the_installed_command_words_a_number_and_a_flag_error(
    args: tuple[str, ...], message: str
) -> None:
    done = subprocess.run([RPKD, *args], capture_output=True, text=True, check=False,
                          env={**os.environ, "RPKD_LANG": "id"})  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith(f"Galat: {message}"), done.stderr
