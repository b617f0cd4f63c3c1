"""Release imports in the background: upload files (or a zip), follow the job, see its findings.

The web app's *Rilis data* page uploads a release and cannot wait for the import in one request,
so :func:`start_import` checks the upload, stages it in a private folder of the workspace
(``uploads/<job>/``, :mod:`rpkd.releases.uploads`), records a job in the application database
(:mod:`rpkd.releases.jobs`) and runs :func:`rpkd.workflows.releases.import_release` (all or
nothing) in a thread of the calling process. Any process sharing the database answers
:func:`import_job` while it runs: stage, progress, then the new release, or the findings that
refused it with the paths of the full report, or a coded error.

Starting an import needs ``release.manage`` on its region, checked before anything is written;
the upload is audited (``release.upload``: who, release, file names and sizes, never their
content) and the import as usual (``release.import``). A job is read by its owner or an admin of
its region. A process that dies leaves its jobs ``running`` without a heartbeat;
:func:`recover_import_jobs` (run when a server starts) and every read close them as ``failed``
(``import_job_interrupted``) once the heartbeat is older than ``import_job_stale_seconds``.

Settings (``rpkd.toml``): ``upload_max_mb`` (bytes received per upload, default 512),
``upload_unpacked_max_mb`` (bytes a zip, or an XLSX, unpacks to, default 2048),
``import_job_stale_seconds`` (default 120).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from sqlalchemy.exc import SQLAlchemyError

from rpkd.access.roles import PERMISSIONS, Scope, allowed
from rpkd.errors import Forbidden, InvalidInput, NotFound, RpkdError, UsageError
from rpkd.findings import Finding
from rpkd.releases import catalog, importer, uploads
from rpkd.releases import jobs as store
from rpkd.releases.jobs import Job, State
from rpkd.releases.uploads import MB, Limits
from rpkd.store import utcnow
from rpkd.workflows import gate
from rpkd.workflows.job_results import (
    ImportJob,
    ImportJobs,
    ImportReport,
    RecoveredJobs,
    UploadForm,
)
from rpkd.workflows.releases import import_release, parse_reference_date, release_region

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "ImportJob",
    "ImportJobs",
    "ImportReport",
    "RecoveredJobs",
    "Upload",
    "UploadForm",
    "import_job",
    "import_job_report",
    "list_import_jobs",
    "recover_import_jobs",
    "start_import",
    "upload_form",
    "wait_import_job",
]

log = logging.getLogger(__name__)

UPLOADS = "uploads"
"""Folder of the workspace holding the staged files of active jobs (owner-only)."""
PREVIEW = 200
"""Findings of a refused import kept with its job (the report files hold them all)."""
HEARTBEAT = 10.0
"""Seconds between two heartbeats of an active job."""
_WRITE_EVERY = 0.5  # seconds between two progress writes within one stage
_PARALLEL = 1  # imports running at once per process: each holds a table engine and its memory
_STOPPABLE = ("import.read", "import.validate")  # stages before anything is written


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the client gave and a readable binary stream."""

    filename: str
    stream: IO[bytes]


# --- settings ----------------------------------------------------------------------------


def _positive(ws: Workspace, key: str, default: int) -> int:
    value = ws.settings.extra.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError("setting_not_positive", param=key, setting=key, value=value)
    return value


def _limits(ws: Workspace) -> Limits:
    return Limits(
        max_bytes=_positive(ws, "upload_max_mb", 512) * MB,
        max_unpacked_bytes=_positive(ws, "upload_unpacked_max_mb", 2048) * MB,
    )


def _stale_after(ws: Workspace) -> timedelta:
    return timedelta(seconds=_positive(ws, "import_job_stale_seconds", 120))


# --- permission --------------------------------------------------------------------------


def _may_read(ws: Workspace, job: Job) -> bool:
    actor = ws.actor
    return job.owner == actor.username or allowed(
        actor.grants, "user.manage", Scope(region=job.region)
    )


def _default_region(ws: Workspace) -> str | None:
    """Return the workspace's ``region``, else the region of the actor's first grant that may
    manage releases in one region only."""
    managing = [g for g in ws.actor.grants if "release.manage" in PERMISSIONS[g.role]]
    return release_region(ws, None) or next((g.region for g in managing if g.region), None)


def upload_form(ws: Workspace) -> UploadForm:
    """Return the upload form's defaults if the actor may import releases (else ``Forbidden``).

    The region offered is the workspace's ``region``, else the region of the actor's grant
    that may manage releases; :func:`start_import` checks the region finally chosen.
    """
    region = _default_region(ws)
    gate.authorise(ws.actor, "release.manage", Scope(region=region))
    limits = _limits(ws)
    return UploadForm(region, limits.max_bytes, limits.max_unpacked_bytes)


# --- starting and running a job ----------------------------------------------------------


def start_import(
    ws: Workspace,
    files: Sequence[Upload],
    name: str,
    *,
    region: str | None = None,
    reference_date: date | str | None = None,
) -> ImportJob:
    """Stage uploaded source files (or one zip) and import them as release ``name`` in the
    background; return the ``queued`` job.

    Checks, before anything is written, that the actor may manage releases of the region
    (``region``, else the workspace's, else the region of the actor's grant) and that the name
    is free; then the upload's names, sizes and archive (``upload_*`` codes of
    :class:`rpkd.errors.InvalidInput`). Nothing of a refused upload stays. Follow the job with
    :func:`import_job` or :func:`wait_import_job`; keep ``ws`` open until the job ends (its
    thread shares the workspace's database).
    """
    catalog.check_name(name)
    on = parse_reference_date(reference_date)
    district = release_region(ws, region) if region else _default_region(ws)
    scope = Scope(region=district)
    gate.authorise(ws.actor, "release.manage", scope)
    importer.check_new(catalog.releases_dir(ws.path), name)
    limits = _limits(ws)
    with ws.transaction() as db:
        busy = store.active_for(db, name)
    if busy is not None:
        raise InvalidInput("import_job_same_name", param="name", name=name)
    job_id = secrets.token_hex(16)
    root = ws.path / UPLOADS
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = root / job_id
    try:
        staged = uploads.stage_upload(files, folder, limits)
        described = [{"file": f.file, "bytes": f.bytes} for f in staged.files]
        with ws.transaction() as db:
            job = store.create(
                db,
                job_id,
                owner=ws.actor.username,
                release=name,
                region=district,
                reference_date=on,
                files=[*described, *({"skipped": s} for s in staged.skipped)],
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    gate.audit(
        ws,
        "release.upload",
        release=name,
        scopes=[scope],
        parameters={"job": job_id, "files": described, "skipped": len(staged.skipped)},
    )
    worker = ws.acting(ws.actor)
    thread = threading.Thread(
        target=_run, args=(worker, job, folder), name=f"rpkd-import-{job_id[:8]}", daemon=True
    )
    thread.start()
    return ImportJob(job)


@cache
def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(_PARALLEL)


class _JobClosed(Exception):
    """The job was closed by another process (its heartbeat was judged stale): stop."""


class _Tracker:
    """The import's progress callback: writes stage, done and total to the job's row, at
    most every :data:`_WRITE_EVERY` seconds within a stage."""

    def __init__(self, ws: Workspace, job_id: str) -> None:
        self.ws = ws
        self.job_id = job_id
        self.stage: str | None = None
        self.at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.at < _WRITE_EVERY:
            return
        self.stage, self.at = stage, now
        try:
            with self.ws.transaction() as db:
                still_open = store.progress(db, self.job_id, stage, done, total)
        except SQLAlchemyError:  # a busy database must not stop the import; the next write will do
            log.warning("import job %s: progress not written", self.job_id, exc_info=True)
            return
        if not still_open and stage in _STOPPABLE:
            raise _JobClosed(self.job_id)


def _heartbeat(ws: Workspace, job_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT):
        try:
            with ws.transaction() as db:
                store.beat(db, [job_id])
        except SQLAlchemyError:
            log.warning("import job %s: heartbeat not written", job_id, exc_info=True)


def _error(error: RpkdError) -> dict[str, Any]:
    params = Finding(error.code, "error", error.params).to_json()["params"]
    return {"code": error.code, "param": error.param, "params": params}


def _outcome(ws: Workspace, job: Job, folder: Path) -> tuple[State, dict[str, Any]]:
    """Run the import; return how the job ends and its result."""
    try:
        outcome = import_release(
            ws,
            folder,
            job.release,
            region=job.region,
            reference_date=job.reference_date,
            progress=_Tracker(ws, job.id),
        )
    except InvalidInput as error:
        if error.code != "release_refused":
            return "failed", _error(error)
        found = [f.to_json() for f in error.findings[:PREVIEW]]
        result = _error(error)
        result["params"].pop("report", None)
        return "refused", {**result, "findings": found, "report": error.params.get("report", [])}
    except RpkdError as error:
        return "failed", _error(error)
    release = outcome.release
    return "succeeded", {
        "release": release.name,
        "region": release.region,
        "reference_date": release.manifest.get("reference_date"),
        "rows": release.manifest["rows"],
        "params": {"warnings": outcome.warnings},
        "notes": [n.to_json() for n in outcome.notes],
    }


def _run(ws: Workspace, job: Job, folder: Path) -> None:
    """The job's thread: wait for a slot, import, record the end; remove the staged files."""
    stop = threading.Event()
    beating = threading.Thread(target=_heartbeat, args=(ws, job.id, stop), daemon=True)
    beating.start()
    try:
        with _slots():
            try:
                state, result = _outcome(ws, job, folder)
            except _JobClosed:
                return
            except Exception as exc:  # a bug must close the job, not leave it running
                log.exception("import job %s crashed", job.id)
                state, result = (
                    "failed",
                    {
                        "code": "import_job_crashed",
                        "params": {"reason": type(exc).__name__},
                    },
                )
        _record_end(ws, job.id, state, result)
    finally:
        stop.set()
        shutil.rmtree(folder, ignore_errors=True)
        ws.close()


def _record_end(ws: Workspace, job_id: str, state: State, result: dict[str, Any]) -> None:
    """Write how the job ended, retrying a busy database a few times (a lost write would leave
    the job running until its heartbeat is judged stale)."""
    for wait in (0.5, 1.0, 2.0, 4.0, None):
        try:
            with ws.transaction() as db:
                store.finish(db, job_id, state, result)
            return
        except SQLAlchemyError:
            if wait is None:
                raise
            log.warning("import job %s: end not written, retrying", job_id, exc_info=True)
            time.sleep(wait)


# --- reading jobs ------------------------------------------------------------------------


def _interrupted() -> dict[str, Any]:
    return {"code": "import_job_interrupted", "params": {}}


def _load(ws: Workspace, job_id: str) -> Job:
    """Return job ``job_id`` if the actor may read it, closed as failed if its heartbeat is
    stale."""
    with ws.transaction() as db:
        job = store.get(db, job_id)
    if job is None:
        raise NotFound("import_job_missing", param="job", job=job_id[:40])
    if not _may_read(ws, job):
        raise Forbidden("import_job_forbidden", param="job", user=ws.actor.username, job=job.id)
    return _unless_stale(ws, job)


def _unless_stale(ws: Workspace, job: Job) -> Job:
    """Return ``job``, closed as failed first if it is active and its heartbeat is stale."""
    if not job.active:
        return job
    before = utcnow() - _stale_after(ws)
    with ws.transaction() as db:
        if store.finish(db, job.id, "failed", _interrupted(), before=before):
            return store.get(db, job.id) or job
    return job


def import_job(ws: Workspace, job_id: str) -> ImportJob:
    """Return import job ``job_id`` (its owner's or, for an admin of its region, anyone's).

    ``NotFound`` if there is none; ``Forbidden`` for a job of someone else.
    """
    return ImportJob(_load(ws, job_id))


def wait_import_job(ws: Workspace, job_id: str, *, timeout: float = 600.0) -> ImportJob:
    """Return import job ``job_id`` once it has ended, or as it stands after ``timeout``
    seconds."""
    deadline = time.monotonic() + timeout
    job = import_job(ws, job_id)
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.1)
        job = import_job(ws, job_id)
    return job


def list_import_jobs(ws: Workspace, *, limit: int = 20) -> ImportJobs:
    """Return the actor's latest import jobs, newest first (an admin's: everyone's it may
    read)."""
    everyone = allowed(ws.actor.grants, "user.manage", Scope())
    with ws.transaction() as db:
        found = store.recent(db, owner=None if everyone else ws.actor.username, limit=limit)
    return ImportJobs(tuple(ImportJob(_unless_stale(ws, j)) for j in found if _may_read(ws, j)))


def import_job_report(ws: Workspace, job_id: str, fmt: Literal["csv", "xlsx"]) -> ImportReport:
    """Return the findings report (CSV or XLSX) a refused job wrote (``NotFound`` if none)."""
    job = _load(ws, job_id)
    folder = (ws.path / "findings").resolve()
    for text in job.result.get("report", ()):
        path = Path(text).resolve()
        if path.suffix == f".{fmt}" and path.parent == folder and path.is_file():
            return ImportReport(path, fmt)
    raise NotFound("import_report_missing", param="format", job=job.id, format=fmt)


# --- recovery ----------------------------------------------------------------------------


def recover_import_jobs(ws: Workspace) -> RecoveredJobs:
    """Close as ``failed`` the jobs whose process stopped (heartbeat older than
    ``import_job_stale_seconds``) and remove staged files no active job needs.

    Run when a server starts; it reads no data and needs no permission (it acts for no one).
    """
    stale = _stale_after(ws)
    before = utcnow() - stale
    with ws.transaction() as db:
        closed = store.fail_stale(db, before, _interrupted())
    root = ws.path / UPLOADS
    folders = [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
    with ws.transaction() as db:
        states = store.states(db, [p.name for p in folders])
    oldest = time.time() - stale.total_seconds()
    for path in folders:
        state = states.get(path.name)
        # a folder without a job may be an upload being staged by another process right now
        unclaimed = state is None and path.stat().st_mtime < oldest
        if unclaimed or (state is not None and state not in store.ACTIVE):
            shutil.rmtree(path, ignore_errors=True)
    return RecoveredJobs(closed)
