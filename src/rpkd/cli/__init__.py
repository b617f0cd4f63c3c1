"""The ``rpkd`` command line (DESIGN.md §7): parse, call one workflow, render.

Each command group lives in its own module and registers itself on :data:`app`.
"""

from __future__ import annotations

import sys

import typer

from rpkd.cli import common
from rpkd.errors import RpkdError

app = typer.Typer(
    name="rpkd",
    help="rpkd: perencanaan, penargetan dan pemantauan penanggulangan kemiskinan daerah.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported here so that `import rpkd.cli` stays cheap and nothing is built at import time.
    from rpkd.cli import demo, link, measure, plan, profile, release, sae, synth, target
    from rpkd.cli import map as map_command

    for module in (demo, synth, release, measure, profile, map_command, sae, link, target, plan):
        module.register(app)


def main() -> None:
    """Console-script entry point: run the app, turning rpkd errors into messages and exit codes."""
    _register()
    try:
        # Without standalone mode, click returns the code of a typer.Exit instead of raising it.
        code = app(standalone_mode=False)
    except RpkdError as exc:
        common.error(str(exc))
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors carry their own exit code
        import click
        from typer.exceptions import TyperException  # typer >= 0.20 vendors click: its own classes

        if isinstance(exc, click.ClickException | TyperException) and hasattr(exc, "show"):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if isinstance(code, int) and code:
        sys.exit(code)
