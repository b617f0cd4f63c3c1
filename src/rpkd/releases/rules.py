"""Row-level checks of one staged file, as rules over the rows of an engine table.

Each check is a :class:`Check`: the rows of a base table (with ``_row``) where a condition holds
break a rule; :mod:`rpkd.releases.validate` runs all checks of a base table in one pass and all
bases in one query. :func:`row_checks` returns the single-row checks of a file. NIK structure
follows Dukcapil: digits 1-6 the kecamatan of issue, 7-12 the birth date DDMMYY with 40 added to
DD for women, 13-16 a serial (Permendagri 7/2019 on the NIK).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis

from rpkd.inputs import numbers
from rpkd.releases import parse
from rpkd.releases.findings import severity
from rpkd.releases.mapping import KindMapping
from rpkd.releases.schema import Column, TableSchema, table_schema

if TYPE_CHECKING:
    from ibis.expr.types import BooleanValue, Table, Value

_DIGITS16 = r"^\d{16}$"


@dataclass(frozen=True)
class FileContext:
    """One staged file under validation."""

    kind: str
    file: str
    table: Table
    mapping: KindMapping
    today: date
    programme: str | None = None
    sheet: str | None = None
    decimals: Mapping[str, numbers.Decimal] = field(default_factory=dict)

    @property
    def schema(self) -> TableSchema:
        return table_schema(self.kind)

    def text(self, column: str) -> Value:
        """Return the clean text of a column (null when absent from the file)."""
        if column not in self.table.columns:
            return ibis.null().cast("string")
        return self.table[column]

    def value(self, column: str) -> Value:
        """Return the typed value of a column (null when absent, missing or unparseable)."""
        if column not in self.table.columns:
            return ibis.null()
        typed = column + parse.VALUE
        return self.table[typed] if typed in self.table.columns else self.table[column]

    def present(self, column: str) -> bool:
        return column in self.table.columns


@dataclass(frozen=True)
class Check:
    """One rule: the rows of ``base`` (which has ``_row``) where ``where`` holds break it.

    ``value`` is the text reported for such a row (None: no value), ``params`` fill in the
    rule's sentence when a report is written.
    """

    ctx: FileContext
    base: Table
    where: BooleanValue
    field: str | None
    value: Value | None
    rule: str
    params: Mapping[str, Any]

    @property
    def text(self) -> Value:
        """Return the reported value as text (null when the rule reports none)."""
        return ibis.null().cast("string") if self.value is None else self.value.cast("string")

    @property
    def severity(self) -> str:
        return severity(self.rule, self.ctx.kind, self.field)

    @property
    def params_json(self) -> str:
        return json.dumps(self.params, ensure_ascii=False, sort_keys=True)


def finding(
    ctx: FileContext,
    base: Table,
    where: BooleanValue,
    field: str | None,
    value: Value | None,
    rule: str,
    **params: Any,
) -> Check:
    """Return the check that rows of ``base`` where ``where`` holds break ``rule``."""
    return Check(ctx, base, where, field, value, rule, params)


def _bounds(column: Column) -> str:
    low, high = column.minimum, column.maximum
    show = [f"{v:g}" for v in (low, high) if v is not None]
    if low is not None and high is not None:
        return f"{show[0]}–{show[1]}"
    return f"≥ {show[0]}" if low is not None else f"≤ {show[0]}"


def column_checks(ctx: FileContext, column: Column) -> list[Check]:
    """Return required, type, code-list and range checks of one column."""
    t = ctx.table
    out: list[Check] = []
    filled = ctx.kind == "beneficiaries" and column.name in ("programme", "record")
    if not ctx.present(column.name) or filled:
        return out
    text, value = ctx.text(column.name), ctx.value(column.name)
    if column.required:
        out.append(finding(ctx, t, text.isnull(), column.name, None, "required_missing"))
    elif column.present and column.name == "nik":
        out.append(finding(ctx, t, text.isnull(), column.name, None, "nik_empty"))
    if column.name == "desa_code":
        out.append(
            finding(ctx, t, text.notnull() & value.isnull(), column.name, text, "desa_malformed")
        )
        return out
    if column.dtype == "int":
        is_number = parse.number(text, ctx.decimals.get(column.name, ".")).notnull()
        out.append(finding(ctx, t, text.notnull() & ~is_number, column.name, text, "not_number"))
        out.append(finding(ctx, t, is_number & value.isnull(), column.name, text, "not_integer"))
    elif column.dtype in ("float", "bool", "date"):
        rule = {"float": "not_number", "bool": "not_boolean", "date": "not_date"}[column.dtype]
        params = {"formats": parse.formats(ctx.mapping)} if column.dtype == "date" else {}
        bad = text.notnull() & value.isnull()
        out.append(finding(ctx, t, bad, column.name, text, rule, **params))
    if column.codes:
        codes = list(column.codes)
        out.append(
            finding(
                ctx,
                t,
                text.notnull() & ~value.isin(list(column.codes)),
                column.name,
                text,
                "code_unknown",
                codes=codes,
            )
        )
    if column.dtype in ("int", "float") and (
        column.minimum is not None or column.maximum is not None
    ):
        outside = ibis.literal(False)
        if column.minimum is not None:
            outside = outside | (value < column.minimum)
        if column.maximum is not None:
            outside = outside | (value > column.maximum)
        out.append(
            finding(
                ctx,
                t,
                value.notnull() & outside,
                column.name,
                text,
                "out_of_range",
                bounds=_bounds(column),
            )
        )
    return out


def identity_checks(
    ctx: FileContext, column: str, birth: Value | None, female: Value | None
) -> list[Check]:
    """Return NIK or KK structure checks (16 digits; NIK birth part against birth date and sex)."""
    t = ctx.table
    if not ctx.present(column):
        return []
    text = ctx.text(column)
    well_formed = text.re_search(_DIGITS16)
    rule = "nik_malformed" if column == "nik" else "kk_malformed"
    out = [finding(ctx, t, text.notnull() & ~well_formed, column, text, rule)]
    if column != "nik":
        return out
    dd = text.substr(6, 2).try_cast("int64")
    mm = text.substr(8, 2).try_cast("int64")
    yy = text.substr(10, 2).try_cast("int64")
    is_female = dd > 40
    day = is_female.ifelse(dd - 40, dd)
    valid = (day >= 1) & (day <= 31) & (mm >= 1) & (mm <= 12)
    out.append(finding(ctx, t, well_formed & ~valid, column, text, "nik_birth_invalid"))
    mismatch = ibis.literal(False)
    if birth is not None:
        mismatch = mismatch | (
            birth.notnull()
            & ((birth.day() != day) | (birth.month() != mm) | (birth.year() % 100 != yy))
        ).fill_null(False)
    if female is not None:
        mismatch = mismatch | (female.notnull() & (female != is_female)).fill_null(False)
    out.append(finding(ctx, t, well_formed & valid & mismatch, column, text, "nik_birth_mismatch"))
    return out


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def life_checks(ctx: FileContext) -> list[Check]:
    """Return birth/death checks of persons: age over 120, birth in the future, deaths."""
    t = ctx.table
    birth = ctx.value("birth_date") if ctx.present("birth_date") else None
    death = ctx.value("death_date") if ctx.present("death_date") else None
    out: list[Check] = []
    if birth is not None:
        text = ctx.text("birth_date")
        oldest = ibis.literal(_years_before(ctx.today, 120))
        out.append(
            finding(
                ctx, t, birth.notnull() & (birth < oldest), "birth_date", text, "age_impossible"
            )
        )
        out.append(
            finding(
                ctx,
                t,
                birth.notnull() & (birth > ibis.literal(ctx.today)),
                "birth_date",
                text,
                "birth_future",
            )
        )
    if death is not None:
        text = ctx.text("death_date")
        out.append(finding(ctx, t, death.notnull(), "death_date", text, "deceased"))
        if birth is not None:
            out.append(
                finding(
                    ctx,
                    t,
                    death.notnull() & birth.notnull() & (death < birth),
                    "death_date",
                    text,
                    "death_before_birth",
                )
            )
    return out


def list_birth_checks(ctx: FileContext) -> list[Check]:
    """Return birth-date checks of a beneficiary list (kept as written, so warnings only)."""
    if not ctx.present("birth_date"):
        return []
    t = ctx.table
    text = ctx.text("birth_date")
    birth = t["birth_date" + parse.LIST_DATE]
    placeholder = ((birth.month() == 1) & (birth.day() == 1)) | (
        (birth.month() == 12) & (birth.day() == 31)
    )
    return [
        finding(
            ctx,
            t,
            text.notnull() & birth.isnull(),
            "birth_date",
            text,
            "not_date",
            formats=parse.formats(ctx.mapping) + ", DD-MM-YYYY, DD/MM/YYYY",
        ),
        finding(
            ctx, t, birth.notnull() & placeholder, "birth_date", text, "birth_date_placeholder"
        ),
    ]


def row_checks(ctx: FileContext) -> list[Check]:
    """Return every single-row check of one staged file."""
    out: list[Check] = []
    for column in ctx.schema.columns:
        if ctx.kind == "beneficiaries" and column.name == "birth_date":
            continue
        out.extend(column_checks(ctx, column))
    if ctx.kind == "survey" and ctx.present("weight"):
        weight = ctx.value("weight")
        out.append(
            finding(
                ctx,
                ctx.table,
                weight.notnull() & (weight <= 0),
                "weight",
                ctx.text("weight"),
                "weight_not_positive",
            )
        )
    if ctx.kind == "persons":
        birth = ctx.value("birth_date") if ctx.present("birth_date") else None
        female = (ctx.value("sex") == "P") if ctx.present("sex") else None
        out.extend(identity_checks(ctx, "nik", birth, female))
        out.extend(life_checks(ctx))
    if ctx.kind == "families":
        out.extend(identity_checks(ctx, "kk_number", None, None))
    if ctx.kind == "beneficiaries":
        birth = ctx.table["birth_date" + parse.LIST_DATE] if ctx.present("birth_date") else None
        out.extend(identity_checks(ctx, "nik", birth, None))
        out.extend(identity_checks(ctx, "kk_number", None, None))
        out.extend(list_birth_checks(ctx))
    return out
