"""Options, output formats and rendering shared by every command.

A command parses its options, opens a :class:`rpkd.workflows.Workspace` with :func:`workspace`,
calls exactly one workflow and renders its result with :func:`emit` (terminal table, JSON or
CSV). Every word the user reads comes from :mod:`rpkd.locale`: column headers are labels,
numbers use the language's separators, errors and findings are rendered by code.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from rpkd import locale
from rpkd.errors import RpkdError, UsageError
from rpkd.locale import Lang

if TYPE_CHECKING:
    import pyarrow as pa
    from rich.console import Console

    from rpkd.findings import Finding
    from rpkd.workflows.workspace import Workspace

Format = Literal["table", "json", "csv"]
Cell = Literal["number", "percent", "index", "rupiah", "integer", "text"]
"""How a table cell is shown: ``percent`` (fraction × 100 with %), ``index`` (BPS's P1/P2 ×100)."""

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Folder ruang kerja (default: RPKD_WORKSPACE atau ./rpkd-workspace).",
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | json | csv")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="id (default) | en")]
EngineOpt = Annotated[str | None, typer.Option("--engine", help="duckdb (default) | spark")]
AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="RPKD_USER",
        help="Pengguna yang bertindak (wajib bila ruang kerja punya pengguna).",
    ),
]


@contextmanager
def workspace(
    path: Path | None = None,
    *,
    lang: str | None = None,
    engine: str | None = None,
    actor: str | None = None,
) -> Iterator[Workspace]:
    """Open the workspace of the common options; close its engine and database afterwards."""
    from rpkd.workflows.workspace import Workspace

    with Workspace.open(path, lang=lang, engine=engine, actor=actor) as ws:
        yield ws


def output_format(value: str) -> Format:
    """Return ``--format`` checked (table, json or csv)."""
    if value not in ("table", "json", "csv"):
        raise UsageError(
            "format_unknown", param="format", value=value, allowed=("table", "json", "csv")
        )
    return value  # type: ignore[return-value]


def choice(value: str | None, allowed: Sequence[str], flag: str) -> str | None:
    """Return ``value`` if it is one of ``allowed`` (case and spaces ignored); else a usage error."""
    if value is None:
        return None
    chosen = value.strip().lower()
    if chosen not in allowed:
        raise UsageError(
            "choice_invalid", param=flag, flag=flag, value=value, allowed=tuple(allowed)
        )
    return chosen


def requested_lang(argv: Sequence[str], environ: Mapping[str, str]) -> Lang:
    """Return the language asked for on the command line (``--lang``) or in ``RPKD_LANG``."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "id"
        if arg.startswith("--lang="):
            return "en" if arg.split("=", 1)[1] == "en" else "id"
    return "en" if environ.get("RPKD_LANG") == "en" else "id"


def current_lang() -> Lang:
    """Return the language of this run (command line, then environment)."""
    return requested_lang(sys.argv[1:], os.environ)


def stderr() -> Console:
    """Return a console on standard error that prints text as written (no markup).

    ``pip install 'rpkd[spark]'`` keeps its brackets; markup is only where asked for.
    """
    from rich.console import Console

    return Console(stderr=True, highlight=False, markup=False)


def say(text: str) -> None:
    """Print a line for the user on standard output, as written."""
    sys.stdout.write(text + "\n")


def note(text: str) -> None:
    """Print a line for the user on standard error (no markup: brackets stay as written)."""
    stderr().print(text, markup=False, soft_wrap=True)


def error(exc: RpkdError, lang: Lang | None = None) -> None:
    """Print an error and the findings behind it on standard error, in the user's language."""
    chosen = lang or current_lang()
    console = stderr()
    _error_line(console, exc.message(chosen), chosen)
    shown = exc.findings[:10]
    for finding in shown:
        console.print("  " + locale.render(finding, chosen), markup=False, soft_wrap=True)
    if len(exc.findings) > len(shown):
        console.print(
            "  " + locale.message("findings_more", chosen, count=len(exc.findings) - len(shown)),
            markup=False,
        )


def usage_error(detail: str, command: str | None = None, lang: Lang | None = None) -> None:
    """Print a usage error of the command-line parser (a bad flag or choice) as one line."""
    chosen = lang or current_lang()
    text = (
        locale.message("usage_help", chosen, detail=detail, command=command) if command else detail
    )
    _error_line(stderr(), text, chosen)


def _error_line(console: Console, text: str, lang: Lang) -> None:
    """Print ``Galat: text`` (the prefix in bold red, the text exactly as written)."""
    console.print(
        f"[bold red]{locale.label('error', lang)}:[/] ", end="", markup=True, soft_wrap=True
    )
    console.print(text, markup=False, soft_wrap=True)


def findings(items: Sequence[Finding], lang: Lang) -> None:
    """Print notes and warnings a result carries (one line each) on standard error."""
    for finding in items:
        prefix = locale.label("error" if finding.is_error else "note", lang)
        note(f"{prefix}: {locale.render(finding, lang)}")


def cell(value: Any, lang: Lang, kind: Cell | None = None) -> str:
    """Return one value as a reader of ``lang`` expects it (``1.234,5``; ``5,23%``)."""
    if value is None:
        return "–"
    if kind == "text":
        return str(value)
    if isinstance(value, bool):
        return locale.label("yes" if value else "no", lang)
    if kind == "percent" and isinstance(value, int | float):
        return locale.percent(float(value), lang)
    if kind == "index" and isinstance(value, int | float):
        return locale.number(100.0 * float(value), lang, 2)
    if kind == "rupiah" and isinstance(value, int | float):
        return locale.rupiah(float(value), lang)
    if kind == "integer" and isinstance(value, int | float):
        return locale.number(round(value), lang, 0)
    if isinstance(value, int | float):
        return locale.number(value, lang)
    if isinstance(value, Path):
        return str(value)
    return (
        locale.date_text(value, lang)
        if hasattr(value, "isoformat") and not isinstance(value, str)
        else str(value)
    )


def emit(
    data: pa.Table | Sequence[Mapping[str, Any]],
    fmt: Format,
    lang: Lang,
    *,
    title: str | None = None,
    cells: Mapping[str, Cell] | Callable[[Mapping[str, Any], str], Cell | None] | None = None,
    json_data: Any = None,
) -> None:
    """Write rows to standard output as a terminal table, JSON or CSV.

    ``table``: headers are the catalogue's labels, values formatted by ``cells`` (a column ->
    kind map, or a function of the row and column). ``json``: ``json_data`` if given (a
    result's ``to_json()``), else the rows. ``csv``: the rows as they are (machine-readable),
    text that a spreadsheet would run as a formula neutralised (:func:`rpkd.reports.xlsx.neutralise`).
    """
    from rpkd.workflows.results import records

    if fmt == "json" and json_data is not None:
        emit_json(json_data)
        return
    rows = records(data)
    if fmt == "json":
        emit_json(rows)
        return
    columns = _columns(data, rows)
    if fmt == "csv":
        from rpkd.reports.xlsx import neutralise_row

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(neutralise_row(row.get(c) for c in columns) for row in rows)
        sys.stdout.write(buffer.getvalue())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for name in columns:
        table.add_column(locale.label(name, lang), overflow="fold")
    for row in rows:
        table.add_row(*(cell(row.get(c), lang, _kind(cells, row, c)) for c in columns))
    # No markup anywhere (title, headers, cells): a value like ``rpkd[spark]`` stays as written.
    Console(highlight=False, markup=False).print(table)


def _kind(
    cells: Mapping[str, Cell] | Callable[[Mapping[str, Any], str], Cell | None] | None,
    row: Mapping[str, Any],
    column: str,
) -> Cell | None:
    if cells is None:
        return None
    if callable(cells):
        return cells(row, column)
    return cells.get(column)


def _columns(data: Any, rows: list[dict[str, Any]]) -> list[str]:
    names = getattr(data, "column_names", None)
    if names is not None:
        return list(names)
    return list(rows[0]) if rows else []


def emit_json(value: Any) -> None:
    """Write a JSON document (a result's ``to_json()``) to standard output.

    A list of records is written one record per line (json's C encoder; indenting runs the
    pure-Python one, a tenth of a second for 3,000 estimates); any other document indented.
    """
    from rpkd.workflows.results import plain

    document = plain(value)
    if isinstance(document, list) and all(isinstance(item, dict) for item in document):
        lines = ",\n".join(json.dumps(item, ensure_ascii=False) for item in document)
        sys.stdout.write(f"[\n{lines}\n]\n" if document else "[]\n")
        return
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def progress(lang: Lang) -> Iterator[Callable[[str, int, int], None]]:
    """Yield a progress callback ``(stage, done, total)`` drawing one bar per stage on stderr.

    Stage names are catalogue labels (``progress.<stage>``); when a new stage starts, the
    previous one is completed and stopped, so no finished bar keeps counting its time, and
    every bar is completed when the block ends. Bars are drawn only on a terminal (a log or a
    pipe gets no progress lines).
    """
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    console = stderr()
    if not console.is_terminal:
        yield _no_progress
        return
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}
        totals: dict[TaskID, int] = {}

        def finish(task: TaskID) -> None:
            bar.update(task, completed=totals[task])
            bar.stop_task(task)

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                if tasks:
                    finish(list(tasks.values())[-1])
                key = f"progress.{stage}"
                text = locale.label(key, lang) if locale.has_label(key) else stage
                tasks[stage] = bar.add_task(text, total=max(total, 1))
            task = tasks[stage]
            totals[task] = max(total, 1)
            bar.update(task, completed=done, total=totals[task])

        yield update
        for task in tasks.values():
            finish(task)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def run(function: Callable[[], None]) -> None:
    """Run a command body; an :class:`RpkdError` becomes its message and exit code."""
    try:
        function()
    except RpkdError as exc:
        error(exc)
        raise typer.Exit(exc.exit_code) from None
