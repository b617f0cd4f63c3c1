"""Registry poverty profile (RPKD chapter III): desil distribution, desil 1–4 characteristics,
vulnerable groups and the registry MPI, by kabupaten, kecamatan and desa.

The registry is a census of families, so figures are counts and shares without standard errors.
One engine query (:func:`rpkd.measures.characteristics.summary_counts` of the family summary)
returns integer counts by desa and desil; levels, shares and small-cell suppression are computed
here from those integers, so every engine yields the same result, to the last bit.

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
from rpkd import params
from rpkd.errors import InvalidInput
from rpkd.findings import Finding, findings_table
from rpkd.measures import characteristics
from rpkd.measures.characteristics import (
    COUNTED,
    LANE_BITS,
    NO_FAMILY_ROW,
    NO_LIVING_MEMBER,
    PAIR,
    Criteria,
    family_summary,
    summary_counts,
    unreadable_desa_codes,
)
from rpkd.measures.rollup import INDICATORS, LEVELS, LONG_SCHEMA, Cells, Level, suppression, topic

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
        """Return the findings as an Arrow table (:data:`rpkd.findings.FINDINGS_SCHEMA`)."""
        return findings_table(self.findings)


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
        Characteristic definitions (default: the national kit's ``profile`` document).
    """
    criteria = criteria or _national()
    return summary_profile(
        family_summary(families, persons, reference_date, criteria),
        reference_date=reference_date,
        families=families,
        levels=levels,
        public=public,
        min_cell=min_cell,
        criteria=criteria,
    )


def summary_profile(
    summary: Table,
    *,
    reference_date: date,
    families: Table | None = None,
    levels: Sequence[Level] = LEVELS,
    public: bool = False,
    min_cell: int | None = None,
    criteria: Criteria | None = None,
) -> RegistryProfile:
    """Return the registry profile of a family summary made at ``reference_date``.

    ``summary`` is :func:`rpkd.measures.characteristics.family_summary` of a release, as an
    expression or read back from where it was stored, made with the same ``criteria``.
    ``families`` (the release's) only serves to list desa codes that are not numbers in the
    findings. Other parameters as :func:`registry_profile`.
    """
    criteria = criteria or _national()
    threshold = criteria.min_cell if min_cell is None else min_cell
    counts = eng.fetch(summary_counts(summary, criteria))
    largest = max(pc.max(counts[c]).as_py() or 0 for c in ("families", "persons"))
    if largest >= PAIR // 2:  # the paired sums of summary_counts would not be exact
        raise InvalidInput("profile_cell_too_large", param="release", limit=PAIR // 2)
    counted = counts.filter(pc.equal(counts["coverage"], COUNTED))
    if (pc.max(counted["largest_family"]).as_py() or 0) >= 1 << LANE_BITS:
        # The member counts of family_summary share one sum: a lane would spill into the next.
        raise InvalidInput("profile_family_too_large", param="release", limit=1 << LANE_BITS)
    findings = _coverage(counts)
    counted = counted.drop_columns(["coverage", "largest_family"])
    counts, code_findings = _normalise(counted, families)
    findings += code_findings
    cells = Cells.build(counts, sum(w for _, w in criteria.mpi_points))
    hidden = suppression(cells, threshold) if public else np.zeros(cells.size, dtype=bool)
    if public:
        findings.append(
            Finding(
                "profile_cells_suppressed",
                "info",
                {"count": int(hidden.sum()), "min_cell": threshold},
            )
        )
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


def _national() -> Criteria:
    """Return the criteria of the national kit (callers with a workspace pass its own)."""
    return characteristics.criteria(params.load("profile"))


def _coverage(counts: pa.Table) -> list[Finding]:
    """Return the findings on families and persons left out of the profile, and headless ones."""

    def total(column: str, coverage: int) -> int:
        rows = pc.equal(counts["coverage"], coverage)
        return int(pc.sum(counts[column].filter(rows)).as_py() or 0)

    out: list[Finding] = []
    if no_member := total("families", NO_LIVING_MEMBER):
        out.append(Finding("profile_family_without_member", "warning", {"count": no_member}))
    if no_family := total("persons", NO_FAMILY_ROW):
        out.append(Finding("profile_person_without_family", "warning", {"count": no_family}))
    if no_head := total("without_head", COUNTED):
        out.append(Finding("profile_family_without_head", "warning", {"count": no_head}))
    return out


def _dotted(numbers: pa.Array) -> pa.Array:
    """Return the dotted code of each desa number (``6203012001`` -> ``62.03.01.2001``).

    Null where the number is not a desa code in the master's form (ten digits).
    """
    is_desa = pc.and_(pc.greater_equal(numbers, 10**9), pc.less(numbers, 10**10))
    text = pc.cast(pc.if_else(is_desa, numbers, pa.scalar(None, numbers.type)), pa.string())
    parts = [pc.utf8_slice_codeunits(text, a, b) for a, b in ((0, 2), (2, 4), (4, 6), (6, 10))]
    return pc.binary_join_element_wise(*parts, ".")


def _normalise(counts: pa.Table, families: Table | None) -> tuple[pa.Table, list[Finding]]:
    """Return counts with dotted desa codes and desil slots; drop rows whose code is not a desa."""
    encoded = pc.dictionary_encode(counts["desa"].combine_chunks())
    dotted = _dotted(encoded.dictionary)  # the dictionary holds no null
    dotted_codes = dotted.take(encoded.indices)
    desil = counts["desil"]
    valid = pc.and_(pc.greater_equal(desil, 1), pc.less_equal(desil, 10))
    slot = pc.if_else(pc.fill_null(valid, False), pc.cast(desil, pa.string()), "missing")
    table = counts.set_column(0, "desa_code", dotted_codes).set_column(1, "desil", slot)
    bad = pc.is_null(dotted_codes)
    findings = []
    if pc.any(bad).as_py():
        dropped = table.filter(bad)
        shown = sorted(str(n) for n in encoded.dictionary.filter(pc.is_null(dotted)).to_pylist())
        if counts["desa"].null_count and families is not None:
            shown = unreadable_desa_codes(families) + shown
        count = int(pc.sum(dropped["families"]).as_py())
        findings.append(
            Finding("profile_desa_code_invalid", "warning", {"count": count, "codes": shown[:10]})
        )
        table = table.filter(pc.invert(bad))
    return table, findings


__all__ = [
    "INDICATORS",
    "LEVELS",
    "LONG_SCHEMA",
    "Level",
    "RegistryProfile",
    "registry_profile",
    "summary_profile",
]
