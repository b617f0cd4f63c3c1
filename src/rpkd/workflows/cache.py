"""Results that cannot change, kept: in this process (an LRU) and beside their release (JSON).

A result computed from an immutable release with the same parameters never changes (DESIGN.md
§2), so pages served again and again (the dashboard, the poverty map) are built once. A key
names everything a result depends on: the release's manifest digest (a re-imported release
under the same name has another), the parameter kit's documents used, rpkd's version, and for
plan results the plan's state (:func:`plan_state`: last edit, realisations and reviews). Nothing
is ever invalidated by hand: a new release, a new realisation or review, an edited plan or kit
gives a new key, and old entries fall out of the LRU.

Permission is never cached: workflows authorise the actor before they look a result up.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rpkd.errors import InvalidInput
from rpkd.workflows.derived import output_folder

if TYPE_CHECKING:
    from rpkd.releases.catalog import Release
    from rpkd.workflows.workspace import Workspace

T = TypeVar("T")

DEFAULT_SIZE = 128
"""Entries kept per cache (a dashboard or map each; the least recently used goes first)."""


class ResultCache(Generic[T]):
    """A thread-safe LRU of results; one build per key even when many requests ask at once."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[str, T] = OrderedDict()
        self._building: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: str, build: Callable[[], T]) -> tuple[T, bool]:
        """Return the result of ``key`` (building it once if absent) and whether it was kept."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key], True
            gate = self._building.setdefault(key, threading.Lock())
        with gate:  # others asking for the same key wait for this build
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key], True
            value = build()
            with self._lock:
                self._entries[key] = value
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
                self._building.pop(key, None)
        return value, False

    def clear(self) -> None:
        """Forget every entry (tests; a workspace restored from a backup)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def digest(*parts: Any) -> str:
    """Return a short SHA-256 of JSON-serialisable ``parts`` (a cache key or a file's tag)."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def release_digest(release: Release) -> str:
    """Return the SHA-256 of the release's manifest (it names every file's own digest)."""
    return hashlib.sha256((release.path / "manifest.json").read_bytes()).hexdigest()


@cache
def _version() -> str:
    return version("rpkd")


def kit_digest(ws: Workspace, topics: Sequence[str]) -> str:
    """Return a digest of the kit ``topics`` after the workspace's overrides, and rpkd's version."""
    documents = {t: ws.kit.documents.get(t) for t in topics}
    return digest(documents, _version())


@dataclass(frozen=True)
class PlanState:
    """What a plan result depends on in the database: the plan's last edit, its realisations."""

    name: str
    region: str
    updated_at: str
    realisations: int
    last_realisation: int | None
    last_review: str | None

    def key(self) -> str:
        return digest(vars(self))


def plan_state(ws: Workspace, name: str | None = None) -> PlanState:
    """Return the state of the stored plan ``name`` (the only one when None) in one query.

    Raises :class:`rpkd.errors.NotFound` (``plan_none``, ``plan_ambiguous``, ``plan_unknown``)
    as loading the plan does.
    """
    from sqlalchemy import func, select

    from rpkd.planning.store import plan_row
    from rpkd.planning.tables import PlanRow, RealisationRow

    with ws.transaction() as db:
        query = select(PlanRow.id, PlanRow.name, PlanRow.region, PlanRow.updated_at)
        rows = db.execute(query if name is None else query.where(PlanRow.name == name)).all()
        if len(rows) != 1:
            plan_row(db, name)  # raises the error that says why (none, several, unknown)
        plan_id, plan_name, region, updated_at = rows[0]
        count, last, reviewed = db.execute(
            select(
                func.count(RealisationRow.id),
                func.max(RealisationRow.id),
                func.max(RealisationRow.reviewed_at),
            ).where(RealisationRow.plan_id == plan_id)
        ).one()
        return PlanState(
            plan_name,
            region,
            str(updated_at),
            int(count),
            last,
            None if reviewed is None else str(reviewed),
        )


def stored_json(
    ws: Workspace,
    release: Release,
    tag: str,
    key: str,
    build: Callable[[], Mapping[str, Any]],
) -> Mapping[str, Any]:
    """Return the JSON object stored as ``derived/<tag>/<key>.json`` beside ``release``.

    It is built and written first when absent (under a hidden name, then renamed, so a reader
    never sees half a file); without a writable derived folder it is built each time.
    """
    try:
        folder: Path | None = output_folder(ws, release, tag)
    except InvalidInput:
        folder = None
    path = None if folder is None else folder / f"{key}.json"
    if path is not None and path.is_file():
        try:
            loaded: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
        except (OSError, ValueError):
            pass  # a damaged file is rebuilt below
    value = build()
    if path is not None:
        partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
        try:
            partial.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, path)
        except OSError:
            partial.unlink(missing_ok=True)
    return value
