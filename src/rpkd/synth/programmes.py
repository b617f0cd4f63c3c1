"""True enrolment in the six programmes, with inclusion and exclusion errors driven by desil.

Eligibility (the truth) applies each programme's rule to *true* welfare: the family's decile of
true consumption, its true extreme poverty, and its members' real components. Enrolment applies
the same rule to the registry's desil (a PMT prediction) with incomplete coverage below the
cut-off and some leakage just above it, so inclusion and exclusion errors arise as they do in
DTSEN-based targeting.

References
----------
facts.md §3: PKH (Permensos 1/2018), Sembako (Permensos 5/2021), PBI-JK, PIP, BLT Dana Desa,
RTLH (BSPS/RST); amounts in ``synth.toml`` [programmes].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rpkd.synth.people import Members
from rpkd.synth.population import SPOUSE, Core


@dataclass(frozen=True)
class Welfare:
    """Family welfare of a chunk: registry desil and the truth."""

    desil: NDArray[np.int64]
    true_desil: NDArray[np.int64]
    extreme_poor: NDArray[np.bool_]
    poor: NDArray[np.bool_]
    unfit: NDArray[np.bool_]
    owner: NDArray[np.bool_]
    kelurahan: NDArray[np.bool_]


@dataclass(frozen=True)
class Enrolment:
    """One programme in a chunk: family truth and the beneficiary members with amounts."""

    eligible: NDArray[np.bool_]
    receives: NDArray[np.bool_]
    member: NDArray[np.int64]
    amount: NDArray[np.float64]


def _enrol(
    rng: np.random.Generator, desil: NDArray[np.int64], cut: int, coverage: float, leakage: float
) -> NDArray[np.bool_]:
    u = rng.random(len(desil))
    return np.asarray(
        ((desil <= cut) & (u < coverage)) | ((desil > cut) & (desil <= cut + 2) & (u < leakage))
    )


def enrol(
    core: Core, members: Members, welfare: Welfare, doc: Mapping[str, Any], rng: np.random.Generator
) -> dict[str, Enrolment]:
    """Return the enrolment of every programme (``rpkd.releases.schema.PROGRAMMES``)."""
    p = doc["programmes"]
    n, fam = core.families, core.member_family
    living = ~core.deceased
    age = members.age_years
    leak = p["leakage"]
    level = np.where(members.level >= 0, members.level, -1)

    # PKH components, at most pkh_max_components per family, the most valuable first
    value = (
        np.select(
            [
                members.pregnant == 1,
                age < 6,
                level == 3,
                level == 2,
                level == 1,
                age >= p["pkh_elderly_age"],
                members.disability == 3,
            ],
            [
                p["pkh_pregnant"],
                p["pkh_child_0_6"],
                p["pkh_sma"],
                p["pkh_smp"],
                p["pkh_sd"],
                p["pkh_elderly"],
                p["pkh_disability"],
            ],
            0.0,
        )
        * living
    )
    order = np.lexsort((-value, fam))
    first = np.searchsorted(fam[order], np.arange(n))
    rank = np.arange(len(fam)) - first[fam[order]]
    kept = np.where(rank < p["pkh_max_components"], value[order], 0.0)
    pkh_amount = np.asarray(np.bincount(fam[order], weights=kept, minlength=n), dtype=np.float64)
    component = pkh_amount > 0
    recipient = _recipient(core)
    out: dict[str, Enrolment] = {}
    pkh = component & _enrol(rng, welfare.desil, p["pkh_desil"], p["pkh_coverage"], leak)
    out["pkh"] = _family(
        component & (welfare.true_desil <= p["pkh_desil"]), pkh, recipient, pkh_amount
    )

    sembako = _enrol(rng, welfare.desil, p["sembako_desil"], p["sembako_coverage"], leak)
    out["sembako"] = _family(
        welfare.true_desil <= p["sembako_desil"],
        sembako,
        recipient,
        np.full(n, 12.0 * p["sembako_per_month"]),
    )

    pbi_family = _enrol(rng, welfare.desil, p["pbi_jk_desil"], p["pbi_jk_coverage"], leak)
    pbi_members = pbi_family[fam] & living
    out["pbi_jk"] = _persons(
        n,
        fam,
        living & (welfare.true_desil[fam] <= p["pbi_jk_desil"]),
        pbi_members,
        np.full(len(fam), 12.0 * p["pbi_jk_per_month"]),
    )

    pupil = living & (level >= 1) & (level <= 3) & (age < 21)
    pip_family = _enrol(rng, welfare.desil, p["pip_desil"], p["pip_coverage"], leak)
    pip_amount = np.select([level == 1, level == 2], [p["pip_sd"], p["pip_smp"]], p["pip_sma"])
    out["pip"] = _persons(
        n,
        fam,
        pupil & (welfare.true_desil[fam] <= p["pip_desil"]),
        pupil & pip_family[fam],
        pip_amount.astype(np.float64),
    )

    vulnerable = (
        core.head_female
        | (
            np.bincount(
                fam, weights=living & ((members.disability >= 2) | members.chronic), minlength=n
            )
            > 0
        )
        | ((core.size == 1) & (core.elderly == 1))
    )
    desa = ~welfare.kelurahan
    u = rng.random(n)
    blt = (
        desa
        & ~pkh
        & (
            ((welfare.desil == 1) & (u < p["blt_dd_coverage"]))
            | ((welfare.desil <= 3) & vulnerable & (u < p["blt_dd_coverage"] / 2))
        )
    )
    poor_vulnerable = welfare.poor & vulnerable
    out["blt_dd"] = _family(
        desa & ~pkh & (welfare.extreme_poor | poor_vulnerable),
        blt,
        recipient,
        np.full(n, float(p["blt_dd_per_month"] * p["blt_dd_months"])),
    )

    house = welfare.unfit & welfare.owner
    rtlh = house & _enrol(
        rng, welfare.desil, p["rtlh_desil"], p["rtlh_coverage"], leak * p["rtlh_coverage"]
    )
    out["rtlh"] = _family(
        house & (welfare.true_desil <= p["rtlh_desil"]),
        rtlh,
        recipient,
        np.full(n, float(p["rtlh_per_unit"])),
    )
    return out


def _recipient(core: Core) -> NDArray[np.int64]:
    """Return each family's recipient member: the wife when there is one (as PKH pays), else the head."""
    n = core.families
    head = np.searchsorted(core.member_family, np.arange(n))
    spouse_rows = np.flatnonzero((core.relation == SPOUSE) & ~core.deceased)
    recipient = head.copy()
    recipient[core.member_family[spouse_rows]] = spouse_rows
    return recipient


def _family(
    eligible: NDArray[np.bool_],
    receives: NDArray[np.bool_],
    recipient: NDArray[np.int64],
    amount: NDArray[np.float64],
) -> Enrolment:
    chosen = np.flatnonzero(receives)
    return Enrolment(eligible, receives, recipient[chosen], amount[chosen])


def _persons(
    n: int,
    fam: NDArray[np.int64],
    eligible: NDArray[np.bool_],
    receives: NDArray[np.bool_],
    amount: NDArray[np.float64],
) -> Enrolment:
    chosen = np.flatnonzero(receives)
    return Enrolment(
        np.bincount(fam, weights=eligible, minlength=n) > 0,
        np.bincount(fam, weights=receives, minlength=n) > 0,
        chosen,
        amount[chosen],
    )
