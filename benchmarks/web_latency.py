"""Benchmark: latency of the web application under 1, 10 and 50 concurrent users, on loopback.

What an officer waits for: the dashboard page (``GET /``, signed in with a session cookie) and
the desa profile of the JSON API (``GET /api/v1/releases/{name}/profile?level=desa``, bearer
token). The server is ``rpkd serve`` (uvicorn, one process, as on one machine) on the demo
workspace, started as a subprocess; with ``--workers N`` it is ``uvicorn --factory`` with N
worker processes, as ``docs/web.md`` runs it behind a reverse proxy (here without the proxy:
the app is built as ``rpkd serve`` builds it on loopback, cookies allowed over plain HTTP), and
with ``--database-url`` the application database is that PostgreSQL database (the demo's users,
plan and realisations copied into it first). The clients are ``httpx`` async clients in this
process, one connection and one session per simulated user, each asking again as soon as it has
its answer (closed loop, no think time), so N users keep N requests in flight.

Cold and cached: the first request after the server starts, with the results the workflows
keep beside the release (``derived/dashboard``, ``derived/maps``) removed, is *cold* — what the
first officer after an import waits for; the first request after a restart with those files
kept is *restart*; then every request is *cached* (the dashboard's release and plan parts, and
the profile's encoded answer, are kept in memory by each worker).

Run by hand::

    .venv/bin/python benchmarks/web_latency.py                   # the full Kapuas demo
    .venv/bin/python benchmarks/web_latency.py --families 3000   # a smaller synthetic Kapuas
    .venv/bin/python benchmarks/web_latency.py --workspace W     # a demo workspace made before
    .venv/bin/python benchmarks/web_latency.py --workspace W --workers 2
    .venv/bin/python benchmarks/web_latency.py --workspace W --workers 2 \
        --database-url postgresql+psycopg://rpkd@127.0.0.1:54350/postgres

``--workspace`` reuses (or, when missing, makes) a workspace holding ``rpkd demo``'s release;
without it the demo runs in a temporary folder first (minutes at full size). The benchmark adds
an analyst ``bench`` (and, in a workspace without users, the admin ``bench-admin``).

Goals (issue 14): p95 under 200 ms at 50 users for cached pages, under 1 s for the desa profile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx

from rpkd.errors import InvalidInput, UsageError
from rpkd.workflows import Workspace, add_user, run_demo
from rpkd.workflows.demo import RELEASE

USER, ADMIN = "bench", "bench-admin"
PASSWORD = "bench-kapuas-2025"
LEVELS = (1, 10, 50)
GOALS_MS = {"dashboard": 200.0, "profile_desa": 1000.0}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CACHE_TAGS = ("dashboard", "maps")
"""Folders under the release's ``derived/`` holding results kept between server starts."""


@dataclass(frozen=True)
class Level:
    """Latencies of one endpoint at one number of concurrent users (milliseconds)."""

    endpoint: str
    users: int
    requests: int
    errors: int
    p50: float
    p95: float
    p99: float
    max: float
    throughput: float
    """Answers per second, all users together."""


# --- the workspace and its users -------------------------------------------------------------


def prepare(
    path: Path, families: int | None, admin: str | None, database: str | None = None
) -> None:
    """Make the demo workspace at ``path`` unless it holds the demo release; copy its
    application database to ``database`` when given and empty there; add ``bench``."""
    if not (path / "releases" / RELEASE / "manifest.json").is_file():
        print(f"running the demo in {path} (families: {families or 'Kapuas calibration'}) ...")
        started = time.perf_counter()
        with Workspace.open(path, environ={}) as ws:
            result = run_demo(ws, families=families)
        print(f"  {result.families:,} families, {time.perf_counter() - started:.0f} s")
    environ = {"RPKD_DATABASE_URL": database} if database else {}
    if database:
        copy_database(path, database)
    if admin is None:
        with Workspace.open(path, environ=environ) as ws:
            try:  # the first user of a workspace without users (then: it exists already)
                add_user(ws, ADMIN, PASSWORD, role="admin")
            except UsageError as exc:
                if exc.code != "user_required":
                    raise
    acting = admin or ADMIN
    with Workspace.open(path, actor=acting, environ=environ) as ws:
        try:
            add_user(ws, USER, PASSWORD, role="analyst", full_name="Benchmark")
        except InvalidInput as exc:
            if exc.code != "username_taken":
                raise


SKIPPED_TABLES = frozenset({"web_session", "login_attempt"})
"""Tables not copied to PostgreSQL (sessions and failed logins are made by the run)."""


def copy_database(path: Path, url: str) -> None:
    """Copy the workspace's SQLite application database (users, plan, realisations, audit log)
    into the database at ``url`` (migrated first), unless that one holds a plan already."""
    from sqlalchemy import func, select, text

    from rpkd.planning.tables import PlanRow
    from rpkd.settings import Settings
    from rpkd.store import Base, connect, open_database, upgrade

    target = connect(url)
    upgrade(target)
    with target.connect() as connection:
        if connection.execute(select(func.count()).select_from(PlanRow.__table__)).scalar():
            target.dispose()
            return
    print(f"copying the application database of {path} into {target.url} ...")
    source = open_database(Settings(workspace=path))
    with source.connect() as reader, target.begin() as writer:
        for table in Base.metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            rows = [dict(r._mapping) for r in reader.execute(select(table))]
            if rows:
                writer.execute(table.insert(), rows)
            if "id" in table.c and target.dialect.name == "postgresql":
                writer.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
    source.dispose()
    target.dispose()


def drop_kept_results(path: Path) -> None:
    """Remove the results the workflows keep beside the release (so the next start is cold)."""
    for tag in CACHE_TAGS:
        shutil.rmtree(path / "releases" / RELEASE / "derived" / tag, ignore_errors=True)
        shutil.rmtree(path / "derived" / RELEASE / tag, ignore_errors=True)


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_factory() -> object:
    """The app of ``RPKD_WORKSPACE`` as ``rpkd serve`` builds it on loopback (cookies allowed
    over plain HTTP), for ``uvicorn --factory`` with several workers."""
    from rpkd.web.app import create_app

    return create_app(plain_http=True)


@contextmanager
def server(
    path: Path, port: int, workers: int = 1, database: str | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """The web app of ``path`` on ``127.0.0.1:port`` until the block ends: ``rpkd serve`` (one
    process), or ``uvicorn --factory`` with ``workers`` processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPKD_")}
    if database:
        env["RPKD_DATABASE_URL"] = database
    if workers == 1:
        rpkd = Path(sys.executable).with_name("rpkd")
        command = [str(rpkd), "serve", "--workspace", str(path), "--port", str(port)]
    else:
        env["RPKD_WORKSPACE"] = str(path)
        command = [
            str(Path(sys.executable).with_name("uvicorn")),
            "--factory",
            "web_latency:app_factory",
            "--app-dir",
            str(Path(__file__).parent),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
    log = (path / "bench-serve.log").open("ab")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start (see {log.name})")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


# --- the clients -----------------------------------------------------------------------------


async def signed_in(base: str) -> httpx.AsyncClient:
    """A browser-like client signed in through the login form (session cookie)."""
    client = httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False)
    page = await client.get("/login")
    token = _CSRF.search(page.text)
    assert token is not None, "no csrf_token on /login"
    answer = await client.post(
        "/login",
        data={"username": USER, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
    )
    assert answer.status_code == 303, f"sign-in failed: {answer.status_code}"
    return client


async def with_token(base: str) -> httpx.AsyncClient:
    """An API client holding a bearer token (OAuth2 password flow)."""
    client = httpx.AsyncClient(base_url=base, timeout=120)
    answer = await client.post("/api/v1/token", data={"username": USER, "password": PASSWORD})
    answer.raise_for_status()
    client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return client


Ask = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


def dashboard(client: httpx.AsyncClient) -> Awaitable[httpx.Response]:
    return client.get("/")


def profile_desa(client: httpx.AsyncClient) -> Awaitable[httpx.Response]:
    return client.get(f"/api/v1/releases/{RELEASE}/profile", params={"level": "desa"})


ENDPOINTS: dict[str, tuple[Ask, Callable[[str], Awaitable[httpx.AsyncClient]]]] = {
    "dashboard": (dashboard, signed_in),
    "profile_desa": (profile_desa, with_token),
}


async def timed(ask: Ask, client: httpx.AsyncClient) -> tuple[float, bool]:
    """Return one request's latency in milliseconds (the whole body read) and whether it was a
    200 with a body (a 5xx or a dropped connection counts as an error)."""
    started = time.perf_counter()
    try:
        answer = await ask(client)
    except httpx.TransportError:  # the server dropped the connection: an error, timed
        return 1000 * (time.perf_counter() - started), False
    elapsed = 1000 * (time.perf_counter() - started)
    return elapsed, answer.status_code == 200 and len(answer.content) > 0


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def load(name: str, clients: list[httpx.AsyncClient], each: int) -> Level:
    """Every client asks ``each`` times in a row, all at once; return the latencies."""
    ask = ENDPOINTS[name][0]
    await asyncio.gather(*(timed(ask, c) for c in clients))  # one untimed request each

    async def user(client: httpx.AsyncClient) -> list[tuple[float, bool]]:
        return [await timed(ask, client) for _ in range(each)]

    started = time.perf_counter()
    answers = [
        a for user_answers in await asyncio.gather(*map(user, clients)) for a in user_answers
    ]
    wall = time.perf_counter() - started
    times = [t for t, _ in answers]
    return Level(
        endpoint=name,
        users=len(clients),
        requests=len(answers),
        errors=sum(1 for _, ok in answers if not ok),
        p50=statistics.median(times),
        p95=quantile(times, 0.95),
        p99=quantile(times, 0.99),
        max=max(times),
        throughput=len(answers) / wall,
    )


async def first_two(base: str) -> dict[str, tuple[float, float]]:
    """Return, per endpoint, the first and the second request's latency of a fresh server."""
    out = {}
    for name, (ask, connect) in ENDPOINTS.items():
        client = await connect(base)
        first, ok = await timed(ask, client)
        second, ok2 = await timed(ask, client)
        assert ok and ok2, f"{name} did not answer 200"
        out[name] = (first, second)
        await client.aclose()
    return out


async def levels(base: str, requests: int, users: tuple[int, ...]) -> list[Level]:
    found = []
    for name, (_, connect) in ENDPOINTS.items():
        clients = [await connect(base) for _ in range(max(users))]
        for count in users:
            each = max(5, -(-requests // count))
            found.append(await load(name, clients[:count], each))
            print(_row(found[-1]), flush=True)
        for client in clients:
            await client.aclose()
    return found


# --- the report ------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    def first(command: list[str], pattern: str) -> str:
        try:
            text = subprocess.run(command, capture_output=True, text=True, check=False).stdout
        except OSError:
            return "?"
        found = re.search(pattern, text, re.MULTILINE)
        return found.group(1).strip() if found else "?"

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": first(["lscpu"], r"^Model name:\s*(.+)$"),
        "cpus": str(os.cpu_count()),
        "memory": first(["free", "-g"], r"^Mem:\s+(\d+)") + " GB",
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "python": platform.python_version(),
    }


def _row(level: Level) -> str:
    goal = GOALS_MS[level.endpoint]
    met = "yes" if level.errors == 0 and level.p95 < goal else "**no**"
    return (
        f"| {level.endpoint} | {level.users} | {level.requests} | {level.errors} | "
        f"{level.p50:.0f} | {level.p95:.0f} | {level.p99:.0f} | {level.max:.0f} | "
        f"{level.throughput:.1f} | < {goal:.0f} | {met} |"
    )


HEADER = (
    "| endpoint | users | requests | errors | p50 ms | p95 ms | p99 ms | max ms | answers/s "
    "| goal p95 ms | met |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, help="demo workspace (made when missing)")
    parser.add_argument("--families", type=int, help="families of the demo (default: Kapuas)")
    parser.add_argument("--admin", help="an admin of the workspace, to add the user bench")
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and level")
    parser.add_argument("--users", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--database-url", help="application database (default: the SQLite one)")
    args = parser.parse_args()

    temporary = None
    if args.workspace is None:
        temporary = tempfile.TemporaryDirectory(prefix="rpkd-web-bench-")
        args.workspace = Path(temporary.name) / "ws"
    path: Path = args.workspace.resolve()
    prepare(path, args.families, args.admin, args.database_url)
    facts = machine()
    facts["workers"] = str(args.workers)
    facts["database"] = "postgresql" if args.database_url else "sqlite"
    print(json.dumps(facts))
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    drop_kept_results(path)
    with server(path, port, args.workers, args.database_url):
        cold = asyncio.run(first_two(base))
    with server(path, port, args.workers, args.database_url) as process:
        restart = asyncio.run(first_two(base))
        print(HEADER)
        found = asyncio.run(levels(base, args.requests, tuple(args.users)))
        server_cpu = _cpu_seconds(process.pid)
    print()
    print("| endpoint | cold (first, no kept results) ms | second ms | restart (first) ms |")
    print("|---|---|---|---|")
    for name in ENDPOINTS:
        print(f"| {name} | {cold[name][0]:.0f} | {cold[name][1]:.0f} | {restart[name][0]:.0f} |")
    print(f"\nCPU seconds: server {server_cpu}, clients (this process) {time.process_time():.1f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": facts,
                    "workspace": str(path),
                    "cold": cold,
                    "restart": restart,
                    "levels": [asdict(x) for x in found],
                },
                indent=2,
            )
        )
    if temporary is not None:
        temporary.cleanup()


def _cpu_seconds(pid: int) -> str:
    """Return the CPU seconds of the server process and its workers."""
    import psutil

    try:
        process = psutil.Process(pid)
        total = sum(
            t.user + t.system
            for t in [process.cpu_times(), *(c.cpu_times() for c in process.children())]
        )
    except psutil.Error:
        return "?"
    return f"{total:.1f}"


if __name__ == "__main__":
    main()
