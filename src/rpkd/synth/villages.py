"""The ``villages`` release: Podes-style indicators of every desa/kelurahan.

The characteristics come from :mod:`rpkd.synth.places` (drawn before the families, and partly
explaining the desa welfare effect); the PLN share and the registry's desil-1 share behind Dana
Desa come from the families written. Distance to the nearest puskesmas/pustu and SMP is zero where the desa has
one, otherwise a part of the way to the kecamatan capital (which always has both).

References
----------
BPS, *Potensi Desa (Podes)* questionnaire: road surface, health and school facilities, markets,
mobile signal, disaster exposure; Kemenkeu Dana Desa allocation (basic + formula parts, desa only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from rpkd.synth.areas import Areas
from rpkd.synth.places import ROAD_CODES


def build(
    areas: Areas,
    share_pln: np.ndarray[Any, Any],
    poor_share: np.ndarray[Any, Any],
    doc: Mapping[str, Any],
    seed: int,
) -> pa.Table:
    """Return the villages table (schema VILLAGES) from the desa frame and generated shares.

    ``poor_share`` is the registry's share of persons in desil 1 families (what the Dana Desa
    formula's poverty part can know), never the true poverty of the desa.
    """
    v = doc["villages"]
    rng = np.random.default_rng([seed, 7])
    n = len(areas.desa)
    p = areas.places

    def distance(present: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        part = rng.uniform(0.3, 1.0, n) * p.distance_kecamatan_km
        return np.asarray(np.round(np.where(present, 0.0, part), 1))

    area = np.round(
        v["area_median_km2"]
        * np.exp(rng.normal(0.0, v["area_sd"], n))
        * np.where(areas.urban, 0.3, 1.0),
        2,
    )
    dana = np.where(
        areas.kelurahan,
        0.0,
        v["dana_desa_base"]
        + v["dana_desa_per_family"] * areas.families
        + v["dana_desa_poverty"] * poor_share,
    )
    flood = rng.random(n) < v["flood_share"]
    return pa.table(
        {
            "desa_code": pa.array([d.code for d in areas.desa], type=pa.string()),
            "households": pa.array(areas.families, type=pa.int64()),
            "area_km2": pa.array(area, type=pa.float64()),
            "main_road": pa.array(np.asarray(ROAD_CODES)[p.road], type=pa.string()),
            "has_puskesmas": pa.array(p.has_puskesmas),
            "distance_puskesmas_km": pa.array(distance(p.has_puskesmas), type=pa.float64()),
            "has_sd": pa.array(p.has_sd),
            "has_smp": pa.array(p.has_smp),
            "distance_smp_km": pa.array(distance(p.has_smp), type=pa.float64()),
            "has_market": pa.array(p.has_market),
            "share_pln": pa.array(np.round(share_pln, 4), type=pa.float64()),
            "flood_prone": pa.array(flood),
            "dana_desa": pa.array(np.round(dana, -3), type=pa.float64()),
            "kecamatan_capital": pa.array(p.kecamatan_capital),
            "distance_kecamatan_km": pa.array(p.distance_kecamatan_km, type=pa.float64()),
            "travel_kecamatan_min": pa.array(p.travel_kecamatan_min, type=pa.float64()),
            "distance_kabupaten_km": pa.array(p.distance_kabupaten_km, type=pa.float64()),
            "travel_kabupaten_min": pa.array(p.travel_kabupaten_min, type=pa.float64()),
            "river_only": pa.array(p.river_only),
            "car_all_year": pa.array(p.car_all_year),
            "has_polindes": pa.array(p.has_polindes),
            "has_sma": pa.array(p.has_sma),
            "signal_strong": pa.array(p.signal_strong),
            "internet_4g": pa.array(p.internet_4g),
        }
    )
