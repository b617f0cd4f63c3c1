"""A scenario on the registry: cost, families and persons reached by desa and desil, who is left out.

The registry knows, for every family, whether each package's rule admits it (evaluated by
:func:`rpkd.targeting.eligibility.eligibility`) but not its consumption, so its figures are
expectations: an eligible family receives package ``p`` with probability ``π = u_p ·
Π_q (1 − π_q)`` over the earlier packages ``q`` it is exclusive with, when it lies within the
package's budget. A capped package serves families in order of desil, then PMT score (poorest
first), while the cumulative expected cost fits the yearly budget. A family's expected cost is
``π`` times its annual benefit (the amount per family, per member or per eligible member; a
top-up at the survey's mean top-up of a candidate household of its desil, reaching the share of
candidates with a gap to fill). A family is reached when it receives at least one package
(``1 − Π_p (1 − π_p)``); persons reached are the members of reached families; families left out
are those not reached.

The same table gives the survey side its eligibility shares (:func:`shares`): by kecamatan and
desil, the share of families a rule admits and the share of their members who qualify.

References
----------
OpenSPP ``spp_simulation`` (cost, coverage and budget rules on a registry; peers.md §1), here with
the survey's effect on poverty beside it; Coady, Grosh & Hoddinott (2004), ch. 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from rpkd.simulation.uncertainty import DESILS

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Per = Literal["family", "member", "person"]


@dataclass(frozen=True)
class Families:
    """The registry as the simulation reads it: one entry per family.

    ``desil`` is 0 where the registry has none (such families come last in every queue);
    ``eligible[code]`` says whether a package's rule admits the family and ``members[code]``
    how many of its members qualify (the family size for a family rule).
    """

    desa: NDArray[np.str_]
    desil: IntArray
    size: FloatArray
    score: FloatArray
    eligible: Mapping[str, NDArray[np.bool_]]
    members: Mapping[str, FloatArray]

    @property
    def kecamatan(self) -> NDArray[np.str_]:
        out: NDArray[np.str_] = np.asarray([d[:8] for d in self.desa.tolist()], dtype=str)
        return out


def families(table: pa.Table, codes: Sequence[str]) -> Families:
    """Return the families of an eligibility table (``desa_code``, ``family_size``,
    ``eligible_<code>`` and, for person rules, ``n_eligible_<code>``; ``desil`` and
    ``pmt_score`` where the registry has them: without a desil a family counts in none, without
    a score families of a desil are served in registry order)."""

    def numbers(name: str, fill: float) -> FloatArray:
        if name not in table.column_names:
            return np.full(table.num_rows, fill)
        return np.asarray(pc.fill_null(table.column(name).cast(pa.float64()), fill).to_numpy())

    size = numbers("family_size", 1.0)
    eligible = {c: np.asarray(pc.fill_null(table.column(f"eligible_{c}"), False).to_numpy(
        zero_copy_only=False), bool) for c in codes}  # fmt: skip
    members = {
        c: numbers(f"n_eligible_{c}", 0.0) if f"n_eligible_{c}" in table.column_names else size
        for c in codes
    }
    score = numbers("pmt_score", np.inf)
    return Families(
        desa=np.asarray(table.column("desa_code").to_pylist(), dtype=str),
        desil=numbers("desil", 0.0).astype(np.int64),
        size=size,
        score=score,
        eligible=eligible,
        members=members,
    )


def _cells(keys: NDArray[np.str_], desil: IntArray, areas: Sequence[str]) -> IntArray:
    """Return each family's area × desil cell (-1 outside the areas or without a desil)."""
    index = {a: i for i, a in enumerate(areas)}
    row = np.array([index.get(k, -1) for k in keys.tolist()], np.int64)
    inside = (desil >= 1) & (desil <= DESILS) & (row >= 0)
    out: IntArray = np.where(inside, row * DESILS + desil - 1, -1)
    return out


def shares(
    fam: Families, codes: Sequence[str], areas: Sequence[str]
) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Return, per package, the eligible share and the qualifying-member share by area and desil.

    Arrays are ``(len(areas) + 1) × 10``: one row per area (kecamatan code), then the whole
    district. A cell without families takes the district's value of its desil.
    """
    cell = _cells(fam.kecamatan, fam.desil, areas)
    size = (len(areas) + 1) * DESILS
    ranked = (fam.desil >= 1) & (fam.desil <= DESILS)
    district = len(areas) * DESILS + fam.desil - 1

    def sums(values: FloatArray) -> FloatArray:
        inside = cell >= 0
        by_area = np.bincount(cell[inside], weights=values[inside], minlength=size)
        whole = np.bincount(district[ranked], weights=values[ranked], minlength=size)
        out: FloatArray = (by_area + whole).reshape(-1, DESILS).astype(np.float64)
        return out

    count = sums(np.ones(len(cell)))
    out: dict[str, tuple[FloatArray, FloatArray]] = {}
    for code in codes:
        flag = fam.eligible[code].astype(np.float64)
        eligible_share = _ratio(sums(flag), count)
        member_share = _ratio(sums(flag * fam.members[code]), sums(flag * fam.size))
        out[code] = (eligible_share, member_share)
    return out


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """Return numerator / denominator per cell; an empty area cell takes the district's."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = numerator / denominator
    district = np.nan_to_num(ratio[-1])
    out: FloatArray = np.where(np.isnan(ratio), district[None, :], ratio)
    return out


@dataclass(frozen=True)
class Charge:
    """One package as the registry side applies it in one year.

    ``top_up`` (from the survey, :class:`rpkd.simulation.microsim.TopUpCost`): per desil, the
    mean annual top-up of a candidate and the share of candidates with a gap; else ``amount``
    (rupiah per ``per`` per month) × ``months`` is paid.
    """

    code: str
    amount: float
    per: Per
    months: int
    budget: float | None
    uptake: float
    exclusive: tuple[str, ...] = ()
    top_up: tuple[FloatArray, FloatArray] | None = None


@dataclass(frozen=True)
class Reach:
    """One year on the registry: totals, per package, and per desa and desil."""

    year: int
    cost: float
    families_reached: float
    persons_reached: float
    packages: pa.Table
    areas: pa.Table


def _benefit(fam: Families, c: Charge) -> tuple[FloatArray, FloatArray]:
    """Return each family's annual benefit if served and the chance it then gets something."""
    n = len(fam.desil)
    if c.top_up is not None:
        mean, share = c.top_up
        position = np.clip(fam.desil, 1, DESILS) - 1
        ranked = fam.desil >= 1
        return np.where(ranked, mean[position], 0.0), np.where(ranked, share[position], 0.0)
    unit = {"family": np.ones(n), "member": fam.size}.get(c.per)
    annual = c.amount * c.months * (unit if unit is not None else fam.members[c.code])
    return annual, (annual > 0).astype(np.float64)


def reach(fam: Families, year: int, charges: Sequence[Charge]) -> Reach:
    """Return the year's expected cost and reach of ``charges`` (applied in order)."""
    n = len(fam.desil)
    order = np.lexsort((fam.score, np.where(fam.desil >= 1, fam.desil, DESILS + 1)))
    receives: dict[str, FloatArray] = {}
    none = np.ones(n)
    cost_total = np.zeros(n)
    rows = []
    for c in charges:
        chance = np.where(fam.eligible[c.code], c.uptake, 0.0)
        for other in c.exclusive:
            chance = chance * (1 - receives[other])
        annual, gets = _benefit(fam, c)
        expected, reached = chance * annual, chance * gets
        if c.budget is not None:
            spent = np.cumsum(expected[order])
            within = np.zeros(n, bool)
            within[order] = spent <= c.budget * (1 + 1e-12)
            expected, reached, chance = expected * within, reached * within, chance * within
        receives[c.code] = chance
        none *= 1 - reached
        cost_total += expected
        persons = fam.members[c.code] if c.per == "person" else fam.size
        rows.append({"programme": c.code, "families": float(reached.sum()),
                     "persons": float((reached * persons).sum()),
                     "cost": float(expected.sum())})  # fmt: skip
    any_reached = 1 - none
    areas = _by_area(fam, any_reached, cost_total)
    packages = pa.Table.from_pylist(rows, schema=_PACKAGES)
    return Reach(year, float(cost_total.sum()), float(any_reached.sum()),
                 float((any_reached * fam.size).sum()), packages, areas)  # fmt: skip


def cell_totals(
    fam: Families, charge: Charge, areas: Sequence[str]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return, per area × desil (``len(areas) × 10``), the expected annual cost and families
    reached of paying ``charge`` to every family its rule admits (no cap), and the number of
    those families."""
    cell = _cells(fam.kecamatan, fam.desil, areas)
    inside = (cell >= 0) & fam.eligible[charge.code]
    annual, gets = _benefit(fam, charge)
    size = len(areas) * DESILS

    def total(values: FloatArray) -> FloatArray:
        out = np.bincount(cell[inside], weights=values[inside], minlength=size)
        shaped: FloatArray = out.reshape(len(areas), DESILS).astype(np.float64)
        return shaped

    return (
        total(charge.uptake * annual),
        total(charge.uptake * gets),
        total(np.ones(len(cell))),
    )


_PACKAGES = pa.schema(
    [("programme", pa.string()), ("families", pa.float64()), ("persons", pa.float64()),
     ("cost", pa.float64())]
)  # fmt: skip


def _by_area(fam: Families, reached: FloatArray, cost: FloatArray) -> pa.Table:
    """Return one row per desa and desil: families, persons, reached, cost, left out."""
    keys = np.char.add(np.char.add(fam.desa, "|"), fam.desil.astype(str))
    unique, inverse = np.unique(keys, return_inverse=True)

    def total(values: FloatArray) -> FloatArray:
        out: FloatArray = np.bincount(inverse, weights=values, minlength=len(unique)).astype(
            np.float64
        )
        return out

    families_count = total(np.ones(len(keys)))
    reached_families = total(reached)
    parts = [k.split("|") for k in unique.tolist()]
    return pa.table(
        {
            "desa_code": pa.array([p[0] for p in parts], pa.string()),
            "desil": pa.array([int(p[1]) or None for p in parts], pa.int64()),
            "families": pa.array(families_count.astype(np.int64)),
            "persons": pa.array(total(fam.size).astype(np.int64)),
            "families_reached": pa.array(reached_families),
            "persons_reached": pa.array(total(reached * fam.size)),
            "cost": pa.array(total(cost)),
            "families_left_out": pa.array(families_count - reached_families),
        }
    )
