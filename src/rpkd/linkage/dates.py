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
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, IntegerValue, StringValue

_SEP = r"[-/.]"
# (pattern, index of year, month, day groups) tried in order; a date valid under none is null.
FORMATS: tuple[tuple[str, int, int, int], ...] = (
    (rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})$", 1, 2, 3),  # YYYY-MM-DD
    (rf"^(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})$", 3, 2, 1),  # DD-MM-YYYY, DD/MM/YYYY
    (r"^(\d{2})(\d{2})(\d{4})$", 3, 2, 1),  # DDMMYYYY
    (r"^(\d{4})(\d{2})(\d{2})$", 1, 2, 3),  # YYYYMMDD (spreadsheet exports)
)


@dataclass(frozen=True)
class BirthDate:
    """A parsed birth date: year, and month and day unless the date was a placeholder."""

    year: IntegerValue
    month: IntegerValue
    day: IntegerValue

    @property
    def year_only(self) -> BooleanValue:
        """Whether only the year is known (placeholder date)."""
        return self.year.notnull() & self.month.isnull()

    def iso(self) -> StringValue:
        """Return ``YYYY-MM-DD`` when the full date is known, else null."""
        return ibis.ifelse(
            self.month.notnull(),
            self.year.cast("string")
            .concat("-", self.month.cast("string").lpad(2, "0"))
            .concat("-", self.day.cast("string").lpad(2, "0")),
            ibis.null("string"),
        )

    def year_month(self) -> StringValue:
        """Return ``YYYY-MM`` when the month is known, else null."""
        return ibis.ifelse(
            self.month.notnull(),
            self.year.cast("string").concat("-", self.month.cast("string").lpad(2, "0")),
            ibis.null("string"),
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


def _group(text: StringValue, pattern: str, index: int) -> IntegerValue:
    return text.re_extract(pattern, index).nullif("").cast("int32")


def parse_birth_date(
    raw: StringValue,
    *,
    placeholders: Sequence[str] = ("01-01", "31-12", "01-07"),
    first_year: int = 1901,
    last_year: int = 2100,
) -> BirthDate:
    """Return the birth date in ``raw`` with placeholder day-months reduced to the year.

    Parameters
    ----------
    raw
        Dates as text in any of :data:`FORMATS`; a time part after a space is ignored.
    placeholders
        ``DD-MM`` days that stand for "day unknown" (their year is kept).
    first_year, last_year
        Years outside this range (1900-01-01 and the like) mean the date is unknown.

    Examples: ``17-05-1980`` -> 1980, 5, 17; ``01-01-1975`` -> 1975 only; ``1900-01-01`` -> null.
    """
    text = raw.strip().re_replace(r"\s.*$", "")
    year: IntegerValue = ibis.null("int32")
    month: IntegerValue = ibis.null("int32")
    day: IntegerValue = ibis.null("int32")
    for pattern, y, m, d in reversed(FORMATS):
        yy, mm, dd = _group(text, pattern, y), _group(text, pattern, m), _group(text, pattern, d)
        ok = yy.notnull() & valid_day(yy, mm, dd)
        year, month, day = ibis.ifelse(ok, yy, year), ibis.ifelse(ok, mm, month), ibis.ifelse(ok, dd, day)
    known = (year >= first_year) & (year <= last_year)
    day_month = day.cast("string").lpad(2, "0").concat("-", month.cast("string").lpad(2, "0"))
    placeholder = day_month.isin(list(placeholders))
    return BirthDate(
        year=ibis.ifelse(known, year, ibis.null("int32")),
        month=ibis.ifelse(known & ~placeholder, month, ibis.null("int32")),
        day=ibis.ifelse(known & ~placeholder, day, ibis.null("int32")),
    )
