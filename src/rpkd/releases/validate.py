"""Validate staged source files: every check as one engine query, findings as a capped table.

Column- and file-level problems come from staging; row-level, duplicate, region and cross-table
checks (:mod:`rules`, :mod:`consistency`, :mod:`regional`) run in one query: one pass over each
base table collects the rules a row breaks (so a file is read once, not once per rule) and the
passes are unioned. At most :data:`CAP` findings are kept per file, rule and field (the totals
stay exact), so that one systematic problem in a million rows gives a readable report. The kept
findings are written by the engine to a Parquet file beside the staged files and handed on as an
engine table, never held in Python memory: with dozens of (file, rule, field) groups they can be
millions of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from rpkd import engine as eng
from rpkd.inputs import numbers
from rpkd.releases import consistency, findings, parse, regional, rules
from rpkd.releases.mapping import KindMapping, SourceMapping
from rpkd.releases.rules import Check, FileContext
from rpkd.releases.schema import table_schema
from rpkd.releases.sources import Staged

if TYPE_CHECKING:
    from ibis.expr.types import Table

CAP = 100_000
FINDINGS_FILE = "findings.capped.parquet"
_TYPES = ibis.schema({f.name: ("int64" if f.name == "row" else "string") for f in findings.SCHEMA})
# Report order: by kind, file, data row and field (file- and column-level findings first).
ORDER = ("kind", "file", "row", "field", "code", "value")


@dataclass(frozen=True)
class Validation:
    """What validation found: findings (capped, an engine table), exact totals, the district.

    ``findings`` has the columns of :data:`rpkd.releases.findings.SCHEMA`, unordered;
    :func:`ordered` sorts it for reports.
    """

    findings: Table
    totals: dict[tuple[str, str], int]
    district: str | None
    contexts: tuple[FileContext, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return not any(sev == "error" for sev, _ in self.totals)

    def summary(self, severity_: str) -> dict[str, int]:
        """Return counts by rule for one severity, largest first."""
        picked = {rule: n for (sev, rule), n in self.totals.items() if sev == severity_}
        return dict(sorted(picked.items(), key=lambda kv: (-kv[1], kv[0])))


def _shape_rows(staged: Sequence[Staged]) -> pa.Table:
    """Return the file- and column-level findings of staging as one table."""
    parts = [findings.table(s.findings, s.source.kind) for s in staged]
    return pa.concat_tables(parts) if parts else findings.SCHEMA.empty_table()


def _decimals(
    engine: eng.Engine, clean: Table, staged: Staged, km: KindMapping
) -> dict[str, numbers.Decimal]:
    """Return the decimal mark of each number column: the mapping's, else decided per column
    by :mod:`rpkd.inputs.numbers` from the votes of its values (one query per file)."""
    columns = [
        c.name
        for c in table_schema(staged.source.kind).columns
        if c.dtype in ("int", "float") and c.name in clean.columns
    ]
    if km.decimal is not None:
        return {c: "," if km.decimal == "," else "." for c in columns}
    if not columns:
        return {}
    votes = eng.fetch(parse.decimal_votes(clean, {c: clean[c] for c in columns})).to_pylist()[0]
    fallback = numbers.fallback(staged.staged.layout.delimiter)
    return {
        c: numbers.choose(votes[f"{c}__comma"] or 0, votes[f"{c}__dot"] or 0, fallback)
        for c in columns
    }


def contexts(
    engine: eng.Engine, staged: Sequence[Staged], mapping: SourceMapping, today: date
) -> tuple[FileContext, ...]:
    """Return a check context for every staged file that has rows, parsed once and stored."""
    out = []
    for s in staged:
        if not s.readable:
            continue  # row numbers of a ragged file are unreliable: report its shape only
        km = mapping.of(s.source.kind)
        target = s.path.with_suffix(".parsed.parquet")
        columns = table_schema(s.source.kind).columns
        clean = parse.cleaned(eng.table(engine, s.path), columns, km)
        decimals = _decimals(engine, clean, s, km)
        eng.write_parquet(engine, parse.parsed(clean, columns, km, decimals, today), target)
        out.append(
            FileContext(
                kind=s.source.kind,
                file=s.source.path.name,
                table=eng.table(engine, target),
                mapping=km,
                today=today,
                programme=s.source.programme,
                sheet=s.staged.layout.sheet,
                decimals=decimals,
            )
        )
    return tuple(out)


def _checks(
    engine: eng.Engine,
    ctxs: Sequence[FileContext],
    district: str | None,
    counts: dict[str, Counter[str]],
) -> list[Check]:
    by_kind = {c.kind: c for c in ctxs if c.kind != "beneficiaries"}
    families, persons = by_kind.get("families"), by_kind.get("persons")
    desa = regional.desa_lookup(engine, regional.all_codes(counts), district)
    codes: set[str] = set()
    for ctx in ctxs:
        codes |= regional.prefixes(ctx, "nik") | regional.prefixes(ctx, "kk_number")
    kecamatan = regional.kecamatan_lookup(engine, codes)
    home = (
        regional.family_home(families)
        if families and persons and families.present("desa_code")
        else None
    )
    out: list[Check] = []
    for ctx in ctxs:
        out += rules.row_checks(ctx)
        out += consistency.key_checks(ctx) + consistency.row_duplicate_checks(ctx)
        out += consistency.nik_checks(ctx)
        out += regional.desa_checks(ctx, desa, district)
        out += regional.identity_region_checks(
            ctx, "nik", kecamatan, home if ctx.kind == "persons" else None
        )
        out += regional.identity_region_checks(ctx, "kk_number", kecamatan)
        if ctx.kind == "survey":
            out += consistency.psu_checks(ctx)
        if ctx.kind == "families":
            out += consistency.kk_checks(ctx)
        if ctx.kind == "persons":
            out += consistency.head_checks(ctx)
    if families and persons:
        out += consistency.family_checks(families, persons)
    return out


def _findings_columns(table: Table) -> Table:
    return table.select(*findings.SCHEMA.names).cast(_TYPES)


def _broken(engine: eng.Engine, checks: Sequence[Check]) -> Table:
    """Return the findings of every check as one table.

    Checks on the same base table share one pass: each row's broken rules are gathered as an
    array of (check, value) and unnested; the passes are unioned and joined to the checks'
    constant columns. Building and compiling one expression per check instead costs seconds
    of Ibis time per import, and reads each file once per rule.
    """
    passes: dict[object, list[int]] = {}
    for k, check in enumerate(checks):
        passes.setdefault(check.base.op(), []).append(k)
    unnested = []
    for ks in passes.values():
        base = checks[ks[0]].base
        hits = ibis.array(
            [
                checks[k].where.ifelse(
                    ibis.struct({"k": ibis.literal(k, "int64"), "value": checks[k].text}),
                    ibis.null(),
                )
                for k in ks
            ]
        )
        unnested.append(
            base.select(
                row=base._row.cast("int64"), _hit=hits.filter(lambda hit: hit.notnull()).unnest()
            )
        )
    hits = ibis.union(*unnested, distinct=False) if len(unnested) > 1 else unnested[0]
    hits = hits.select("row", _k=hits._hit.k, value=hits._hit.value)
    constant = eng.table(
        engine,
        pa.table(
            {
                "_k": pa.array(range(len(checks)), pa.int64()),
                "code": [c.rule for c in checks],
                "severity": [c.severity for c in checks],
                "file": [c.ctx.file for c in checks],
                "sheet": pa.array([c.ctx.sheet for c in checks], pa.string()),
                "field": pa.array([c.field for c in checks], pa.string()),
                "params": [c.params_json for c in checks],
                "kind": [c.ctx.kind for c in checks],
            }
        ),
    )
    return hits.inner_join(constant, "_k").drop("_k")


def _capped(
    engine: eng.Engine, checks: Sequence[Check], dest: Path
) -> tuple[Table | None, dict[tuple[str, str], int]]:
    """Run every check once; write at most ``CAP`` findings per (file, rule, field) to ``dest``.

    Returns the written findings as an engine table and the exact totals by (severity, rule),
    read back from the small per-group aggregate of the file.
    """
    if not checks:
        return None, {}
    union = _broken(engine, checks)
    group = [union.file, union.code, union.field]
    ranked = union.mutate(
        _total=union.code.count().over(group_by=group),
        _rank=ibis.row_number().over(group_by=group, order_by=[union.row]),
    )
    eng.write_parquet(engine, ranked.filter(ranked._rank < CAP).drop("_rank"), dest)
    kept = eng.table(engine, dest)
    groups = eng.fetch(
        kept.group_by(["file", "code", "field", "severity"]).agg(_total=kept._total.max())
    )
    totals: Counter[tuple[str, str]] = Counter()
    for rule, sev, total in zip(
        *(groups[c].to_pylist() for c in ("code", "severity", "_total")), strict=True
    ):
        totals[(sev, rule)] += total
    return _findings_columns(kept), dict(totals)


def ordered(findings: Table) -> Table:
    """Return ``findings`` in report order: kind, file, row, field (nulls first), then code."""
    return findings.order_by([ibis.asc(c, nulls_first=True) for c in ORDER])


def validate(
    engine: eng.Engine,
    staged: Sequence[Staged],
    mapping: SourceMapping,
    *,
    today: date,
    region: str | None = None,
) -> Validation:
    """Run every check on the staged files and return the findings.

    ``today`` is the date the data describe (ages, births in the future); ``region`` the
    release's district (a Kemendagri code); when None it is the kabupaten/kota holding most
    families (or, without families, most rows).
    """
    issues = _shape_rows(staged)
    ctxs = contexts(engine, staged, mapping, today)
    counts = {f"{c.kind}:{c.file}": regional.desa_counts(c) for c in ctxs}
    ordered_counts = sorted(counts.items(), key=lambda kv: not kv[0].startswith("families:"))
    merged: Counter[str] = Counter()
    for _, tally in ordered_counts:
        merged.update(tally)
    first = (
        [ordered_counts[0][1]]
        if ordered_counts and ordered_counts[0][0].startswith("families:")
        else []
    )
    district = regional.choose_district(region, [*first, merged])
    checks = _checks(engine, ctxs, district, counts)
    found, totals = (
        _capped(engine, checks, staged[0].path.parent / FINDINGS_FILE) if staged else (None, {})
    )
    for sev, rule in zip(issues["severity"].to_pylist(), issues["code"].to_pylist(), strict=True):
        totals[(sev, rule)] = totals.get((sev, rule), 0) + 1
    if found is not None and issues.num_rows == 0:
        table = found
    else:
        listed = _findings_columns(eng.table(engine, issues))
        table = listed if found is None else ibis.union(listed, found, distinct=False)
    return Validation(table, totals, district, ctxs)


def typed(ctx: FileContext, *, row: bool = False) -> Table:
    """Return the file's rows with every schema column in its release type and canonical order.

    With ``row`` the data row number ``_row`` (1-based) comes last.
    """
    t = ctx.table
    dtypes = {
        "string": "string",
        "int": "int64",
        "float": "float64",
        "bool": "boolean",
        "date": "date",
    }
    columns = {}
    for column in ctx.schema.columns:
        if (
            ctx.kind == "beneficiaries"
            and column.name == "programme"
            and not ctx.present("programme")
        ):
            columns[column.name] = ibis.literal(ctx.programme or "", "string")
        elif ctx.kind == "beneficiaries" and column.name == "record" and not ctx.present("record"):
            columns[column.name] = t._row.cast("string")
        elif ctx.present(column.name):
            columns[column.name] = ctx.value(column.name).cast(dtypes[column.dtype])
        else:
            columns[column.name] = ibis.null().cast(dtypes[column.dtype])
    if row:
        columns["_row"] = t._row
    return t.select(**columns)
