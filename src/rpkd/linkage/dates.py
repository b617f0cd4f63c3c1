"""Birth dates as lists write them, with placeholder dates reduced to the year they carry.

Agencies' lists write a birth date as ``YYYY-MM-DD``, ``DD-MM-YYYY``, ``DD/MM/YYYY`` or
``DDMMYYYY`` (sometimes with a time part from a spreadsheet). When the day is unknown, clerks and
Dukcapil itself write a placeholder: 1 January, 31 December or 1 July of the year, or 1900-01-01
when even the year is unknown. A placeholder agrees with the true date only in its year, so it is
turned into "year only" (month and day null) rather than compared as a date.

References
----------
Splink PR #2281 (removed its "1 January" date-of-birth option; the placeholder is handled in the
data instead). Christen, P. (2012). *Data Matching*, §4.3: dates are parsed into components and
compared component-wise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, IntegerValue, Table

_SEP = r"[-/.]"
# (pattern, index of year, month, day groups) tried in order; a date valid under none is null.
FORMATS: tuple[tuple[str, int, int, int], ...] = (
    (rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})$", 1, 2, 3),  # YYYY-MM-DD
    (rf"^(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})$", 3, 2, 1),  # DD-MM-YYYY, DD/MM/YYYY
    (r"^(\d{2})(\d{2})(\d{4})$", 3, 2, 1),  # DDMMYYYY
    (r"^(\d{4})(\d{2})(\d{2})$", 1, 2, 3),  # YYYYMMDD (spreadsheet exports)
)


def days_in_month(year: IntegerValue, month: IntegerValue) -> IntegerValue:
    """Return the number of days of ``month`` in ``year`` (Gregorian leap years)."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return ibis.cases(
        (month.isin([4, 6, 9, 11]), 30),
        (month == 2, ibis.ifelse(leap, 29, 28)),
        else_=31,
    )


def valid_day(year: IntegerValue, month: IntegerValue, day: IntegerValue) -> BooleanValue:
    """Return whether year-month-day is a calendar date."""
    return (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month(year, month))


def with_birth_date(
    table: Table,
    raw: str,
    *,
    placeholders: Sequence[str] = ("01-01", "31-12", "01-07"),
    first_year: int = 1901,
    last_year: int = 2100,
) -> Table:
    """Return ``table`` with the birth date in text column ``raw`` parsed, placeholders reduced.

    Adds ``birth_year`` (null when unknown), ``birth_date`` (``YYYY-MM-DD``, null unless the
    full date is known), ``birth_ym`` (``YYYY-MM``, same) and ``year_only`` (a placeholder date:
    only the year is known).

    Parameters
    ----------
    table, raw
        The table and its column of dates as text in any of :data:`FORMATS`; a time part after
        a space is ignored.
    placeholders
        ``DD-MM`` days that stand for "day unknown" (their year is kept).
    first_year, last_year
        Years outside this range (1900-01-01 and the like) mean the date is unknown.

    Examples: ``17-05-1980`` -> 1980-05-17; ``01-01-1975`` -> 1975 only; ``1900-01-01`` -> null.
    """
    step = table.mutate(_bd=table[raw].cast("string").strip().re_replace(r"\s.*$", ""))
    groups = {}
    for k, (pattern, y, m, d) in enumerate(FORMATS):
        for part, index in (("y", y), ("m", m), ("d", d)):
            groups[f"_bd{part}{k}"] = step._bd.re_extract(pattern, index).nullif("").cast("int32")
    step = step.mutate(**groups)
    step = step.mutate(
        **{
            f"_bdok{k}": step[f"_bdy{k}"].notnull()
            & valid_day(step[f"_bdy{k}"], step[f"_bdm{k}"], step[f"_bdd{k}"])
            for k in range(len(FORMATS))
        }
    )

    def first_valid(part: str) -> IntegerValue:
        cases = [(step[f"_bdok{k}"], step[f"_bd{part}{k}"]) for k in range(len(FORMATS))]
        return ibis.cases(*cases, else_=ibis.null("int32"))

    step = step.mutate(_bdy=first_valid("y"), _bdm=first_valid("m"), _bdd=first_valid("d"))
    day_month = (
        step._bdd.cast("string").lpad(2, "0").concat("-", step._bdm.cast("string").lpad(2, "0"))
    )
    step = step.mutate(
        _bdknown=((step._bdy >= first_year) & (step._bdy <= last_year)).fill_null(False),
        _bdfull=~day_month.isin(list(placeholders)).fill_null(True),
    )
    full = step._bdknown & step._bdfull
    month = step._bdm.cast("string").lpad(2, "0")
    step = step.mutate(
        birth_year=ibis.ifelse(step._bdknown, step._bdy, ibis.null("int32")),
        birth_date=ibis.ifelse(
            full,
            step._bdy.cast("string").concat("-", month, "-", step._bdd.cast("string").lpad(2, "0")),
            ibis.null("string"),
        ),
        birth_ym=ibis.ifelse(
            full, step._bdy.cast("string").concat("-", month), ibis.null("string")
        ),
        year_only=step._bdknown & ~step._bdfull,
    )
    return step.drop(*[c for c in step.columns if c.startswith("_bd")])
