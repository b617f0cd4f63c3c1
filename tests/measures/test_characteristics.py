"""Ages as date comparisons (29 February included) and paired sums, exact on both engines."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.measures.characteristics import _paired_sums, _unpaired, aged, years_before


def completed_years(birth: date, on: date) -> int:
    """Age in completed years, the way a person counts birthdays (29 Feb reached on 1 Mar)."""
    return on.year - birth.year - ((birth.month, birth.day) > (on.month, on.day))


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2025, 3, 1), 60, date(1965, 3, 1)),
        (date(2024, 2, 29), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 4, date(2020, 2, 29)),
        (date(2025, 12, 31), 5, date(2020, 12, 31)),
    ],
)
def test_years_before(day: date, years: int, expected: date) -> None:
    assert years_before(day, years) == expected


@pytest.mark.parametrize("on", [date(2025, 3, 1), date(2024, 2, 29), date(2025, 2, 28)])
def test_aged_equals_completed_years(engine: eng.Engine, on: date) -> None:
    # Every birth date within 10 days of the 5th, 18th, 19th and 60th birthdays, and 29 Februaries.
    births = sorted(
        {
            years_before(on, years) + timedelta(days=shift)
            for years in (5, 18, 19, 60)
            for shift in range(-10, 11)
        }
        | {date(y, 2, 29) for y in (1964, 1968, 2004, 2020)}
    )
    table = eng.table(engine, pa.table({"birth_date": pa.array(births, pa.date32())}))
    result = eng.fetch(
        table.select(
            table.birth_date,
            **{f"aged_{y}": aged(table.birth_date, on, y) for y in (5, 18, 19, 60)},
        )
    ).to_pylist()
    for row in result:
        for years in (5, 18, 19, 60):
            expected = completed_years(row["birth_date"], on) >= years
            assert row[f"aged_{years}"] is expected, (row["birth_date"], on, years)


def test_paired_sums_are_exact_up_to_two_to_the_31(engine: eng.Engine) -> None:
    # Sums of 2**31 - 1 in both halves: the packed sum is just below 2**63, where a float
    # division would round (the reason for bit operations).
    big = 2**30
    rows = eng.table(
        engine,
        pa.table(
            {
                "g": [1, 1, 2],
                "a": pa.array([big, big - 1, 0], pa.int64()),
                "b": pa.array([big - 1, big, 1], pa.int64()),
                "c": pa.array([1, 1, 1], pa.int64()),
            }
        ),
    )
    sums = rows.group_by("g").aggregate(**_paired_sums(rows, ["a", "b", "c"]))
    out = eng.fetch(sums.select("g", **_unpaired(sums, ["a", "b", "c"])).order_by("g"))
    assert out.to_pylist() == [
        {"g": 1, "a": 2**31 - 1, "b": 2**31 - 1, "c": 2},
        {"g": 2, "a": 0, "b": 1, "c": 1},
    ]
