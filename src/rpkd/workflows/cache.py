"""Results that cannot change, kept: in this process (an LRU) and beside their release (JSON).

A result computed from an immutable release with the same parameters never changes (DESIGN.md
§2), so pages served again and again (the dashboard, the poverty map) are built once. A key
names everything a result depends on: the release's manifest digest (a re-imported release
under the same name has another), the parameter kit's documents used, rpkd's version, and for
plan results the plan's state (:func:`plan_state`: last edit, realisations and reviews). Nothing
is ever invalidated by hand: a new release, a new realisation or review, an edited plan or kit
gives a new key, and old entries fall out of the LRU.

The JSON answers of the web API that depend on a release alone (:func:`release_answer`) are
kept encoded, so a repeated call sends bytes made once.

The plan's state itself is one query, kept for :data:`PLAN_STATE_SECONDS`: a transaction of
this process that writes a plan table forgets it when it commits, so this process sees its own
changes at once and other processes (web workers) within those seconds.

Permission is never cached: workflows authorise the actor before they look a result up.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rpkd.errors import InvalidInput
from rpkd.releases.importer import clean_stale, staging_name
from rpkd.workflows.derived import output_folder
from rpkd.workflows.results import Encoded

if TYPE_CHECKING:
    from sqlalchemy.orm import ORMExecuteState, Session

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
            try:
                value = build()
            except BaseException:
                with self._lock:
                    self._building.pop(key, None)
                raise
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
    if release.manifest_sha256:
        return release.manifest_sha256
    return hashlib.sha256((release.path / "manifest.json").read_bytes()).hexdigest()


@cache
def _version() -> str:
    return version("rpkd")


_KIT_DIGESTS: dict[tuple[int, tuple[str, ...]], str] = {}
_KIT_LOCK = threading.Lock()


def kit_digest(ws: Workspace, topics: Sequence[str] | None = None) -> str:
    """Return a digest of the kit ``topics`` (None: every topic) after the workspace's overrides,
    and rpkd's version. A kit is read once and never changes, so each digest is made once."""
    kit = ws.kit
    chosen = tuple(sorted(kit.documents)) if topics is None else tuple(topics)
    key = (id(kit), chosen)
    with _KIT_LOCK:
        known = _KIT_DIGESTS.get(key)
    if known is not None:
        return known
    made = digest({t: kit.documents.get(t) for t in chosen}, _version())
    with _KIT_LOCK:
        if not any(k[0] == id(kit) for k in _KIT_DIGESTS):  # forget them with the kit
            weakref.finalize(kit, _forget_kit, id(kit))
        _KIT_DIGESTS[key] = made
    return made


def _forget_kit(kit_id: int) -> None:
    with _KIT_LOCK:
        for key in [k for k in _KIT_DIGESTS if k[0] == kit_id]:
            del _KIT_DIGESTS[key]


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


PLAN_STATE_SECONDS = 2.0
"""How long a process keeps a plan's state (its own plan changes it sees at once)."""
_PLAN_STATES: dict[tuple[str, str | None], tuple[float, PlanState]] = {}
_PLAN_LOCK = threading.Lock()
_PLAN_WRITES = "rpkd_plan_written"
"""The ``Session.info`` flag of a transaction that wrote a plan table."""


def plan_state(ws: Workspace, name: str | None = None) -> PlanState:
    """Return the state of the stored plan ``name`` (the only one when None) in one query.

    Kept for :data:`PLAN_STATE_SECONDS` per database and name; forgotten in this process when a
    transaction writing a plan table commits. Raises :class:`rpkd.errors.NotFound`
    (``plan_none``, ``plan_ambiguous``, ``plan_unknown``) as loading the plan does.
    """
    _watch_plan_writes()
    key = (str(ws.database.url), name)
    with _PLAN_LOCK:
        kept = _PLAN_STATES.get(key)
        generation = _PLAN_GENERATION[0]
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    state = _read_plan_state(ws, name)
    with _PLAN_LOCK:
        if generation == _PLAN_GENERATION[0]:  # no plan written meanwhile
            _PLAN_STATES[key] = (time.monotonic() + PLAN_STATE_SECONDS, state)
    return state


def _read_plan_state(ws: Workspace, name: str | None) -> PlanState:
    from sqlalchemy import func, select

    from rpkd.planning.store import plan_row
    from rpkd.planning.tables import PlanRow, RealisationRow

    query = (
        select(
            PlanRow.name,
            PlanRow.region,
            PlanRow.updated_at,
            func.count(RealisationRow.id),
            func.max(RealisationRow.id),
            func.max(RealisationRow.reviewed_at),
        )
        .outerjoin(RealisationRow, RealisationRow.plan_id == PlanRow.id)
        .group_by(PlanRow.id, PlanRow.name, PlanRow.region, PlanRow.updated_at)
    )
    with ws.transaction() as db:
        rows = db.execute(query if name is None else query.where(PlanRow.name == name)).all()
        if len(rows) != 1:
            plan_row(db, name)  # raises the error that says why (none, several, unknown)
    plan_name, region, updated_at, count, last, reviewed = rows[0]
    return PlanState(
        plan_name,
        region,
        str(updated_at),
        int(count),
        last,
        None if reviewed is None else str(reviewed),
    )


_PLAN_GENERATION = [0]
_WATCHING: list[bool] = []


@cache
def _plan_tables() -> frozenset[str]:
    from rpkd.planning import tables

    return frozenset(
        t.name for t in tables.PlanRow.metadata.sorted_tables
        if t.name == "plan" or t.name.startswith("plan_") or t.name == "realisation"
    )  # fmt: skip


def _writes_plan(instances: Any) -> bool:
    names = _plan_tables()
    return any(getattr(i, "__tablename__", None) in names for i in instances)


def _watch_plan_writes() -> None:
    """Listen (once per process) for committed transactions that wrote a plan table."""
    if _WATCHING:
        return
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    with _PLAN_LOCK:
        if _WATCHING:
            return
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "after_commit", _plan_committed)
        event.listen(Session, "after_rollback", _plan_rolled_back)
        _WATCHING.append(True)


def _note_flush(session: Session, _context: Any) -> None:
    if _writes_plan(session.new) or _writes_plan(session.dirty) or _writes_plan(session.deleted):
        session.info[_PLAN_WRITES] = True


def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.local_table.name in _plan_tables():  # type: ignore[attr-defined]
        state.session.info[_PLAN_WRITES] = True


def _plan_committed(session: Session) -> None:
    if session.info.pop(_PLAN_WRITES, False):
        forget_plan_states()


def _plan_rolled_back(session: Session) -> None:
    session.info.pop(_PLAN_WRITES, None)


def forget_plan_states() -> None:
    """Forget the plan states this process keeps (a plan or realisation was written)."""
    with _PLAN_LOCK:
        _PLAN_GENERATION[0] += 1
        _PLAN_STATES.clear()


ANSWERS_KEPT = 64
"""Encoded API answers kept per process (a desa profile is about 2 MB)."""
_ANSWERS: ResultCache[Encoded] = ResultCache(ANSWERS_KEPT)


def release_key(ws: Workspace, release: Release, what: str, parameters: Mapping[str, Any]) -> str:
    """Return the key of a result that depends on ``release``, ``parameters``, the kit and the
    engine alone (the same for every user who may ask): it names the workspace, the release's
    manifest digest, every kit document, rpkd's version, the engine and the language."""
    return digest(
        "release-result",
        what,
        str(ws.path.resolve()),
        release.name,
        release_digest(release),
        kit_digest(ws),
        ws.settings.engine,
        ws.lang,
        dict(parameters),
    )


def release_answer(
    ws: Workspace,
    release: Release,
    what: str,
    parameters: Mapping[str, Any],
    build: Callable[[], Encoded],
) -> Encoded:
    """Return the encoded JSON answer ``what`` of ``release`` with ``parameters``, built once
    (:func:`release_key`). The caller authorises the actor first."""
    return _ANSWERS.get(release_key(ws, release, what, parameters), build)[0]


def forget_answers() -> None:
    """Forget the encoded answers kept in this process (tests)."""
    _ANSWERS.clear()


def stored_json(
    ws: Workspace,
    release: Release,
    tag: str,
    key: str,
    build: Callable[[], Mapping[str, Any]],
) -> Mapping[str, Any]:
    """Return the JSON object stored as ``derived/<tag>/<key>.json`` beside ``release``.

    It is built and written first when absent (under a hidden ``.tmp-`` name, then renamed, so
    a reader never sees half a file); without a writable derived folder it is built each time.
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
        clean_stale(path.parent)  # partial files of killed processes
        partial = path.with_name(staging_name(path.name))
        try:
            partial.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, path)
        except OSError:
            partial.unlink(missing_ok=True)
    return value
