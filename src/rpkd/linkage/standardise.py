"""Put a beneficiary list and the registry's persons into one comparable shape.

Both sides get the same columns (:data:`COLUMNS`), computed in the engine: the normalised name
and its tokens, sorted form and phonetic key (:mod:`rpkd.linkage.names`), the birth date with
placeholders reduced to the year (:mod:`rpkd.linkage.dates`), sex, desa and kecamatan codes, KK
number, the NIK's 16 digits and whether the NIK can be trusted (:mod:`rpkd.linkage.nik`).

References
----------
Christen, P. (2012). *Data Matching*, ch. 4 (data pre-processing before linkage).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis

from rpkd import engine as eng
from rpkd.linkage import names
from rpkd.linkage import nik as nik_rules
from rpkd.linkage.dates import with_birth_date

if TYPE_CHECKING:
    from ibis.expr.types import StringValue, Table

COLUMNS: tuple[str, ...] = (
    "unique_id",
    "name_std",
    "name_sorted",
    "name_tokens",
    "name_key",
    "first_key",
    "father_std",
    "birth_date",
    "birth_ym",
    "birth_year",
    "year_only",
    "sex",
    "desa",
    "kecamatan",
    "kk",
    "nik",
    "nik_trusted",
    "deceased",
)
LIST_COLUMNS: tuple[str, ...] = ("record", "name", "birth_date", "nik", "kk_number", "desa_code")


@dataclass(frozen=True)
class Rules:
    """How birth dates are read: placeholder day-months and the range of plausible years."""

    placeholders: tuple[str, ...] = ("01-01", "31-12", "01-07")
    first_year: int = 1901
    last_year: int = 2100


def _text(table: Table, column: str) -> StringValue:
    if column in table.columns:
        return table[column].cast("string").strip().nullif("")
    return ibis.null("string")


def _code(raw: StringValue, width: int) -> StringValue:
    """Return the digits of a code when there are exactly ``width`` of them, else null."""
    text = raw.re_replace(r"\.0$", "").re_replace(r"[^0-9]", "")
    return ibis.ifelse(text.length() == width, text, ibis.null("string"))


def _sex(raw: StringValue) -> StringValue:
    """Return L or P from the spellings lists use (L, LK, LAKI-LAKI, 1; P, PR, PEREMPUAN, W, 2)."""
    text = raw.upper()
    return ibis.cases(
        (text.re_search(r"^(L|1)"), "L"),
        (text.re_search(r"^(P|W|2)"), "P"),
        else_=ibis.null("string"),
    )


def _common(engine: eng.Engine, raw: Table, rules: Rules) -> Table:
    """Standardise ``raw`` (columns unique_id, name, birth, sex, desa, kk, nik, deceased)."""
    step = names.with_names(raw, "name")
    step = with_birth_date(
        step,
        "birth",
        placeholders=rules.placeholders,
        first_year=rules.first_year,
        last_year=rules.last_year,
    )
    step = nik_rules.with_nik(engine, step, "nik_text")
    written = (step.birth_year % 100).cast("string").lpad(2, "0")
    # A NIK whose date or sex disagrees with what the list writes cannot be trusted.
    agrees = (
        (step.birth_year.isnull() | (step.nik_birth.substr(6, 2) == written))
        & (
            step.birth_date.isnull()
            | (
                step.nik_birth.substr(0, 5)
                == step.birth_date.substr(8, 2).concat("-", step.birth_date.substr(5, 2))
            )
        )
        & (step.sex_written.isnull() | (step.nik_sex == step.sex_written))
    )
    return step.mutate(
        sex=step.sex_written.fill_null(step.nik_sex),
        kecamatan=step.desa.substr(0, 6),
        nik_trusted=(step.nik_valid & agrees).fill_null(False),
    ).select(*COLUMNS)


def standardise_list(engine: eng.Engine, rows: Table, rules: Rules | None = None) -> Table:
    """Return a beneficiary list in the linkage shape; ``unique_id`` is the list's ``record``.

    ``rows`` has the list columns of the BENEFICIARIES schema (all text is fine); an optional
    ``sex`` column is used when present, else sex comes from a NIK with a valid date part.
    """
    rules = rules or Rules()
    raw = rows.select(
        unique_id=rows.record.cast("string"),
        name=_text(rows, "name"),
        birth=_text(rows, "birth_date"),
        sex_written=_sex(_text(rows, "sex")),
        desa=_code(_text(rows, "desa_code"), 10),
        kk=_code(_text(rows, "kk_number"), 16),
        nik_text=_text(rows, "nik"),
        deceased=ibis.literal(False),
    )
    return _common(engine, raw, rules)


def standardise_registry(
    engine: eng.Engine, persons: Table, families: Table, rules: Rules | None = None
) -> Table:
    """Return the registry's persons (living and deceased) in the linkage shape.

    The desa code and KK number come from each person's family; ``unique_id`` is ``person_id``.
    """
    rules = rules or Rules()
    home = families.select(
        home_family=families.family_id, home_kk=families.kk_number, home_desa=families.desa_code
    )
    joined = persons.left_join(home, persons.family_id == home.home_family)
    died = joined.death_date.notnull() if "death_date" in joined.columns else ibis.literal(False)
    raw = joined.select(
        unique_id=joined.person_id.cast("string"),
        name=_text(joined, "name"),
        birth=_text(joined, "birth_date"),
        sex_written=_sex(_text(joined, "sex")),
        desa=_code(_text(joined, "home_desa"), 10),
        kk=_code(_text(joined, "home_kk"), 16),
        nik_text=_text(joined, "nik"),
        deceased=died,
    )
    return _common(engine, raw, rules)


def rules_from(document: Mapping[str, Any]) -> Rules:
    """Return :class:`Rules` from the ``[birth_dates]`` table of ``params/linkage.toml``."""
    dates: Mapping[str, Any] = document.get("birth_dates", {})
    return Rules(
        placeholders=tuple(str(p) for p in dates.get("placeholders", Rules.placeholders)),
        first_year=int(dates.get("first_year", Rules.first_year)),
        last_year=int(dates.get("last_year", Rules.last_year)),
    )
