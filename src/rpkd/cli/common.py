"""Options, output formats and rendering shared by every command."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from rpkd.settings import Lang, Settings, load_settings

Format = Literal["table", "json", "csv"]

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


def settings(
    workspace: Path | None, *, lang: str | None = None, engine: str | None = None
) -> Settings:
    """Resolve settings from the common options."""
    return load_settings(workspace, lang=lang, engine=engine)


def output_format(value: str) -> Format:
    if value not in ("table", "json", "csv"):
        raise typer.BadParameter(f"--format must be table, json or csv, not {value!r}")
    return value  # type: ignore[return-value]


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def requested_lang(argv: Sequence[str], environ: Mapping[str, str]) -> Lang:
    """Return the language asked for on the command line (``--lang``) or in ``RPKD_LANG``."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "id"
        if arg.startswith("--lang="):
            return "en" if arg.split("=", 1)[1] == "en" else "id"
    return "en" if environ.get("RPKD_LANG") == "en" else "id"


def error(message: str, lang: Lang | None = None) -> None:
    """Print an error message for the user on standard error."""
    chosen = lang or requested_lang(sys.argv[1:], os.environ)
    prefix = "Error" if chosen == "en" else "Galat"
    stderr().print(f"[bold red]{prefix}:[/] {message}", markup=True, soft_wrap=True)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def records(data: pa.Table | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return rows as plain JSON-ready dicts."""
    rows = data.to_pylist() if isinstance(data, pa.Table) else [dict(r) for r in data]
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def emit(
    data: pa.Table | Sequence[Mapping[str, Any]],
    fmt: Format,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Write rows to standard output as a terminal table, JSON array or CSV."""
    rows = records(data)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    columns = (
        list(data.column_names) if isinstance(data, pa.Table) else list(rows[0]) if rows else []
    )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=title, show_lines=False)
    for name in columns:
        table.add_column((headers or {}).get(name, name), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    Console(highlight=False).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def say(lang: Lang, id_text: str, en_text: str) -> str:
    """Return the message in the user's language (Indonesian by default)."""
    return en_text if lang == "en" else id_text
