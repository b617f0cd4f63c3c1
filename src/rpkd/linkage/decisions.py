"""Clerical decisions on uncertain pairs, kept in the application database and reused.

An analyst accepts or rejects a pair (a list row and a registry person) that ``rpkd link`` put
in its review queue. The decision is stored once per (list, record, person) in table
``link_decision`` (a later decision on the same pair replaces it; who and when are kept), and
every later link run of the same list honours it (:func:`honour`): an accepted pair is a match,
a rejected pair is no match, whatever the model scores. A list is named by its file's stem
(``beneficiaries_pkh``), so that the agency's next export of the same list reuses the decisions.

References
----------
Herzog, Scheuren & Winkler (2007). *Data Quality and Record Linkage Techniques*, ch. 8:
clerical decisions are kept so that a pair is reviewed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from rpkd.store import Base, UtcDateTime, utcnow

Verdict = Literal["accept", "reject"]


class LinkDecisionRow(Base):
    __tablename__ = "link_decision"
    __table_args__ = (UniqueConstraint("list_name", "record", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    list_name: Mapped[str] = mapped_column(String(128), index=True)
    record: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(8))
    release: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Decision:
    """One stored decision on a pair."""

    list_name: str
    record: str
    person_id: str
    decision: Verdict
    release: str
    decided_by: str
    decided_at: datetime


def record(
    session: Session,
    *,
    list_name: str,
    record: str,
    person_id: str,
    decision: Verdict,
    release: str,
    actor: str,
) -> None:
    """Store a decision on a pair, replacing an earlier one on the same pair."""
    row = session.scalars(
        select(LinkDecisionRow).where(
            LinkDecisionRow.list_name == list_name,
            LinkDecisionRow.record == record,
            LinkDecisionRow.person_id == person_id,
        )
    ).first()
    if row is None:
        row = LinkDecisionRow(list_name=list_name, record=record, person_id=person_id)
        session.add(row)
    row.decision, row.release = decision, release
    row.decided_by, row.decided_at = actor, utcnow()


def of_list(session: Session, list_name: str) -> list[Decision]:
    """Return the stored decisions of one list, oldest first."""
    rows = session.scalars(
        select(LinkDecisionRow)
        .where(LinkDecisionRow.list_name == list_name)
        .order_by(LinkDecisionRow.id)
    )
    return [
        Decision(
            r.list_name,
            r.record,
            r.person_id,
            cast(Verdict, r.decision),
            r.release,
            r.decided_by,
            r.decided_at,
        )
        for r in rows
    ]


def honour(links: pa.Table, decisions: list[Decision], queue: pa.Table) -> pa.Table:
    """Return ``links`` with the stored decisions applied, whatever the model decided.

    A record with an accepted pair links to that person (``method`` ``review``, ``reviewed``
    true); a record linked to a rejected person, or in review with every candidate of the
    ``queue`` (:func:`rpkd.linkage.review.review_queue`) rejected, links to nobody (``none``,
    reviewed). The ``deceased`` flag of an accepted person is the queue's; ``shared`` is
    recomputed over the final links.
    """
    accepted = {d.record: d.person_id for d in decisions if d.decision == "accept"}
    rejected = {(d.record, d.person_id) for d in decisions if d.decision == "reject"}
    candidates: dict[str, set[str]] = {}
    deceased: dict[tuple[str, str], bool] = {}
    for r, p, d in zip(*(queue.column(c).to_pylist() for c in ("record", "person_id",
                                                               "deceased")), strict=True):  # fmt: skip
        candidates.setdefault(str(r), set()).add(str(p))
        deceased[(str(r), str(p))] = bool(d)
    records = [str(r) for r in links.column("record").to_pylist()]
    methods = links.column("method").to_pylist()
    persons = links.column("person_id").to_pylist()
    dead = links.column("deceased").to_pylist()
    reviewed = (
        links.column("reviewed").to_pylist()
        if "reviewed" in links.column_names
        else [False] * links.num_rows
    )
    for i, rec in enumerate(records):
        if rec in accepted:
            persons[i], methods[i], reviewed[i] = accepted[rec], "review", True
            dead[i] = deceased.get((rec, accepted[rec]), bool(dead[i]))
        elif (persons[i] is not None and (rec, str(persons[i])) in rejected) or (
            methods[i] == "review"
            and persons[i] is None
            and candidates.get(rec)
            and all((rec, p) in rejected for p in candidates[rec])
        ):
            persons[i], methods[i], reviewed[i], dead[i] = None, "none", True, False
    out = links
    for name, values, kind in (
        ("person_id", persons, pa.string()),
        ("method", methods, pa.string()),
        ("deceased", dead, pa.bool_()),
    ):
        out = out.set_column(out.schema.get_field_index(name), name, pa.array(values, kind))
    claims = pc.value_counts(pc.drop_null(out.column("person_id")))
    many = {v["values"].as_py() for v in claims if v["counts"].as_py() > 1}
    shared = pa.array([p is not None and p in many for p in persons], pa.bool_())
    out = out.set_column(out.schema.get_field_index("shared"), "shared", shared)
    if "reviewed" in out.column_names:
        out = out.drop_columns(["reviewed"])
    return out.append_column("reviewed", pa.array(reviewed, pa.bool_()))
