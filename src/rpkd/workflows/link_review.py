"""Use cases: the linkage review queue, pair by pair, decided by an analyst and kept.

``rpkd link`` puts the list rows it cannot decide in a review queue (a list row beside up to
three registry persons, :func:`rpkd.linkage.review.review_queue`) and keeps it with the run
(``queue.parquet``). :func:`link_runs` lists the runs and how many of their pairs are decided;
:func:`link_queue` shows one run's pairs, masked unless the user may and asks to unmask (one
audit row); :func:`decide_link` stores an analyst's ``accept`` or ``reject`` of one pair in the
application database (:mod:`rpkd.linkage.decisions`), which the next ``rpkd link`` of a list of
the same name honours.

Permission: reading the queue is by-name records on the release's district (``records.read``,
``personal_data.read`` to unmask); deciding needs ``release.manage`` there (the secretariat's
analysts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.access import masking
from rpkd.access.roles import Scope, allowed
from rpkd.errors import InvalidInput, NotFound, UsageError
from rpkd.linkage import decisions as store
from rpkd.linkage.review import PII_FIELDS
from rpkd.releases import catalog
from rpkd.releases.catalog import Release, open_release
from rpkd.workflows import gate
from rpkd.workflows.link import QUEUE_FILE
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

__all__ = ["LinkQueue", "LinkRuns", "decide_link", "link_queue", "link_runs"]

DECISIONS = ("accept", "reject")


@dataclass(frozen=True)
class LinkRuns:
    """The link runs with a review queue: release, run, list, pairs and pairs decided."""

    rows: pa.Table

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows)


@dataclass(frozen=True)
class LinkQueue:
    """One run's review queue: a row per pair, with the stored decision (empty: open)."""

    release: str
    run: str
    list_name: str
    pairs: pa.Table
    unmasked: bool

    def to_arrow(self) -> pa.Table:
        return self.pairs

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.pairs)

    @property
    def open_pairs(self) -> int:
        return sum(1 for d in self.pairs.column("decision").to_pylist() if not d)


def _runs(ws: Workspace, release: Release) -> dict[str, tuple[Path, str]]:
    """Return run folder name -> (folder, list name) for runs of ``release`` with a queue."""
    found: dict[str, tuple[Path, str]] = {}
    for base in (release.path / "derived" / "links", ws.path / "derived" / release.name / "links"):
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            if folder.name.startswith("."):  # a run still being written (or killed)
                continue
            tags = folder / "parameters.json"
            if not (tags.is_file() and (folder / QUEUE_FILE).is_file()):
                continue
            try:
                parameters = json.loads(tags.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            found.setdefault(folder.name, (folder, Path(str(parameters.get("list", ""))).stem))
    return found


def _queue_field(column: str) -> str | None:
    side, _, kind = column.partition("_")
    return kind if side in ("list", "registry") and kind in PII_FIELDS else None


def _decided(ws: Workspace, list_name: str) -> dict[tuple[str, str], str]:
    with ws.transaction() as db:
        kept = store.of_list(db, list_name)
    return {(d.record, d.person_id): d.decision for d in kept}


def link_runs(ws: Workspace) -> LinkRuns:
    """Return the link runs with a review queue of every release the user may read by name
    (``records.read`` on its district), with their pairs and decided pairs."""
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for release in catalog.list_releases(ws.path):
        if not allowed(ws.actor.grants, "records.read", Scope(region=release.region)):
            continue
        for run, (folder, list_name) in _runs(ws, release).items():
            queue = pq.read_table(folder / QUEUE_FILE, columns=["record", "person_id"])
            decided = _decided(ws, list_name)
            pairs = list(zip(*(queue.column(c).to_pylist() for c in ("record", "person_id")),
                             strict=True))  # fmt: skip
            rows.append({"release": release.name, "run": run, "list": list_name,
                         "pairs": len(pairs),
                         "decided": sum((str(r), str(p)) in decided for r, p in pairs)})  # fmt: skip
    schema = pa.schema([("release", pa.string()), ("run", pa.string()), ("list", pa.string()),
                        ("pairs", pa.int64()), ("decided", pa.int64())])  # fmt: skip
    return LinkRuns(pa.Table.from_pylist(rows, schema=schema))


def _opened(ws: Workspace, release: str, run: str) -> tuple[Release, Path, str]:
    opened = open_release(ws.path, release)
    runs = _runs(ws, opened)
    if run not in runs:
        raise NotFound("link_run_unknown", param="run", run=run, release=opened.name)
    folder, list_name = runs[run]
    return opened, folder, list_name


@gate.personal_data("link.queue")
def link_queue(ws: Workspace, release: str, run: str, *, unmask: bool = False) -> LinkQueue:
    """Return the review queue of link run ``run`` of ``release``: each pair side by side with
    the decision stored for it. Needs ``records.read`` on the release's district
    (``personal_data.read`` with ``unmask``); one audit row."""
    import pyarrow.parquet as pq

    opened, folder, list_name = _opened(ws, release, run)
    scopes = [Scope(region=opened.region)]
    gate.authorise_records(ws, scopes, unmask=unmask)
    queue = pq.read_table(folder / QUEUE_FILE).drop_columns(["decision"])
    decided = _decided(ws, list_name)
    stored = [decided.get((str(r), str(p)), "") for r, p in zip(
        queue.column("record").to_pylist(), queue.column("person_id").to_pylist(), strict=True)]  # fmt: skip
    queue = queue.add_column(4, "decision", pa.array(stored, pa.string()))
    gate.audit_records(ws, "link.queue", release=opened.name, scopes=scopes,
                       records=queue.num_rows, unmask=unmask,
                       parameters={"run": run})  # fmt: skip
    shown = queue if unmask else masking.mask_table(queue, field=_queue_field)
    return LinkQueue(opened.name, run, list_name, shown, unmask)


def decide_link(
    ws: Workspace, release: str, run: str, record: str, person_id: str, decision: str
) -> LinkQueue:
    """Store the decision (``accept`` or ``reject``) on one pair of a run's queue and return
    the queue (masked). Accepting a pair rejects the other candidates of its list row. Needs
    ``release.manage`` on the release's district; one audit row."""
    import pyarrow.parquet as pq

    opened, folder, list_name = _opened(ws, release, run)
    gate.authorise(ws.actor, "release.manage", Scope(region=opened.region))
    if decision not in DECISIONS:
        raise UsageError("decision_invalid", param="decision", row=1, value=decision)
    queue = pq.read_table(folder / QUEUE_FILE, columns=["record", "person_id"])
    candidates = [str(p) for r, p in zip(queue.column("record").to_pylist(),
                                         queue.column("person_id").to_pylist(), strict=True)
                  if str(r) == record]  # fmt: skip
    if person_id not in candidates:
        raise InvalidInput("link_pair_unknown", param="person_id", record=record,
                           person_id=person_id)  # fmt: skip
    with ws.transaction() as db:
        store.record(
            db,
            list_name=list_name,
            record=record,
            person_id=person_id,
            decision="accept" if decision == "accept" else "reject",
            release=opened.name,
            actor=ws.actor.username,
        )
        if decision == "accept":
            for other in candidates:
                if other != person_id:
                    store.record(db, list_name=list_name, record=record, person_id=other,
                                 decision="reject", release=opened.name,
                                 actor=ws.actor.username)  # fmt: skip
    gate.audit(ws, "link.decide", release=opened.name, scopes=[Scope(region=opened.region)],
               records=1, parameters={"run": run, "record": record, "decision": decision})  # fmt: skip
    return link_queue(ws, release, run)
