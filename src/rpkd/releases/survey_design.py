"""The sample design of a release's survey table (schema SURVEY), as R ``survey`` would declare it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rpkd.engine import fetch
from rpkd.survey import Design, LonelyPsu

if TYPE_CHECKING:
    from ibis.expr.types import Table


def survey_design(survey: Table, lonely_psu: LonelyPsu = "adjust") -> Design:
    """Return the survey release's design: strata, PSU, households within PSUs, person weights.

    With both fpc columns filled the design is two-stage (R ``svydesign(ids = ~psu +
    household_id, fpc = ~fpc1 + fpc2, strata = ~stratum)``); otherwise ultimate-cluster.
    """
    counts = fetch(
        survey.aggregate(
            rows=survey.count(),
            **{c: survey[c].count() for c in ("fpc1", "fpc2") if c in survey.columns},
        )
    )
    rows = counts.column("rows")[0].as_py()
    full = all(
        c in counts.column_names and counts.column(c)[0].as_py() == rows for c in ("fpc1", "fpc2")
    )
    if full:
        return Design(
            "weight",
            "stratum",
            ("psu", "household_id"),
            ("fpc1", "fpc2"),
            "household_size",
            lonely_psu,
        )
    return Design("weight", "stratum", ("psu",), (), "household_size", lonely_psu)
