"""``rpkd user add|list`` and ``rpkd audit list``: users, roles and the audit log."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer

from rpkd.access import audit, users
from rpkd.access.roles import LABELS, Grant, parse_role, require
from rpkd.cli import common
from rpkd.errors import UsageError
from rpkd.regions import parse_code
from rpkd.store import open_database, session

AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="RPKD_USER",
        help="Pengguna yang bertindak (wajib bila ruang kerja punya pengguna).",
    ),
]

user_app = typer.Typer(help="Pengguna dan peran.", no_args_is_help=True)
audit_app = typer.Typer(help="Log audit (hanya tambah).", no_args_is_help=True)

USER_HEADERS = {
    "username": "Pengguna",
    "full_name": "Nama",
    "active": "Aktif",
    "roles": "Peran",
    "created_at": "Dibuat",
}
AUDIT_HEADERS = {
    "id": "No",
    "at": "Waktu (UTC)",
    "username": "Pengguna",
    "action": "Tindakan",
    "release": "Rilis",
    "records": "Jumlah rekaman",
    "parameters": "Parameter",
}


def _grant_text(grant: Grant, lang: str) -> str:
    label = LABELS[grant.role][1 if lang == "en" else 0]
    scope = [v for v in (grant.region, grant.agency, grant.partner) if v]
    return f"{label} ({', '.join(scope)})" if scope else label


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
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tambah pengguna (admin; pengguna pertama harus admin)."""
    out = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang)
    grant = Grant(parse_role(role), parse_code(region) if region else None, agency, partner)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt(
            common.say(settings.lang, "Kata sandi", "Password"),
            hide_input=True,
            confirmation_prompt=True,
        )
    engine = open_database(settings)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        if users.count_users(db) > 0:
            require(grants, "user.manage", user=name)
        user = users.add_user(db, username, password, (grant,), full_name=full_name)
        audit.record(
            db,
            name,
            "user.add",
            records=1,
            parameters={"username": user.username, "role": grant.role},
        )
    engine.dispose()
    common.emit(
        [{"username": user.username, "roles": _grant_text(grant, settings.lang)}],
        out,
        headers=USER_HEADERS if settings.lang == "id" else None,
    )


@user_app.command("list")
def user_list(
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Daftar pengguna (admin)."""
    out = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang)
    engine = open_database(settings)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "user.manage", user=name)
        rows = [
            {
                "username": u.username,
                "full_name": u.full_name,
                "active": u.active,
                "roles": "; ".join(_grant_text(g, settings.lang) for g in u.grants),
                "created_at": u.created_at,
            }
            for u in users.list_users(db)
        ]
    engine.dispose()
    common.emit(
        rows,
        out,
        title=common.say(settings.lang, "Pengguna", "Users"),
        headers=USER_HEADERS if settings.lang == "id" else None,
    )


def _parameters(parameters: dict[str, Any], out: common.Format) -> Any:
    if out == "json":
        return parameters
    if out == "csv":
        return json.dumps(parameters, ensure_ascii=False, sort_keys=True)
    return ", ".join(f"{k}={v}" for k, v in parameters.items())


def _day(text: str | None, param: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError as exc:
        raise UsageError(
            "date_invalid", f"--{param} harus tanggal YYYY-MM-DD", param=param
        ) from exc


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
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tampilkan log audit (admin)."""
    out = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang)
    end = _day(until, "until")
    engine = open_database(settings)
    with session(engine) as db:
        name, grants = users.acting(db, actor)
        require(grants, "audit.read", user=name)
        rows = [
            {
                "id": e.id,
                "at": e.at,
                "username": e.username,
                "action": e.action,
                "release": e.release,
                "records": e.records,
                "parameters": _parameters(e.parameters, out),
            }
            for e in audit.entries(
                db,
                username=user,
                action=action,
                since=_day(since, "since"),
                until=end + timedelta(days=1) if end else None,
            )
        ]
    engine.dispose()
    common.emit(
        rows,
        out,
        title=common.say(settings.lang, "Log audit", "Audit log"),
        headers=AUDIT_HEADERS if settings.lang == "id" else None,
    )


def register(app: typer.Typer) -> None:
    """Add the ``user`` and ``audit`` groups to the ``rpkd`` command."""
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
