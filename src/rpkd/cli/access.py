"""``rpkd user add|list`` and ``rpkd audit list|verify``: users, roles and the audit log."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated, Any

import typer

from rpkd import locale
from rpkd.cli import common
from rpkd.errors import UsageError
from rpkd.locale import Lang

user_app = typer.Typer(help="Pengguna dan peran.", no_args_is_help=True)
audit_app = typer.Typer(help="Log audit (hanya tambah).", no_args_is_help=True)


def _table(rows: list[dict[str, Any]], lang: Lang, title: str | None = None) -> None:
    """Print rows as a terminal table headed by the ``access.<column>`` labels."""
    view = [{f"access.{k}": v for k, v in row.items()} for row in rows]
    common.emit(view, "table", lang, title=title)


def _password(lang: Lang, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    text: str = typer.prompt(
        locale.label("access.password", lang), hide_input=True, confirmation_prompt=True
    )
    return text


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Nama pengguna (login).")],
    role: Annotated[
        str,
        typer.Option(
            "--role", help="admin | analyst | agency_operator | area_operator | partner | viewer"
        ),
    ],
    region: Annotated[
        str | None, typer.Option("--region", help="Cakupan wilayah (kode Kemendagri).")
    ] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="Cakupan OPD (kode).")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Cakupan mitra (kode).")] = None,
    full_name: Annotated[str, typer.Option("--full-name", help="Nama lengkap.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Baca kata sandi dari stdin.")
    ] = False,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tambah pengguna (admin; pengguna pertama harus admin)."""
    out = common.output_format(fmt)
    from rpkd.workflows import access as wf

    chosen = common.choice(role, wf.ROLES, "--role") or role
    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        password = _password(ws.lang, password_stdin)
        result = wf.add_user(
            ws,
            username,
            password,
            role=chosen,
            region=region,
            agency=agency,
            partner=partner,
            full_name=full_name,
        )
    rows = result.to_json(ws.lang)
    if out == "table":
        _table(rows, ws.lang)
    else:
        common.emit(rows, out, ws.lang)


@user_app.command("list")
def user_list(
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Daftar pengguna (admin)."""
    out = common.output_format(fmt)
    from rpkd.workflows import access as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.list_users(ws)
    if out == "table":
        _table(
            result.to_arrow(ws.lang).to_pylist(),
            ws.lang,
            title=locale.label("access.title.users", ws.lang),
        )
    else:
        common.emit(result.to_arrow(ws.lang), out, ws.lang, json_data=result.to_json(ws.lang))


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError("audit_date_invalid", param=flag, flag=flag, value=text) from exc


@audit_app.command("list")
def audit_list(
    user: Annotated[str | None, typer.Option("--user", help="Saring menurut pengguna.")] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", help="Saring menurut awalan tindakan, mis. realisation."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Sejak tanggal (YYYY-MM-DD, UTC).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Sampai tanggal ini, inklusif (YYYY-MM-DD, UTC).")
    ] = None,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tampilkan log audit (admin): siapa, kapan, tindakan, rilis, cakupan, jumlah rekaman."""
    out = common.output_format(fmt)
    first, last = _day(since, "since"), _day(until, "until")
    from rpkd.workflows import access as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.list_audit(ws, user=user, action=action, since=first, until=last)
    if out != "table":
        common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
        return
    rows = [
        {**r, "parameters": ", ".join(f"{k}={v}" for k, v in r["parameters"].items())}
        for r in result.to_json()
    ]
    _table(rows, ws.lang, title=locale.label("access.title.audit", ws.lang))


@audit_app.command("verify")
def audit_verify(
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Periksa rantai hash log audit (admin); kode keluar 1 bila ada baris yang diubah."""
    out = common.output_format(fmt)
    from rpkd.workflows import audit_chain as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.verify_audit(ws)
    if out != "table":
        common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
    else:
        rows = [
            {f"audit_verify.{k}": v for k, v in r.items()} for r in result.to_arrow().to_pylist()
        ]
        common.emit(rows, "table", ws.lang, title=locale.label("audit_verify.title", ws.lang))
        common.note(result.summary(ws.lang))
    if not result.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``user`` and ``audit`` groups to the ``rpkd`` command."""
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
