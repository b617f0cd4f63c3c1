"""The ``rpkd`` command line (DESIGN.md §7): parse, call one workflow, render.

Each command group lives in its own module and registers itself on :data:`app`. Command
modules import their workflows inside the command body, so that ``rpkd --help`` and usage
errors answer without loading the table engine or the statistics.
"""

from __future__ import annotations

import atexit
import errno
import gc
import sys
from functools import cache
from typing import Annotated

import typer
from typer.exceptions import TyperException

from rpkd.errors import RpkdError

app = typer.Typer(
    name="rpkd",
    help="rpkd: perencanaan, penargetan dan pemantauan penanggulangan kemiskinan daerah.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"rpkd {version('rpkd')}")
        raise typer.Exit(0)


@app.callback()
def _root(
    _show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Tampilkan versi rpkd dan keluar."
        ),
    ] = False,
) -> None:
    """rpkd: perencanaan, penargetan dan pemantauan penanggulangan kemiskinan daerah."""


def _register() -> None:
    """Add every command group to :data:`app` (once; the modules import nothing heavy)."""
    if app.registered_commands or app.registered_groups:
        return
    from rpkd.cli import (
        demo,
        link,
        measure,
        plan,
        priority,
        profile,
        release,
        report,
        sae,
        scenario,
        serve,
        synth,
        target,
        workspace,
    )
    from rpkd.cli import map as map_command

    for module in (
        demo,
        synth,
        release,
        measure,
        profile,
        map_command,
        priority,
        sae,
        link,
        target,
        plan,
        scenario,
        report,
        serve,
        workspace,
    ):
        module.register(app)


COLLECT_EVERY = (100_000, 50, 100)
"""Cyclic garbage collector thresholds while a command runs (CPython's default: 700, 10, 10)."""


def main() -> None:
    """Console-script entry point: run the app, turning errors into messages and exit codes.

    A command is a short process. With CPython's default thresholds the cyclic collector walks
    the hundreds of thousands of objects the libraries create (Ibis, sqlglot, pandas) again and
    again while they are imported, and once more when the interpreter exits: half a second of
    the two seconds ``rpkd survey estimate`` took (issue 18). While the command runs, young
    objects are collected every 100,000 allocations instead of 700; at exit, what is left is
    frozen, so that the last full collection has nothing to walk (``atexit`` handlers still run,
    and the interpreter's teardown still frees by reference counting).
    """
    previous = gc.get_threshold()
    gc.set_threshold(*COLLECT_EVERY)
    _freeze_at_exit()
    try:
        _main()
    finally:
        gc.set_threshold(*previous)


@cache
def _freeze_at_exit() -> None:
    atexit.register(gc.freeze)


def _main() -> None:
    from rpkd.cli import common, help_text

    _register()
    command = typer.main.get_command(app)
    help_text.localise(command, common.current_lang())
    try:
        # Without standalone mode, the command returns the code of a typer.Exit instead of raising.
        code = command(prog_name="rpkd", standalone_mode=False)
    except RpkdError as exc:
        common.error(exc)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a full disk while writing: a coded error, not a traceback
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        common.error(RpkdError("disk_full"))
        sys.exit(RpkdError.exit_code)
    except typer.Abort:
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except TyperException as exc:  # the parser's errors (bad flag, missing option): exit 2
        _parser_error(exc)
        sys.exit(exc.exit_code)
    if isinstance(code, int) and code:
        sys.exit(code)


def _parser_error(exc: TyperException) -> None:
    """Print a parser error as one line naming the command's help.

    ``rpkd`` alone, or a group without its command, answers with the help (Typer's rich help is
    printed when the error is raised, so its message is then empty).
    """
    from rpkd.cli import common
    from rpkd.cli.parser_errors import parser_message

    if type(exc).__name__ == "NoArgsIsHelpError":
        if exc.format_message().strip():
            typer.echo(exc.format_message(), err=True)
        return
    detail = parser_message(exc, common.current_lang())
    context = getattr(exc, "ctx", None)
    common.usage_error(detail, context.command_path if context is not None else None)
