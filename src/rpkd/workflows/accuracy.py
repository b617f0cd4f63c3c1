"""Use case ``rpkd target accuracy``: inclusion and exclusion errors of targeting.

Against the synthetic truth (``--truth``) every family's poverty is known, so the desil cut-off,
the saved PMT ranking and each programme's list are measured on the whole registry. Without it
the survey measures the cut-off applied to a PMT desil, with Taylor-linearised standard errors
(:func:`rpkd.targeting.accuracy.design_rates`), against the poverty line of the workspace's kit
(its own override wins) at the release's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa

from rpkd import engine as eng
from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.releases.catalog import open_release
from rpkd.targeting import accuracy as acc
from rpkd.targeting import convergence as cv
from rpkd.targeting import ranking
from rpkd.targeting.features import family_features, left_join
from rpkd.workflows.results import records
from rpkd.workflows.targeting import (
    CELLS,
    METHODS,
    Opened,
    choose,
    load_links,
    materialise,
    opened,
    readable,
    welfare_path,
)

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

Target = Literal["poor", "extreme_poor"]
By = Literal["desil", "kecamatan"]
TARGETS: tuple[Target, ...] = ("poor", "extreme_poor")
ACCURACY_BY: tuple[By, ...] = ("desil", "kecamatan")
__all__ = ["ACCURACY_BY", "CELLS", "METHODS", "TARGETS", "AccuracyReport", "accuracy_report"]


@dataclass(frozen=True)
class AccuracyReport:
    """Inclusion and exclusion error rates, measured against the truth or the survey."""

    release: str
    basis: Literal["truth", "survey"]
    rows: pa.Table
    findings: tuple[Finding, ...] = ()

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_json(self) -> list[dict[str, Any]]:
        return records(self.rows)

    def readable(self) -> pa.Table:
        """Return the rows for reading, kecamatan named beside their codes."""
        return readable(self.rows, area="domain")


def accuracy_report(
    ws: Workspace,
    name: str,
    *,
    truth: Path | None = None,
    links: Path | None = None,
    cutoff: int = 4,
    target: str = "poor",
    by: str | None = None,
    method: str = "ols",
    line: float | None = None,
    welfare: str | None = None,
) -> AccuracyReport:
    """Return error rates of the desil cut-off (and, with the truth, of each programme's list).

    With ``truth`` (a synthetic release's ``truth/`` folder) every family's poverty is known;
    ``links`` (a links file or folder, see :func:`rpkd.workflows.targeting.load_links`) replace
    the true receipt by the linked lists; ``welfare`` adds the same cut-off on the saved PMT
    ranking (``predicted_desil_1_<k>``), so the official and the predicted desil can be compared.
    Without ``truth`` the survey measures the cut-off applied to a PMT desil: each survey
    household's cross-validated PMT prediction placed among the registry's predicted-desil cut
    points, against poverty by consumption below ``line`` (default: the kit's poverty line for
    the release's region at its date), with Taylor-linearised SEs.
    """
    if not 1 <= cutoff <= 10:
        raise UsageError("target_cutoff_range", param="cutoff", value=cutoff)
    chosen_target = choose(target, TARGETS, "target")
    chosen_method = choose(method, METHODS, "method")
    chosen_by = None if by is None else choose(by, ACCURACY_BY, "by")
    chosen_welfare = None if welfare is None else choose(welfare, METHODS, "welfare")
    with opened(ws, open_release(ws.path, name)) as o:
        if truth is not None:
            return _against_truth(o, truth, links, cutoff, chosen_target, chosen_by, chosen_welfare)
        return _against_survey(o, cutoff, chosen_by, chosen_method, line)


def _truth_families(folder: Path) -> pa.Table:
    """Return the truth's families (all text as read) with its true/false columns as booleans."""
    from rpkd import inputs

    for suffix in ("parquet", "csv", "xlsx"):
        path = folder / f"families.{suffix}"
        if path.is_file():
            table = inputs.read(path, required=("family_id",)).table.drop_columns(["_row"])
            for i, name in enumerate(table.column_names):
                if name in ("poor", "extreme_poor") or name.startswith(("eligible_", "receives_")):
                    flags = [None if v is None else v.strip().lower() in ("true", "1")
                             for v in table.column(i).to_pylist()]  # fmt: skip
                    table = table.set_column(i, name, pa.array(flags, pa.bool_()))
            return table
    raise UsageError("target_truth_missing", param="truth", folder=str(folder))


def _against_truth(
    o: Opened,
    folder: Path,
    links: Path | None,
    cutoff: int,
    target: Target,
    by: By | None,
    welfare: ranking.Method | None,
) -> AccuracyReport:
    truth = eng.table(o.engine, _truth_families(folder))
    keep = [c for c in truth.columns if c != "family_id"]
    fam = o.families.select("family_id", "desil", kecamatan=o.families.desa_code.substr(0, 8))
    table = fam.inner_join(truth.select("family_id", *keep), "family_id")
    programmes = [c.removeprefix("receives_") for c in keep if c.startswith("receives_")]
    if links is not None:
        link_table, _ = load_links(o, links, programmes)
        got = cv.receipt(link_table, o.persons, programmes).rename(
            {f"linked_{p}": f"receives_{p}" for p in programmes}
        )
        table = left_join(table, got, "family_id")
    if welfare is not None:
        ranked = eng.table(o.engine, welfare_path(o, welfare))
        table = left_join(table, ranked.select("family_id", "predicted_desil"), "family_id")
    measures: list[tuple[str, Any]] = [(f"desil_1_{cutoff}", table.desil <= cutoff)]
    if welfare is not None:
        measures.append((f"predicted_desil_1_{cutoff}", table.predicted_desil <= cutoff))
    for p in programmes:
        column = f"linked_{p}" if links is not None else f"receives_{p}"
        measures.append((f"programme_{p}", table[column].fill_null(False)))
    blocks = []
    for measure, covered in measures:
        t = table.mutate(covered=covered)
        overall = eng.fetch(acc.counts(t, t[target], t.covered))
        grouped = eng.fetch(acc.counts(t, t[target], t.covered, by=by)) if by else None
        blocks.append(
            acc.rates_table(
                grouped if grouped is not None else overall,
                measure=measure,
                by=by,
                overall=overall if grouped is not None else None,
            )
        )
    # A rate with no denominator (a programme that covers nobody) is a null column: promote it.
    rows = pa.concat_tables(blocks, promote_options="permissive")
    rows = rows.append_column("target_group", pa.array([target] * rows.num_rows))
    return AccuracyReport(o.release.name, "truth", rows)


def _against_survey(
    o: Opened, cutoff: int, by: By | None, method: ranking.Method, line: float | None
) -> AccuracyReport:
    from rpkd.survey.design import design as survey_design
    from rpkd.targeting.pmt_design import survey_inputs

    survey = eng.fetch(eng.table(o.engine, o.release.path_of("survey")))
    inputs = eng.fetch(survey_inputs(eng.table(o.engine, survey)))
    model = ranking.fit_pmt(inputs, method=method)
    kept, predicted = ranking.cross_validated(inputs, model)
    features = family_features(o.families, o.persons, on=o.on)
    cuts = ranking.desil_cuts(materialise(o, ranking.rank_registry(features, model), "ranked"))
    desil = ranking.desil_of(predicted, cuts)
    z = line if line is not None else poverty_line(o)
    ids = kept.column("unit_id").to_pylist()
    index = {h: i for i, h in enumerate(survey.column("household_id").to_pylist())}
    rows = survey.take(pa.array([index[h] for h in ids]))
    expenditure = np.asarray(rows.column("expenditure_per_capita").to_pylist(), float)
    poor = expenditure < z
    covered = desil <= cutoff
    frame = (
        rows.append_column("poor", pa.array(poor.astype(float)))
        .append_column("covered", pa.array(covered.astype(float)))
        .append_column("predicted_desil", pa.array(desil.astype(np.int64)))
        .append_column("kecamatan", pa.array([c[:8] for c in rows.column("desa_code").to_pylist()]))
    )
    # Ultimate-cluster variance (PSUs within strata, no fpc); lonely PSUs as R "adjust".
    design = survey_design("weight", strata="stratum", psu="psu", lonely_psu="adjust")
    domain = {"desil": "predicted_desil", "kecamatan": "kecamatan"}.get(by or "")
    out = acc.design_rates(eng.table(o.engine, frame), design, target="poor", covered="covered",
                           by=domain, measure=f"desil_1_{cutoff}_pmt", label=by)  # fmt: skip
    out = out.append_column("line", pa.array([z] * out.num_rows, pa.float64()))
    findings = (*model.findings, Finding("pmt_desil", "info"))
    return AccuracyReport(o.release.name, "survey", out, findings)


def poverty_line(o: Opened) -> float:
    """Return the kit's poverty line for the release's region at its date (overrides applied)."""
    region = o.release.region or "00"
    return o.ws.kit.poverty_line("poverty", region, o.on).value
