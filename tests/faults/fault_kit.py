"""Shared tools of the fault tests: run ``rpkd`` as a process, snapshot a workspace.

A snapshot is what a user could see: every file's path and SHA-256 (the SQLite database and its
``-wal``/``-shm`` files left out) and the database's logical content, every table's rows. The
audit log is kept apart: it is append-only, so a killed command may only have added rows to it.
A derived Parquet table (``derived/``) is a cache whose row order is the engine's (a parallel
join or aggregation): its digest is that of its sorted rows, or of its bytes when it cannot be
read as Parquet (half-written).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

RPKD = str(Path(sys.executable).with_name("rpkd"))
DATABASE = "rpkd.db"
AUDIT = "audit_log"


def env() -> dict[str, str]:
    """The environment of a child ``rpkd``: no RPKD_* from the caller, wide tables."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("RPKD_")}
    return {**kept, "COLUMNS": "200"}


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``rpkd ARGS`` to its end."""
    return subprocess.run(
        [RPKD, *args], env=env(), capture_output=True, text=True, timeout=timeout, check=False
    )


def start(*args: str) -> subprocess.Popen[str]:
    """Start ``rpkd ARGS`` without waiting."""
    return subprocess.Popen(
        [RPKD, *args], env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def copy(workspace: Path, dest: Path) -> Path:
    """Copy a workspace (release files are read-only: copied with their modes)."""
    shutil.copytree(workspace, dest)
    return dest


@dataclass(frozen=True)
class Snapshot:
    """Files (path -> SHA-256), database rows (table -> sorted rows) and audit rows."""

    files: dict[str, str]
    rows: dict[str, list[tuple[object, ...]]]
    audit: list[tuple[object, ...]]

    def visible(self) -> dict[str, str]:
        """The files outside hidden ``.tmp-*`` staging folders."""
        return {p: h for p, h in self.files.items() if not staging(p)}

    def leftovers(self) -> set[str]:
        """The top folders of hidden ``.tmp-*`` staging folders."""
        found = set()
        for path in self.files:
            parts = Path(path).parts
            for i, part in enumerate(parts):
                if part.startswith(".tmp-"):
                    found.add("/".join(parts[: i + 1]))
                    break
        return found


def staging(path: str) -> bool:
    return any(part.startswith(".tmp-") for part in Path(path).parts)


def _sha(path: Path) -> str:
    if path.suffix == ".parquet" and "derived" in path.parts:
        try:
            table = pq.read_table(path)
        except pa.ArrowException:
            pass
        else:
            rows = sorted(repr(row) for row in table.to_pylist())
            return hashlib.sha256(repr(rows).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(workspace: Path) -> Snapshot:
    """Take the snapshot of ``workspace`` (opening the database recovers a killed writer's
    journal, as the next command would)."""
    files = {
        str(p.relative_to(workspace)): _sha(p)
        for p in sorted(workspace.rglob("*"))
        if p.is_file() and not p.name.startswith(DATABASE)
    }
    rows: dict[str, list[tuple[object, ...]]] = {}
    audit: list[tuple[object, ...]] = []
    database = workspace / DATABASE
    if database.exists():
        with sqlite3.connect(database) as db:
            tables = [
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for table in sorted(tables):
                cursor = db.execute(f'SELECT * FROM "{table}"')
                found = cursor.fetchall()
                if table == AUDIT:
                    audit = found
                    continue
                # when a row was written differs from run to run: its content may not
                timed = [i for i, c in enumerate(cursor.description) if c[0].endswith("_at")]
                kept = [tuple(v for i, v in enumerate(r) if i not in timed) for r in found]
                rows[table] = sorted(kept, key=repr)
        db.close()
    return Snapshot(files, rows, audit)


def kill_after(args: tuple[str, ...], seconds: float) -> int | None:
    """Start ``rpkd ARGS``, SIGKILL it after ``seconds``; return its exit code if it ended first."""
    process = start(*args)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            process.communicate()
            return process.returncode
        time.sleep(0.005)
    process.kill()  # SIGKILL
    process.communicate()
    return None


_KILL_WHEN_PUBLISHING = """
import os, signal, sys
from pathlib import Path

folder = Path(sys.argv[1])


def hook(event, args):
    if event != "os.rename":  # os.rename and os.replace, before the call
        return
    try:
        inside = Path(os.path.abspath(os.fsdecode(args[0]))).relative_to(folder)
    except (TypeError, ValueError):
        return
    if inside.parts and inside.parts[0].startswith(".tmp-"):
        os.kill(os.getpid(), signal.SIGKILL)


sys.addaudithook(hook)
sys.argv = ["rpkd", *sys.argv[2:]]
from rpkd.cli import main

main()
"""


def kill_when_publishing(args: tuple[str, ...], folder: Path, timeout: float = 120) -> int:
    """Run ``rpkd ARGS`` and SIGKILL it at the moment it first renames something staged in a
    ``.tmp-*`` entry of ``folder`` into place: its result is written whole, none of it published.

    The kill comes from inside the process (a :pep:`578` audit hook on ``os.rename``, which
    ``os.replace`` raises too, runs before the call), so where it lands does not depend on how
    busy the machine is. Return the exit code (``-SIGKILL`` when killed so).
    """
    done = subprocess.run(
        [sys.executable, "-c", _KILL_WHEN_PUBLISHING, str(folder.absolute()), *args],
        env=env(), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    return done.returncode
