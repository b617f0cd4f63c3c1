"""The releases of a workspace: open one by name, list them all.

A release is a folder ``<workspace>/releases/NAME/`` holding one Parquet file per kind and a
``manifest.json``. Folders whose name starts with a dot (an import in progress or one that was
killed) or that have no manifest are not releases and are never listed.

A manifest is written once, when its release is imported, so a process reads each one once: it
keeps the release by the manifest's file identity (device, inode, modification time, size), and
a release imported again under the same name (a new file) is read anew. A release appears,
goes or is replaced by renaming or removing its folder in ``releases/``, which changes that
folder's modification time: the list is kept under it for :data:`SETTLE_SECONDS` (then the
folder is read again, for a release copied in by hand), so listing the releases again costs one
``stat``. A list made within :data:`SETTLE_SECONDS` of the folder's last change is not kept (a
second change within the file system's clock tick would leave the time as it was).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rpkd.errors import InvalidInput, NotFound, UsageError

MANIFEST = "manifest.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def releases_dir(workspace: Path) -> Path:
    """Return the folder holding the workspace's releases."""
    return workspace / "releases"


def check_name(name: str) -> str:
    """Return ``name`` if it can name a release folder; raise :class:`UsageError` otherwise."""
    if not _NAME.match(name):
        raise UsageError("release_name", param="name", name=name)
    return name


@dataclass(frozen=True)
class Release:
    """An imported release: its name, folder, manifest, kinds and region (dotted code)."""

    name: str
    path: Path
    manifest: dict[str, Any] = field(compare=False, repr=False)
    kinds: tuple[str, ...]
    region: str | None
    manifest_sha256: str = field(default="", compare=False, repr=False)
    """The SHA-256 of ``manifest.json`` as stored (it names every file's own digest)."""

    @property
    def reference_date(self) -> date:
        """The date the release's data describe: ``reference_date`` in its manifest (given at
        import), else the day it was created. Ages, deaths and poverty lines are taken at this
        date, so a result computed from a release never changes with the day it is run."""
        text = self.manifest.get("reference_date") or self.manifest.get("created_at")
        if not text:
            raise InvalidInput("manifest_date", param="release", release=self.name)
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).date()

    def path_of(self, kind: str) -> Path:
        """Return the Parquet file of ``kind``; raise :class:`NotFound` if the release lacks it."""
        if kind not in self.kinds:
            raise NotFound(
                "kind_missing",
                param="kind",
                release=self.name,
                kind=kind,
                available=list(self.kinds) or "–",
            )
        return self.path / f"{kind}.parquet"


def load(path: Path) -> Release:
    """Return the release in folder ``path`` (which holds its manifest)."""
    return _read(path, _stamp(path / MANIFEST))


_Stamp = tuple[int, int, int, int]
_KNOWN: dict[Path, tuple[_Stamp, Release]] = {}
_LISTS: dict[Path, tuple[_Stamp, tuple[tuple[Release, ...], float]]] = {}
_KNOWN_LOCK = threading.Lock()
KEPT = 1024
"""Releases (and lists of releases) kept per process (the first kept goes first)."""
SETTLE_SECONDS = 2.0
"""How long a list of releases is kept, and how old the last change of ``releases/`` must be
for its list to be kept."""


def _stamp(manifest: Path) -> _Stamp:
    """Return the manifest file's identity; ``FileNotFoundError`` when it is no file."""
    info = os.stat(manifest)
    if not stat.S_ISREG(info.st_mode):
        raise FileNotFoundError(manifest)
    return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)


def _folder_stamp(info: os.stat_result) -> _Stamp:
    return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)


def _keep(kept: dict[Path, tuple[_Stamp, Any]], path: Path, value: tuple[_Stamp, Any]) -> None:
    with _KNOWN_LOCK:
        kept.pop(path, None)
        kept[path] = value
        while len(kept) > KEPT:
            del kept[next(iter(kept))]


def _read(path: Path, stamp: _Stamp) -> Release:
    """Return the release of ``path`` whose manifest has ``stamp``, read once per manifest."""
    with _KNOWN_LOCK:
        known = _KNOWN.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    data = (path / MANIFEST).read_bytes()
    manifest: dict[str, Any] = json.loads(data.decode("utf-8"))
    release = Release(
        name=str(manifest["name"]),
        path=path,
        manifest=manifest,
        kinds=tuple(manifest.get("kinds", ())),
        region=manifest.get("region"),
        manifest_sha256=hashlib.sha256(data).hexdigest(),
    )
    if _stamp(path / MANIFEST) == stamp:  # unchanged while read: keep it
        _keep(_KNOWN, path, (stamp, release))
    return release


def open_release(workspace: Path, name: str) -> Release:
    """Return the release called ``name``; raise :class:`NotFound` if there is none."""
    check_name(name)
    path = releases_dir(workspace) / name
    try:
        stamp = _stamp(path / MANIFEST)
    except (FileNotFoundError, NotADirectoryError):
        names = [r.name for r in list_releases(workspace)]
        raise NotFound("release_missing", param="name", name=name, available=names or "–") from None
    return _read(path, stamp)


def list_releases(workspace: Path) -> tuple[Release, ...]:
    """Return every release of the workspace, oldest first."""
    folder = releases_dir(workspace)
    try:
        info = os.stat(folder)
    except (FileNotFoundError, NotADirectoryError):
        return ()
    stamp = _folder_stamp(info)
    with _KNOWN_LOCK:
        kept = _LISTS.get(folder)
    if kept is not None and kept[0] == stamp and time.monotonic() < kept[1][1]:
        return kept[1][0]
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            path = folder / entry.name
            try:
                manifest = _stamp(path / MANIFEST)
            except (FileNotFoundError, NotADirectoryError):
                continue
            found.append(_read(path, manifest))
    listed = tuple(sorted(found, key=lambda r: (str(r.manifest.get("created_at", "")), r.name)))
    settled = time.time_ns() - info.st_mtime_ns > SETTLE_SECONDS * 1e9
    if settled and _folder_stamp(os.stat(folder)) == stamp:  # unchanged while read
        _keep(_LISTS, folder, (stamp, (listed, time.monotonic() + SETTLE_SECONDS)))
    return listed
