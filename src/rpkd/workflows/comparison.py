"""Two releases compared for a reader: counts for all, the changed families only where allowed.

:func:`rpkd.workflows.releases.diff_releases` (``rpkd release diff``) returns the counts of
families added, removed, moved and with a changed desil, and one row per changed family
(``family_id``, desa and desil before and after). A family's desil is its place in the welfare
ranking, so the rows are records: :func:`compare_releases` shows them only to an actor who may
read records (``records.read``) in the region of both releases, and writes one audit row
(``release.diff``) when it does; anyone who may read aggregates gets the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.access.roles import Scope, allowed
from rpkd.releases import catalog
from rpkd.workflows import gate
from rpkd.workflows.releases import diff_releases
from rpkd.workflows.results import records

if TYPE_CHECKING:
    from rpkd.releases.diff import ReleaseDiff
    from rpkd.workflows.workspace import Workspace


@dataclass(frozen=True)
class ReleaseComparison:
    """What changed from ``old`` to ``new``: counts, and the changed families when the actor
    may see them (``families_shown``; otherwise ``families`` has no rows)."""

    diff: ReleaseDiff
    families_shown: bool

    @property
    def old(self) -> str:
        return self.diff.old

    @property
    def new(self) -> str:
        return self.diff.new

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.diff.counts)

    @property
    def families(self) -> pa.Table:
        table = self.diff.families
        return table if self.families_shown else table.slice(0, 0)

    def summary(self) -> pa.Table:
        """Return the counts as a two-column table (change, families)."""
        return self.diff.summary()

    def to_arrow(self) -> pa.Table:
        return self.summary()

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "counts": self.counts,
            "families": records(self.families) if self.families_shown else None,
        }


def compare_releases(ws: Workspace, old: str, new: str) -> ReleaseComparison:
    """Return the changes from release ``old`` to ``new``; the changed families only for an
    actor with ``records.read`` on the region of both (one audit row, ``release.diff``).

    Needs ``aggregate.read`` on both releases' regions (``Forbidden`` otherwise), as
    :func:`rpkd.workflows.releases.diff_releases`.
    """
    changes = diff_releases(ws, old, new)
    scopes = list(
        dict.fromkeys(Scope(region=catalog.open_release(ws.path, n).region) for n in (old, new))
    )
    shown = all(allowed(ws.actor.grants, "records.read", s) for s in scopes)
    if shown:
        gate.audit_records(
            ws,
            "release.diff",
            release=new,
            scopes=scopes,
            records=changes.families.num_rows,
            unmask=False,
            parameters={"old": old},
        )
    return ReleaseComparison(changes, shown)
