"""The command line's help in the user's language: Bahasa Indonesia by default, English on request.

Every command's and option's help is written in Bahasa Indonesia where it is declared. Its English
lives in the catalogue ``rpkd/locale/help/*.toml``, keyed by the Indonesian text, as gettext keys a
translation by its source string: a help text edited in the code without its entry fails the
catalogue test instead of shipping half translated. The words Typer and Click print around those
texts (the usage line, the panel titles, ``[default: …]``, the ``--help`` option's own help) are the
``cli.*`` labels, in both languages.

Nothing is read before help is asked for: :func:`localise` only gives every command a context
class, and that context translates the command tree when it renders a help page or a usage line,
so that a command that runs does not pay for the catalogues.
"""

from __future__ import annotations

from typing import Any

import typer
from typer._click.formatting import HelpFormatter  # the Click that Typer vendors

from rpkd import locale
from rpkd.locale import Lang
from rpkd.locale.catalogue import help_texts


def localise(command: Any, lang: Lang) -> None:
    """Make the help and usage of ``command`` and of every command under it speak ``lang``."""
    context = _context_class(lang)
    for each in _tree(command):
        each.context_class = context


def translate(command: Any, context: typer.Context, lang: Lang) -> None:
    """Put the texts, metavars and help options of ``command``'s tree, and Typer's titles, in ``lang``.

    Translating twice changes nothing: an English text is not a key of the catalogue.
    """
    english = help_texts() if lang == "en" else {}
    for each in _tree(command):
        each.help = english.get(each.help, each.help) if each.help else each.help
        if each.options_metavar:
            each.options_metavar = locale.label("cli.options_metavar", lang)
        if getattr(each, "subcommand_metavar", None):
            each.subcommand_metavar = locale.label("cli.subcommand_metavar", lang)
        for param in each.params:
            text = getattr(param, "help", None)
            if text:
                param.help = english.get(text, text)
        option = each.get_help_option(context)
        if option is not None:
            option.help = locale.label("cli.help_option", lang)
    _titles(lang)


def _tree(command: Any) -> list[Any]:
    found, stack = [], [command]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(getattr(current, "commands", {}).values())
    return found


def _titles(lang: Lang) -> None:
    """Set the words Typer's Rich help prints (module constants it reads when it prints)."""
    from typer import rich_utils

    rich_utils.OPTIONS_PANEL_TITLE = locale.label("cli.panel.options", lang)
    rich_utils.ARGUMENTS_PANEL_TITLE = locale.label("cli.panel.arguments", lang)
    rich_utils.COMMANDS_PANEL_TITLE = locale.label("cli.panel.commands", lang)
    rich_utils.DEFAULT_STRING = locale.label("cli.default", lang)
    rich_utils.REQUIRED_LONG_STRING = locale.label("cli.required", lang)
    rich_utils.ENVVAR_STRING = locale.label("cli.envvar", lang)
    rich_utils.DEPRECATED_STRING = locale.label("cli.deprecated", lang)


def _context_class(lang: Lang) -> type[typer.Context]:
    class Formatter(HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            if prefix is None:
                prefix = locale.label("cli.usage", lang) + " "
            super().write_usage(prog, args, prefix)

    class LocalisedContext(typer.Context):
        formatter_class = Formatter

        def get_help(self) -> str:
            translate(self.find_root().command, self, lang)
            return super().get_help()

        def get_usage(self) -> str:
            translate(self.find_root().command, self, lang)
            return super().get_usage()

    return LocalisedContext
