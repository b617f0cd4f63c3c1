"""Families and their members: composition, ages, head's education and sector, latent welfare.

One call generates the *core* of a chunk of families from a generator seeded by the chunk index,
so that the same chunk can be regenerated in every pass (calibration, ranking, writing) without
holding the district in memory. The latent welfare ``z`` is a nested-error model:
area effects + urban premium + head's education + log family size + under-fives + noise.

References
----------
Elbers, Lanjouw & Lanjouw (2003). Micro-level estimation of poverty and inequality.
*Econometrica* 71(1), 355-364 (household consumption with location effects).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from rpkd.synth.areas import Areas, Chunk

DAYS_PER_YEAR = 365.2425
HEAD, SPOUSE, CHILD, GRANDCHILD, PARENT, OTHER = 0, 1, 2, 4, 5, 6
"""Relation codes: positions in ``rpkd.releases.schema.RELATION``."""


@dataclass(frozen=True)
class Core:
    """The core of a chunk: family arrays (length n) and member arrays (length m)."""

    desa: NDArray[np.int64]
    sequence: NDArray[np.int64]
    urban: NDArray[np.bool_]
    size: NDArray[np.int64]
    under5: NDArray[np.int64]
    elderly: NDArray[np.int64]
    head_female: NDArray[np.bool_]
    head_education: NDArray[np.int64]
    head_sector: NDArray[np.int64]
    ethnic: NDArray[np.int64]
    latent: NDArray[np.float64]
    standard: NDArray[np.float64]
    member_family: NDArray[np.int64]
    member_number: NDArray[np.int64]
    relation: NDArray[np.int64]
    female: NDArray[np.bool_]
    age_days: NDArray[np.int64]
    deceased: NDArray[np.bool_]

    @property
    def families(self) -> int:
        return len(self.desa)


def thresholds(shares: list[float]) -> NDArray[np.float64]:
    """Return standard-normal cut points that split a latent into categories with ``shares``."""
    cumulative = np.cumsum(np.asarray(shares, dtype=np.float64))
    cumulative = np.clip(cumulative[:-1] / cumulative[-1], 1e-12, 1 - 1e-12)
    return np.asarray(ndtri(cumulative), dtype=np.float64)


def ordered(
    rng: np.random.Generator,
    standard: NDArray[np.float64],
    urban: NDArray[np.bool_],
    spec: dict[str, Any],
    rho: float | None = None,
) -> NDArray[np.int64]:
    """Draw an ordered category (index into ``spec['codes']`` or shares) correlated with welfare."""
    r = float(spec["rho"] if rho is None else rho)
    latent = r * standard + math.sqrt(1.0 - r * r) * rng.standard_normal(len(standard))
    out = np.empty(len(latent), dtype=np.int64)
    out[~urban] = np.searchsorted(thresholds(spec["rural"]), latent[~urban])
    out[urban] = np.searchsorted(thresholds(spec["urban"]), latent[urban])
    return out


def latent_scale(doc: Mapping[str, Any], persons_per_family: float) -> tuple[float, float]:
    """Return the approximate centre and spread of ``z`` (to standardise it for the proxies)."""
    w = doc["welfare"]
    shares = np.asarray(doc["education"]["rural"], dtype=np.float64)
    edu = np.asarray(w["education_effects"], dtype=np.float64)
    centre = float(shares @ edu) + w["size_effect"] * math.log(persons_per_family) - 0.04
    spread = math.sqrt(
        w["kabupaten_sd"] ** 2
        + w["kecamatan_sd"] ** 2
        + w["desa_sd"] ** 2
        + w["noise_sd"] ** 2
        + float(shares @ (edu - shares @ edu) ** 2)
    )
    return centre, spread


def generate(
    areas: Areas, chunk: Chunk, doc: Mapping[str, Any], persons_per_family: float, seed: int
) -> Core:
    """Return the core of ``chunk``: deterministic for (seed, chunk index)."""
    rng = np.random.default_rng([seed, 2, chunk.index])
    pop, w = doc["population"], doc["welfare"]
    lengths = chunk.stop - chunk.start
    desa = np.repeat(chunk.desa, lengths)
    sequence = np.concatenate(
        [np.arange(a, b) for a, b in zip(chunk.start, chunk.stop, strict=True)]
    )
    n = len(desa)
    urban = areas.urban[desa]

    head_female = rng.random(n) < pop["female_head_share"]
    spouse_p = min(1.0, pop["spouse_share"] / (1.0 - pop["female_head_share"]))
    spouse = ~head_female & (rng.random(n) < spouse_p)
    head_age = np.clip(21.0 + rng.gamma(4.0, 6.5, n) + 6.0 * head_female, 18.0, 92.0)
    spouse_age = np.clip(head_age - rng.normal(4.0, 4.0, n), 17.0, 92.0)
    mother_age = np.where(spouse, spouse_age, head_age)
    fertile = np.clip(np.minimum((mother_age - 18.0) / 7.0, (78.0 - head_age) / 20.0), 0.1, 1.0)
    extended = rng.random(n) < pop["extended_share"]
    other = rng.random(n) < pop["other_relative_share"]
    needed = persons_per_family - 1.0 - pop["spouse_share"] - pop["extended_share"]
    needed -= pop["other_relative_share"]
    lam = max(needed, 0.05) * fertile / fertile.mean()
    children = np.minimum(rng.poisson(lam), 12)
    grandchild = extended & (head_age >= 45.0) & (rng.random(n) < 0.5)
    parent = extended & ~grandchild & (head_age <= 62.0)
    deceased_member = rng.random(n) < pop["deceased_share"]

    fam = np.arange(n)
    parts = [
        (fam, HEAD, head_female, head_age, False),
        (fam[spouse], SPOUSE, ~head_female[spouse], spouse_age[spouse], False),
    ]
    child_family = np.repeat(fam, children)
    child_max = np.clip(mother_age[child_family] - 17.0, 0.5, 32.0)
    parts.append(
        (
            child_family,
            CHILD,
            rng.random(len(child_family)) < 0.49,
            rng.random(len(child_family)) * child_max,
            False,
        )
    )
    parts.append(
        (
            fam[grandchild],
            GRANDCHILD,
            rng.random(grandchild.sum()) < 0.49,
            rng.random(grandchild.sum()) * 12.0,
            False,
        )
    )
    parts.append(
        (
            fam[parent],
            PARENT,
            rng.random(parent.sum()) < 0.6,
            np.minimum(head_age[parent] + rng.uniform(22.0, 32.0, parent.sum()), 97.0),
            False,
        )
    )
    parts.append(
        (
            fam[other],
            OTHER,
            rng.random(other.sum()) < 0.5,
            rng.uniform(8.0, 60.0, other.sum()),
            False,
        )
    )
    parts.append(
        (
            fam[deceased_member],
            PARENT,
            rng.random(deceased_member.sum()) < 0.6,
            rng.uniform(65.0, 92.0, deceased_member.sum()),
            True,
        )
    )
    member_family = np.concatenate([p[0] for p in parts]).astype(np.int64)
    relation = np.concatenate([np.full(len(p[0]), p[1]) for p in parts]).astype(np.int64)
    female = np.concatenate([np.broadcast_to(p[2], len(p[0])) for p in parts]).astype(bool)
    age_years = np.concatenate([np.broadcast_to(p[3], len(p[0])) for p in parts])
    deceased = np.concatenate([np.full(len(p[0]), p[4]) for p in parts]).astype(bool)
    order = np.lexsort((relation, member_family))
    member_family, relation, female = member_family[order], relation[order], female[order]
    age_days = (age_years[order] * DAYS_PER_YEAR + rng.integers(0, 365, len(order))).astype(
        np.int64
    )
    age_days = np.where(relation == HEAD, np.maximum(age_days, int(17 * DAYS_PER_YEAR)), age_days)
    deceased = deceased[order]
    first = np.searchsorted(member_family, fam)
    member_number = np.arange(len(member_family)) - first[member_family] + 1

    living = ~deceased
    size = np.bincount(member_family[living], minlength=n).astype(np.int64)
    under5 = np.bincount(
        member_family, weights=living & (age_days < 5 * DAYS_PER_YEAR), minlength=n
    )
    elderly = np.bincount(
        member_family, weights=living & (age_days >= 60 * DAYS_PER_YEAR), minlength=n
    )
    under5, elderly = under5.astype(np.int64), elderly.astype(np.int64)

    centre, spread = latent_scale(doc, persons_per_family)
    area_standard = (areas.effect[desa] + w["urban_effect"] * urban) / spread
    cohort = doc["education"]["cohort_shift"] * (45.0 - head_age)
    head_education = ordered(rng, area_standard + cohort, urban, doc["education"])
    latent = (
        areas.effect[desa]
        + w["urban_effect"] * urban
        + np.asarray(w["education_effects"])[head_education]
        + w["size_effect"] * np.log(size)
        + w["under5_effect"] * under5
        + w["noise_sd"] * rng.standard_normal(n)
    )
    # Proxies (housing, assets, sector) follow welfare without the part of the place effect that
    # does not show in what a family owns (prices, wages, market access): see rpkd.synth.places.
    hidden = (1.0 - doc["places"]["proxy_share"]) * areas.place_effect[desa]
    standard = (latent - hidden - centre) / spread
    younger, older = doc["people"]["head_employment"]
    works = np.where(head_age < 65.0, rng.random(n) < younger, rng.random(n) < older)
    sector = ordered(rng, standard, urban, doc["sectors"])
    head_sector = np.where(works, sector, -1)
    ethnic = rng.choice(len(pop["ethnic_shares"]), size=n, p=pop["ethnic_shares"]).astype(np.int64)
    return Core(
        desa,
        sequence,
        urban,
        size,
        under5,
        elderly,
        head_female,
        head_education,
        head_sector,
        ethnic,
        latent,
        standard,
        member_family,
        member_number,
        relation,
        female,
        age_days,
        deceased,
    )
