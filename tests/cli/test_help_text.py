"""The command line's help speaks the user's language: every text translated, no word left over."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from rich.text import Text

import rpkd.cli as cli
from rpkd.cli.help_text import translate
from rpkd.locale.catalogue import help_texts


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
@pytest.mark.usefixtures("typer_titles")
def test_every_help_text_keeps_its_brackets(lang: Any) -> None:
    # Typer reads help as Rich markup: "(default: kit, [map] method)" printed "kit,  method"
    # until the bracket was escaped. Every text, as Rich prints it, keeps what it says.
    command = _command()
    translate(command, typer.Context(command), lang)
    for text in _texts(command):
        assert Text.from_markup(text).plain == text.replace("\\[", "["), text


@pytest.fixture
def help_page(monkeypatch: pytest.MonkeyPatch, run_main: Any) -> Any:
    """Run the installed app in-process; return (exit code, everything it printed)."""
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, env_lang: str | None = None) -> tuple[int, str]:
        if env_lang is None:
            monkeypatch.delenv("RPKD_LANG", raising=False)
        else:
            monkeypatch.setenv("RPKD_LANG", env_lang)
        code, out, err = run_main(*args)
        return code, out + err

    return run


MAP_HELP = {
    "id": (
        ["Penggunaan: rpkd map [OPSI]", "─ Opsi ─", "Nama rilis. [wajib]",
         "kecamatan | desa [bawaan: kecamatan]", "direct | fh | ebp (default: kit, [map] method).",
         "Tampilkan bantuan ini dan keluar."],
        ["Usage", "Options", "required", "Show this message", "Release name"],
    ),
    "en": (
        ["Usage: rpkd map [OPTIONS]", "─ Options ─", "Release name. [required]",
         "kecamatan | desa [default: kecamatan]",
         "direct | fh | ebp (default: the kit, [map] method).", "Show this message and exit."],
        ["Penggunaan", "Opsi", "wajib", "Nama rilis", "Tampilkan"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("lang", ["id", "en"])
def test_help_is_indonesian_by_default_and_english_on_request(help_page: Any, lang: str) -> None:
    code, page = help_page("map", "--help", *(["--lang", "en"] if lang == "en" else []))
    shown, absent = MAP_HELP[lang]
    assert code == 0
    assert [words for words in shown if words not in page] == []
    assert [words for words in absent if words in page] == []


def test_help_is_english_from_the_environment(help_page: Any) -> None:
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
