"""The desa frame of a synthetic region: real codes, family counts, urban flags, area effects.

Every desa/kelurahan of the region (Kemendagri 2025 master) gets a family count, an urban flag
(kelurahan are urban; the most urban-looking desa are added until the urban share of families
meets its target), its village characteristics (:mod:`rpkd.synth.places`) and a latent welfare
effect that sums independent provinsi, kabupaten and kecamatan random effects and a desa effect
partly explained by those characteristics, as in the nested-error model of small-area estimation.

The region is a Kemendagri code or the whole nation (``00``, also written ``ID``): the nation is
not a region of the master but the union of its 38 provinces, handled here as a :class:`Scope`.
The provinsi effects are centred over the provinces of the run, so a run inside one province has
none; in a national run they spread poverty between provinces while the welfare scale, solved on
the national distribution, keeps the national rates on target.

References
----------
Battese, Harter & Fuller (1988). An error-components model for prediction of county crop areas.
*JASA* 83, 28-36 (nested area effects).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from rpkd import regions
from rpkd.errors import InvalidInput
from rpkd.synth import places as place_frame

CHUNK_FAMILIES = 50_000
"""Families generated together; fixed so that a seed always gives the same output."""

NATION = "00"
"""Code of the whole nation (as in the parameter kits); ``ID`` is accepted too."""


@dataclass(frozen=True)
class Scope:
    """What a run covers: a region of the master or the nation (code ``00``)."""

    code: str
    name: str
    level: str
    depth: str


def scope(code: str) -> Scope:
    """Return the scope of ``code``: ``00``/``ID`` is the nation, anything else a region."""
    if code.strip().upper() in (NATION, "ID", "0"):
        return Scope(NATION, "Indonesia", "nasional", "nasional")
    top = regions.region(code)
    return Scope(top.code, top.name, top.level, top.depth)


def provinces() -> tuple[regions.Region, ...]:
    """Return the provinces of the master (two-digit codes), in code order."""
    return tuple(regions.region(f"{c:02d}") for c in range(11, 100) if regions.exists(f"{c:02d}"))


@cache
def desa_of(top: Scope) -> tuple[regions.Region, ...]:
    """Return every desa/kelurahan inside the scope, in code order."""
    if top.code == NATION:
        return tuple(d for p in provinces() for d in regions.descendants(p.code, "desa"))
    if top.depth == "desa":
        raise InvalidInput("synth_region_depth", param="region", region=top.code)
    return regions.descendants(top.code, "desa")


@dataclass(frozen=True)
class Areas:
    """Desa of the region in code order, with their kecamatan and kabupaten."""

    region: Scope
    desa: tuple[regions.Region, ...]
    kecamatan: tuple[regions.Region, ...]
    kabupaten: tuple[regions.Region, ...]
    kecamatan_of: NDArray[np.int64]
    kabupaten_of: NDArray[np.int64]
    kelurahan: NDArray[np.bool_]
    urban: NDArray[np.bool_]
    families: NDArray[np.int64]
    first_family: NDArray[np.int64]
    effect: NDArray[np.float64]
    desa_effect: NDArray[np.float64]
    places: place_frame.Places
    place_effect: NDArray[np.float64]

    @property
    def total_families(self) -> int:
        return int(self.families.sum())

    @cached_property
    def labels(self) -> tuple[pa.Array, pa.Array, pa.Array]:
        """Return the desa codes without dots, dotted, and names (built once per run)."""
        return (
            pa.array([regions.plain(d.code) for d in self.desa], type=pa.string()),
            pa.array([d.code for d in self.desa], type=pa.string()),
            pa.array([d.name for d in self.desa], type=pa.string()),
        )

    @cached_property
    def kabupaten_kecamatan(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Return, per kecamatan, the index of its kabupaten's first kecamatan and their count."""
        kab = np.zeros(len(self.kecamatan), dtype=np.int64)
        kab[self.kecamatan_of] = self.kabupaten_of
        count = np.bincount(kab, minlength=len(self.kabupaten))
        first = np.concatenate(([0], np.cumsum(count)[:-1]))
        return first[kab].astype(np.int64), count[kab].astype(np.int64)


@dataclass(frozen=True)
class Chunk:
    """A run of families generated together: parts of consecutive desa."""

    index: int
    desa: NDArray[np.int64]
    start: NDArray[np.int64]
    stop: NDArray[np.int64]

    @property
    def size(self) -> int:
        return int((self.stop - self.start).sum())


def build(
    top: Scope, families: int, urban_share: float, doc: Mapping[str, Any], seed: int
) -> Areas:
    """Return the desa frame of ``top`` with ``families`` families in all."""
    desa = desa_of(top)
    if not desa:
        raise InvalidInput("synth_region_empty", param="region", region=top.code)
    kecamatan = tuple(regions.region(c) for c in dict.fromkeys(d.code[:8] for d in desa))
    kabupaten = tuple(regions.region(c) for c in dict.fromkeys(d.code[:5] for d in desa))
    kec_index = {k.code: i for i, k in enumerate(kecamatan)}
    kab_index = {k.code: i for i, k in enumerate(kabupaten)}
    kecamatan_of = np.array([kec_index[d.code[:8]] for d in desa], dtype=np.int64)
    kabupaten_of = np.array([kab_index[d.code[:5]] for d in desa], dtype=np.int64)
    kelurahan = np.array([d.level == "kelurahan" for d in desa], dtype=bool)

    rng = np.random.default_rng([seed, 1])
    welfare, people = doc["welfare"], doc["people"]
    size_weight = np.exp(rng.normal(0.0, people["desa_size_sd"], len(desa)))
    size_weight *= np.where(kelurahan, people["kelurahan_size"], 1.0)
    counts = _apportion(families, size_weight)
    urbanity = rng.normal(0.0, 1.0, len(desa)) + 0.5 * np.log(size_weight)
    urban = _urban(kelurahan, counts, urbanity, urban_share)

    kab_effect = rng.normal(0.0, welfare["kabupaten_sd"], len(kabupaten))
    kec_effect = rng.normal(0.0, welfare["kecamatan_sd"], len(kecamatan))
    residual = rng.normal(0.0, 1.0, len(desa))
    places = place_frame.build(kecamatan_of, kabupaten_of, urban, size_weight, doc, seed)
    share = float(doc["places"]["explained_share"])
    place_effect = welfare["desa_sd"] * place_frame.explained_effect(places, doc)
    desa_effect = place_effect + welfare["desa_sd"] * np.sqrt(1.0 - share) * residual
    effect = kab_effect[kabupaten_of] + kec_effect[kecamatan_of] + desa_effect
    effect += _province_effect(desa, welfare["provinsi_sd"], seed)
    first = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    return Areas(
        top,
        desa,
        kecamatan,
        kabupaten,
        kecamatan_of,
        kabupaten_of,
        kelurahan,
        urban,
        counts,
        first,
        effect,
        desa_effect,
        places,
        place_effect,
    )


def _province_effect(desa: tuple[regions.Region, ...], sd: float, seed: int) -> NDArray[np.float64]:
    """Return each desa's provinsi effect, centred over the provinces present (own stream)."""
    names, index = np.unique([d.code[:2] for d in desa], return_inverse=True)
    effect = np.random.default_rng([seed, 8]).normal(0.0, sd, len(names))
    return np.asarray((effect - effect.mean())[index], dtype=np.float64)


def _apportion(total: int, weight: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split ``total`` over areas proportionally to ``weight`` (largest remainder)."""
    exact = total * weight / weight.sum()
    counts = np.floor(exact).astype(np.int64)
    remainder = total - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:remainder]] += 1
    return np.asarray(counts, dtype=np.int64)


def _urban(
    kelurahan: NDArray[np.bool_],
    counts: NDArray[np.int64],
    urbanity: NDArray[np.float64],
    share: float,
) -> NDArray[np.bool_]:
    urban = kelurahan.copy()
    goal = share * counts.sum()
    have = counts[urban].sum()
    for i in np.argsort(-urbanity, kind="stable"):
        if have >= goal:
            break
        if not urban[i] and have + counts[i] <= goal + counts[i] / 2:
            urban[i] = True
            have += counts[i]
    return urban


def chunks(areas: Areas, size: int = CHUNK_FAMILIES) -> list[Chunk]:
    """Return the chunks of at most ``size`` families, in desa order (large desa are split)."""
    out: list[Chunk] = []
    parts: list[tuple[int, int, int]] = []
    filled = 0
    for d, count in enumerate(areas.families.tolist()):
        start = 0
        while start < count:
            stop = min(count, start + size - filled)
            parts.append((d, start, stop))
            filled += stop - start
            start = stop
            if filled >= size:
                out.append(_chunk(len(out), parts))
                parts, filled = [], 0
    if parts:
        out.append(_chunk(len(out), parts))
    return out


def retirements(areas: Areas, chunked: list[Chunk]) -> list[NDArray[np.int64]]:
    """Return, per chunk, the kecamatan whose kabupaten has no family in any later chunk."""
    last_of_desa = np.full(len(areas.desa), -1, dtype=np.int64)
    for chunk in chunked:
        last_of_desa[chunk.desa] = chunk.index
    last_of_kab = np.full(len(areas.kabupaten), -1, dtype=np.int64)
    np.maximum.at(last_of_kab, areas.kabupaten_of, last_of_desa)
    kab_of_kec = np.zeros(len(areas.kecamatan), dtype=np.int64)
    kab_of_kec[areas.kecamatan_of] = areas.kabupaten_of
    done = last_of_kab[kab_of_kec]
    return [np.flatnonzero(done == chunk.index) for chunk in chunked]


def _chunk(index: int, parts: list[tuple[int, int, int]]) -> Chunk:
    array = np.array(parts, dtype=np.int64).reshape(-1, 3)
    return Chunk(index, array[:, 0], array[:, 1], array[:, 2])
