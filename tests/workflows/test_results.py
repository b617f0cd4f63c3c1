"""Records a column at a time are the records a value at a time; an encoded answer is the JSON
the web API would send for the same value."""

from __future__ import annotations

import gzip
import json
import math
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
from fastapi.responses import JSONResponse
from hypothesis import given
from hypothesis import strategies as st

from rpkd.workflows.results import Encoded, plain, records


def _one_at_a_time(table: pa.Table) -> list[dict[str, Any]]:
    """What ``records`` returned before it worked by column: ``plain`` of every value."""
    return [{k: plain(v) for k, v in row.items()} for row in table.to_pylist()]


def test_every_kind_of_column_gives_the_same_records() -> None:
    table = pa.table(
        {
            "text": pa.array(["a", None, "ü", ""], pa.string()),
            "large": pa.array(["x", "y", None, "z"], pa.large_string()),
            "int": pa.array([1, None, -3, 2**40], pa.int64()),
            "small": pa.array([1, 2, None, 4], pa.int8()),
            "flag": pa.array([True, None, False, True]),
            "share": pa.array([0.5, math.nan, math.inf, None], pa.float64()),
            "single": pa.array([0.1, -math.inf, None, 2.5], pa.float32()),
            "day": pa.array([date(2025, 3, 1), None, date(1, 1, 1), date(9999, 12, 31)]),
            "at": pa.array(
                [datetime(2025, 3, 1, 7, 30, tzinfo=UTC), None, datetime(2025, 1, 1), None],
                pa.timestamp("us", tz="UTC"),
            ),
            "codes": pa.array([["a"], [], None, ["b", "c"]]),
            "pair": pa.array([{"x": 1.0}, {"x": math.nan}, None, {"x": None}]),
            "coded": pa.array(["k", "k", None, "m"]).dictionary_encode(),
            "nothing": pa.nulls(4),
        }
    )
    assert records(table) == _one_at_a_time(table)
    assert records(table.slice(0, 0)) == []
    assert records(pa.table({"a": [1, 2]}).drop_columns(["a"])) == [{}, {}]


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
            st.one_of(st.none(), st.integers(-(2**62), 2**62)),
            st.one_of(st.none(), st.text(max_size=5)),
        ),
        max_size=20,
    )
)
def test_records_equal_plain_values_for_any_numbers_and_text(
    rows: list[tuple[float | None, int | None, str | None]],
) -> None:
    table = pa.table(
        {
            "f": pa.array([r[0] for r in rows], pa.float64()),
            "i": pa.array([r[1] for r in rows], pa.int64()),
            "s": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    made = records(table)
    assert made == _one_at_a_time(table)
    assert Encoded.of_records(made).body == Encoded.of(table.to_pylist()).body


def test_an_encoded_answer_is_what_the_api_sends_and_gzips_to_the_same() -> None:
    value = [{"code": "62.03", "share": math.nan, "on": date(2025, 3, 1), "name": "Kapuas ü"}]
    made = Encoded.of(value)
    assert made.body == JSONResponse(plain(value)).body
    assert made.to_json() == [{"code": "62.03", "share": None, "on": "2025-03-01",
                               "name": "Kapuas ü"}]  # fmt: skip
    assert gzip.decompress(made.gzipped) == made.body
    assert made.gzipped is made.gzipped  # compressed once
    assert json.loads(Encoded.of({"a": 1}, "application/geo+json").body) == {"a": 1}
