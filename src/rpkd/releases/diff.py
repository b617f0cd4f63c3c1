"""What changed between two releases of the registry (DTSEN is updated quarterly).

Families are matched on ``family_id``: added (only in the newer release), removed (only in the
older), moved (desa changed) and desil changed. The comparison is one outer join in the engine;
only changed families come back, with counts of each change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from rpkd import engine as eng
from rpkd.releases.catalog import Release

if TYPE_CHECKING:
    from ibis.expr.types import Table

CHANGES = ("added", "removed", "moved", "desil_changed")


@dataclass(frozen=True)
class ReleaseDiff:
    """Counts of changes between ``old`` and ``new`` and one row per changed family."""

    old: str
    new: str
    counts: dict[str, int]
    families: pa.Table

    def to_arrow(self) -> pa.Table:
        return self.families

    def to_json(self) -> list[dict[str, object]]:
        """Return one JSON-ready object per changed family."""
        rows: list[dict[str, object]] = self.families.to_pylist()
        return rows

    def summary(self) -> pa.Table:
        """Return the counts as a two-column table (change, families)."""
        return pa.table({"change": list(self.counts), "families": list(self.counts.values())})


def _side(engine: eng.Engine, release: Release, suffix: str) -> Table:
    t = eng.table(engine, release.path_of("families"))
    return t.select(
        family_id=t.family_id,
        **{
            f"desa_{suffix}": t.desa_code,
            f"desil_{suffix}": t.desil.cast("int64"),
            f"_in_{suffix}": ibis.literal(True),
        },
    )


def diff_releases(engine: eng.Engine, old: Release, new: Release) -> ReleaseDiff:
    """Return the family-level differences from release ``old`` to release ``new``."""
    a, b = _side(engine, old, "old"), _side(engine, new, "new")
    joined = a.outer_join(b, a.family_id == b.family_id)
    fields = joined.columns
    right_id = "family_id_right" if "family_id_right" in fields else "family_id"
    both = joined.select(
        family_id=ibis.coalesce(joined.family_id, joined[right_id]),
        desa_old=joined.desa_old,
        desa_new=joined.desa_new,
        desil_old=joined.desil_old,
        desil_new=joined.desil_new,
        added=joined._in_old.isnull(),
        removed=joined._in_new.isnull(),
        moved=(
            joined._in_old.notnull()
            & joined._in_new.notnull()
            & (joined.desa_old.fill_null("") != joined.desa_new.fill_null(""))
        ),
        desil_changed=(
            joined._in_old.notnull()
            & joined._in_new.notnull()
            & (joined.desil_old.fill_null(0) != joined.desil_new.fill_null(0))
        ),
    )
    totals = eng.fetch(
        both.agg(
            families_old=(~both.added).sum(),
            families_new=(~both.removed).sum(),
            **{c: both[c].sum() for c in CHANGES},
        )
    ).to_pylist()[0]
    changed = both.filter(both.added | both.removed | both.moved | both.desil_changed)
    rows = eng.fetch(changed.order_by("family_id"))
    counts = {k: int(totals[k] or 0) for k in ("families_old", "families_new", *CHANGES)}
    return ReleaseDiff(old.name, new.name, counts, rows)
