"""Clerical review: the rows the model could not decide, side by side, and the clerk's decisions.

A row goes to review when its best candidate's probability lies between the thresholds, or when
a second candidate is also plausible. The queue lists each such row with up to three candidate
persons, the match probability and the fields that a clerk compares (name, birth date, sex, desa,
NIK, KK, whether the person has died). The clerk writes ``accept`` (or ``terima``) against at most
one candidate per row and ``reject`` (``tolak``) against the others; :func:`apply_decisions`
turns the decisions into final links: an accepted candidate becomes the row's person (method
``review``), a row whose candidates are all rejected links to nobody (``none``), and a row left
undecided stays in ``review`` without a person.

References
----------
Fellegi & Sunter (1969), §3: the region between the two thresholds is the "possible link"
set, decided by clerical review. Herzog, Scheuren & Winkler (2007). *Data Quality and Record
Linkage Techniques*, ch. 8 (clerical review).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import pyarrow as pa
import pyarrow.compute as pc

from rpkd import engine as eng
from rpkd.errors import InvalidInput

if TYPE_CHECKING:
    from ibis.expr.types import Table

Decision = Literal["accept", "reject", ""]
SPELLINGS: dict[str, Decision] = {
    "accept": "accept",
    "terima": "accept",
    "ya": "accept",
    "y": "accept",
    "reject": "reject",
    "tolak": "reject",
    "tidak": "reject",
    "t": "reject",
    "n": "reject",
    "": "",
}
# Fields shown side by side: (queue column suffix, list column, registry column).
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "name", "name"),
    ("birth_date", "birth_date", "birth_date"),
    ("sex", "sex", "sex"),
    ("desa", "desa_code", "desa_code"),
    ("nik", "nik", "nik"),
    ("kk", "kk_number", "kk_number"),
)
PII_FIELDS: frozenset[str] = frozenset({"name", "birth_date", "nik", "kk"})
QUEUE_KEY: tuple[str, ...] = ("record", "rank", "person_id", "match_probability", "decision")


def review_queue(
    engine: eng.Engine, candidates: pa.Table, listed: Table, registry: Table
) -> pa.Table:
    """Return the review queue: one row per (list row, candidate person), fields side by side.

    Parameters
    ----------
    candidates
        ``LinkResult.candidates``: record, person_id, match_probability, rank.
    listed
        The list as read (``record`` and the BENEFICIARIES columns, all text).
    registry
        The registry's persons with their family's ``kk_number`` and ``desa_code``.

    The columns are ``record``, ``rank``, ``person_id``, ``match_probability``, ``decision``
    (empty, for the clerk), then ``list_<field>`` and ``registry_<field>`` for each of
    :data:`FIELDS`, then ``deceased``. Values are unmasked: mask them before showing them.
    """
    queue = eng.table(
        engine, candidates.select(["record", "person_id", "match_probability", "rank"])
    )
    left = listed.select(
        list_record=listed.record.cast("string"),
        **{f"list_{k}": _text(listed, col) for k, col, _ in FIELDS},
    )
    right = registry.select(
        registry_person=registry.person_id.cast("string"),
        **{f"registry_{k}": _text(registry, col) for k, _, col in FIELDS},
        deceased=registry.death_date.notnull() if "death_date" in registry.columns else False,
    )
    joined = queue.left_join(left, queue.record == left.list_record).left_join(
        right, queue.person_id == right.registry_person
    )
    columns = [c for k, _, _ in FIELDS for c in (f"list_{k}", f"registry_{k}")]
    out = joined.select(
        "record", "rank", "person_id", "match_probability", *columns, "deceased"
    ).order_by(["record", "rank"])
    fetched = eng.fetch(out)
    decision = pa.array([""] * fetched.num_rows, pa.string())
    return fetched.add_column(4, "decision", decision)


def _text(table: Table, column: str) -> object:
    import ibis

    if column in table.columns:
        return table[column].cast("string")
    return ibis.null("string")


def read_decisions(rows: Sequence[dict[str, str | None]], queue: pa.Table) -> pa.Table:
    """Return the clerk's decisions (record, person_id, decision) checked against the queue.

    ``rows`` are the data rows of the edited queue file (header names as written by
    :func:`review_queue`); row numbers in errors count data rows from 1.
    """
    offered = {
        (r, p)
        for r, p in zip(
            queue.column("record").to_pylist(), queue.column("person_id").to_pylist(), strict=True
        )
    }
    records: list[str] = []
    persons: list[str] = []
    decisions: list[str] = []
    accepted: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        record, person = str(row.get("record") or ""), str(row.get("person_id") or "")
        raw = str(row.get("decision") or "").strip().lower()
        if raw not in SPELLINGS:
            raise InvalidInput("decision_invalid", param="decision", row=number, value=raw)
        if (record, person) not in offered:
            raise InvalidInput(
                "decision_unknown_pair", param="person_id", row=number, record=record,
                person_id=person,
            )  # fmt: skip
        decision = SPELLINGS[raw]
        if decision == "accept":
            if record in accepted:
                raise InvalidInput(
                    "decision_two_accepts", param="decision", row=number, record=record,
                    first=accepted[record],
                )  # fmt: skip
            accepted[record] = number
        records.append(record)
        persons.append(person)
        decisions.append(decision)
    return pa.table(
        {
            "record": pa.array(records, pa.string()),
            "person_id": pa.array(persons, pa.string()),
            "decision": pa.array(decisions, pa.string()),
        }
    )


def apply_decisions(links: pa.Table, decisions: pa.Table, queue: pa.Table) -> pa.Table:
    """Return ``links`` with review rows settled by the clerk's decisions.

    An accepted candidate becomes the row's person (method stays ``review``, ``reviewed`` true,
    ``deceased`` as the queue shows); a row whose every listed candidate was rejected becomes
    ``none``; other rows are unchanged. The ``shared`` flag is recomputed over the final links.
    """
    dead = {
        (r, p): bool(d)
        for r, p, d in zip(
            queue.column("record").to_pylist(),
            queue.column("person_id").to_pylist(),
            queue.column("deceased").to_pylist(),
            strict=True,
        )
    }
    accept = {
        r: p
        for r, p, d in zip(
            *(decisions.column(c).to_pylist() for c in decisions.column_names), strict=True
        )
        if d == "accept"
    }
    decided: dict[str, set[str]] = {}
    rejected: dict[str, set[str]] = {}
    for r, p, d in zip(
        *(decisions.column(c).to_pylist() for c in decisions.column_names), strict=True
    ):
        decided.setdefault(r, set()).add(d)
        if d == "reject":
            rejected.setdefault(r, set()).add(p)
    records = links.column("record").to_pylist()
    methods = links.column("method").to_pylist()
    persons = links.column("person_id").to_pylist()
    deceased = links.column("deceased").to_pylist()
    reviewed = [False] * len(records)
    for i, (record, method) in enumerate(zip(records, methods, strict=True)):
        if method != "review":
            continue
        if record in accept:
            persons[i], reviewed[i] = accept[record], True
            deceased[i] = dead.get((record, accept[record]), False)
        elif decided.get(record) == {"reject"}:
            methods[i], persons[i], reviewed[i] = "none", None, True
    out = links.set_column(
        links.schema.get_field_index("person_id"), "person_id", pa.array(persons, pa.string())
    )
    out = out.set_column(
        out.schema.get_field_index("method"), "method", pa.array(methods, pa.string())
    )
    out = out.set_column(
        out.schema.get_field_index("deceased"), "deceased", pa.array(deceased, pa.bool_())
    )
    claims = pc.value_counts(pc.drop_null(out.column("person_id")))
    many = {v["values"].as_py() for v in claims if v["counts"].as_py() > 1}
    shared = pa.array([p is not None and p in many for p in persons], pa.bool_())
    out = out.set_column(out.schema.get_field_index("shared"), "shared", shared)
    if "reviewed" in out.column_names:
        out = out.drop_columns(["reviewed"])
    return out.append_column("reviewed", pa.array(reviewed, pa.bool_()))
