"""The command-line parser's errors in the user's language.

Typer (its bundled Click) words its usage errors in English ("No such option: --bogus").
:func:`parser_message` rebuilds each from what the exception carries (the option, the
parameter and its type, the value, the commands that exist) as a catalogue sentence
(``locale/messages/cli_parser.toml``), so an Indonesian user reads ``opsi --bogus tidak
dikenal``. Some errors carry nothing but their words (an unknown command, extra arguments, an
option's missing value); they are read from those words. An error not known here keeps the
parser's own text. The exception classes are Typer's bundled Click's
(``typer._click.exceptions``; ``typer`` is pinned in ``requirements/``).
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from typing import Any

from typer._click import exceptions as typer_exceptions
from typer.exceptions import TyperException

from rpkd import locale
from rpkd.locale import Lang

_NO_SUCH_COMMAND = re.compile(r"No such command (?P<name>'[^']*'|\"[^\"]*\")")
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)")


def parser_message(exc: TyperException, lang: Lang) -> str:
    """Return what ``exc`` says, in ``lang``; the parser's own text if it is not known here."""
    if isinstance(exc, typer_exceptions.NoSuchOption):
        detail = locale.message("cli_no_such_option", lang, option=exc.option_name)
        return _suggest(detail, _close_options(exc.option_name, exc.possibilities or ()), lang)
    if isinstance(exc, typer_exceptions.MissingParameter):
        return _missing(exc.param, lang) or exc.format_message()
    if isinstance(exc, typer_exceptions.BadParameter):
        return _bad_value(exc, lang) or exc.format_message()
    if isinstance(exc, typer_exceptions.BadOptionUsage):
        return _option_usage(exc, lang)
    if isinstance(exc, typer_exceptions.UsageError):
        return _worded(exc, lang)
    return exc.format_message()


def _suggest(detail: str, matches: Any, lang: Lang) -> str:
    """Append the close matches (``--release``) to ``detail``, if any."""
    if not matches:
        return detail
    shown = ", ".join(str(m) for m in sorted(matches))
    return locale.message("cli_did_you_mean", lang, detail=detail, matches=shown)


def _close_options(name: str, possibilities: Any) -> list[str]:
    """The parser's candidates that resemble ``name`` once the dashes are set aside (the parser
    compares with them, so every ``--x`` resembles ``--bogus``)."""
    bare = {p.lstrip("-"): p for p in possibilities}
    return [bare[m] for m in get_close_matches(name.lstrip("-"), list(bare))]


def _missing(param: Any, lang: Lang) -> str | None:
    if param is None:
        return None
    if param.param_type_name == "argument":
        return locale.message("cli_missing_argument", lang, argument=param.name.upper())
    return locale.message("cli_missing_option", lang, option=_flag(param))


def _bad_value(exc: typer_exceptions.BadParameter, lang: Lang) -> str | None:
    """The value of a number option that is not a number; ``None`` for any other."""
    param = exc.param
    if param is None:
        return None
    code = {"int": "cli_not_integer", "float": "cli_not_number"}.get(param.bare_type())
    value = _input(exc)
    if code is None or value is None:
        return None
    return locale.message(code, lang, option=_flag(param), value=value)


def _input(exc: BaseException) -> str | None:
    """The text the user gave, as the type check (pydantic) recorded it."""
    errors = getattr(exc.__cause__, "errors", None)
    if not callable(errors):
        return None
    found: list[dict[str, Any]] = list(errors())
    value = found[0].get("input") if found else None
    return value if isinstance(value, str) else None


def _option_usage(exc: typer_exceptions.BadOptionUsage, lang: Lang) -> str:
    """An option given without its value, or a flag given one (``--public=yes``); the parser
    raises both without a context, so its words tell which."""
    text = exc.format_message()
    if "does not take a value" in text:
        return locale.message("cli_option_takes_no_value", lang, option=exc.option_name)
    if "requires" in text:
        return locale.message("cli_option_needs_value", lang, option=exc.option_name)
    return text


def _worded(exc: typer_exceptions.UsageError, lang: Lang) -> str:
    """An unknown command or extra arguments, known only by the parser's words."""
    text = exc.format_message()
    if text.startswith("Missing command"):
        return locale.message("cli_missing_command", lang)
    if found := _EXTRA_ARGUMENTS.match(text):
        return locale.message("cli_extra_arguments", lang, arguments=found["args"])
    if found := _NO_SUCH_COMMAND.match(text):
        name = found["name"][1:-1]
        detail = locale.message("cli_no_such_command", lang, command=name)
        commands = list(getattr(exc.ctx.command, "commands", {})) if exc.ctx else []
        return _suggest(detail, [repr(m) for m in get_close_matches(name, commands)], lang)
    return text


def _flag(param: Any) -> str:
    """The option's long flag (``--release``), else its first."""
    opts = [str(o) for o in param.opts]
    return next((o for o in opts if o.startswith("--")), opts[0] if opts else str(param.name))
