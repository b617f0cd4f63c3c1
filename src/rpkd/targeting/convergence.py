"""Programme convergence: who gets what, who is left out, who should not be in.

Beneficiary lists are linked to registry persons (a links table ``programme, record,
person_id`` as ``rpkd link`` writes it, or the synthetic truth); a family receives a programme
when one of its members is on the programme's list. From the family × programme matrix come:
coverage by area or desil, the exclusion list (e.g. desil-1 families receiving nothing), the
inclusion list (recipients outside the programme's rule), double receipt that the catalogue
forbids (``exclusive_with``), deceased recipients, and per family the programmes it qualifies
for (or is deprived in) but does not receive. Everything is an Ibis expression.

References
----------
Inpres 4/2022 and 8/2025 (convergence of existing programmes on desil 1 and on pockets of
poverty); facts.md §7.B.9 (coverage and gaps per family, exclusion and inclusion lists for
verification); Coady, Grosh & Hoddinott (2004), ch. 3 (leakage and undercoverage).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import ibis
import pyarrow as pa

from rpkd.errors import UsageError
from rpkd.targeting.accuracy import domain_order
from rpkd.targeting.eligibility import Catalogue
from rpkd.targeting.features import family_columns, left_join
from rpkd.targeting.rules import compile_rule, parse_rule

if TYPE_CHECKING:
    from ibis.expr.types import Table

Level = Literal["kabupaten", "kecamatan", "desa", "desil"]
LEVELS: dict[Level, str | None] = {
    "kabupaten": None,
    "kecamatan": "kecamatan_code",
    "desa": "desa_code",
    "desil": "desil",
}
PREDICTED = ("predicted_welfare", "predicted_desil")
"""Columns of a PMT ranking (:mod:`rpkd.targeting.ranking`) an exclusion condition may use."""
ANY = "any"
"""Programme name of the "at least one programme" rows."""


def linked_recipients(links: Table, persons: Table) -> Table:
    """Return linked list records with the person's family and death date.

    ``links`` has ``programme``, ``record`` and ``person_id`` (null when the record is unlinked).
    """
    linked = links.filter(links.person_id.notnull())
    people = persons.select("person_id", "family_id", "death_date", "relation")
    return linked.inner_join(people, "person_id")


def receipt(links: Table, persons: Table, programmes: Sequence[str]) -> Table:
    """Return one row per receiving family: ``receives_<programme>`` and ``records_<programme>``."""
    r = linked_recipients(links, persons)
    return r.group_by("family_id").aggregate(
        **{f"receives_{p}": (r.programme == p).any() for p in programmes},
        **{f"records_{p}": (r.programme == p).cast("int64").sum() for p in programmes},
    )


def matrix(eligible: Table, links: Table, persons: Table, cat: Catalogue) -> Table:
    """Return the family × programme matrix: eligibility table plus receipt flags.

    Adds ``receives_<p>`` for every programme, ``receives_any`` (at least one programme) and
    ``n_programmes``.
    """
    codes = cat.codes
    joined = left_join(eligible, receipt(links, persons, codes), "family_id")
    flags = {f"receives_{p}": joined[f"receives_{p}"].fill_null(False) for p in codes}
    table = joined.mutate(
        **flags, **{f"records_{p}": joined[f"records_{p}"].fill_null(0) for p in codes}
    )
    any_flag = ibis.literal(False)
    count = ibis.literal(0)
    for p in codes:
        any_flag = any_flag | table[f"receives_{p}"]
        count = count + table[f"receives_{p}"].cast("int64")
    return table.mutate(receives_any=any_flag, n_programmes=count)


def coverage_counts(table: Table, cat: Catalogue, level: Level) -> Table:
    """Return families, eligible, recipients and eligible recipients per programme and area."""
    by = LEVELS.get(level, "missing")
    if by == "missing":
        raise UsageError("area_level_unknown", param="level", value=level, allowed=tuple(LEVELS))
    metrics: dict[str, Any] = {"families": table.count()}
    eligible_any = ibis.literal(False)
    for p in cat.codes:
        elig = table[f"eligible_{p}"]
        rec = table[f"receives_{p}"]
        eligible_any = eligible_any | elig
        metrics[f"eligible__{p}"] = elig.cast("int64").sum()
        metrics[f"recipients__{p}"] = rec.cast("int64").sum()
        metrics[f"both__{p}"] = (elig & rec).cast("int64").sum()
    metrics[f"eligible__{ANY}"] = eligible_any.cast("int64").sum()
    metrics[f"recipients__{ANY}"] = table.receives_any.cast("int64").sum()
    metrics[f"both__{ANY}"] = (eligible_any & table.receives_any).cast("int64").sum()
    if by is None:
        return table.aggregate(**metrics).mutate(area=ibis.literal(None, type="string"))
    return table.group_by(area=table[by].cast("string")).aggregate(**metrics)


def coverage_table(counts: pa.Table, cat: Catalogue, level: Level) -> pa.Table:
    """Return :func:`coverage_counts` in long form with rates, one row per area and programme.

    ``coverage`` = recipients / families; ``coverage_of_eligible`` = eligible recipients /
    eligible (1 − exclusion rate against the rule); ``outside_rule`` = recipients not eligible /
    recipients (the inclusion rate against the rule).
    """
    rows = []
    ordered = sorted(counts.to_pylist(), key=lambda r: domain_order(r["area"]))
    for row in ordered:
        for p in (*cat.codes, ANY):
            families, elig = row["families"], row[f"eligible__{p}"]
            rec, both = row[f"recipients__{p}"], row[f"both__{p}"]
            rows.append(
                {
                    "level": level,
                    "area": row["area"],
                    "programme": p,
                    "families": families,
                    "eligible": elig,
                    "recipients": rec,
                    "eligible_recipients": both,
                    "coverage": rec / families if families else None,
                    "coverage_of_eligible": both / elig if elig else None,
                    "outside_rule": (rec - both) / rec if rec else None,
                }
            )
    return pa.Table.from_pylist(rows)


def exclusion(table: Table, persons: Table, *, condition: str, cat: Catalogue) -> Table:
    """Return families meeting ``condition`` (a rule, e.g. ``desil = 1``) that receive nothing.

    The condition may use the family columns, the catalogue's predicates (``extreme_poor``),
    ``eligible_<p>``/``receives_<p>`` and, when ``table`` carries a PMT ranking, ``predicted_desil``.

    Carries the head's name and NIK, KK number and address: personal data, mask before display.
    """
    allowed = {
        **family_columns(),
        **{p.name: ("bool", None) for p in cat.predicates},
        **{c: ("bool", None) for c in table.columns if c.startswith(("eligible_", "receives_"))},
        **{c: ("float", None) for c in PREDICTED if c in table.columns},
    }
    rule = parse_rule(condition, name="exclusion", columns=allowed)
    chosen = table.filter(compile_rule(rule, table) & ~table.receives_any)
    return with_head(chosen, persons).select(
        "family_id", "desa_code", "kecamatan_code", "desil", "kk_number", "address",
        "head_name", "head_nik", "family_size",
        *[f"eligible_{p}" for p in cat.codes],
    ).order_by(["desa_code", "family_id"])  # fmt: skip


def with_head(table: Table, persons: Table) -> Table:
    """Return ``table`` with the family head's ``head_name`` and ``head_nik`` (personal data)."""
    heads = persons.filter(persons.relation == "kepala_keluarga")
    heads = heads.group_by("family_id").aggregate(
        head_name=heads.name.min(), head_nik=heads.nik.min()
    )
    return left_join(table, heads, "family_id")


def inclusion(table: Table, cat: Catalogue) -> Table:
    """Return one row per family and programme received although its rule is not met."""
    parts = [
        table.filter(table[f"receives_{p}"] & ~table[f"eligible_{p}"]).select(
            "family_id", "desa_code", "kecamatan_code", "desil",
            programme=ibis.literal(p), records=table[f"records_{p}"],
        )
        for p in cat.codes
    ]  # fmt: skip
    return ibis.union(*parts).order_by(["programme", "desa_code", "family_id"])


def double_receipt(table: Table, cat: Catalogue) -> Table:
    """Return families receiving two programmes that the catalogue declares exclusive."""
    pairs = sorted({tuple(sorted((p.code, q))) for p in cat.programmes for q in p.exclusive_with})
    parts = [
        table.filter(table[f"receives_{a}"] & table[f"receives_{b}"]).select(
            "family_id", "desa_code", "kecamatan_code", "desil",
            programme=ibis.literal(a), other=ibis.literal(b),
        )
        for a, b in pairs
    ]  # fmt: skip
    if not parts:
        return table.limit(0).select(
            "family_id", "desa_code", "kecamatan_code", "desil",
            programme=ibis.literal(""), other=ibis.literal(""),
        )  # fmt: skip
    return ibis.union(*parts).order_by(["programme", "other", "family_id"])


def deceased_recipients(links: Table, persons: Table, *, on: date) -> Table:
    """Return list records linked to a person who had died on or before ``on``."""
    r = linked_recipients(links, persons)
    dead = r.filter(r.death_date.notnull() & (r.death_date <= ibis.literal(on)))
    return dead.select("programme", "record", "person_id", "family_id", "death_date").order_by(
        ["programme", "record"]
    )


def gaps(table: Table, cat: Catalogue) -> Table:
    """Return per family the programmes it qualifies for, or is deprived in, but does not receive.

    ``deprivations`` lists the family's deprivations tied to the programme (catalogue
    ``[[deprivation]]``), comma-separated, or is null.
    """
    parts = []
    for p in cat.codes:
        tied = [pred for pred, prog in cat.deprivations if prog == p]
        named = [ibis.ifelse(table[d], ibis.literal(d), ibis.null().cast("string")) for d in tied]
        deprived = ibis.literal(False)
        for d in tied:
            deprived = deprived | table[d]
        joined = ibis.literal(", ").join(named) if named else ibis.null().cast("string")
        missing = ~table[f"receives_{p}"] & (table[f"eligible_{p}"] | deprived)
        parts.append(
            table.filter(missing).select(
                "family_id", "desa_code", "kecamatan_code", "desil",
                programme=ibis.literal(p), eligible=table[f"eligible_{p}"],
                deprivations=ibis.ifelse(deprived, joined, ibis.null().cast("string")),
            )
        )  # fmt: skip
    return ibis.union(*parts).order_by(["family_id", "programme"])


def list_summary(links: Table, persons: Table, *, on: date) -> Table:
    """Return per programme: list records, linked records, families reached, deceased linked."""
    r = linked_recipients(links, persons)
    dead = r.death_date.notnull() & (r.death_date <= ibis.literal(on))
    linked = r.group_by("programme").aggregate(
        linked=r.count(), families=r.family_id.nunique(), deceased=dead.cast("int64").sum()
    )
    records = links.group_by("programme").aggregate(records=links.count())
    joined = records.left_join(linked, "programme")
    if "programme_right" in joined.columns:
        joined = joined.drop("programme_right")
    return joined.mutate(
        linked=joined.linked.fill_null(0),
        families=joined.families.fill_null(0),
        deceased=joined.deceased.fill_null(0),
    ).order_by("programme")
