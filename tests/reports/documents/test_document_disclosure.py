"""Disclosure control of document tables: small counts hidden, and no hidden count recoverable
from what a table publishes — checked by linear algebra, independently of the heuristic.

A hidden cell is recoverable when its value is fixed by the table's published equations (row
parts summing to a row total, rows summing to the total row): with the hidden cells as
unknowns, the cell's unit vector lies in the row space of the equations' coefficients.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from rpkd.reports.documents.disclosure import Relation, coarsen, exposed, protect


def recoverable(rows, hidden, counts, relations=(), total_row=False):
    """Return the hidden count cells whose value the published equations determine."""
    unknown = sorted(c for c in hidden if c[1] in counts)
    index = {c: i for i, c in enumerate(unknown)}
    equations = []
    for i in range(len(rows)):
        for r in relations:
            equations.append([(i, p) for p in r.parts] + [(i, r.total)])
    if total_row:
        last = len(rows) - 1
        equations += [[(i, k) for i in range(last)] + [(last, k)] for k in counts]
    matrix = []
    for cells in equations:
        line = np.zeros(len(unknown))
        for n, cell in enumerate(cells):
            if cell in index:
                line[index[cell]] = -1.0 if n == len(cells) - 1 else 1.0
        if line.any():
            matrix.append(line)
    if not matrix:
        return []
    a = np.array(matrix)
    rank = np.linalg.matrix_rank(a)
    out = []
    for cell, i in index.items():
        unit = np.zeros(len(unknown))
        unit[i] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append(cell)
    return out


def test_a_small_count_and_its_complements_are_hidden() -> None:
    # Worked by hand: 4 < 10 is hidden; its row then has one hidden cell, so the other part
    # (30) goes; column a then has one hidden cell, so the smallest open part (20) goes, and
    # column b likewise (25).
    rows = [{"a": 4, "b": 30, "t": 34}, {"a": 20, "b": 25, "t": 45}, {"a": 24, "b": 55, "t": 79}]
    hidden = protect(
        rows,
        counts=("a", "b", "t"),
        min_families=10,
        relations=[Relation(("a", "b"), "t")],
        total_row=True,
    )
    assert hidden == {(0, "a"), (0, "b"), (1, "a"), (1, "b")}
    assert (
        exposed(
            rows,
            hidden,
            counts=("a", "b", "t"),
            min_families=10,
            relations=[Relation(("a", "b"), "t")],
            total_row=True,
        )
        == []
    )
    assert recoverable(rows, hidden, ("a", "b", "t"), [Relation(("a", "b"), "t")], True) == []


def test_zero_is_published_and_large_counts_are_not_touched() -> None:
    rows = [{"a": 0, "b": 50, "t": 50}, {"a": 12, "b": 40, "t": 52}]
    assert (
        protect(
            rows, counts=("a", "b", "t"), min_families=10, relations=[Relation(("a", "b"), "t")]
        )
        == frozenset()
    )


def test_a_share_follows_the_counts_it_is_built_from() -> None:
    rows = [{"n": 3, "d": 200, "share": 0.015}, {"n": 40, "d": 200, "share": 0.2}]
    hidden = protect(rows, counts=("n", "d"), min_families=10, derived={"share": ("n", "d")})
    assert hidden == {(0, "n"), (0, "share")}


def test_cells_hidden_upstream_stay_hidden_and_count_in_relations() -> None:
    # The profile already hid a (value withheld as None); the row relation then needs one more.
    rows = [{"a": None, "b": 30, "t": 38}]
    hidden = protect(
        rows,
        counts=("a", "b", "t"),
        min_families=10,
        relations=[Relation(("a", "b"), "t")],
        hidden=frozenset({(0, "a")}),
    )
    assert hidden == {(0, "a"), (0, "b")}


def test_exposed_names_a_published_small_count_and_a_lone_hidden_cell() -> None:
    rows = [{"a": 4, "b": 30, "t": 34}]
    problems = exposed(
        rows,
        frozenset(),
        counts=("a", "b", "t"),
        min_families=10,
        relations=[Relation(("a", "b"), "t")],
    )
    assert problems == ["row 0 a=4 published"]
    lone = exposed(
        rows,
        frozenset({(0, "a")}),
        counts=("a", "b", "t"),
        min_families=10,
        relations=[Relation(("a", "b"), "t")],
    )
    assert lone == ["cell (0, 'a') recoverable by subtraction"]


def test_cells_fixed_by_several_equations_together_are_protected_too() -> None:
    # Seed 130 of the random tables below: each equation holds two hidden cells, yet the
    # equations together fix one of them; one more cell is hidden until none is fixed.
    rng = random.Random(130)
    rows = _random_rows(rng)
    counts = tuple(rows[0])
    relations = [Relation(counts[:-1], "t")]
    hidden = protect(rows, counts=counts, min_families=10, relations=relations, total_row=True)
    assert recoverable(rows, hidden, counts, relations, True) == []


def test_coarsen_merges_both_categories() -> None:
    merged = coarsen({(1, 1): 3, (2, 5): 4, (None, 1): 9}, lambda d: "x" if d in (1, 2) else "y")
    assert merged == {("x", "x"): 3, ("x", "y"): 4, ("y", "x"): 9}


@pytest.mark.parametrize("seed", range(300))
def test_random_tables_publish_no_small_count_and_no_recoverable_cell(seed: int) -> None:
    rows = _random_rows(random.Random(seed))
    counts = tuple(rows[0])
    relations = [Relation(counts[:-1], "t")]
    hidden = protect(rows, counts=counts, min_families=10, relations=relations, total_row=True)
    assert (
        exposed(rows, hidden, counts=counts, min_families=10, relations=relations, total_row=True)
        == []
    )
    assert recoverable(rows, hidden, counts, relations, True) == []


def _random_rows(rng: random.Random) -> list[dict[str, int]]:
    """Return rows of 2-5 parts and their total ``t``, then the total row."""
    parts = [f"p{j}" for j in range(rng.randint(2, 5))]
    rows = []
    for _ in range(rng.randint(2, 8)):
        row = {p: rng.choice([0, 1, 2, 5, 9, 10, 14, 30, 120]) for p in parts}
        row["t"] = sum(row[p] for p in parts)
        rows.append(row)
    rows.append({k: sum(r[k] for r in rows) for k in (*parts, "t")})
    return rows
