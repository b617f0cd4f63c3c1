"""Evaluation over time: target against realisation by year, and the families that moved out of
(or into) desil 1–2 between two registry releases.

Targets are pure functions on values. Desil transitions are one engine query over the two
releases' family tables (a full outer join on ``family_id`` counted by desil before and after),
so a national registry is counted where it lives; only the at most 12 × 12 counts come back.

References
----------
RPKD monitoring and evaluation matrix (target, realisation, capaian %), facts.md §1.2(d); family
outcome tracking across DTSEN updates, facts.md §7 (D.15).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.planning.model import Indicator
from rpkd.planning.performance import BandScheme, achievement

if TYPE_CHECKING:
    from ibis.expr.types import Table

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


@dataclass(frozen=True)
class DesilTransitions:
    """Families by movement between two releases with respect to the bottom desil (1–2).

    ``transitions`` counts families by (``desil_before``, ``desil_after``); a family missing from
    one release has a null desil there (as has a family whose desil is empty).
    """

    moved_out: int
    moved_in: int
    stayed: int
    left_registry: int
    entered_registry: int
    transitions: pa.Table

    def to_arrow(self) -> pa.Table:
        """Return the desil-by-desil transition counts (``desil_before``, ``desil_after``, ``n``)."""
        return self.transitions

    def summary(self) -> dict[str, int]:
        """Return the number of families in each movement."""
        return {
            "moved_out": self.moved_out,
            "moved_in": self.moved_in,
            "stayed": self.stayed,
            "left_registry": self.left_registry,
            "entered_registry": self.entered_registry,
        }


_TRANSITION_SCHEMA = pa.schema(
    [("desil_before", pa.int64()), ("desil_after", pa.int64()), ("n", pa.int64())]
)


def _families(table: Table, which: str) -> Table:
    import ibis

    if not {"family_id", "desil"} <= set(table.columns):
        raise InvalidInput("desil_columns", param="desil", table=which)
    counted = eng.fetch(table.aggregate(rows=table.count(), ids=table.family_id.nunique()))
    if counted.column("rows")[0].as_py() != counted.column("ids")[0].as_py():
        raise InvalidInput("family_duplicate", param="family_id", table=which)
    return table.select(
        **{
            f"id_{which}": table.family_id.cast("string"),
            f"desil_{which}": table.desil.cast("int64"),
            f"in_{which}": ibis.literal(True),
        }
    )


def desil_transitions(
    before: Table, after: Table, *, bottom: frozenset[int] = BOTTOM
) -> DesilTransitions:
    """Return how many families moved out of, into, or stayed in the ``bottom`` desil (1–2).

    ``before`` and ``after`` are family tables (``family_id``, ``desil``) of two registry
    releases. Families present in only one release are counted apart (``left_registry`` were
    in the bottom desil before; ``entered_registry`` are in it after), so graduation is not
    confused with leaving the registry.
    """
    old, new = _families(before, "before"), _families(after, "after")
    joined = old.outer_join(new, old.id_before == new.id_after)
    counts = eng.fetch(
        joined.group_by(
            desil_before=joined.desil_before,
            desil_after=joined.desil_after,
            was_in=joined.in_before.fill_null(False),
            now_in=joined.in_after.fill_null(False),
        ).aggregate(n=joined.count())
    ).to_pylist()
    moves = dict.fromkeys(("moved_out", "moved_in", "stayed", "left_registry", "entered"), 0)
    cells: dict[tuple[int | None, int | None], int] = {}
    for row in counts:
        a, b, n = row["desil_before"], row["desil_after"], int(row["n"])
        cells[(a, b)] = cells.get((a, b), 0) + n
        was, now = a in bottom, b in bottom
        if not row["now_in"]:
            moves["left_registry"] += n if was else 0
        elif not row["was_in"]:
            moves["entered"] += n if now else 0
        elif was and now:
            moves["stayed"] += n
        elif was:
            moves["moved_out"] += n
        elif now:
            moves["moved_in"] += n
    transitions = pa.Table.from_pylist(
        [
            {"desil_before": a, "desil_after": b, "n": n}
            for (a, b), n in sorted(cells.items(), key=lambda kv: (kv[0][0] or 99, kv[0][1] or 99))
        ],
        schema=_TRANSITION_SCHEMA,
    )
    return DesilTransitions(
        moves["moved_out"],
        moves["moved_in"],
        moves["stayed"],
        moves["left_registry"],
        moves["entered"],
        transitions,
    )
