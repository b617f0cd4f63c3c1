"""``rpkd serve``: the web application of a workspace on this machine (uvicorn).

The one command that calls no workflow itself: starting a server is an interface's own act. It
builds the app (:func:`rpkd.web.app.create_app`; every page and API route then calls
workflows) and runs uvicorn in one process. On a loopback address cookies may go over plain
HTTP (the traffic never leaves the machine); behind a reverse proxy, with several workers, see
``docs/web.md``.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path
from typing import Annotated

import typer

from rpkd import locale
from rpkd.cli import common
from rpkd.errors import MissingExtra, UsageError


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


HostOpt = Annotated[str, typer.Option("--host", help="Alamat yang didengarkan.")]
PortOpt = Annotated[
    int, typer.Option("--port", help="Port yang didengarkan (0: port bebas mana saja).")
]


def is_loopback(host: str) -> bool:
    """Return whether ``host`` is this machine only (``127.0.0.1``, ``::1``, ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """Return a TCP socket bound to ``host``:``port`` (0: a free port), for uvicorn to serve on.

    Bound here, before the server starts, so that a port in use or an address not of this
    machine stops ``rpkd serve`` with one sentence (``serve_cannot_listen``) instead of
    uvicorn's log after it has said that it is running.
    """
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise UsageError(
            "serve_cannot_listen", param="host", host=host, port=str(port), reason=_reason(exc)
        ) from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        param = "host" if exc.errno == errno.EADDRNOTAVAIL else "port"
        raise UsageError(
            "serve_cannot_listen", param=param, host=host, port=str(port), reason=_reason(exc)
        ) from exc
    return sock


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def serve(
    workspace: common.WorkspaceOpt = None,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    lang: common.LangOpt = None,
) -> None:
    """Jalankan aplikasi web (halaman di /, API JSON di /api/v1)."""
    start(workspace, host=host, port=port, lang=lang)


def start(
    workspace: Path | None,
    *,
    host: str,
    port: int,
    lang: str | None = None,
    first_admin: bool = False,
) -> None:
    """Build the web app of ``workspace`` and serve it with uvicorn until interrupted.

    ``first_admin`` (``rpkd demo --serve``): a workspace without users first gets an admin with
    a new password, printed once, so that someone can sign in.
    """
    try:
        import uvicorn

        from rpkd.web.app import create_app
    except ModuleNotFoundError as exc:
        raise MissingExtra(exc.name or "fastapi", "web") from exc
    from rpkd.workflows import access as wf

    with common.workspace(workspace, lang=lang) as ws, listen(host, port) as sock:
        made = wf.first_admin(ws) if first_admin else None
        if made is not None:
            common.note(
                locale.message(
                    "serve_first_admin", ws.lang, user=made.username, password=made.password
                )
            )
        app = create_app(ws, plain_http=is_loopback(host))
        port = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        common.note(locale.message("serve_listening", ws.lang, url=f"http://{shown}:{port}/"))
        config = uvicorn.Config(app, host=host, port=port, proxy_headers=True, log_level="info")
        uvicorn.Server(config).run(sockets=[sock])
