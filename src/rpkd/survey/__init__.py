"""Design-based estimation for complex samples, agreeing with R ``survey`` (kernel layer).

A :class:`Design` names the columns of a stratified multistage sample; estimators return
frozen :class:`Estimates` whose standard errors are Taylor-linearised as R ``survey`` computes
them. The engine sums weighted scores to design units; NumPy does the variance.
"""

from rpkd.survey.design import LONELY_PSU, Design, LonelyPsu, design
from rpkd.survey.estimate import (
    ESTIMATES_SCHEMA,
    Domains,
    Estimate,
    Estimates,
    Quantity,
    domain_totals,
    estimate_quantities,
    lonely_findings,
    mean,
    ordered,
    ratio,
    total,
)
from rpkd.survey.intervals import CI_METHODS, CiMethod, interval
from rpkd.survey.linearization import Structure, variance
from rpkd.survey.totals import Layout, layout, record_values, unit_totals

__all__ = [
    "CI_METHODS",
    "ESTIMATES_SCHEMA",
    "LONELY_PSU",
    "CiMethod",
    "Design",
    "Domains",
    "Estimate",
    "Estimates",
    "Layout",
    "LonelyPsu",
    "Quantity",
    "Structure",
    "design",
    "domain_totals",
    "estimate_quantities",
    "interval",
    "layout",
    "lonely_findings",
    "mean",
    "ordered",
    "ratio",
    "record_values",
    "total",
    "unit_totals",
    "variance",
]
