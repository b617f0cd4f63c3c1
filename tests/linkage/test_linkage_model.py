"""Linking the hand-made list (tests/linkage/conftest.py): every flaw kind, and the thresholds.

The truth is known by construction, so each assertion compares with it, never with a previous run.
Splink runs on DuckDB here; ``test_linkage_spark.py`` checks that Spark gives the same links.
"""

from __future__ import annotations

import pytest
from linkage_fixture import Fixture, link_fixture

from rpkd import engine as eng
from rpkd.errors import UsageError
from rpkd.linkage.model import LinkResult, ModelSettings, Thresholds


@pytest.fixture(scope="module")
def linked(duck: eng.Engine, hand_made: Fixture) -> LinkResult:
    return link_fixture(duck, hand_made)


def _rows(result: LinkResult, data: Fixture, kind: str) -> list[dict[str, object]]:
    return [r for r in result.links.to_pylist() if data.kinds[str(r["record"])] == kind]


def test_one_row_per_list_record(linked: LinkResult, hand_made: Fixture) -> None:
    assert sorted(linked.links.column("record").to_pylist()) == sorted(hand_made.truth)


def test_trusted_nik_links_exactly(linked: LinkResult, hand_made: Fixture) -> None:
    for row in _rows(linked, hand_made, "exact"):
        assert row["method"] == "nik"
        assert row["person_id"] == hand_made.truth[str(row["record"])]


@pytest.mark.parametrize("kind", ["no_nik", "typo", "old_spelling", "title", "invalid_nik"])
def test_rows_without_a_trusted_nik_link_probabilistically(
    linked: LinkResult, hand_made: Fixture, kind: str
) -> None:
    rows = _rows(linked, hand_made, kind)
    assert rows
    for row in rows:
        assert row["method"] == "probabilistic", (kind, row["record"])
        assert row["person_id"] == hand_made.truth[str(row["record"])]


def test_placeholder_birth_dates_still_link(linked: LinkResult, hand_made: Fixture) -> None:
    rows = _rows(linked, hand_made, "placeholder")
    assert rows and all(r["person_id"] == hand_made.truth[str(r["record"])] for r in rows)
    assert all(r["method"] == "probabilistic" for r in rows)


def test_ghost_rows_link_to_nobody(linked: LinkResult, hand_made: Fixture) -> None:
    for row in _rows(linked, hand_made, "ghost"):
        assert (row["method"], row["person_id"]) == ("none", None)


def test_deceased_persons_link_and_are_flagged(linked: LinkResult, hand_made: Fixture) -> None:
    rows = _rows(linked, hand_made, "deceased")
    assert rows and all(
        r["deceased"] and r["person_id"] == hand_made.truth[str(r["record"])] for r in rows
    )


def test_a_person_claimed_by_two_rows_is_flagged(linked: LinkResult, hand_made: Fixture) -> None:
    (duplicate,) = _rows(linked, hand_made, "duplicate")
    twins = [r for r in linked.links.to_pylist() if r["person_id"] == duplicate["person_id"]]
    assert len(twins) == 2 and all(r["shared"] for r in twins)
    assert sum(bool(r["shared"]) for r in linked.links.to_pylist()) == 2


def test_thresholds_move_rows_between_link_review_and_none(
    duck: eng.Engine, hand_made: Fixture, linked: LinkResult
) -> None:
    probabilities = {
        r["record"]: r["match_probability"]
        for r in linked.links.to_pylist()
        if r["method"] == "probabilistic"
    }
    cut = sorted(probabilities.values())[len(probabilities) // 2]
    strict = link_fixture(duck, hand_made, Thresholds(upper=min(cut + 1e-12, 0.999999), lower=0.5))
    by_record = {r["record"]: r for r in strict.links.to_pylist()}
    for record, p in probabilities.items():
        expected = "probabilistic" if p >= strict.thresholds.upper else "review"
        assert by_record[record]["method"] == expected
        if expected == "review":
            assert by_record[record]["person_id"] is None
    queued = set(strict.candidates.column("record").to_pylist())
    assert queued == {r for r, row in by_record.items() if row["method"] == "review"}
    # A lower threshold above every probability leaves no probabilistic link and no review.
    none = link_fixture(duck, hand_made, Thresholds(upper=0.9999999999, lower=0.9999999999))
    assert {r["method"] for r in none.links.to_pylist()} <= {"nik", "none"}


def test_thresholds_are_checked() -> None:
    with pytest.raises(UsageError) as err:
        Thresholds(upper=0.4, lower=0.6)
    assert (err.value.code, err.value.params) == (
        "link_thresholds_order",
        {"lower": 0.6, "upper": 0.4},
    )
    with pytest.raises(UsageError):
        Thresholds(upper=1.0, lower=0.5)


def test_settings_come_from_the_parameter_kit() -> None:
    from rpkd import params

    doc = params.load("linkage")
    settings = ModelSettings.from_params(doc)
    assert settings.max_block_size == doc["model"]["max_block_size"]
    assert 0 < doc["thresholds"]["lower"] <= doc["thresholds"]["upper"] < 1
