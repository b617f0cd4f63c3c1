"""Checks across rows and tables: duplicates, families and their persons, heads, family size.

All are group-bys and joins in the engine: duplicate keys and identical rows, one NIK twice or in
two families, persons whose family is missing, families with no head or two heads, a family
size that differs from the number of living persons (DTSEN counts living members), and a survey
PSU listed in two strata (the design needs PSUs nested in strata, as R ``svydesign`` checks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from rpkd.releases.rules import Check, FileContext, finding

if TYPE_CHECKING:
    from ibis.expr.types import Table

HEAD = "kepala_keluarga"


def _duplicated(base: Table, column: str) -> Table:
    counts = base.filter(base[column].notnull()).group_by(column).agg(_n=ibis._.count())
    return base.inner_join(counts.filter(counts._n > 1).select(column), column)


def key_checks(ctx: FileContext) -> list[Check]:
    """Return key_duplicate findings (family_id, person_id, household_id, desa_code, record)."""
    key = ctx.schema.key[-1]
    if not ctx.present(key):
        return []
    base = ctx.table.select("_row", _k=ctx.text(key))
    dup = _duplicated(base, "_k")
    return [finding(ctx, dup, ibis.literal(True), key, dup._k, "key_duplicate")]


def row_duplicate_checks(ctx: FileContext) -> list[Check]:
    """Return row_duplicate findings: rows identical in every column (lists: but the record)."""
    t = ctx.table
    columns = [
        c.name
        for c in ctx.schema.columns
        if ctx.present(c.name) and not (ctx.kind == "beneficiaries" and c.name == "record")
    ]
    if not columns:
        return []
    if ctx.kind != "beneficiaries" and ctx.present(ctx.schema.key[-1]):
        # Identical rows share their key: look only among rows whose key is duplicated.
        key = ctx.text(ctx.schema.key[-1])
        counts = t.select(_k=key).filter(ibis._._k.notnull()).group_by("_k").agg(_n=ibis._.count())
        t = t.filter(key.isin(counts.filter(counts._n > 1)._k))
    signature = ibis.literal("\x1f").join([t[c].fill_null("\x00") for c in columns])
    dup = _duplicated(t.select("_row", _sig=signature), "_sig")
    return [finding(ctx, dup, ibis.literal(True), None, None, "row_duplicate")]


def nik_checks(ctx: FileContext) -> list[Check]:
    """Return NIK duplicates: the same NIK twice, or (persons) one NIK in two families."""
    if not ctx.present("nik"):
        return []
    t = ctx.table
    fam = ctx.text("family_id") if ctx.present("family_id") else ibis.literal("", "string")
    base = t.select("_row", _nik=ctx.text("nik"), _fam=fam).filter(ibis._._nik.notnull())
    groups = base.group_by("_nik").agg(
        _n=ibis._.count(), _two=ibis._._fam.min() != ibis._._fam.max()
    )
    dup = base.inner_join(groups.filter(groups._n > 1), "_nik")
    return [
        finding(ctx, dup, dup._two, "nik", dup._nik, "nik_in_two_families"),
        finding(ctx, dup, ~dup._two, "nik", dup._nik, "nik_duplicate"),
    ]


def psu_checks(ctx: FileContext) -> list[Check]:
    """Return psu_strata findings: every row of a PSU that appears under more than one stratum.

    A stratified cluster design estimates the variance within strata between their PSUs; a PSU
    in two strata has no place in it (R ``svydesign(nest = FALSE)`` stops with "Clusters not
    nested in strata").
    """
    if not (ctx.present("psu") and ctx.present("stratum")):
        return []
    base = ctx.table.select("_row", _psu=ctx.text("psu"), _stratum=ctx.text("stratum"))
    base = base.filter(base._psu.notnull() & base._stratum.notnull())
    groups = base.group_by("_psu").agg(_strata=base._stratum.nunique())
    split = base.inner_join(groups.filter(groups._strata > 1), "_psu")
    return [finding(ctx, split, ibis.literal(True), "psu", split._psu, "psu_strata")]


def kk_checks(ctx: FileContext) -> list[Check]:
    """Return kk_duplicate warnings: one KK number on two family rows."""
    if not ctx.present("kk_number"):
        return []
    base = ctx.table.select("_row", _kk=ctx.text("kk_number"))
    dup = _duplicated(base, "_kk")
    return [finding(ctx, dup, ibis.literal(True), "kk_number", dup._kk, "kk_duplicate")]


def _living(persons: FileContext) -> ibis.expr.types.BooleanValue:
    if persons.present("death_date"):
        death = persons.value("death_date")
        return death.isnull() & persons.text("death_date").isnull()
    return ibis.literal(True)


def head_checks(persons: FileContext) -> list[Check]:
    """Return head_missing (at the family's first person row) and head_multiple (each head row)."""
    if not (persons.present("relation") and persons.present("family_id")):
        return []
    t = persons.table
    is_head = (persons.value("relation") == HEAD).fill_null(False) & _living(persons)
    base = t.select("_row", _fam=persons.text("family_id"), _head=is_head.cast("int64")).filter(
        ibis._._fam.notnull()
    )
    per_family = base.group_by("_fam").agg(_heads=ibis._._head.sum(), _first=ibis._._row.min())
    missing = per_family.filter(per_family._heads == 0).select(_row=ibis._._first, _fam=ibis._._fam)
    heads = base.filter(base._head == 1).inner_join(
        per_family.filter(per_family._heads > 1), "_fam"
    )
    return [
        finding(persons, missing, ibis.literal(True), "family_id", missing._fam, "head_missing"),
        finding(persons, heads, ibis.literal(True), "family_id", heads._fam, "head_multiple"),
    ]


def family_checks(families: FileContext, persons: FileContext) -> list[Check]:
    """Return family_missing (persons) and family_size_mismatch (families) findings."""
    if not (families.present("family_id") and persons.present("family_id")):
        return []
    fam_ids = (
        families.table.select(_fam=families.text("family_id"))
        .filter(ibis._._fam.notnull())
        .distinct()
    )
    members = persons.table.select("_row", _fam=persons.text("family_id"), _alive=_living(persons))
    orphans = members.filter(members._fam.notnull()).anti_join(fam_ids, "_fam")
    out = [
        finding(persons, orphans, ibis.literal(True), "family_id", orphans._fam, "family_missing")
    ]
    if families.present("family_size"):
        living = members.filter(members._alive).group_by("_fam").agg(_living=ibis._.count())
        size = families.value("family_size")
        fam = families.table.select(
            "_row", _fam=families.text("family_id"), _size=size, _text=families.text("family_size")
        )
        joined = fam.left_join(living, "_fam")
        mismatch = joined._size.notnull() & (joined._size != joined._living.fill_null(0))
        out.append(
            finding(families, joined, mismatch, "family_size", joined._text, "family_size_mismatch")
        )
    return out
