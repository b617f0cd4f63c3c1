"""Use case: the district's poverty and inequality figures from a release's survey sample.

P0, P1 and P2 on the district poverty line and on the extreme-poverty line (both from the
workspace's parameter kit, in force on the release's reference date), the number of poor, and
the Gini and S80/S20 ratios, all person-level with Taylor-linearised standard errors of the
release's two-stage design (RPKD chapter III; BPS counts people, so weights are multiplied by
household size). Headcount intervals are logit intervals (R ``svyciprop``), so that no lower
bound is negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd.params import LineKind, PovertyLine
from rpkd.survey.estimate import Estimates

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

Domain = Literal["urban", "kecamatan"]
LINE_KINDS: tuple[LineKind, ...] = ("poverty", "extreme")


@dataclass(frozen=True)
class PovertyFigures:
    """The estimates table and the lines it used (rupiah per capita per month)."""

    release: str
    on: date
    lines: dict[LineKind, PovertyLine]
    estimates: Estimates

    def to_arrow(self) -> pa.Table:
        return self.estimates.to_arrow()

    def to_json(self) -> list[dict[str, Any]]:
        """The estimates table as JSON records (DESIGN.md §7)."""
        return self.estimates.records()


def poverty_figures(
    ws: Workspace,
    name: str,
    *,
    by: Domain | None = None,
    on: date | None = None,
    inequality_measures: Sequence[str] = ("gini", "qsr"),
) -> PovertyFigures:
    """Return FGT on both lines, the number of poor and inequality of release ``name``'s survey.

    ``on`` (default: the release's reference date) chooses the lines in force.
    """
    from rpkd import engine as eng
    from rpkd.measures import fgt, inequality
    from rpkd.releases.catalog import open_release
    from rpkd.releases.survey_design import survey_design

    release = open_release(ws.path, name)
    when = on or release.reference_date
    region = release.region or "00"  # a release without a region falls back to national lines
    lines = {kind: ws.kit.poverty_line(kind, region, when) for kind in LINE_KINDS}
    survey = eng.table(ws.engine, release.path_of("survey"))
    survey = survey.mutate(
        urban=survey.urban.cast("string"), kecamatan=survey.desa_code.substr(0, 8)
    )
    design = survey_design(survey)
    welfare = "expenditure_per_capita"
    figures = fgt.estimate(
        survey,
        design,
        welfare=welfare,
        lines=[line.value for line in lines.values()],
        by=by,
        poor=True,
    )
    figures = figures + inequality.estimate(
        survey, design, welfare=welfare, measures=inequality_measures, by=by
    )
    return PovertyFigures(name, when, lines, figures.with_intervals("logit"))
