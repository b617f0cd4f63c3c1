"""Small-cell suppression for public tables: primary threshold rule and complementary suppression.

Rule used (documented in ``docs/engines.md`` and the profile's findings):

1. **Primary.** A cell whose *basis* — the number of families it is built from — is between 1
   and ``min_cell - 1`` is suppressed. Zero cells are published.
2. **Complementary.** Every additive relation a reader can use (the parts of a row that sum to
   its published total, the desa of a kecamatan that sum to the kecamatan, the kecamatan of a
   kabupaten that sum to the kabupaten) is an *equation*. While some equation holds exactly one
   suppressed cell, that cell could be recovered by subtraction, so one more cell of the
   equation is suppressed: the smallest non-zero published part (ties by position), else the
   smallest zero part, else the total. This repeats until no equation has exactly one
   suppressed cell, so no suppressed cell can be recovered from any single total.
3. **Linked cells** (persons counted in a suppressed family cell) follow their leader.

This is the classic threshold-plus-complementary heuristic (Cox 1980; Hundepool et al. 2012,
*Statistical Disclosure Control*, §4.2, §4.4). It does not run the linear-programming audit of
tau-Argus, which would also rule out recovery by combining several equations.

References
----------
Cox, L. H. (1980). Suppression methodology and statistical disclosure control. *JASA* 75, 377–385.
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Equation:
    """``sum(cells[parts]) == cells[total]``: a relation a reader can use to recover a cell."""

    parts: tuple[int, ...]
    total: int


def suppress(
    value: NDArray[np.int64],
    basis: NDArray[np.int64],
    equations: Sequence[Equation],
    *,
    min_cell: int,
    followers: NDArray[np.int64] | None = None,
    leaders: NDArray[np.int64] | None = None,
) -> NDArray[np.bool_]:
    """Return which cells to suppress (primary threshold rule, then complementary suppression).

    Parameters
    ----------
    value
        Published value of each cell (used to pick complementary cells: smallest first).
    basis
        Number of families behind each cell; ``1 <= basis < min_cell`` is suppressed.
    equations
        Additive relations between cells (parts sum to total).
    min_cell
        Threshold of the primary rule.
    followers, leaders
        Cell ``followers[i]`` is suppressed exactly when cell ``leaders[i]`` is.

    Examples
    --------
    >>> eq = [Equation(parts=(0, 1, 2), total=3)]
    >>> suppress(np.array([4, 30, 50, 84]), np.array([4, 30, 50, 84]), eq, min_cell=10).tolist()
    [True, True, False, False]
    """
    suppressed = (basis >= 1) & (basis < min_cell)
    pending = list(equations)
    changed = True
    while changed:
        changed = False
        for eq in pending:
            parts = np.asarray(eq.parts, dtype=np.int64)
            hidden = int(suppressed[parts].sum()) + int(suppressed[eq.total])
            if hidden != 1:
                continue
            open_parts = parts[~suppressed[parts]]
            if open_parts.size:
                vals = value[open_parts]
                # Non-zero cells first (a hidden zero protects nothing), then smallest, then position.
                order = np.lexsort((open_parts, vals, vals == 0))
                suppressed[open_parts[order[0]]] = True
            else:
                suppressed[eq.total] = True
            changed = True
    if followers is not None and leaders is not None:
        suppressed[followers] = suppressed[leaders]
    return suppressed
