"""Use cases: back a workspace up to a folder and restore it (``rpkd workspace backup|restore``).

A backup folder holds ``files/`` (every file of the workspace: ``rpkd.toml``, releases, derived
results, kit overrides in ``params/``, uploaded files, findings reports), ``database/`` (the
application database: a SQLite copy made with the online backup API, or a logical copy of a
PostgreSQL schema, :mod:`rpkd.store.backup`) and ``manifest.json``, which lists every file with
its size, mode and SHA-256, the database's revision and the audit log's newest hash. The
database is copied first, then the files: a file the database names already exists, and
releases are never half-written (temporary import folders are left out).

A backup is written into a hidden folder beside ``DIR`` and renamed into place when complete.
A restore checks every file of the manifest first, refuses a target workspace that holds files
or database rows unless ``force``, builds the restored workspace beside the target, loads the
database in one transaction (PostgreSQL) or into a new file (SQLite) and swaps the folder in
last: all or nothing. Both need an admin (``workspace.backup``, ``workspace.restore``) and are
audited; a restore's audit row is the first written into the restored log.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding
from rpkd.workflows import gate

if TYPE_CHECKING:
    import pyarrow as pa

    from rpkd.workflows.workspace import Workspace

__all__ = ["Backup", "Restored", "backup_workspace", "restore_workspace"]

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DATABASE = "database"
SQLITE_FILE = "rpkd.db"
_SIDECARS = ("-wal", "-shm", "-journal")
_CHUNK = 1 << 22


@dataclass(frozen=True)
class Backup:
    """A backup written: its folder, files, bytes, database kind and the audit log's head."""

    folder: Path
    files: int
    bytes: int
    database: str
    revision: str | None
    audit_head: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "files": self.files,
            "bytes": self.bytes,
            "database": self.database,
            "revision": self.revision,
            "audit_head": self.audit_head,
        }

    def to_arrow(self) -> pa.Table:
        import pyarrow as pa

        return pa.Table.from_pylist([self.to_json()])


@dataclass(frozen=True)
class Restored:
    """A workspace restored: where, from which backup, files and database rows written."""

    workspace: Path
    backup: Path
    files: int
    rows: int
    database: str
    revision: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "workspace": str(self.workspace),
            "backup": str(self.backup),
            "files": self.files,
            "rows": self.rows,
            "database": self.database,
            "revision": self.revision,
        }

    def to_arrow(self) -> pa.Table:
        import pyarrow as pa

        return pa.Table.from_pylist([self.to_json()])


def _remove(path: Path) -> None:
    """Remove a folder, read-only releases included."""

    def unlock(func: Callable[..., Any], target: str, _exc: object) -> None:
        os.chmod(os.path.dirname(target), stat.S_IRWXU)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(target, stat.S_IRWXU)
            func(target)

    if path.exists():
        shutil.rmtree(path, onerror=unlock)


def _copy(source: Path, dest: Path) -> tuple[str, int]:
    """Copy a file while hashing it; return its SHA-256 and size."""
    digest, size = hashlib.sha256(), 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, dest.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest(), size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _unfinished(relative: Path) -> bool:
    """Whether a folder is an import still being written (never part of a backup)."""
    return any(part.startswith((".tmp-", ".staging")) for part in relative.parts)


def _workspace_files(root: Path, database: Path | None) -> Iterator[Path]:
    """Yield the files to back up: all but the live SQLite files and unfinished imports."""
    skip = (
        set()
        if database is None
        else {database.with_name(database.name + s) for s in ("", *_SIDECARS)}
    )
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _unfinished(Path(d)))
        for name in sorted(names):
            path = Path(folder) / name
            if path not in skip and path.is_file():
                yield path


def _database_url(ws: Workspace) -> tuple[str, Path | None]:
    from rpkd.store.backup import sqlite_path

    url = ws.settings.database
    path = sqlite_path(url)
    return ("sqlite" if path is not None else "postgresql"), (
        None if path is None else path.resolve()
    )


def backup_workspace(ws: Workspace, folder: Path | str) -> Backup:
    """Back the workspace up into the new (or empty) folder ``folder``; needs ``workspace.backup``.

    Raises :class:`UsageError` if ``folder`` lies inside the workspace, :class:`InvalidInput`
    if it holds files or cannot be created (its missing parents are created).
    """
    from rpkd.store import backup as store

    gate.authorise(ws.actor, "workspace.backup")
    dest, root = Path(folder).resolve(), ws.path.resolve()
    if dest == root or root in dest.parents:
        raise UsageError("backup_inside_workspace", param="dir", dir=str(dest))
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InvalidInput("backup_target_not_empty", param="dir", dir=str(dest))
    kind, db_path = _database_url(ws)
    tmp = dest.parent / f".{dest.name}.partial-{secrets.token_hex(4)}"
    try:
        tmp.mkdir(parents=True)  # and the destination's missing parents, as ``mkdir -p``
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise InvalidInput(
            "backup_target_not_writable", param="dir", dir=str(dest), reason=exc.strerror
        ) from exc
    try:
        if db_path is not None:
            store.copy_sqlite(db_path, tmp / DATABASE / SQLITE_FILE)
            revision, head = _sqlite_state(tmp / DATABASE / SQLITE_FILE)
            method = "sqlite-backup"
        else:
            dumped = store.dump_tables(ws.database, tmp / DATABASE)
            revision, head, method = dumped["revision"], _parquet_head(tmp / DATABASE), "logical"
        entries: list[dict[str, Any]] = []
        for path in _workspace_files(root, db_path):
            relative = path.relative_to(root).as_posix()
            sha, size = _copy(path, tmp / FILES / relative)
            entries.append({"path": f"{FILES}/{relative}", "sha256": sha, "bytes": size,
                            "mode": stat.S_IMODE(path.stat().st_mode)})  # fmt: skip
        for path in sorted((tmp / DATABASE).iterdir()):
            entries.append({"path": f"{DATABASE}/{path.name}", "sha256": _sha256(path),
                            "bytes": path.stat().st_size, "mode": 0o600})  # fmt: skip
        dirs = {
            Path(d).relative_to(root).as_posix(): stat.S_IMODE(Path(d).stat().st_mode)
            for d, _, _ in os.walk(root)
            if Path(d) != root and not _unfinished(Path(d).relative_to(root))
        }
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "created_by": ws.actor.username,
            "workspace": str(root),
            "database": {
                "kind": kind,
                "method": method,
                "revision": revision,
                "audit_head": head,
            },
            "files": entries,
            "dirs": dirs,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if dest.exists():
            dest.rmdir()
        os.rename(tmp, dest)
    finally:
        _remove(tmp)
    files = [e for e in entries if str(e["path"]).startswith(FILES)]
    total = sum(int(e["bytes"]) for e in entries)
    gate.audit(ws, "workspace.backup", records=len(files),
               parameters={"bytes": total, "database": kind, "revision": revision})  # fmt: skip
    return Backup(dest, len(files), total, kind, revision, head)


def _sqlite_state(path: Path) -> tuple[str | None, str | None]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as db:
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
        head = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return (revision[0] if revision else None), (head[0] if head else None)


def _parquet_head(folder: Path) -> str | None:
    import pyarrow.parquet as pq

    path = folder / "audit_log.parquet"
    if not path.is_file():
        return None
    hashes = pq.read_table(path, columns=["hash"]).column("hash").to_pylist()
    return str(hashes[-1]) if hashes else None


def _manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.is_file():
        raise InvalidInput("backup_manifest_missing", param="dir", dir=str(source))
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput("backup_manifest_unreadable", param="dir", dir=str(source)) from exc
    if manifest.get("format") != FORMAT:
        raise InvalidInput("backup_format_unknown", param="dir", format=manifest.get("format"))
    return manifest


def _verify(source: Path, manifest: dict[str, Any]) -> None:
    """Raise :class:`InvalidInput` naming every file missing, changed or unsafe."""
    found = []
    for entry in manifest["files"]:
        name = str(entry["path"])
        path = source / name
        if name.startswith("/") or ".." in Path(name).parts:
            found.append(Finding("backup_path_unsafe", "error", file=name))
        elif not path.is_file():
            found.append(Finding("backup_file_missing", "error", file=name))
        elif path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            found.append(Finding("backup_file_changed", "error", file=name))
    if found:
        raise InvalidInput("backup_corrupt", param="dir", dir=str(source), findings=tuple(found),
                           count=len(found))  # fmt: skip


def restore_workspace(ws: Workspace, folder: Path | str, *, force: bool = False) -> Restored:
    """Restore the backup in ``folder`` into this workspace; needs ``workspace.restore``.

    Every file is checked against the manifest before anything is written; a workspace that
    holds files or database rows is refused unless ``force`` (then replaced). Raises
    :class:`UsageError` when the backup's database kind (SQLite, PostgreSQL) is not the
    workspace's.
    """
    from rpkd.store import backup as store
    from rpkd.store import connect

    gate.authorise(ws.actor, "workspace.restore")
    source, root = Path(folder).resolve(), ws.path.resolve()
    manifest = _manifest(source)
    _verify(source, manifest)
    kind, db_path = _database_url(ws)
    database = manifest["database"]
    if database["kind"] != kind:
        raise UsageError("backup_database_kind", param="workspace", backup=database["kind"],
                         workspace=kind)  # fmt: skip
    with ws.database.connect() as connection:
        held = store.rows_held(connection)
    present = [p for p in _workspace_files(root, db_path)] if root.exists() else []
    if (held or present) and not force:
        raise InvalidInput("restore_target_not_empty", param="workspace", workspace=str(root),
                           files=len(present), rows=held)  # fmt: skip
    ws.close()
    token = secrets.token_hex(4)
    stage = root.parent / f".{root.name}.restore-{token}"
    try:
        files = _stage_files(source, manifest, stage)
        if db_path is not None:
            rows = _restore_sqlite(source, root, stage, db_path, token)
        else:
            engine = connect(ws.settings.database)
            try:
                with engine.connect() as connection:
                    transaction = connection.begin()
                    store.clear_schema(connection)
                    counts = store.load_tables(connection, source / DATABASE, database["revision"])
                    rows = sum(counts.values())
                    old = _swap_in(stage, root, token)
                    try:
                        transaction.commit()
                    except BaseException:
                        _swap_back(root, old, stage)
                        raise
                    _remove(old)
            finally:
                engine.dispose()
    finally:
        _remove(stage)
    gate.audit(ws, "workspace.restore", records=rows,
               parameters={"files": files, "revision": database["revision"],
                           "created_at": manifest.get("created_at")})  # fmt: skip
    return Restored(root, source, files, rows, kind, database["revision"])


def _stage_files(source: Path, manifest: dict[str, Any], stage: Path) -> int:
    stage.mkdir(parents=True)
    count = 0
    for entry in manifest["files"]:
        name = str(entry["path"])
        if not name.startswith(f"{FILES}/"):
            continue
        dest = stage / name.removeprefix(f"{FILES}/")
        _copy(source / name, dest)
        dest.chmod(int(entry["mode"]))
        count += 1
    for relative, mode in sorted(manifest.get("dirs", {}).items(), reverse=True):
        target = stage / relative
        target.mkdir(parents=True, exist_ok=True)
        target.chmod(int(mode))
    return count


def _restore_sqlite(source: Path, root: Path, stage: Path, db_path: Path, token: str) -> int:
    """Write the database into the staged workspace (or beside its file), upgraded, then swap."""
    from rpkd.store import backup as store
    from rpkd.store import connect, upgrade

    inside = root in db_path.parents
    staged = (
        stage / db_path.relative_to(root)
        if inside
        else db_path.with_name(f"{db_path.name}.restore-{token}")
    )
    store.copy_sqlite(source / DATABASE / SQLITE_FILE, staged)
    engine = connect(f"sqlite:///{staged}")
    try:
        upgrade(engine)
        with engine.connect() as connection:
            rows = store.rows_held(connection)
    finally:
        engine.dispose()
    for sidecar in _SIDECARS:
        staged.with_name(staged.name + sidecar).unlink(missing_ok=True)
    _remove(_swap_in(stage, root, token))
    if not inside:
        for sidecar in _SIDECARS:
            db_path.with_name(db_path.name + sidecar).unlink(missing_ok=True)
        os.replace(staged, db_path)
    return rows


def _swap_in(stage: Path, root: Path, token: str) -> Path:
    """Put the staged workspace in place of ``root``; return where the old one went."""
    old = root.parent / f".{root.name}.replaced-{token}"
    if root.exists():
        os.rename(root, old)
    try:
        os.rename(stage, root)
    except OSError:
        if old.exists():
            os.rename(old, root)
        raise
    return old


def _swap_back(root: Path, old: Path, stage: Path) -> None:
    """Undo :func:`_swap_in` (the database did not commit)."""
    os.rename(root, stage)
    if old.exists():
        os.rename(old, root)
