"""A Susenas-like two-stage stratified sample drawn from the synthetic registry.

Strata are urban/rural x kecamatan (one kabupaten) or urban/rural x kabupaten (a province);
strata with fewer than two census blocks are pooled into their kabupaten's urban or rural
stratum, then into the kabupaten. Each desa is split into census blocks of about ``psu_size``
families (the PSUs). Stage 1 draws ``n_h >= 2`` blocks per stratum by simple random sampling
without replacement (two each, the rest allocated proportionally to families); stage 2 draws ``m`` families per block
by SRS. Weights are the inverse inclusion probabilities ``(N_h / n_h) (M_i / m_i)``; ``fpc1 = N_h``
and ``fpc2 = M_i`` are the population counts R ``survey`` expects.

References
----------
Cochran (1977). *Sampling Techniques*, 3rd ed., §10 (two-stage sampling); BPS Susenas
methodology (census blocks, 10 households per block).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rpkd import regions
from rpkd.errors import InvalidInput
from rpkd.synth.areas import Areas


@dataclass(frozen=True)
class Design:
    """The drawn sample: global family indices (sorted) and their design columns."""

    family: NDArray[np.int64]
    stratum: NDArray[np.str_]
    psu: NDArray[np.str_]
    fpc1: NDArray[np.float64]
    fpc2: NDArray[np.float64]
    weight: NDArray[np.float64]


def draw(areas: Areas, doc: Mapping[str, Any], seed: int) -> Design:
    """Return the sample design for the region (needs only the desa family counts)."""
    spec = doc["survey"]
    rng = np.random.default_rng([seed, 5])
    blocks = np.maximum(1, np.rint(areas.families / spec["psu_size"]).astype(np.int64))
    blocks[areas.families == 0] = 0
    desa_of_block = np.repeat(np.arange(len(areas.desa)), blocks)
    block_no = np.arange(len(desa_of_block)) - np.repeat(np.cumsum(blocks) - blocks, blocks)
    size = _block_sizes(areas.families, blocks)
    stratum_of_desa = _strata(areas, blocks)
    stratum = stratum_of_desa[desa_of_block]
    names, stratum_index = np.unique(stratum, return_inverse=True)
    big_n = np.bincount(stratum_index)
    families_h = np.bincount(stratum_index, weights=size)
    n_kab = len(areas.kabupaten)
    psus = spec["households_per_kabupaten"] * n_kab / spec["households_per_psu"]
    floor = spec["min_psus_per_stratum"]
    extra = max(psus - floor * len(names), 0.0)
    n_h = np.clip(floor + np.rint(extra * families_h / families_h.sum()), floor, big_n)
    n_h = n_h.astype(np.int64)

    chosen: list[NDArray[np.int64]] = []
    for h in range(len(names)):
        members = np.flatnonzero(stratum_index == h)
        chosen.append(np.sort(rng.choice(members, size=n_h[h], replace=False)))
    picked = np.concatenate(chosen)
    picked.sort()
    m = np.minimum(spec["households_per_psu"], size[picked])
    start = areas.first_family[desa_of_block[picked]] + _block_start(areas.families, blocks)[picked]
    fam: list[NDArray[np.int64]] = [
        s + np.sort(rng.choice(int(k), size=int(mm), replace=False))
        for s, k, mm in zip(start.tolist(), size[picked].tolist(), m.tolist(), strict=True)
    ]
    block_of = np.repeat(picked, m)
    h_of = stratum_index[block_of]
    weight = big_n[h_of] / n_h[h_of] * size[block_of] / np.repeat(m, m)
    psu_ids = np.array(
        [
            f"{regions.plain(areas.desa[d].code)}{b + 1:03d}"
            for d, b in zip(desa_of_block[picked].tolist(), block_no[picked].tolist(), strict=True)
        ]
    )
    family = np.concatenate(fam)
    return Design(
        family,
        names[h_of],
        np.repeat(psu_ids, m),
        big_n[h_of].astype(np.float64),
        size[block_of].astype(np.float64),
        weight,
    )


def _block_sizes(families: NDArray[np.int64], blocks: NDArray[np.int64]) -> NDArray[np.int64]:
    """Return the families of each block: a desa's families split as evenly as possible."""
    desa = np.repeat(np.arange(len(families)), blocks)
    j = np.arange(len(desa)) - np.repeat(np.cumsum(blocks) - blocks, blocks)
    return (families[desa] * (j + 1)) // blocks[desa] - (families[desa] * j) // blocks[desa]


def _block_start(families: NDArray[np.int64], blocks: NDArray[np.int64]) -> NDArray[np.int64]:
    desa = np.repeat(np.arange(len(families)), blocks)
    j = np.arange(len(desa)) - np.repeat(np.cumsum(blocks) - blocks, blocks)
    return (families[desa] * j) // blocks[desa]


def _strata(areas: Areas, blocks: NDArray[np.int64]) -> NDArray[np.str_]:
    """Return each desa's stratum code, pooling strata with fewer than two blocks."""
    one_kabupaten = len(areas.kabupaten) == 1
    area = [
        (areas.kecamatan[k].code if one_kabupaten else areas.kabupaten[b].code)
        for k, b in zip(areas.kecamatan_of.tolist(), areas.kabupaten_of.tolist(), strict=True)
    ]
    kab = [areas.kabupaten[b].code for b in areas.kabupaten_of.tolist()]
    kind = np.where(areas.urban, "1", "2")  # BPS klasifikasi: 1 perkotaan, 2 perdesaan
    levels = [
        np.array([f"{a}.{k}" for a, k in zip(area, kind, strict=True)]),
        np.array([f"{a}.{k}" for a, k in zip(kab, kind, strict=True)]),
        np.array(kab),
    ]
    stratum = levels[0].copy()
    for pooled in levels[1:]:
        names, index = np.unique(stratum, return_inverse=True)
        small = (np.bincount(index, weights=blocks)[index] < 2) & (blocks > 0)
        stratum[small] = pooled[small]
    names, index = np.unique(stratum, return_inverse=True)
    counts = np.bincount(index, weights=blocks)
    for h in np.flatnonzero((counts < 2) & (counts > 0)):
        # still alone after pooling: join the largest stratum of the same kabupaten
        inside = index == h
        same_kab = np.isin(kab, np.asarray(kab)[inside]) & ~inside & (counts[index] >= 2)
        if not same_kab.any():
            raise InvalidInput("synth_too_small", param="families", stratum=str(names[h]))
        stratum[inside] = names[index[same_kab][np.argmax(counts[index[same_kab]])]]
    return stratum
