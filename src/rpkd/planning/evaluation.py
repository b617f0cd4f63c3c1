"""Evaluation over time: target against realisation, programme coverage of desil 1–2 across
releases, and families that moved out of (or into) desil 1–2 between two registry releases.

Pure functions on values and Arrow tables (family tables are small enough for one district in
memory; larger ones should be aggregated in the engine first).

References
----------
RPKD monitoring and evaluation matrix (target, realisation, capaian %), facts.md §1.2(d); family
outcome tracking across DTSEN updates, facts.md §7 (D.15).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from rpkd.errors import InvalidInput
from rpkd.planning.model import Finding, Indicator
from rpkd.planning.performance import BandScheme, achievement

BOTTOM = frozenset({1, 2})


@dataclass(frozen=True)
class YearRow:
    """Target against realisation of one indicator in one year."""

    code: str
    name: str
    year: int
    target: float | None
    realisation: float | None
    achievement: float | None
    band: str | None
    light: str | None


@dataclass(frozen=True)
class TargetsOverTime:
    """Target against realisation for every indicator and year of the plan."""

    rows: tuple[YearRow, ...]
    findings: tuple[Finding, ...] = field(default=())

    def to_arrow(self) -> pa.Table:
        """Return the rows as an Arrow table."""
        return pa.Table.from_pylist([vars(r) for r in self.rows], schema=_YEAR_SCHEMA)


_YEAR_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("year", pa.int64()),
        ("target", pa.float64()),
        ("realisation", pa.float64()),
        ("achievement", pa.float64()),
        ("band", pa.string()),
        ("light", pa.string()),
    ]
)


def targets_over_time(
    indicators: Sequence[Indicator],
    realised: Mapping[tuple[str, int], float],
    years: Sequence[int],
    scheme: BandScheme,
) -> TargetsOverTime:
    """Return target, realisation and achievement by indicator and year.

    ``realised`` maps (indicator code, year) to the year's realisation (the latest verified
    value of the year).
    """
    rows: list[YearRow] = []
    for indicator in indicators:
        for year in years:
            target = indicator.target(year)
            value = realised.get((indicator.code, year))
            score = band = light = None
            if target is not None and value is not None:
                score = achievement(
                    value, target, indicator.polarity, baseline=indicator.baseline_value
                )
                chosen = scheme.classify(score)
                band, light = chosen.label_id, chosen.light
            rows.append(
                YearRow(indicator.code, indicator.name, year, target, value, score, band, light)
            )
    return TargetsOverTime(tuple(rows))


def coverage_trend(coverage: pa.Table) -> pa.Table:
    """Return programme coverage of desil 1–2 by release, with the change from the previous one.

    ``coverage`` has columns ``release``, ``programme``, ``covered`` (desil 1–2 families that
    receive the programme) and ``eligible`` (desil 1–2 families), in release order. The result
    adds ``coverage`` (covered / eligible) and ``change`` (percentage points against the
    previous release of the same programme; null for the first).
    """
    needed = {"release", "programme", "covered", "eligible"}
    missing = needed - set(coverage.column_names)
    if missing:
        raise InvalidInput(
            "columns_missing",
            f"kolom hilang: {', '.join(sorted(missing))}",
            param=sorted(missing)[0],
        )
    previous: dict[str, float] = {}
    rows = []
    for record in coverage.select(["release", "programme", "covered", "eligible"]).to_pylist():
        eligible = record["eligible"]
        share = record["covered"] / eligible if eligible else None
        before = previous.get(record["programme"])
        change = (share - before) * 100.0 if share is not None and before is not None else None
        if share is not None:
            previous[record["programme"]] = share
        rows.append({**record, "coverage": share, "change": change})
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("release", pa.string()),
                ("programme", pa.string()),
                ("covered", pa.int64()),
                ("eligible", pa.int64()),
                ("coverage", pa.float64()),
                ("change", pa.float64()),
            ]
        ),
    )


@dataclass(frozen=True)
class DesilTransitions:
    """Families by movement between two releases with respect to desil 1–2."""

    moved_out: tuple[str, ...]
    moved_in: tuple[str, ...]
    stayed: tuple[str, ...]
    left_registry: tuple[str, ...]
    entered_registry: tuple[str, ...]
    transitions: pa.Table

    def to_arrow(self) -> pa.Table:
        """Return the desil-by-desil transition counts (``desil_before``, ``desil_after``, ``n``)."""
        return self.transitions

    def summary(self) -> dict[str, int]:
        """Return the number of families in each movement."""
        return {
            "moved_out": len(self.moved_out),
            "moved_in": len(self.moved_in),
            "stayed": len(self.stayed),
            "left_registry": len(self.left_registry),
            "entered_registry": len(self.entered_registry),
        }


def _desil_map(table: pa.Table, which: str) -> dict[str, int | None]:
    if not {"family_id", "desil"} <= set(table.column_names):
        raise InvalidInput(
            "columns_missing", f"tabel {which} memerlukan kolom family_id dan desil", param="desil"
        )
    ids = [str(v) for v in table.column("family_id").to_pylist()]
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            "family_duplicate", f"family_id ganda dalam tabel {which}", param="family_id"
        )
    return dict(zip(ids, table.column("desil").to_pylist(), strict=True))


def desil_transitions(
    before: pa.Table, after: pa.Table, *, bottom: frozenset[int] = BOTTOM
) -> DesilTransitions:
    """Return the families that moved out of, into, or stayed in ``bottom`` desil (1–2).

    Families present in only one release are listed apart (``left_registry`` were in the bottom
    desil before; ``entered_registry`` are in it after), so graduation is not confused with
    leaving the registry.
    """
    old, new = _desil_map(before, "sebelum"), _desil_map(after, "sesudah")
    moved_out, moved_in, stayed, left, entered = [], [], [], [], []
    counts: dict[tuple[int | None, int | None], int] = {}
    for family in sorted(set(old) | set(new)):
        a, b = old.get(family), new.get(family)
        counts[(a, b)] = counts.get((a, b), 0) + 1
        was, now = a in bottom, b in bottom
        if family not in new:
            if was:
                left.append(family)
        elif family not in old:
            if now:
                entered.append(family)
        elif was and now:
            stayed.append(family)
        elif was:
            moved_out.append(family)
        elif now:
            moved_in.append(family)
    transitions = pa.Table.from_pylist(
        [
            {"desil_before": a, "desil_after": b, "n": n}
            for (a, b), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or 99, kv[0][1] or 99))
        ],
        schema=pa.schema(
            [("desil_before", pa.int64()), ("desil_after", pa.int64()), ("n", pa.int64())]
        ),
    )
    return DesilTransitions(
        tuple(moved_out), tuple(moved_in), tuple(stayed), tuple(left), tuple(entered), transitions
    )
