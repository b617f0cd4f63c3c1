"""Import jobs: the state of a release import running in the background, in the database.

A web upload starts an import in a thread of the server process that received it; its state
lives in the application database (table ``import_job``), so that any worker of a deployment
with several processes can answer a poll and a job outlives a page reload. A job moves
``queued`` -> ``running`` -> ``succeeded`` | ``refused`` | ``failed``, never back: every change
is one conditional UPDATE that only touches a job still active, so a job another process has
already closed stays closed. While a job is active the process running it writes a heartbeat;
a job whose heartbeat stopped (its process crashed or was killed) is closed as ``failed`` by
:func:`fail_stale`.

The table belongs to the releases package because a job is one release import (its name,
region, findings); :mod:`rpkd.store` knows no domain table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, cast, get_args

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    String,
    Text,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from rpkd.store import Base, UtcDateTime, utcnow

State = Literal["queued", "running", "succeeded", "refused", "failed"]
STATES: tuple[State, ...] = get_args(State)
ACTIVE: tuple[State, ...] = ("queued", "running")


class ImportJobRow(Base):
    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'refused', 'failed')", name="state_known"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    release: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str | None] = mapped_column(String(16))
    reference_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str | None] = mapped_column(String(32))
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    files: Mapped[str] = mapped_column(Text, default="[]")
    result: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Job:
    """One import job as stored: who started it, for which release, where it stands.

    ``files`` lists the staged source files (``{"file", "bytes"}``) and the zip members skipped
    (``{"skipped"}``); ``result`` is what the job ended with (set by :func:`finish`).
    """

    id: str
    owner: str
    release: str
    region: str | None
    reference_date: date | None
    state: State
    stage: str | None
    done: int
    total: int
    files: tuple[dict[str, Any], ...]
    result: dict[str, Any] = field(compare=False)
    created_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


def _job(row: ImportJobRow) -> Job:
    return Job(
        id=row.id,
        owner=row.owner,
        release=row.release,
        region=row.region,
        reference_date=row.reference_date,
        state=cast(State, row.state),
        stage=row.stage,
        done=int(row.done or 0),
        total=int(row.total or 0),
        files=tuple(json.loads(row.files or "[]")),
        result=json.loads(row.result or "{}"),
        created_at=row.created_at,
        heartbeat_at=row.heartbeat_at,
        finished_at=row.finished_at,
    )


def create(
    session: Session,
    job_id: str,
    *,
    owner: str,
    release: str,
    region: str | None,
    reference_date: date | None,
    files: Sequence[Mapping[str, Any]],
) -> Job:
    """Record a new ``queued`` job and return it."""
    now = utcnow()
    row = ImportJobRow(
        id=job_id,
        owner=owner,
        release=release,
        region=region,
        reference_date=reference_date,
        state="queued",
        stage=None,
        done=0,
        total=0,
        files=json.dumps([dict(f) for f in files], ensure_ascii=False),
        result="{}",
        created_at=now,
        heartbeat_at=now,
        finished_at=None,
    )
    session.add(row)
    session.flush()
    return _job(row)


def get(session: Session, job_id: str) -> Job | None:
    """Return job ``job_id``, None if there is none."""
    row = session.get(ImportJobRow, job_id)
    return None if row is None else _job(row)


def recent(session: Session, *, owner: str | None = None, limit: int = 20) -> tuple[Job, ...]:
    """Return the latest jobs (of ``owner``, or everyone's), newest first."""
    query = select(ImportJobRow).order_by(ImportJobRow.created_at.desc(), ImportJobRow.id)
    if owner is not None:
        query = query.where(ImportJobRow.owner == owner)
    return tuple(_job(r) for r in session.scalars(query.limit(limit)))


def active_for(session: Session, release: str) -> Job | None:
    """Return an active job importing ``release``, None if there is none."""
    row = session.scalar(
        select(ImportJobRow)
        .where(ImportJobRow.release == release, ImportJobRow.state.in_(ACTIVE))
        .limit(1)
    )
    return None if row is None else _job(row)


def _update_active(
    session: Session, job_ids: Sequence[str], *, before: datetime | None = None, **values: Any
) -> int:
    """Update the jobs among ``job_ids`` that are still active (and, given ``before``, whose
    heartbeat is older); return how many."""
    if not job_ids:
        return 0
    query = update(ImportJobRow).where(ImportJobRow.id.in_(job_ids), ImportJobRow.state.in_(ACTIVE))
    if before is not None:
        query = query.where(ImportJobRow.heartbeat_at < before)
    done = session.execute(query.values(**values))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def progress(session: Session, job_id: str, stage: str, done: int, total: int) -> bool:
    """Mark the job ``running`` at ``stage`` (``done`` of ``total``); False if it was closed."""
    now = utcnow()
    updated = _update_active(
        session, [job_id], state="running", stage=stage, done=done, total=total, heartbeat_at=now
    )
    return updated == 1


def beat(session: Session, job_ids: Sequence[str]) -> int:
    """Write the heartbeat of the active jobs among ``job_ids``; return how many."""
    return _update_active(session, job_ids, heartbeat_at=utcnow())


def finish(
    session: Session,
    job_id: str,
    state: State,
    result: Mapping[str, Any],
    *,
    before: datetime | None = None,
) -> bool:
    """Close an active job (whose heartbeat is older than ``before``, if given) as ``state``
    with ``result``; False if it was already closed."""
    if state in ACTIVE:
        raise ValueError(f"a job is closed as succeeded, refused or failed, not {state}")
    now = utcnow()
    text = json.dumps(dict(result), ensure_ascii=False, default=str)
    closed = _update_active(
        session,
        [job_id],
        before=before,
        state=state,
        result=text,
        finished_at=now,
        heartbeat_at=now,
    )
    return closed == 1


def fail_stale(session: Session, before: datetime, result: Mapping[str, Any]) -> tuple[str, ...]:
    """Close as ``failed`` (with ``result``) every active job whose last heartbeat is older
    than ``before``; return their ids."""
    ids = tuple(
        session.scalars(
            select(ImportJobRow.id).where(
                ImportJobRow.state.in_(ACTIVE), ImportJobRow.heartbeat_at < before
            )
        )
    )
    return tuple(i for i in ids if finish(session, i, "failed", result, before=before))


def states(session: Session, job_ids: Sequence[str]) -> dict[str, State]:
    """Return the state of each known job among ``job_ids``."""
    if not job_ids:
        return {}
    rows = session.execute(
        select(ImportJobRow.id, ImportJobRow.state).where(ImportJobRow.id.in_(job_ids))
    )
    return {job_id: cast(State, state) for job_id, state in rows}
