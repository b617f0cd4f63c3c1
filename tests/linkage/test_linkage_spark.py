"""Linkage on Spark: the same links as on DuckDB, with no Scala UDF jar.

The hand-made list of ``linkage_fixture`` (about 800 registry persons, 126 list rows, every
flaw kind) is linked on DuckDB and on Spark local mode; both must give the same person and the
same method for every row. The edit-similarity levels that replaced Jaro-Winkler are checked on
both engines against distances counted by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyarrow as pa
import pytest
from linkage_fixture import Fixture, link_fixture

from rpkd import engine as eng
from rpkd.linkage.comparisons import comparisons, edit_similarity_level
from rpkd.linkage.model import Thresholds
from rpkd.settings import Settings

# (left, right, Levenshtein distance counted by hand, longer length)
PAIRS: tuple[tuple[str, str | None, int, int], ...] = (
    ("siti aminah", "siti aminah", 0, 11),
    ("budi santoso", "budi santeso", 1, 12),  # 1 - 1/12 = 0.917
    ("abcdefghij", "abcdefghix", 1, 10),  # exactly 0.90
    ("budi", "budu", 1, 4),  # 0.75
    ("rahmat", "rahmad", 1, 6),  # 0.833
    ("nur aini", "nurul aini", 2, 10),  # 0.80
    ("abcdefghijklmnopqrst", "abcdefghijklmnopqxyz", 3, 20),  # exactly 0.85
    ("agus", "bambang", 6, 7),  # 0.14
    ("budi", None, 0, 0),  # a missing name agrees with nothing
)


def _hits(engine: eng.Engine, similarity: float) -> list[bool]:
    pairs = eng.table(
        engine,
        pa.table(
            {
                "i": list(range(len(PAIRS))),
                "name_std_l": [p[0] for p in PAIRS],
                "name_std_r": pa.array([p[1] for p in PAIRS], pa.string()),
            }
        ),
    )
    level = edit_similarity_level("name_std", similarity)
    condition = level.get_comparison_level(engine.name)
    query = (
        f"SELECT i, CASE WHEN {condition.sql_condition} THEN 1 ELSE 0 END AS hit "
        f"FROM {pairs.get_name()}"
    )
    # Splink's own SQL, run as Splink runs it: straight on the engine's connection.
    result = engine.backend.native.sql(query)
    rows = result.collect() if engine.name == "spark" else result.fetchall()
    return [bool(hit) for _, hit in sorted(tuple(r) for r in rows)]


@pytest.mark.parametrize("similarity", [0.90, 0.85, 0.70])
def test_edit_similarity_levels_agree_with_hand_counts(
    engine: eng.Engine, similarity: float
) -> None:
    expected = [p[1] is not None and 1 - p[2] / p[3] >= similarity - 1e-12 for p in PAIRS]
    assert _hits(engine, similarity) == expected


def test_no_comparison_needs_splinks_scala_udfs() -> None:
    from splink.internals.spark.jar_location import get_scala_udfs

    udfs = {name.lower() for name, _, _ in get_scala_udfs()}
    used: set[str] = set()
    for creator in comparisons():
        for level in creator.get_comparison("spark").comparison_levels:
            used |= {f.lower() for f in re.findall(r"(\w+)\s*\(", level.sql_condition)}
    assert used, "no function found: the pattern no longer reads Splink's SQL"
    assert "levenshtein" in used
    assert not used & udfs


@pytest.fixture
def spark(spark_engine: eng.Engine) -> Iterator[eng.Engine]:
    """The suite's Spark session with two shuffle partitions (Splink repartitions by it)."""
    conf = spark_engine.backend.native.conf
    before = conf.get("spark.sql.shuffle.partitions")
    conf.set("spark.sql.shuffle.partitions", "2")
    try:
        yield spark_engine
    finally:
        conf.set("spark.sql.shuffle.partitions", before)


def _same_probabilities(got: list[float | None], expected: list[float | None]) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert (a is None and b is None) or a == pytest.approx(b, rel=1e-9)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_links_like_duckdb(spark: eng.Engine, hand_made: Fixture) -> None:
    duck = eng.connect(Settings())
    try:
        # An upper threshold halfway between two middle probabilities, so that every method
        # (nik, probabilistic, review, none) occurs and the review queue has candidates.
        first = link_fixture(duck, hand_made)
        linked = sorted(
            {r["match_probability"] for r in first.links.to_pylist() if r["method"] != "nik"}
            - {None}
        )
        middle = len(linked) // 2
        upper = (linked[middle - 1] + linked[middle]) / 2
        thresholds = Thresholds(upper=upper, lower=min(0.5, upper))
        ref = link_fixture(duck, hand_made, thresholds)
    finally:
        eng.close(duck)
    got = link_fixture(spark, hand_made, thresholds)

    key = ["record", "person_id", "method", "deceased", "shared"]
    assert got.links.select(key).to_pylist() == ref.links.select(key).to_pylist()
    assert set(ref.links["method"].to_pylist()) == {"nik", "probabilistic", "review", "none"}
    _same_probabilities(
        got.links["match_probability"].to_pylist(), ref.links["match_probability"].to_pylist()
    )
    queue = ["record", "person_id", "rank"]
    assert ref.candidates.num_rows > 0
    assert got.candidates.select(queue).to_pylist() == ref.candidates.select(queue).to_pylist()
    _same_probabilities(
        got.candidates["match_probability"].to_pylist(),
        ref.candidates["match_probability"].to_pylist(),
    )
    assert got.findings == ref.findings
