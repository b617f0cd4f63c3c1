"""Use case of the *Evaluasi* page: target against realisation over the plan's years, the path
to zero extreme poverty, and what changed between registry releases.

:func:`evaluation_view` gathers :func:`rpkd.workflows.monitoring.evaluate` (targets by year,
the growth–redistribution decomposition of the change in P0 and the families moving out of or
into desil 1–2 between consecutive ``releases``) with the path to zero in the form the charts
take (:func:`rpkd.workflows.path_view.path_view`) and the releases the user may choose from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rpkd.locale import Lang

if TYPE_CHECKING:
    from rpkd.workflows.monitoring import Evaluation
    from rpkd.workflows.path_view import PathView
    from rpkd.workflows.workspace import Workspace


@dataclass(frozen=True)
class EvaluationView:
    """The evaluation of the plan, its path to zero (None without one) and the releases the
    user may compare (oldest first)."""

    evaluation: Evaluation
    path: PathView | None
    releases: tuple[str, ...]
    chosen: tuple[str, ...]

    def targets(self) -> list[dict[str, Any]]:
        """Target-against-realisation rows that have a target or a realisation."""
        rows: list[dict[str, Any]] = self.evaluation.targets.to_arrow().to_pylist()
        return [r for r in rows if r["target"] is not None or r["realisation"] is not None]

    def to_arrow(self) -> pa.Table:
        return self.evaluation.to_arrow()

    def to_json(self, lang: Lang = "id") -> dict[str, Any]:
        return {
            **self.evaluation.to_json(lang),
            "path": self.path.to_json() if self.path is not None else None,
            "choices": list(self.releases),
        }


def evaluation_view(
    ws: Workspace, releases: Sequence[str] = (), *, plan: str | None = None
) -> EvaluationView:
    """Return the evaluation of the plan (``monitor.read``), comparing the chosen ``releases``
    (none, or two and more; each needs ``aggregate.read``) in order of reference date."""
    from rpkd.planning import realisations
    from rpkd.workflows.monitoring import evaluate
    from rpkd.workflows.path_view import path_view
    from rpkd.workflows.plan import stored_plan
    from rpkd.workflows.releases import list_releases

    stored = stored_plan(ws, plan, "monitor.read")
    ordered = sorted(list_releases(ws).releases, key=lambda r: r.reference_date)
    readable = [r.name for r in ordered]
    picked = tuple(r for r in readable if r in set(releases))
    chosen = picked if len(picked) >= 2 else ()
    evaluation = evaluate(ws, plan=stored.name, releases=chosen)
    with ws.transaction() as db:
        items = realisations.history(db, stored.name)
    path = path_view(stored, items, evaluation.path_to_zero)
    return EvaluationView(evaluation, path, tuple(readable), chosen)
