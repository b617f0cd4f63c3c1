"""The number rule of :mod:`rpkd.inputs.numbers`, case by case (expected values by hand)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from rpkd.inputs import numbers


@pytest.mark.parametrize(
    ("values", "default", "decimal"),
    [
        (["1.234.567,89"], ".", ","),  # both marks: the last one is decimal
        (["1,234.5"], ",", "."),
        (["0,5", "12"], ".", ","),  # one mark, not three digits after it: decimal
        (["12.25"], ",", "."),
        (["1.234.567"], ".", ","),  # a mark twice: thousands, so the other is decimal
        (["1,234,567"], ",", "."),
        (["1.234", "2.500"], ",", ","),  # three digits after one mark: no evidence, the file
        (["1.234", "2.500"], ".", "."),
        (["7", None, ""], ",", ","),
        (["0,5", "0,25", "12.5"], ".", ","),  # more votes win
        (["1.5e3"], ",", "."),
        # no comma and no second dot: no comma evidence (decided without the expression)
        (["12.5", "7", None], ".", "."),
        (["1.2.3", "4"], ".", ","),  # a second dot is evidence
        ([None, ""], ".", "."),
    ],
)
def test_decide(values: list[str | None], default: numbers.Decimal, decimal: str) -> None:
    assert numbers.decide(pa.array(values, pa.string()), default) == decimal


@pytest.mark.parametrize(
    ("decimal", "text", "value"),
    [
        (",", "1.234.567,89", 1234567.89),
        (",", "-0,5", -0.5),
        (",", ",5", 0.5),
        (",", " 12 ", 12.0),
        (",", "1.234", 1234.0),
        (",", "12.34", None),  # a group of two digits is no thousands group
        (",", "1,2,3", None),
        (",", "300.000,-", None),
        (".", "1,234.5", 1234.5),
        (".", "+3.25", 3.25),
        (".", "1.5e3", 1500.0),
        (".", "1,234", 1234.0),
        (".", "1,23", None),
        (".", "inf", None),
        (".", "nan", None),
        (".", "12 500", None),
    ],
)
def test_parse(decimal: numbers.Decimal, text: str, value: float | None) -> None:
    parsed, ok = numbers.parse(pa.array([text]), decimal)
    assert parsed.to_pylist() == [value]
    assert ok.to_pylist() == [value is not None]


def test_fallback_follows_the_file() -> None:
    assert (numbers.fallback(";"), numbers.fallback(","), numbers.fallback(None)) == (",", ".", ".")


@pytest.mark.parametrize("default", [",", "."])
def test_read_is_parse_in_the_decided_mark(default: numbers.Decimal) -> None:
    values = pa.chunked_array(
        [["1.234.567,89", " 0,5", None], ["", "12", "1.234"], ["dua", "7 "]], pa.string()
    )
    decimal = numbers.decide(values, default)
    expected = numbers.parse(values, decimal)
    got = numbers.read(values, default)
    assert [a.to_pylist() for a in got] == [a.to_pylist() for a in expected]
    assert got[0].to_pylist() == [1234567.89, 0.5, None, None, 12.0, 1234.0, None, 7.0]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([" 12.5", "7", None, "1.5e3", "-.25"], [12.5, 7.0, None, 1500.0, -0.25]),  # all plain
        (["1.234.567", "7"], [1234567.0, 7.0]),  # two dots: the comma wins after all
        (["12.5", "dua", ""], [12.5, None, None]),  # a word: read the long way, still a dot
        (["1.", "inf"], [None, None]),  # not numbers in either way of reading
        ([None, " "], [None, None]),
    ],
)
def test_read_without_commas_agrees_with_the_rule(
    values: list[str | None], expected: list[float | None]
) -> None:
    text = pa.chunked_array([values[:1], values[1:]], pa.string())
    got = numbers.read(text, ".")
    rule = numbers.parse(text, numbers.decide(text, "."))
    assert [a.to_pylist() for a in got] == [a.to_pylist() for a in rule]
    assert got[0].to_pylist() == expected
