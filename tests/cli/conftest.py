"""Running the console script's :func:`rpkd.cli.main` in-process."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from typer import rich_utils

import rpkd.cli as cli

RICH_TITLES = (
    "OPTIONS_PANEL_TITLE",
    "ARGUMENTS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "DEFAULT_STRING",
    "REQUIRED_LONG_STRING",
    "ENVVAR_STRING",
    "DEPRECATED_STRING",
)
"""The constants of Typer's Rich help that :mod:`rpkd.cli.help_text` sets when help is shown."""


@pytest.fixture
def typer_titles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give Typer's help titles back after the test: other tests see Typer's own."""
    for name in RICH_TITLES:
        monkeypatch.setattr(rich_utils, name, getattr(rich_utils, name))


@pytest.fixture
def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typer_titles: None
) -> Any:
    """Return a function of the arguments giving (exit code, stdout, stderr) of ``rpkd``."""

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["rpkd", *args])
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
