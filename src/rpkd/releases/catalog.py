"""The releases of a workspace: open one by name, list them all.

A release is a folder ``<workspace>/releases/NAME/`` holding one Parquet file per kind and a
``manifest.json``. Folders whose name starts with a dot (an import in progress or one that was
killed) or that have no manifest are not releases and are never listed.
"""

from __future__ import annotations

import json
import re
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
    manifest: dict[str, Any] = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    return Release(
        name=str(manifest["name"]),
        path=path,
        manifest=manifest,
        kinds=tuple(manifest.get("kinds", ())),
        region=manifest.get("region"),
    )


def open_release(workspace: Path, name: str) -> Release:
    """Return the release called ``name``; raise :class:`NotFound` if there is none."""
    check_name(name)
    path = releases_dir(workspace) / name
    if not (path / MANIFEST).is_file():
        names = [r.name for r in list_releases(workspace)]
        raise NotFound("release_missing", param="name", name=name, available=names or "–")
    return load(path)


def list_releases(workspace: Path) -> tuple[Release, ...]:
    """Return every release of the workspace, oldest first."""
    folder = releases_dir(workspace)
    if not folder.is_dir():
        return ()
    found = [
        load(p)
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file()
    ]
    return tuple(sorted(found, key=lambda r: (str(r.manifest.get("created_at", "")), r.name)))
