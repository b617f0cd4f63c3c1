"""Use cases: the linkage review queue, pair by pair, decided by an analyst and kept.

``rpkd link`` puts the list rows it cannot decide in a review queue (a list row beside up to
three registry persons, :func:`rpkd.linkage.review.review_queue`) and keeps it with the run
(``queue.parquet``). :func:`link_runs` lists the runs, how many of their pairs are decided and
which later run of the same list superseded each (``superseded_by``);
:func:`link_queue` shows one run's pairs, masked unless the user may and asks to unmask (one
audit row); :func:`decide_link` stores an analyst's ``accept`` or ``reject`` of one pair in the
application database (:mod:`rpkd.linkage.decisions`), which the next ``rpkd link`` of a list of
the same name honours; :func:`decide_link_request` does the same for the JSON body of an API
request (:func:`rpkd.workflows.api_requests.json_object`).

A decision is taken on the latest run of its list only: an older run's rows may stand for
other list rows (a new version of the list) and its queue ignores the decisions taken since
(``link_run_stale``). Deciding a pair as it is already decided changes nothing (a double
submit writes neither a row nor an audit entry).

Permission: reading the queue is by-name records on the release's district (``records.read``,
``personal_data.read`` to unmask); deciding needs ``release.manage`` there (the secretariat's
analysts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.access import masking
from rpkd.access.roles import Scope, allowed
from rpkd.errors import InvalidInput, NotFound
from rpkd.inputs.typed import text
from rpkd.linkage import decisions as store
from rpkd.linkage.review import PII_FIELDS
from rpkd.releases import catalog
from rpkd.releases.catalog import Release, open_release
from rpkd.workflows import gate
from rpkd.workflows.api_requests import json_object
from rpkd.workflows.link import QUEUE_FILE
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "LinkDecision",
    "LinkQueue",
    "LinkRuns",
    "decide_link",
    "decide_link_request",
    "link_queue",
    "link_runs",
]

DECISIONS = ("accept", "reject")
KEY_LIMIT = 64
"""The longest list record or person id (the columns of ``link_decision``)."""
BODY_FIELDS = {"record": KEY_LIMIT, "person_id": KEY_LIMIT, "decision": 16}
"""The fields of a decision's JSON body, each with its longest length."""


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
    superseded_by: str | None = None
    """The later run of the same list that takes the decisions now (None: this one)."""

    def to_arrow(self) -> pa.Table:
        return self.pairs

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.pairs)

    @property
    def open_pairs(self) -> int:
        return sum(1 for d in self.pairs.column("decision").to_pylist() if not d)


@dataclass(frozen=True)
class LinkDecision:
    """A decision on one pair of a run's queue; ``changed`` is False when the pair was
    already decided so (nothing written)."""

    release: str
    run: str
    list_name: str
    record: str
    person_id: str
    decision: str
    changed: bool

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "run": self.run, "list": self.list_name,
                "record": self.record, "person_id": self.person_id, "decision": self.decision,
                "changed": self.changed}  # fmt: skip


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


def _newest(runs: dict[str, tuple[Path, str]], list_name: str) -> str:
    """Return the latest run of ``list_name`` among ``runs`` (its parameters written last)."""
    return max((n for n, (_, name) in runs.items() if name == list_name),
               key=lambda n: ((runs[n][0] / "parameters.json").stat().st_mtime_ns, n))  # fmt: skip


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
        runs = _runs(ws, release)
        for run, (folder, list_name) in runs.items():
            queue = pq.read_table(folder / QUEUE_FILE, columns=["record", "person_id"])
            decided = _decided(ws, list_name)
            pairs = list(zip(*(queue.column(c).to_pylist() for c in ("record", "person_id")),
                             strict=True))  # fmt: skip
            newest = _newest(runs, list_name)
            rows.append({"release": release.name, "run": run, "list": list_name,
                         "pairs": len(pairs),
                         "decided": sum((str(r), str(p)) in decided for r, p in pairs),
                         "superseded_by": None if newest == run else newest})  # fmt: skip
    schema = pa.schema([("release", pa.string()), ("run", pa.string()), ("list", pa.string()),
                        ("pairs", pa.int64()), ("decided", pa.int64()),
                        ("superseded_by", pa.string())])  # fmt: skip
    return LinkRuns(pa.Table.from_pylist(rows, schema=schema))


def _opened(
    ws: Workspace, release: str, run: str, *, latest: bool = False
) -> tuple[Release, Path, str, str]:
    """Return the release, folder, list and latest run of the list of run ``run``; with
    ``latest``, refuse a run that a later run of the same list superseded
    (``link_run_stale``)."""
    opened = open_release(ws.path, release)
    runs = _runs(ws, opened)
    if run not in runs:
        raise NotFound("link_run_unknown", param="run", run=run, release=opened.name)
    folder, list_name = runs[run]
    newest = _newest(runs, list_name)
    if latest and newest != run:
        raise InvalidInput("link_run_stale", param="run", run=run, latest=newest,
                           list=list_name)  # fmt: skip
    return opened, folder, list_name, newest


@gate.personal_data("link.queue")
def link_queue(ws: Workspace, release: str, run: str, *, unmask: bool = False) -> LinkQueue:
    """Return the review queue of link run ``run`` of ``release``: each pair side by side with
    the decision stored for it. Needs ``records.read`` on the release's district
    (``personal_data.read`` with ``unmask``); one audit row."""
    import pyarrow.parquet as pq

    opened, folder, list_name, newest = _opened(ws, release, run)
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
    return LinkQueue(opened.name, run, list_name, shown, unmask,
                     superseded_by=None if newest == run else newest)  # fmt: skip


def decide_link(
    ws: Workspace, release: str, run: str, record: str, person_id: str, decision: str
) -> LinkDecision:
    """Store the decision (``accept`` or ``reject``) on one pair of the latest run of a list.

    Accepting a pair rejects the other candidates of its list row. A pair already decided
    so is left as it is (``changed`` False: no row, no audit entry). Needs ``release.manage``
    on the release's district; one audit row per change.

    Raises
    ------
    NotFound
        ``link_run_unknown``.
    InvalidInput
        ``link_run_stale`` (a later run of the list exists), ``link_decision_invalid``,
        ``form_text_control``/``form_text_long`` (record, person id), ``link_pair_unknown``.
    """
    import pyarrow.parquet as pq

    opened, folder, list_name, _ = _opened(ws, release, run, latest=True)
    gate.authorise(ws.actor, "release.manage", Scope(region=opened.region))
    record = text(record, param="record", field="record", limit=KEY_LIMIT, lines=False)
    person_id = text(person_id, param="person_id", field="person_id", limit=KEY_LIMIT,
                     lines=False)  # fmt: skip
    if decision not in DECISIONS:
        shown = text(decision, param="decision", field="decision", limit=16, lines=False)
        raise InvalidInput("link_decision_invalid", param="decision", value=shown or "-")
    queue = pq.read_table(folder / QUEUE_FILE, columns=["record", "person_id"])
    candidates = [str(p) for r, p in zip(queue.column("record").to_pylist(),
                                         queue.column("person_id").to_pylist(), strict=True)
                  if str(r) == record]  # fmt: skip
    if person_id not in candidates:
        raise InvalidInput("link_pair_unknown", param="person_id", record=record,
                           person_id=person_id)  # fmt: skip
    wanted = {p: ("reject" if decision == "accept" and p != person_id else decision)
              for p in (candidates if decision == "accept" else [person_id])}  # fmt: skip
    done = LinkDecision(opened.name, run, list_name, record, person_id, decision, changed=True)
    if all(_decided(ws, list_name).get((record, p)) == d for p, d in wanted.items()):
        return replace(done, changed=False)  # a double submit: nothing to write
    with ws.atomic():  # the decisions and their audit row: all kept or none
        with ws.transaction() as db:
            for person, verdict in wanted.items():
                store.record(db, list_name=list_name, record=record, person_id=person,
                             decision="accept" if verdict == "accept" else "reject",
                             release=opened.name, actor=ws.actor.username)  # fmt: skip
        gate.audit(ws, "link.decide", release=opened.name, scopes=[Scope(region=opened.region)],
                   records=1, parameters={"run": run, "record": record, "decision": decision})  # fmt: skip
    return done


def decide_link_request(
    ws: Workspace, release: str, run: str, body: bytes, *, content_type: str
) -> LinkDecision:
    """Store the decision of an API request's JSON body ``{"record", "person_id",
    "decision"}`` (:func:`decide_link`), after the run and the permission are checked: a body
    is parsed only for a run that exists, by a user who may decide (404 and 403 first).

    Raises
    ------
    InvalidInput
        The body's refusals (:func:`rpkd.workflows.api_requests.json_object`) and those of
        :func:`decide_link`.
    """
    opened, _, _, _ = _opened(ws, release, run)
    gate.authorise(ws.actor, "release.manage", Scope(region=opened.region))
    fields = json_object(body, content_type, BODY_FIELDS)
    return decide_link(ws, release, run, fields["record"], fields["person_id"],
                       fields["decision"])  # fmt: skip
