"""The command line's help speaks the user's language: every text translated, no word left over."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import typer
from rich.text import Text
from typer import rich_utils

import rpkd.cli as cli
from rpkd.cli.help_text import translate
from rpkd.locale.catalogue import help_texts

TITLES = (
    "OPTIONS_PANEL_TITLE",
    "ARGUMENTS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "DEFAULT_STRING",
    "REQUIRED_LONG_STRING",
    "ENVVAR_STRING",
    "DEPRECATED_STRING",
)


def _texts(command: Any) -> list[str]:
    texts, stack = [], [command]
    while stack:
        current = stack.pop()
        texts += [current.help] if current.help else []
        texts += [p.help for p in current.params if getattr(p, "help", None)]
        stack += list(getattr(current, "commands", {}).values())
    return texts


def _command() -> Any:
    cli._register()
    return typer.main.get_command(cli.app)


def test_every_help_text_has_its_english_and_every_english_its_text() -> None:
    declared = set(_texts(_command()))
    catalogue = help_texts()
    assert len(declared) > 190
    assert sorted(declared - set(catalogue)) == [], "help texts without their English"
    assert sorted(set(catalogue) - declared) == [], "English of texts no command declares"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_help_text_keeps_its_brackets(lang: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Typer reads help as Rich markup: "(default: kit, [map] method)" printed "kit,  method"
    # until the bracket was escaped. Every text, as Rich prints it, keeps what it says.
    for name in TITLES:
        monkeypatch.setattr(rich_utils, name, getattr(rich_utils, name))
    command = _command()
    translate(command, typer.Context(command), lang)
    for text in _texts(command):
        assert Text.from_markup(text).plain == text.replace("\\[", "["), text


@pytest.fixture
def help_page(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run the installed app's :func:`rpkd.cli.main` in-process; return (exit code, output)."""
    for name in TITLES:  # the help sets Typer's titles: give other tests theirs back
        monkeypatch.setattr(rich_utils, name, getattr(rich_utils, name))
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, env_lang: str | None = None) -> tuple[int, str]:
        if env_lang is None:
            monkeypatch.delenv("RPKD_LANG", raising=False)
        else:
            monkeypatch.setenv("RPKD_LANG", env_lang)
        monkeypatch.setattr(sys, "argv", ["rpkd", *args])
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out + out.err

    return run


def test_help_is_indonesian_by_default(help_page: Any) -> None:
    code, page = help_page("map", "--help")
    assert code == 0
    for words in (
        "Penggunaan: rpkd map [OPSI]",
        "─ Opsi ─",
        "Nama rilis. [wajib]",
        "kecamatan | desa [bawaan: kecamatan]",
        "direct | fh | ebp (default: kit, [map] method).",
        "Tampilkan bantuan ini dan keluar.",
    ):
        assert words in page, words
    for english in ("Usage", "Options", "required", "Show this message", "Release name"):
        assert english not in page, english


def test_help_is_english_on_request_after_the_command_or_from_the_environment(
    help_page: Any,
) -> None:
    code, page = help_page("map", "--help", "--lang", "en")
    assert code == 0
    for words in (
        "Usage: rpkd map [OPTIONS]",
        "─ Options ─",
        "Release name. [required]",
        "kecamatan | desa [default: kecamatan]",
        "direct | fh | ebp (default: the kit, [map] method).",
        "Show this message and exit.",
    ):
        assert words in page, words
    for indonesian in ("Penggunaan", "Opsi", "wajib", "Nama rilis", "Tampilkan"):
        assert indonesian not in page, indonesian
    code, page = help_page("release", "diff", "--help", env_lang="en")
    assert code == 0
    assert "Families that differ between two releases" in page
    assert "─ Arguments ─" in page and "Older release. [required]" in page
    assert "The acting user (required when the workspace has users)." in page
    assert "[env var: RPKD_USER]" in page


def test_a_group_without_its_command_lists_the_commands_in_the_users_language(
    help_page: Any,
) -> None:
    code, page = help_page(env_lang="en")
    assert code == 2
    assert "Usage: rpkd [OPTIONS] COMMAND [ARGS]..." in page and "─ Commands ─" in page
    assert "Poverty map by kecamatan/desa: direct estimate, Fay–Herriot or EBP." in page
    code, page = help_page("release")
    assert code == 2
    assert "Penggunaan: rpkd release [OPSI] PERINTAH [ARGUMEN]..." in page
    assert "─ Perintah ─" in page
    assert "Impor folder sumber sebagai rilis baru: semua atau tidak sama sekali." in page
