"""Disclosure control of a document's tables: small counts of families are never published,
not even by subtraction from a total.

A table declares which columns are counts of families, which columns sum to another column
(``Relation``: desil 1, 2, 3 and 4 make "desil 1–4") and whether its last row is the total of
the rows above. :func:`protect` then applies the primary rule (a count from 1 to
``min_families - 1`` is hidden; zeros are published) and complementary suppression over every
row and column relation (:func:`rpkd.measures.disclosure.suppress`: while a relation holds
exactly one hidden cell, the smallest non-zero published part is hidden too). Cells derived
from a count (a share, a rate of coverage, a count of persons) follow it: hidden when any
count they are built from is hidden. Cells already hidden upstream (the registry profile's own
suppression) stay hidden and count as hidden in every relation.

:func:`coarsen` merges categories before protection (desil 1–2, 3–4, 5–10), as statistical
offices do for sparse cross-tabulations, so fewer cells need hiding.

References
----------
Hundepool, A. et al. (2012), *Statistical Disclosure Control*, Wiley, §4.2 (threshold rule)
and §4.4 (secondary suppression). Cox, L. H. (1980), Suppression methodology and statistical
disclosure control, *JASA* 75, 377–385.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rpkd.measures.disclosure import Equation, suppress

Cell = tuple[int, str]
"""A table cell: (row index, column key)."""


@dataclass(frozen=True)
class Relation:
    """Columns ``parts`` of every row sum to column ``total`` of the same row."""

    parts: tuple[str, ...]
    total: str


def protect(
    rows: Sequence[Mapping[str, object]],
    *,
    counts: Sequence[str],
    min_families: int,
    relations: Sequence[Relation] = (),
    total_row: bool = False,
    derived: Mapping[str, Sequence[str]] | None = None,
    hidden: frozenset[Cell] = frozenset(),
) -> frozenset[Cell]:
    """Return the cells to hide in a table of ``rows``.

    Parameters
    ----------
    rows
        The table's rows (column key -> value); count cells hold integers (or None: no value).
    counts
        Columns holding counts of families (primary rule and relations apply to them).
    min_families
        A count from 1 to ``min_families - 1`` is hidden.
    relations
        Column sums within each row.
    total_row
        Whether the last row is the sum of the rows above (for every count column).
    derived
        Column -> the count columns it is computed from (a share follows its numerator and
        denominator); hidden in a row when any of them is.
    hidden
        Cells hidden already (suppressed upstream); they stay hidden.

    Examples
    --------
    >>> rows = [{"a": 4, "b": 30, "t": 34}, {"a": 20, "b": 25, "t": 45}, {"a": 24, "b": 55, "t": 79}]
    >>> sorted(protect(rows, counts=("a", "b", "t"), min_families=10,
    ...                relations=[Relation(("a", "b"), "t")], total_row=True))
    [(0, 'a'), (0, 'b'), (1, 'a'), (1, 'b')]
    """
    keys = list(dict.fromkeys(counts))
    width = len(keys)
    index = {key: j for j, key in enumerate(keys)}
    n = len(rows) * width
    values = np.zeros(n, dtype=np.int64)
    absent = np.zeros(n, dtype=bool)
    for i, row in enumerate(rows):
        for key, j in index.items():
            value = row.get(key)
            if value is not None:
                values[i * width + j] = round(float(value))  # type: ignore[arg-type]
            elif (i, key) not in hidden:
                absent[i * width + j] = True
    basis = values.copy()
    for i, key in hidden:
        if key in index:
            basis[i * width + index[key]] = 1  # hidden upstream: hidden by the primary rule too
    equations: list[Equation] = []
    for i in range(len(rows)):
        for relation in relations:
            parts = tuple(i * width + index[p] for p in relation.parts)
            equations.append(Equation(parts, i * width + index[relation.total]))
    if total_row and len(rows) > 1:
        last = len(rows) - 1
        for j in index.values():
            equations.append(Equation(tuple(i * width + j for i in range(last)), last * width + j))
    equations = [e for e in equations if not absent[[*e.parts, e.total]].any()]
    mask = secure(values, basis, equations, min_cell=min_families)
    out = set(hidden)
    out |= {(i, key) for i in range(len(rows)) for key, j in index.items() if mask[i * width + j]}
    for column, sources in (derived or {}).items():
        out |= {(i, column) for i in range(len(rows)) if any((i, s) in out for s in sources)}
    return frozenset(out)


def secure(
    values: NDArray[np.int64],
    basis: NDArray[np.int64],
    equations: Sequence[Equation],
    *,
    min_cell: int,
) -> NDArray[np.bool_]:
    """Return the cells to hide: :func:`rpkd.measures.disclosure.suppress`, then, while the
    published equations taken together still determine a hidden cell (several equations can
    where none alone can), one more cell of an equation holding it is hidden.

    A hidden cell is determined when every solution of the equations (hidden cells unknown,
    published cells known) gives it the same value: its row of the null space of the
    equations' coefficients is zero.
    """
    mask = suppress(values, basis, equations, min_cell=min_cell)
    while True:
        fixed = determined(mask, equations)
        if not fixed:
            return mask
        cell = fixed[0]
        for eq in equations:
            cells = np.asarray([*eq.parts, eq.total], dtype=np.int64)
            open_cells = cells[~mask[cells]]
            if cell in cells and open_cells.size:
                order = np.lexsort((open_cells, values[open_cells], values[open_cells] == 0))
                forced = basis.copy()
                forced[mask] = 1  # 1 < min_cell: what is hidden stays hidden
                forced[open_cells[order[0]]] = 1
                mask = suppress(values, forced, equations, min_cell=max(min_cell, 2))
                break
        else:  # every equation holding it is hidden whole: nothing more to hide
            return mask


def determined(mask: NDArray[np.bool_], equations: Sequence[Equation]) -> list[int]:
    """Return the hidden cells whose value the equations fix (see :func:`secure`)."""
    hidden = np.flatnonzero(mask)
    if hidden.size == 0:
        return []
    column = {int(c): j for j, c in enumerate(hidden)}
    rows = []
    for eq in equations:
        line = np.zeros(hidden.size)
        for c in eq.parts:
            if int(c) in column:
                line[column[int(c)]] += 1.0
        if int(eq.total) in column:
            line[column[int(eq.total)]] -= 1.0
        if line.any():
            rows.append(line)
    if not rows:
        return []
    matrix = np.vstack(rows)
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(matrix.shape)).sum())
    null = vt[rank:].T  # hidden cells x free directions
    if null.size == 0:
        return [int(c) for c in hidden]
    moving = np.abs(null).max(axis=1) > 1e-9
    return [int(hidden[j]) for j in range(hidden.size) if not moving[j]]


def exposed(
    rows: Sequence[Mapping[str, object]],
    hidden: frozenset[Cell],
    *,
    counts: Sequence[str],
    min_families: int,
    relations: Sequence[Relation] = (),
    total_row: bool = False,
) -> list[str]:
    """Return what a reader could learn of a small count: an empty list when the table is safe.

    Checks that no published count is from 1 to ``min_families - 1`` and that no row or column
    relation holds exactly one hidden cell (which subtraction would recover).
    """
    problems = []
    for i, row in enumerate(rows):
        for key in counts:
            value = row.get(key)
            if (i, key) not in hidden and value is not None and 0 < float(value) < min_families:  # type: ignore[arg-type]
                problems.append(f"row {i} {key}={value} published")
    sums: list[list[Cell]] = []
    for i in range(len(rows)):
        sums += [[(i, p) for p in r.parts] + [(i, r.total)] for r in relations]
    if total_row and len(rows) > 1:
        sums += [[(i, key) for i in range(len(rows))] for key in counts]
    for cells in sums:
        if any(rows[i].get(k) is None and (i, k) not in hidden for i, k in cells):
            continue
        shown = [c for c in cells if c in hidden]
        if len(shown) == 1:
            problems.append(f"cell {shown[0]} recoverable by subtraction")
    return problems


def coarsen(
    cells: Mapping[tuple[object, object], int], group: Callable[[object], str]
) -> dict[tuple[str, str], int]:
    """Return a two-way table of counts with both categories merged by ``group``.

    Examples
    --------
    >>> coarsen({(1, 1): 3, (1, 2): 4, (3, 1): 9}, lambda d: "1-2" if d in (1, 2) else "3+")
    {('1-2', '1-2'): 7, ('3+', '1-2'): 9}
    """
    out: dict[tuple[str, str], int] = {}
    for (a, b), n in cells.items():
        key = (group(a), group(b))
        out[key] = out.get(key, 0) + int(n)
    return out
