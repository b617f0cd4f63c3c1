"""Use case: the district's poverty and inequality figures from a release's survey sample.

P0, P1 and P2 on the district poverty line and on the extreme-poverty line (both from the
parameter kit, in force on the release date), the number of poor, and the Gini, S80/S20 and
Palma ratios, all person-level with Taylor-linearised standard errors of the release's
two-stage design (RPKD chapter III; BPS counts people, so weights are multiplied by household
size).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import pyarrow as pa

from rpkd import engine as eng
from rpkd import params
from rpkd.measures import fgt, inequality
from rpkd.releases.catalog import open_release
from rpkd.releases.survey_design import survey_design
from rpkd.settings import Settings
from rpkd.survey.estimate import Estimates
from rpkd.workflows.profile import release_date

Domain = Literal["urban", "kecamatan"]


@dataclass(frozen=True)
class PovertyFigures:
    """The estimates table and the lines it used (rupiah per capita per month)."""

    release: str
    on: date
    lines: dict[str, params.PovertyLine]
    estimates: Estimates

    def to_arrow(self) -> pa.Table:
        return self.estimates.to_arrow()


def poverty_figures(
    settings: Settings,
    name: str,
    *,
    by: Domain | None = None,
    on: date | None = None,
    inequality_measures: Sequence[str] = ("gini", "qsr"),
) -> PovertyFigures:
    """Return FGT (both lines), the number of poor and inequality of release ``name``'s survey."""
    release = open_release(settings.workspace, name)
    when = on or release_date(release)
    region = release.region or "00"  # a release without a region falls back to national lines
    lines = {
        kind: params.poverty_line(kind, region, when, workspace=settings.workspace)
        for kind in ("poverty", "extreme")
    }
    engine = eng.connect(settings)
    try:
        survey = eng.table(engine, release.path_of("survey"))
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
    finally:
        eng.close(engine)
    return PovertyFigures(name, when, lines, figures)
