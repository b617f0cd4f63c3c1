"""Derived tables of a release: where they are written and how a stored one is reused.

Releases are immutable, so a table derived from one (standardised persons for linkage, the
family summary of the profile) never goes stale for the parameters that made it: it is written
once under ``derived/`` beside the release (or ``<workspace>/derived/<release>/`` when the
release folder is read-only), with a name that carries a digest of those parameters
(DESIGN.md §2, "Derived results").
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.releases.importer import clean_stale, staging_name

if TYPE_CHECKING:
    from ibis.expr.types import Table

    from rpkd.releases.catalog import Release
    from rpkd.workflows.workspace import Workspace


def output_folder(ws: Workspace, release: Release, tag: str) -> Path:
    """Return a writable folder ``derived/<tag>`` (beside the release when possible)."""
    for base in (release.path / "derived", ws.path / "derived" / release.name):
        folder = base / tag
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / staging_name("write-test")  # a killed probe is cleaned
            probe.write_bytes(b"")
            probe.unlink()
        except OSError:
            continue
        return folder
    raise InvalidInput("derived_not_writable", param="workspace", release=release.name)


def digest(parameters: dict[str, Any]) -> str:
    """Return a short digest of ``parameters`` (JSON-serialisable) for a derived file's name."""
    text = json.dumps(parameters, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def stored(engine: eng.Engine, path: Path | None, build: Callable[[], Table]) -> tuple[Table, bool]:
    """Return the table stored at ``path``, writing ``build()`` there first if it is absent.

    The second value says whether the table was already stored. ``path`` None (no writable
    folder) returns ``build()`` itself. The file is written under a hidden ``.tmp-`` name and
    renamed into place, so a reader never sees half a table; when two writers race, each writes
    its own partial file and one of them ends up stored (both hold the same rows). A partial file
    of a killed process is removed by the next writer of the folder (:func:`clean_stale`).
    """
    if path is None:
        return build(), False
    if path.exists():  # a file (DuckDB) or a folder (Spark)
        return eng.table(engine, path), True
    clean_stale(path.parent)
    partial = path.with_name(staging_name(path.name))
    try:
        eng.write_parquet(engine, build(), partial)
        os.replace(partial, path)
    except OSError:
        if not path.exists():
            raise
    finally:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
    return eng.table(engine, path), False


def publish(staging: Path, folder: Path) -> Path:
    """Rename the complete folder ``staging`` to ``folder`` and return ``folder``.

    A previous ``folder`` (the same run made again) is first renamed aside and removed after,
    so a reader sees the old folder, then the new one, never a mix; a process killed in
    between leaves only hidden folders (removed by the next run).
    """
    old = None
    if folder.exists():
        old = staging.with_name(f"{staging.name}-old")
        os.rename(folder, old)
    os.rename(staging, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return folder
