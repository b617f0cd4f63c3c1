"""Registry poverty profile (RPKD chapter III): desil distribution, desil 1–4 characteristics,
vulnerable groups and the registry MPI, by kabupaten, kecamatan and desa.

The registry is a census of families, so figures are counts and shares without standard errors.
One engine query (:func:`rpkd.measures.characteristics.desa_desil_counts`) returns integer counts
by desa and desil; levels, shares and small-cell suppression are computed here from those
integers, so every engine yields the same result, to the last bit.

The registry MPI (H, A, M0) is the Alkire–Foster measure of :mod:`rpkd.measures.mpi` with every
family weighted 1; it is summed in the same query, in integer points, rather than by calling
``mpi.estimate(..., by=area)``, whose per-domain contribution columns grow with the number of
areas (84,000 desa nationally) and whose float sums differ between engines in the last bits. The
tests check that both give the same H, A and M0.

References
----------
TNP2K (2018), *Panduan Penyusunan Rencana Penanggulangan Kemiskinan Daerah*: chapter III profile.
facts.md §2.3 (desil), §3 (RTLH criteria), §7.B.7 (profile contents). Alkire, S. & Foster, J.
(2011), Counting and multidimensional poverty measurement, *J. Public Econ.* 95, 476–487.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rpkd import engine as eng
from rpkd import regions
from rpkd.errors import UnknownRegion
from rpkd.measures.characteristics import (
    Criteria,
    desa_desil_counts,
    living,
    load_criteria,
    unreadable_desa_codes,
)
from rpkd.measures.rollup import (
    INDICATORS,
    LEVELS,
    LONG_SCHEMA,
    Cells,
    Finding,
    Level,
    suppression,
    topic,
)

if TYPE_CHECKING:
    from ibis.expr.types import Table


@dataclass(frozen=True)
class RegistryProfile:
    """The registry profile: one long table (see :data:`LONG_SCHEMA`) and the findings.

    Rows are sorted by level (kabupaten, kecamatan, desa), area code and indicator; the topics
    (``desil``, ``characteristics``, ``vulnerable``, ``mpi``) are views of it.
    """

    reference_date: date
    levels: tuple[Level, ...]
    public: bool
    min_cell: int
    table: pa.Table = field(repr=False)
    findings: tuple[Finding, ...]

    @property
    def desil(self) -> pa.Table:
        """Families and persons by desil 1-10 and missing, with totals and desil 1-4."""
        return topic(self.table, "desil")

    @property
    def characteristics(self) -> pa.Table:
        """Characteristics of desil 1-4 families (counts of families, shares of desil 1-4)."""
        return topic(self.table, "characteristics")

    @property
    def vulnerable(self) -> pa.Table:
        """Vulnerable groups among all living persons (and female-headed families)."""
        return topic(self.table, "vulnerable")

    @property
    def mpi(self) -> pa.Table:
        """Registry Alkire-Foster MPI: H (with the count of poor families), A and M0."""
        return topic(self.table, "mpi")

    def to_arrow(self) -> pa.Table:
        """Return the long table (level, code, name, indicator, value, denominator, share, ...)."""
        return self.table

    def findings_table(self) -> pa.Table:
        """Return the findings as a table (rule, count, detail)."""
        return pa.table(
            {
                "rule": [f.rule for f in self.findings],
                "count": pa.array([f.count for f in self.findings], pa.int64()),
                "detail": [f.detail for f in self.findings],
            }
        )


def registry_profile(
    families: Table,
    persons: Table,
    *,
    reference_date: date,
    levels: Sequence[Level] = LEVELS,
    public: bool = False,
    min_cell: int | None = None,
    criteria: Criteria | None = None,
) -> RegistryProfile:
    """Return the registry poverty profile of ``families`` and ``persons`` at ``reference_date``.

    Parameters
    ----------
    families, persons
        Engine tables of a release (``rpkd.releases.schema`` FAMILIES and PERSONS).
    reference_date
        Date at which ages are computed and deaths counted (the release date).
    levels
        Levels to report; suppression always considers all three, so tables published at
        different levels cannot be combined to recover a hidden cell.
    public
        Suppress small cells (:mod:`rpkd.measures.disclosure`).
    min_cell
        Primary suppression threshold in families (default from ``profile.toml``: 10).
    criteria
        Characteristic definitions (default from ``profile.toml``).
    """
    criteria = criteria or load_criteria()
    threshold = criteria.min_cell if min_cell is None else min_cell
    counts = eng.fetch(
        desa_desil_counts(families, persons, reference_date=reference_date, criteria=criteria)
    )
    findings = _coverage(families, persons, counts, reference_date)
    counts, code_findings = _normalise(counts, families)
    findings += code_findings
    cells = Cells.build(counts, sum(w for _, w in criteria.mpi_points))
    hidden = suppression(cells, threshold) if public else np.zeros(cells.size, dtype=bool)
    if public:
        findings.append(Finding("cells_suppressed", int(hidden.sum()), f"min_cell={threshold}"))
    table = cells.long_table(hidden, tuple(levels))
    findings += cells.name_findings
    return RegistryProfile(
        reference_date=reference_date,
        levels=tuple(levels),
        public=public,
        min_cell=threshold,
        table=table,
        findings=tuple(findings),
    )


def _coverage(
    families: Table, persons: Table, counts: pa.Table, reference_date: date
) -> list[Finding]:
    alive = living(persons, reference_date)
    totals = eng.fetch(
        families.aggregate(n=families.count().cast("int64")).cross_join(
            alive.aggregate(alive=alive.count().cast("int64"))
        )
    ).to_pylist()[0]
    counted_families = int(pc.sum(counts["families"]).as_py() or 0)
    counted_persons = int(pc.sum(counts["persons"]).as_py() or 0)
    out: list[Finding] = []
    if totals["n"] > counted_families:
        out.append(Finding("family_without_living_member", totals["n"] - counted_families))
    if totals["alive"] > counted_persons:
        out.append(Finding("person_without_family", totals["alive"] - counted_persons))
    no_head = int(pc.sum(counts["without_head"]).as_py() or 0)
    if no_head:
        out.append(Finding("family_without_head", no_head))
    return out


def _dotted(number: int) -> str | None:
    """Return the dotted desa code of a desa number, None if it is not a desa in the master form."""
    try:
        dotted = regions.parse_code(str(number))
    except UnknownRegion:
        return None
    return dotted if regions.depth_of(dotted) == "desa" else None


def _normalise(counts: pa.Table, families: Table) -> tuple[pa.Table, list[Finding]]:
    """Return counts with dotted desa codes and desil slots; drop rows whose code is not a desa."""
    encoded = pc.dictionary_encode(counts["desa"].combine_chunks())
    numbers = encoded.dictionary.to_pylist()
    dotted = [_dotted(n) for n in numbers]  # the dictionary holds no null
    dotted_codes = pa.array(dotted, pa.string()).take(encoded.indices)
    desil = counts["desil"]
    valid = pc.and_(pc.greater_equal(desil, 1), pc.less_equal(desil, 10))
    slot = pc.if_else(pc.fill_null(valid, False), pc.cast(desil, pa.string()), "missing")
    table = counts.set_column(0, "desa_code", dotted_codes).set_column(1, "desil", slot)
    bad = pc.is_null(dotted_codes)
    findings = []
    if pc.any(bad).as_py():
        dropped = table.filter(bad)
        shown = sorted(str(n) for n, d in zip(numbers, dotted, strict=True) if d is None)
        if counts["desa"].null_count:
            shown = unreadable_desa_codes(families) + shown
        findings.append(
            Finding(
                "desa_code_invalid",
                int(pc.sum(dropped["families"]).as_py()),
                ", ".join(shown[:10]),
            )
        )
        table = table.filter(pc.invert(bad))
    return table, findings


__all__ = [
    "INDICATORS",
    "LEVELS",
    "LONG_SCHEMA",
    "Finding",
    "Level",
    "RegistryProfile",
    "registry_profile",
]
