"""Use cases: estimates from a data file a user gives (``rpkd survey estimate``, ``rpkd mpi``,
``rpkd sae fh``).

The file (CSV in any usual encoding and delimiter, XLSX with title rows, Parquet) is read by
:mod:`rpkd.inputs`; numbers are parsed there (decimal comma or dot), so that one file works in
every command. Every check of the data happens here, before any estimate: the columns the
options name exist (else a usage error), numbers are numbers, weights are positive, household
sizes at least 1, welfare not negative, MPI indicators 0 or 1 (else invalid input whose findings
name file, row, field and value). The estimates are those of :mod:`rpkd.measures` and
:mod:`rpkd.sae.fay_herriot`; ``output`` also writes the table as an Indonesian workbook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd.errors import InvalidInput, UsageError
from rpkd.findings import Finding
from rpkd.survey.design import LONELY_PSU, Design, LonelyPsu
from rpkd.survey.estimate import Estimates
from rpkd.survey.intervals import CI_METHODS, CiMethod
from rpkd.workflows import data_file

if TYPE_CHECKING:
    from rpkd.inputs import InputTable
    from rpkd.sae.fay_herriot import FayHerriotResult, Method
    from rpkd.workflows.workspace import Workspace

__all__ = [
    "CI_METHODS",
    "LONELY_PSU",
    "SURVEY_MEASURES",
    "FayHerriotAreas",
    "SurveyEstimates",
    "fay_herriot_areas",
    "multidimensional_poverty",
    "survey_estimate",
]

SURVEY_MEASURES = ("fgt0", "fgt1", "fgt2", "mean", "gini", "qsr")


@dataclass(frozen=True)
class SurveyEstimates:
    """The DESIGN.md §7 estimates table of a data file, its findings and the workbook written.

    ``kind`` is ``survey`` (poverty and inequality) or ``mpi`` (Alkire–Foster).
    """

    kind: Literal["survey", "mpi"]
    file: str
    estimates: Estimates
    output: Path | None = None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.estimates.findings

    def to_arrow(self) -> pa.Table:
        return self.estimates.to_arrow()

    def to_json(self) -> list[dict[str, Any]]:
        """The estimates table as JSON records (``line`` a number or a column name)."""
        return self.estimates.records()


def survey_estimate(
    ws: Workspace,
    data: Path | str,
    *,
    welfare: str,
    weight: str,
    strata: str | None = None,
    psu: Sequence[str] = (),
    fpc: Sequence[str] = (),
    size: str | None = None,
    lines: Sequence[float | str] = (),
    by: str | None = None,
    measures: Sequence[str] = ("fgt0", "fgt1", "fgt2"),
    lonely_psu: str = "fail",
    ci: str | None = None,
    output: Path | None = None,
) -> SurveyEstimates:
    """Return design-based FGT, mean and inequality estimates of the survey file ``data``.

    ``lines`` are rupiah amounts or names of per-household line columns (text that reads as a
    number is an amount); ``ci`` chooses the interval of proportions (``logit`` by default,
    ``beta``, ``wald``), other estimates get Wald intervals. ``output`` (``.xlsx``) also writes
    the table as a workbook.

    Examples
    --------
    >>> result = survey_estimate(ws, "susenas.csv", welfare="kapita", weight="bobot",
    ...                          strata="strata", psu=["psu"], lines=[612345])  # doctest: +SKIP
    """
    from rpkd import engine as eng
    from rpkd.measures import fgt, inequality
    from rpkd.survey.estimate import mean, ordered

    chosen = _choices(measures, SURVEY_MEASURES, "measure") or ["fgt0", "fgt1", "fgt2"]
    method = _ci(ci)
    design = Design(weight, strata, tuple(psu), tuple(fpc), size, _lonely(lonely_psu))
    _xlsx(output)
    fgt_measures = [m for m in chosen if m in fgt.MEASURES]
    if fgt_measures and not lines:
        raise UsageError("line_required", param="line")
    ws.open_engine_early()
    source = data_file.read(
        data, [welfare, *design.columns(), by, *(v for v in lines if isinstance(v, str))]
    )
    parsed = [_line(v, source) for v in lines]
    numeric = [welfare, weight, *design.fpc, *([size] if size else [])]
    numeric += [v for v in parsed if isinstance(v, str)]
    columns = data_file.columns(source, numeric, [*design.columns(), *([by] if by else [])])
    data_file.check(
        source,
        columns,
        [
            (weight, "design_weight_not_positive"),
            (size, "household_size_below_one"),
            (welfare, "welfare_negative"),
        ],
    )
    table = eng.table(ws.engine, pa.table(columns))
    parts: list[Estimates] = []
    if fgt_measures:
        parts.append(
            fgt.estimate(table, design, welfare=welfare, lines=parsed, measures=fgt_measures, by=by)
        )
    if "mean" in chosen:
        parts.append(mean(table, design, welfare, by=by))
    spread = [m for m in chosen if m in ("gini", "qsr")]
    if spread:
        parts.append(inequality.estimate(table, design, welfare=welfare, measures=spread, by=by))
    rows = [r for p in parts for r in p.rows]
    found = tuple(dict.fromkeys(f for p in parts for f in p.findings))
    estimates = Estimates(ordered(rows), (*source.findings, *found)).with_intervals(method)
    return _written(SurveyEstimates("survey", source.layout.file, estimates, output), ws)


def multidimensional_poverty(
    ws: Workspace,
    data: Path | str,
    *,
    indicators: Mapping[str, float] | Sequence[str],
    cutoff: float,
    weight: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    by: str | None = None,
    lonely_psu: str = "fail",
    output: Path | None = None,
) -> SurveyEstimates:
    """Return the Alkire–Foster H, A, M0, censored headcounts and contributions of ``data``.

    ``indicators`` maps 0/1 deprivation columns to weights (or is ``COLUMN=WEIGHT`` text, a
    bare column weighing 1); without ``weight`` every row is a unit of a census.
    """
    from rpkd import engine as eng
    from rpkd.measures import mpi

    weights = indicator_weights(indicators)
    if weight is None and (strata or psu):
        raise UsageError("weight_required", param="weight")
    design = None
    if weight is not None:
        design = Design(weight, strata, (psu,) if psu else (), (), None, _lonely(lonely_psu))
    else:
        _lonely(lonely_psu)
    _xlsx(output)
    named = [*weights, *(design.columns() if design else ()), by]
    ws.open_engine_early()
    source = data_file.read(data, named)
    numeric = [*weights, *([weight] if weight else [])]
    keys = [*(design.columns() if design else ()), *([by] if by else [])]
    columns = data_file.columns(source, numeric, [k for k in keys if k not in numeric])
    data_file.check(source, columns, [(weight, "design_weight_not_positive")])
    data_file.check_binary(source, columns, list(weights))
    table = eng.table(ws.engine, pa.table(columns))
    result = mpi.estimate(table, weights, cutoff, design, by)
    rows = tuple(r for r in result.estimates.rows if r.measure in mpi.CONTRACT_MEASURES)
    estimates = Estimates(rows, (*source.findings, *result.findings))
    return _written(SurveyEstimates("mpi", source.layout.file, estimates, output), ws)


def indicator_weights(indicators: Mapping[str, float] | Sequence[str]) -> dict[str, float]:
    """Return indicator -> weight from a mapping or from ``COLUMN=WEIGHT`` texts."""
    if isinstance(indicators, Mapping):
        return {str(k): float(v) for k, v in indicators.items()}
    weights: dict[str, float] = {}
    for spec in indicators:
        name, sep, value = str(spec).partition("=")
        try:
            weights[name.strip()] = float(value.replace(",", ".")) if sep else 1.0
        except ValueError:
            raise UsageError("indicator_spec_invalid", param="indicator", value=spec) from None
    return weights


@dataclass(frozen=True)
class FayHerriotAreas:
    """A Fay–Herriot fit of a file's direct estimates: EBLUPs, MSEs and coefficients."""

    file: str
    fit: FayHerriotResult

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.fit.findings

    def to_arrow(self) -> pa.Table:
        """One row per area: area, direct, eblup, mse, gamma (the CSV of ``rpkd sae fh``)."""
        return pa.Table.from_pylist(self._areas(), schema=_FH_SCHEMA)

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md §7 object: method, sigma2_u, coefficients and areas."""
        from rpkd.workflows.results import plain

        return {
            "method": self.fit.method,
            "sigma2_u": plain(self.fit.sigma2_u),
            "coefficients": {k: plain(v) for k, v in self.fit.coefficients.items()},
            "areas": self._areas(),
        }

    def _areas(self) -> list[dict[str, Any]]:
        from rpkd.workflows.results import plain

        return [
            {
                "area": a.area,
                "direct": plain(a.direct),
                "eblup": plain(a.eblup),
                "mse": plain(a.mse),
                "gamma": plain(a.gamma),
            }
            for a in self.fit.areas
        ]


_FH_SCHEMA = pa.schema(
    [("area", pa.string())] + [(n, pa.float64()) for n in ("direct", "eblup", "mse", "gamma")]
)


def fay_herriot_areas(
    ws: Workspace,
    data: Path | str,
    *,
    area: str,
    direct: str,
    variance: str,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    method: str = "reml",
) -> FayHerriotAreas:
    """Return Fay–Herriot EBLUPs and MSEs of the direct estimates in ``data``, one row per area.

    Rows with an empty ``direct`` are areas out of sample (synthetic estimate).
    """
    from rpkd.sae.fay_herriot import METHODS, fay_herriot

    chosen = _choices([method], METHODS, "method")[0]
    source = data_file.read(data, [area, direct, variance, *covariates, *categorical])
    columns = data_file.columns(
        source,
        [direct, variance, *covariates],
        [area, *categorical],
        required=False,
        flags={area: "--area", direct: "--direct", variance: "--variance"},
    )
    try:
        fit = fay_herriot(
            pa.table(columns),
            area=area,
            direct=direct,
            variance=variance,
            covariates=covariates,
            categorical=categorical,
            method=_fh_method(chosen),
        )
    except InvalidInput as exc:
        raise data_file.located(exc, source) from None
    return FayHerriotAreas(source.layout.file, fit)


def _fh_method(value: str) -> Method:
    return "ml" if value == "ml" else "reml"


# --- options ----------------------------------------------------------------------------


def _choices(values: Sequence[str], allowed: Sequence[str], flag: str) -> list[str]:
    """Return ``values`` checked against ``allowed`` (case and spaces ignored)."""
    chosen = []
    for value in values:
        text = value.strip().lower()
        if text not in allowed:
            raise UsageError(
                "choice_invalid", param=flag, flag=f"--{flag}", value=value, allowed=tuple(allowed)
            )
        chosen.append(text)
    return chosen


def _lonely(value: str) -> LonelyPsu:
    chosen = _choices([value], LONELY_PSU, "lonely-psu")[0]
    return next(p for p in LONELY_PSU if p == chosen)


def _ci(value: str | None) -> CiMethod | None:
    if value is None:
        return None
    chosen = _choices([value], CI_METHODS, "ci")[0]
    return next(m for m in CI_METHODS if m == chosen)


def _xlsx(output: Path | None) -> None:
    if output is not None and output.suffix.lower() != ".xlsx":
        raise UsageError("output_not_xlsx", param="output", file=str(output))


def _line(value: float | str, source: InputTable) -> float | str:
    """Return a poverty line: a positive amount, or a column of the file."""
    if isinstance(value, int | float):
        amount = float(value)
    elif value in source.table.column_names:
        return value
    else:
        try:
            amount = float(value)
        except ValueError:
            raise UsageError("line_invalid", param="line", value=value) from None
    if not amount > 0:
        raise UsageError("line_not_positive", param="line", value=amount)
    return amount


def _written(result: SurveyEstimates, ws: Workspace) -> SurveyEstimates:
    """Write the result's workbook when an output was asked for; return the result."""
    if result.output is not None:
        from rpkd import locale
        from rpkd.reports.estimates import write_estimates

        title = locale.label(f"estimates.title.{result.kind}", ws.lang)
        write_estimates(result.output, result.to_arrow(), result.findings, ws.lang, title=title)
    return result
