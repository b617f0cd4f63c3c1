"""The clerical-review queue and the clerk's decisions (hand-made list, truth known)."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest
from linkage_fixture import Fixture

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.linkage.model import LinkResult, Thresholds, link
from rpkd.linkage.review import apply_decisions, read_decisions, review_queue
from rpkd.linkage.standardise import standardise_list, standardise_registry
from rpkd.settings import Settings


@pytest.fixture(scope="module")
def queued(hand_made: Fixture) -> Iterator[tuple[LinkResult, pa.Table]]:
    engine = eng.connect(Settings())
    data = hand_made
    listed, persons, families = (
        eng.table(engine, t) for t in (data.listed, data.persons, data.families)
    )
    # An upper threshold no probabilistic link reaches sends every such row to review.
    result = link(
        engine,
        standardise_list(engine, listed),
        standardise_registry(engine, persons, families),
        thresholds=Thresholds(upper=0.999999999999, lower=0.5),
    )
    home = families.select("family_id", "kk_number", "desa_code")
    registry = persons.left_join(home, persons.family_id == home.family_id)
    queue = review_queue(engine, result.candidates, listed, registry)
    yield result, queue
    eng.close(engine)


def test_queue_lists_each_review_row_with_its_true_person_first(
    queued: tuple[LinkResult, pa.Table], hand_made: Fixture
) -> None:
    result, queue = queued
    review = {r["record"] for r in result.links.to_pylist() if r["method"] == "review"}
    assert review and set(queue.column("record").to_pylist()) == review
    first = {r["record"]: r for r in queue.to_pylist() if r["rank"] == 1}
    assert all(first[r]["person_id"] == hand_made.truth[r] for r in review)
    row = first[min(review)]
    assert row["decision"] == ""
    assert {"list_name", "registry_name", "list_nik", "registry_nik", "deceased"} <= set(row)


def _edited(queue: pa.Table, accept: set[str]) -> list[dict[str, str | None]]:
    rows = []
    for row in queue.to_pylist():
        take = row["rank"] == 1 and row["record"] in accept
        rows.append(
            {
                **{k: None if v is None else str(v) for k, v in row.items()},
                "decision": "terima" if take else "tolak",
            }
        )
    return rows


def test_decisions_round_trip(queued: tuple[LinkResult, pa.Table], hand_made: Fixture) -> None:
    result, queue = queued
    records = sorted(set(queue.column("record").to_pylist()))
    accept = set(records[: len(records) // 2])
    decisions = read_decisions(_edited(queue, accept), queue)
    final = {r["record"]: r for r in apply_decisions(result.links, decisions, queue).to_pylist()}
    for record in records:
        if record in accept:
            assert (final[record]["method"], final[record]["person_id"]) == (
                "review",
                hand_made.truth[record],
            )
        else:
            assert (final[record]["method"], final[record]["person_id"]) == ("none", None)
        assert final[record]["reviewed"]
    untouched = [r for r in final.values() if r["record"] not in set(records)]
    assert all(not r["reviewed"] for r in untouched)


def test_undecided_rows_stay_in_review(queued: tuple[LinkResult, pa.Table]) -> None:
    result, queue = queued
    rows = [
        {**{k: None if v is None else str(v) for k, v in r.items()}, "decision": ""}
        for r in queue.to_pylist()
    ]
    final = apply_decisions(result.links, read_decisions(rows, queue), queue)
    assert final.column("method").to_pylist() == result.links.column("method").to_pylist()


def test_bad_decisions_name_the_row(queued: tuple[LinkResult, pa.Table]) -> None:
    _, queue = queued
    rows = _edited(queue, set())
    rows[1]["decision"] = "mungkin"
    with pytest.raises(InvalidInput) as err:
        read_decisions(rows, queue)
    assert (err.value.code, err.value.params["row"]) == ("decision_invalid", 2)
    assert err.value.params["value"] == "mungkin"
    rows = _edited(queue, set())
    rows[0]["person_id"] = "P9999"
    with pytest.raises(InvalidInput) as err:
        read_decisions(rows, queue)
    assert (err.value.code, err.value.params["row"]) == ("decision_unknown_pair", 1)
    record = queue.column("record")[0].as_py()
    twice = [r for r in queue.to_pylist() if r["record"] == record]
    if len(twice) > 1:
        rows = [
            {**{k: None if v is None else str(v) for k, v in r.items()}, "decision": "accept"}
            for r in twice
        ]
        with pytest.raises(InvalidInput) as err:
            read_decisions(rows, queue)
        assert (err.value.code, err.value.params["row"]) == ("decision_two_accepts", 2)
