"""Podes-like village indicators for every desa/kelurahan, correlated with the desa effect.

References
----------
BPS, *Potensi Desa (Podes)* questionnaire: road surface, health and school facilities, markets,
disaster exposure; Kemenkeu Dana Desa allocation (basic + formula parts, desa only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from rpkd.synth.areas import Areas
from rpkd.synth.population import thresholds


def build(
    areas: Areas,
    share_pln: np.ndarray[Any, Any],
    poor_share: np.ndarray[Any, Any],
    doc: Mapping[str, Any],
    seed: int,
) -> pa.Table:
    """Return the villages table (schema VILLAGES) from the desa frame and generated shares."""
    v = doc["villages"]
    rng = np.random.default_rng([seed, 7])
    n = len(areas.desa)
    urban = areas.urban
    effect = areas.desa_effect / max(doc["welfare"]["desa_sd"], 1e-9)
    r = v["road_rho"]
    latent = r * effect + math.sqrt(1 - r * r) * rng.standard_normal(n)
    road = np.where(
        urban,
        np.searchsorted(thresholds(v["road_urban"]), latent),
        np.searchsorted(thresholds(v["road_rural"]), latent),
    )

    def has(shares: list[float]) -> np.ndarray[Any, Any]:
        p = np.where(urban, shares[1], shares[0]) * (1.0 + 0.15 * effect)
        return np.asarray(rng.random(n) < np.clip(p, 0.0, 1.0))

    puskesmas, sd, smp, market = (
        has(v["puskesmas_share"]),
        has(v["sd_share"]),
        has(v["smp_share"]),
        has(v["market_share"]),
    )
    remote = np.exp(rng.normal(0.0, 0.7, n) - 0.3 * effect)

    def distance(present: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.asarray(np.round(np.where(present, 0.0, v["distance_median_km"] * remote), 1))

    area = np.round(
        v["area_median_km2"] * np.exp(rng.normal(0.0, v["area_sd"], n)) * np.where(urban, 0.3, 1.0),
        2,
    )
    dana = np.where(
        areas.kelurahan,
        0.0,
        v["dana_desa_base"]
        + v["dana_desa_per_family"] * areas.families
        + v["dana_desa_poverty"] * poor_share,
    )
    return pa.table(
        {
            "desa_code": pa.array([d.code for d in areas.desa], type=pa.string()),
            "households": pa.array(areas.families, type=pa.int64()),
            "area_km2": pa.array(area, type=pa.float64()),
            "main_road": pa.array(np.asarray(v["road_codes"])[road], type=pa.string()),
            "has_puskesmas": pa.array(puskesmas),
            "distance_puskesmas_km": pa.array(distance(puskesmas), type=pa.float64()),
            "has_sd": pa.array(sd),
            "has_smp": pa.array(smp),
            "distance_smp_km": pa.array(distance(smp), type=pa.float64()),
            "has_market": pa.array(market),
            "share_pln": pa.array(np.round(share_pln, 4), type=pa.float64()),
            "flood_prone": pa.array(rng.random(n) < v["flood_share"]),
            "dana_desa": pa.array(np.round(dana, -3), type=pa.float64()),
        }
    )
