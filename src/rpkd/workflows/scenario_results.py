"""What the scenario workflows return (:mod:`rpkd.workflows.scenarios`): frozen results.

Each has ``to_json()`` (the DESIGN.md §7 contract of ``rpkd scenario run|compare`` and ``rpkd
optimise``: fractions, rupiah, the estimates-table records), ``to_arrow()`` (its table for CSV)
and ``readable(lang)`` views an officer reads: headcounts in percent, P1 and P2 ×100 as BPS
publishes them, rupiah, kecamatan named beside their codes, columns named by label keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd import locale
from rpkd.findings import Finding

if TYPE_CHECKING:
    from rpkd.simulation.optimise import Allocation
    from rpkd.simulation.uncertainty import ErrorModel
    from rpkd.simulation.years import ScenarioYear


VIEWS: tuple[str, ...] = ("estimates", "reach", "packages", "errors")
"""What ``rpkd scenario run --show`` may show (:meth:`ScenarioResult.view`)."""
COLUMN = "scenario.column."
"""Prefix of the label keys naming the columns of :meth:`ScenarioResult.readable_view`."""
CellKind = Literal["percent", "integer", "rupiah", "text"]
CELLS: dict[str, CellKind] = {
    **{COLUMN + c: "integer" for c in ("families", "persons", "families_reached",
                                      "persons_reached", "families_left_out")},
    **{COLUMN + c: "percent" for c in ("exclusion", "inclusion")},
    **{COLUMN + c: "text" for c in ("year", "desil", "cutoff")},
    COLUMN + "cost": "rupiah",
}  # fmt: skip
"""How the cells of a readable view are shown (kinds of ``rpkd.cli.common.cell``)."""


def _text_table(columns: Mapping[str, list[str | None]]) -> pa.Table:
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})


def _with_year(table: pa.Table, year: int) -> pa.Table:
    return table.add_column(0, "year", pa.array([year] * table.num_rows, pa.int64()))


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario on a release, year by year: survey estimates and registry cost and reach.

    ``errors`` is the targeting-error model the draws came from, with the measured exclusion
    and inclusion errors of every desil cut-off against the poor and the extreme poor.
    """

    scenario: str
    release: str
    base_year: int
    draws: int
    seed: int
    errors: ErrorModel
    years: tuple[ScenarioYear, ...]
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md §7: ``{"scenario", "years": [{"year", "cost", "families_reached",
        "persons_reached", "estimates": [...]}]}``; each estimate's ``indicator`` says whether
        it is the ``baseline``, the ``scenario`` or their ``difference``."""
        return {
            "scenario": self.scenario,
            "years": [
                {
                    "year": y.year,
                    "cost": y.reach.cost,
                    "families_reached": round(y.reach.families_reached),
                    "persons_reached": round(y.reach.persons_reached),
                    "estimates": y.outcome.estimates.records(),
                }
                for y in self.years
            ],
        }

    def to_arrow(self) -> pa.Table:
        """Return the estimates of every year, a ``year`` column first."""
        return pa.concat_tables(
            [_with_year(y.outcome.estimates.to_arrow(), y.year) for y in self.years]
        )

    def packages(self) -> pa.Table:
        """Return the registry's cost and reach of each package, year by year."""
        return pa.concat_tables([_with_year(y.reach.packages, y.year) for y in self.years])

    def reach(self) -> pa.Table:
        """Return the registry's families, reach, cost and families left out by desa and desil."""
        return pa.concat_tables([_with_year(y.reach.areas, y.year) for y in self.years])

    def error_rates(self) -> pa.Table:
        """Return the measured exclusion and inclusion errors of each cut-off ``desil ≤ k``."""
        rows = [{"basis": self.errors.basis, "target": r.target, "cutoff": r.cutoff,
                 "exclusion": r.exclusion, "inclusion": r.inclusion}
                for r in self.errors.rates]  # fmt: skip
        return pa.Table.from_pylist(rows)

    def view(self, name: str) -> pa.Table:
        """Return one view of :data:`VIEWS` as data (estimates, reach, packages, errors)."""
        from rpkd.workflows.targeting import choose

        chosen = choose(name, VIEWS, "show")
        if chosen == "reach":
            return self.reach()
        if chosen == "packages":
            return self.packages()
        return self.error_rates() if chosen == "errors" else self.to_arrow()

    def readable_view(self, name: str) -> pa.Table:
        """Return one view for reading: desa named beside their codes, label-key columns."""
        from rpkd import regions

        table = self.view(name)
        if "desa_code" in table.column_names:
            at = table.column_names.index("desa_code") + 1
            names = regions.names(table.column("desa_code").to_pylist())
            table = table.add_column(at, "desa_name", pa.array(names, pa.string()))
        return table.rename_columns([COLUMN + c for c in table.column_names])

    def left_out(self, year: int, desil: int = 1) -> float:
        """Return the registry's families of ``desil`` no package reaches in ``year``."""
        for y in self.years:
            if y.year == year:
                rows = y.reach.areas.to_pylist()
                return float(sum(r["families_left_out"] for r in rows if r["desil"] == desil))
        raise KeyError(year)

    def readable(self, lang: locale.Lang) -> pa.Table:
        """Return the estimates as an officer reads them: per year, measure and line, the
        baseline, the scenario with its 95% interval, and the difference with its interval."""
        from rpkd.reports.estimates import kind, line_text, measure_name, shown

        by_key: dict[tuple[int, str, str | None], dict[str, Any]] = {}
        for r in self.to_arrow().to_pylist():
            key = (r["year"], r["measure"], r["line"])
            by_key.setdefault(key, {})[r["indicator"]] = r
        out: dict[str, list[str | None]] = {k: [] for k in (
            "scenario.year", "estimates.measure", "estimates.line", "scenario.baseline",
            "scenario.scenario", "scenario.interval", "scenario.difference",
            "scenario.difference_interval")}  # fmt: skip
        for (year, measure, line), rows in by_key.items():
            how = kind(measure)
            base, scen, diff = rows.get("baseline"), rows.get("scenario"), rows.get("difference")

            def value(row: dict[str, Any] | None, name: str, how: Any = how) -> str | None:
                return None if row is None else shown(row[name], how, lang)

            def span(row: dict[str, Any] | None, how: Any = how) -> str | None:
                if row is None or row["ci_low"] is None:
                    return None
                return f"{shown(row['ci_low'], how, lang)} – {shown(row['ci_high'], how, lang)}"

            out["scenario.year"].append(str(year))
            out["estimates.measure"].append(
                locale.label("scenario.cost", lang) if measure == "cost"
                else measure_name(measure, lang)
            )  # fmt: skip
            out["estimates.line"].append(line_text(line, lang))
            out["scenario.baseline"].append(value(base, "estimate"))
            out["scenario.scenario"].append(
                value(scen, "estimate", "rupiah" if measure == "cost" else how)
            )
            out["scenario.interval"].append(span(scen, "rupiah" if measure == "cost" else how))
            out["scenario.difference"].append(value(diff, "estimate"))
            out["scenario.difference_interval"].append(span(diff))
        return _text_table(out)

    def readable_reach(self, lang: locale.Lang) -> pa.Table:
        """Return the registry's figures per year: cost, families and persons reached, and the
        families of desil 1 no package reaches."""
        return _text_table({
            "scenario.year": [str(y.year) for y in self.years],
            "scenario.registry_cost": [locale.rupiah(y.reach.cost, lang) for y in self.years],
            "scenario.families_reached": [locale.number(round(y.reach.families_reached), lang, 0)
                                          for y in self.years],
            "scenario.persons_reached": [locale.number(round(y.reach.persons_reached), lang, 0)
                                         for y in self.years],
            "scenario.left_out_desil1": [locale.number(round(self.left_out(y.year)), lang, 0)
                                         for y in self.years],
        })  # fmt: skip


@dataclass(frozen=True)
class ScenarioComparison:
    """Scenarios run on the same release, draws and targeting errors, side by side."""

    results: tuple[ScenarioResult, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(dict.fromkeys(f for r in self.results for f in r.findings))

    def to_json(self) -> list[dict[str, Any]]:
        """One DESIGN.md §7 scenario object per scenario, in the order given."""
        return [r.to_json() for r in self.results]

    def to_arrow(self) -> pa.Table:
        """Return every scenario's estimates, a ``scenario`` column first."""
        parts = []
        for r in self.results:
            table = r.to_arrow()
            parts.append(table.add_column(0, "scenario", pa.array([r.scenario] * table.num_rows)))
        return pa.concat_tables(parts)

    def readable(self, lang: locale.Lang) -> pa.Table:
        """Return one row per year, measure and line: the baseline, then each scenario's
        estimate (columns named after the scenarios), and each year's registry cost."""
        from rpkd.reports.estimates import kind, line_text, measure_name, shown

        rows: dict[tuple[int, str, str | None], dict[str, str | None]] = {}
        names = [r.scenario for r in self.results]
        for r in self.results:
            for record in r.to_arrow().to_pylist():
                if record["indicator"] == "difference":
                    continue
                key = (record["year"], record["measure"], record["line"])
                how = "rupiah" if record["measure"] == "cost" else kind(record["measure"])
                row = rows.setdefault(key, {
                    "scenario.year": str(key[0]),
                    "estimates.measure": locale.label("scenario.cost", lang)
                    if key[1] == "cost" else measure_name(key[1], lang),
                    "estimates.line": line_text(key[2], lang),
                    "scenario.baseline": None,
                })  # fmt: skip
                column = "scenario.baseline" if record["indicator"] == "baseline" else r.scenario
                row[column] = shown(record["estimate"], how, lang)
        columns = ["scenario.year", "estimates.measure", "estimates.line", "scenario.baseline",
                   *names]  # fmt: skip
        return _text_table({c: [row.get(c) for row in rows.values()] for c in columns})


@dataclass(frozen=True)
class BudgetOptimum:
    """The least budget reaching the objective's target by the year, and the trade-off curve."""

    release: str
    objective: str
    target: float
    year: int
    allocation: Allocation
    draws: int
    findings: tuple[Finding, ...] = ()

    @property
    def budget(self) -> float:
        return self.allocation.solution.budget

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md §7: ``{"objective", "target", "year", "budget", "allocation": [...],
        "frontier": [{"budget", "level"}]}``."""
        return {
            "objective": self.objective,
            "target": self.target,
            "year": self.year,
            "budget": self.budget,
            "allocation": [
                {k: row[k] for k in ("programme", "kecamatan", "budget", "families")}
                for row in self.allocation.by_programme_area()
            ],
            "frontier": [{"budget": s.budget, "level": s.level} for s in self.allocation.frontier],
        }

    def to_arrow(self) -> pa.Table:
        """Return the allocation: programme, kecamatan, budget, families, highest desil."""
        schema = pa.schema([("programme", pa.string()), ("kecamatan", pa.string()),
                            ("budget", pa.float64()), ("families", pa.float64()),
                            ("desil_max", pa.int64())])  # fmt: skip
        return pa.Table.from_pylist(self.allocation.by_programme_area(), schema=schema)

    def readable(self, lang: locale.Lang) -> pa.Table:
        """Return the allocation as an officer reads it (kecamatan named, rupiah)."""
        from rpkd import regions

        rows = self.to_arrow().to_pylist()
        return _text_table({
            "optimise.programme": [r["programme"] for r in rows],
            "optimise.kecamatan": [r["kecamatan"] for r in rows],
            "optimise.kecamatan_name": regions.names([r["kecamatan"] for r in rows]),
            "optimise.budget": [locale.rupiah(r["budget"], lang) for r in rows],
            "optimise.families": [locale.number(round(r["families"]), lang, 0) for r in rows],
            "optimise.desil_max": [str(r["desil_max"]) for r in rows],
        })  # fmt: skip

    def readable_frontier(self, lang: locale.Lang) -> pa.Table:
        """Return the trade-off curve: budget against the level it reaches (percent)."""
        points = self.allocation.frontier
        return _text_table({
            "optimise.budget": [locale.rupiah(p.budget, lang) for p in points],
            "optimise.level": [locale.percent(p.level, lang) for p in points],
        })  # fmt: skip


@dataclass(frozen=True)
class SavedScenario:
    """A scenario saved in the application database, with its links to plan activities."""

    name: str
    plan: str | None
    chosen: bool
    packages: int
    links: Mapping[str, str] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        links = ", ".join(f"{k}→{v}" for k, v in sorted(self.links.items()))
        return {"name": self.name, "plan": self.plan, "chosen": self.chosen,
                "packages": self.packages, "links": links or None}  # fmt: skip

    def to_arrow(self) -> pa.Table:
        return ScenarioList((self,)).to_arrow()

    def to_json(self) -> dict[str, Any]:
        return {**self.row(), "links": dict(self.links)}


@dataclass(frozen=True)
class ScenarioList:
    """Every saved scenario."""

    scenarios: tuple[SavedScenario, ...]

    def to_arrow(self) -> pa.Table:
        schema = pa.schema([("name", pa.string()), ("plan", pa.string()), ("chosen", pa.bool_()),
                            ("packages", pa.int64()), ("links", pa.string())])  # fmt: skip
        return pa.Table.from_pylist([s.row() for s in self.scenarios], schema=schema)

    def to_json(self) -> list[dict[str, Any]]:
        return [s.to_json() for s in self.scenarios]

    def chosen(self, plan: str | None = None) -> SavedScenario | None:
        """Return the chosen scenario of ``plan`` (of any plan when None), if one is chosen."""
        for s in self.scenarios:
            if s.chosen and (plan is None or s.plan == plan):
                return s
        return None
