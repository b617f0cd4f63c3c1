"""Region checks: desa codes exist and lie in the release's district; NIK and KK region parts.

Distinct codes are few (at most ~84k desa, ~7k kecamatan in Indonesia), so they are fetched once,
looked up in the Kemendagri master (:mod:`rpkd.regions`) and joined back to the rows as a small
table; the rows themselves never leave the engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from rpkd import engine as eng
from rpkd import regions
from rpkd.errors import UnknownRegion
from rpkd.releases.rules import Check, FileContext, finding

if TYPE_CHECKING:
    from ibis.expr.types import Table

_DIGITS16 = r"^\d{16}$"


def desa_counts(ctx: FileContext) -> Counter[str]:
    """Return the number of rows per well-formed (dotted) desa code of one file."""
    if not ctx.present("desa_code"):
        return Counter()
    code = ctx.value("desa_code")
    rows = eng.fetch(
        ctx.table.select(code=code).filter(code.notnull()).group_by("code").agg(n=ibis._.count())
    )
    return Counter(dict(zip(rows["code"].to_pylist(), rows["n"].to_pylist(), strict=True)))


def choose_district(explicit: str | None, counts: Iterable[Counter[str]]) -> str | None:
    """Return the release's region: the one given, else the kabupaten/kota holding most rows.

    ``counts`` are desa counts, the registry (families) first; the first non-empty one decides.
    """
    if explicit:
        return regions.region(explicit).code
    for tally in counts:
        by_kabupaten: Counter[str] = Counter()
        for code, n in tally.items():
            if regions.exists(code):
                by_kabupaten[code[:5]] += n
        if by_kabupaten:
            return max(sorted(by_kabupaten), key=lambda k: by_kabupaten[k])
    return None


def desa_lookup(engine: eng.Engine, codes: Iterable[str], district: str | None) -> Table:
    """Return a table (code, known, inside) for every distinct dotted desa code."""
    unique = sorted(set(codes))
    known = [regions.exists(c) and regions.depth_of(c) == "desa" for c in unique]
    inside = [
        k and (district is None or regions.contains(district, c))
        for c, k in zip(unique, known, strict=True)
    ]
    return eng.table(
        engine,
        pa.table(
            {
                "_code": pa.array(unique, pa.string()),
                "_known": pa.array(known, pa.bool_()),
                "_inside": pa.array(inside, pa.bool_()),
            }
        ),
    )


def desa_checks(ctx: FileContext, lookup: Table, district: str | None) -> list[Check]:
    """Return desa_unknown and desa_outside findings of one file."""
    if not ctx.present("desa_code"):
        return []
    t = ctx.table
    base = t.select("_row", _text=ctx.text("desa_code"), _code=ctx.value("desa_code")).filter(
        ibis._._code.notnull()
    )
    joined = base.inner_join(lookup, "_code")
    return [
        finding(ctx, joined, ~joined._known, "desa_code", joined._text, "desa_unknown"),
        finding(
            ctx,
            joined,
            joined._known & ~joined._inside,
            "desa_code",
            joined._text,
            "desa_outside",
            region=district or "",
        ),
    ]


def prefixes(ctx: FileContext, column: str) -> set[str]:
    """Return the distinct 6-digit region parts of a well-formed NIK or KK column."""
    if not ctx.present(column):
        return set()
    text = ctx.text(column)
    rows = eng.fetch(
        ctx.table.filter(text.re_search(_DIGITS16)).select(p=text.substr(0, 6)).distinct()
    )
    return set(rows["p"].to_pylist())


def kecamatan_lookup(engine: eng.Engine, codes: Iterable[str]) -> Table:
    """Return a table (_prefix, _real) saying which 6-digit codes are real kecamatan."""
    unique = sorted(set(codes))
    real = []
    for code in unique:
        try:
            real.append(regions.region(code).depth == "kecamatan")
        except UnknownRegion:
            real.append(False)
    return eng.table(
        engine,
        pa.table({"_prefix": pa.array(unique, pa.string()), "_real": pa.array(real, pa.bool_())}),
    )


def identity_region_checks(
    ctx: FileContext, column: str, lookup: Table, home: Table | None = None
) -> list[Check]:
    """Return region findings of a NIK or KK column; with ``home`` (family_id -> kecamatan), moves.

    A NIK issued in another real kecamatan than the one of the family's desa is a warning
    (``nik_moved``: people move and keep their NIK); a region part that is no kecamatan at all
    is an error.
    """
    if not ctx.present(column):
        return []
    t = ctx.table
    text = ctx.text(column)
    fields = {"_row": t._row, "_text": text, "_prefix": text.substr(0, 6)}
    if home is not None:
        fields["_fam"] = ctx.text("family_id")
    base = t.filter(text.re_search(_DIGITS16)).select(**fields)
    joined = base.inner_join(lookup, "_prefix")
    rule = "nik_region_unknown" if column == "nik" else "kk_region_unknown"
    out = [finding(ctx, joined, ~joined._real, column, joined._text, rule)]
    if home is not None:
        moved = joined.filter(joined._real).inner_join(home, "_fam")
        out.append(
            finding(ctx, moved, moved._prefix != moved._home, column, moved._text, "nik_moved")
        )
    return out


def family_home(ctx: FileContext) -> Table:
    """Return (``_fam``, ``_home``): each family's kecamatan as the 6 digits a NIK starts with."""
    code = ctx.value("desa_code")
    return (
        ctx.table.select(_fam=ctx.text("family_id"), _home=code.replace(".", "").substr(0, 6))
        .filter(ibis._._home.notnull() & ibis._._fam.notnull())
        .group_by("_fam")
        .agg(_home=ibis._._home.min())
    )


def all_codes(counts: Mapping[str, Counter[str]]) -> set[str]:
    """Return every desa code seen in any file."""
    return {code for tally in counts.values() for code in tally}
