"""Village characteristics as Podes records them, and the part of the desa effect they explain.

Every desa/kelurahan gets its place in the district before any family is drawn: the capital desa
of its kecamatan and of its kabupaten, distance and travel time to both, the surface of its main
road (river-only villages included, as along the Kapuas and Kahayan), whether a four-wheeled
vehicle can reach it all year, a market, health facilities (puskesmas or pustu, polindes/
poskesdes), secondary schools and the mobile signal. All of them follow one latent *access* of the
desa (a kecamatan part and a desa part; urban desa are better connected) with their own noise,
so they are correlated as in Podes but none is a copy of another.

The desa welfare effect is then ``u_d = sigma_d (sqrt(R) x_d'b / sd(x'b) + sqrt(1 - R) e_d)``:
a linear index of the standardised characteristics, scaled to a share ``R`` (``explained_share``)
of the between-desa variance, plus a residual desa effect ``e_d`` that no characteristic
explains. The total between-desa variance stays ``sigma_d^2``, so the welfare scale solved in
:mod:`rpkd.synth.calibration` keeps the district rates on their targets. Only a share
``proxy_share`` of the explained part shows in the registry proxies (housing, assets, sector):
remoteness lowers consumption through prices, wages and market access more than it changes what
a family owns, so the village characteristics carry information the proxies do not.

References
----------
BPS, *Potensi Desa (Podes) 2024*, questionnaire blocks IV (transport: R.1001 road surface and
four-wheel access, distance and travel time to the kecamatan and kabupaten office), VI (health
facilities), VII (schools), X (markets) and the mobile-signal items. Elbers, Lanjouw & Lanjouw
(2003), *Econometrica* 71(1): location effects partly captured by census and village means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, ndtri

ROAD_CODES = ("air", "tanah", "diperkeras", "aspal_beton")
"""Main road surface from worst to best (codes of ``rpkd.releases.schema.ROAD``)."""


@dataclass(frozen=True)
class Places:
    """Characteristics of every desa, in desa order (distances in km, travel times in minutes)."""

    access: NDArray[np.float64]
    kecamatan_capital: NDArray[np.bool_]
    kabupaten_capital: NDArray[np.bool_]
    distance_kecamatan_km: NDArray[np.float64]
    travel_kecamatan_min: NDArray[np.float64]
    distance_kabupaten_km: NDArray[np.float64]
    travel_kabupaten_min: NDArray[np.float64]
    road: NDArray[np.int64]
    car_all_year: NDArray[np.bool_]
    has_market: NDArray[np.bool_]
    has_puskesmas: NDArray[np.bool_]
    has_polindes: NDArray[np.bool_]
    has_sd: NDArray[np.bool_]
    has_smp: NDArray[np.bool_]
    has_sma: NDArray[np.bool_]
    signal_strong: NDArray[np.bool_]
    internet_4g: NDArray[np.bool_]

    @property
    def river_only(self) -> NDArray[np.bool_]:
        """Desa reached only by river (main road code ``air``)."""
        return np.asarray(self.road == 0)

    def explanatory(self) -> dict[str, NDArray[np.float64]]:
        """Return the characteristics the desa effect depends on, as numbers."""
        return {
            "log_travel_kabupaten": np.log1p(self.travel_kabupaten_min),
            "log_travel_kecamatan": np.log1p(self.travel_kecamatan_min),
            "river_only": self.river_only.astype(np.float64),
            "car_all_year": self.car_all_year.astype(np.float64),
            "has_market": self.has_market.astype(np.float64),
            "has_sma": self.has_sma.astype(np.float64),
            "signal_strong": self.signal_strong.astype(np.float64),
            "internet_4g": self.internet_4g.astype(np.float64),
        }


def _capitals(group: NDArray[np.int64], size: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Mark the largest desa of each group (its capital: ibukota kecamatan/kabupaten)."""
    order = np.lexsort((-size, group))
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    out = np.zeros(len(group), dtype=bool)
    out[order[first]] = True
    return out


def _ordered(latent: NDArray[np.float64], shares: list[float]) -> NDArray[np.int64]:
    cumulative = np.cumsum(np.asarray(shares, dtype=np.float64))
    cuts = ndtri(np.clip(cumulative[:-1] / cumulative[-1], 1e-12, 1 - 1e-12))
    return np.asarray(np.searchsorted(cuts, latent), dtype=np.int64)


def build(
    kecamatan_of: NDArray[np.int64],
    kabupaten_of: NDArray[np.int64],
    urban: NDArray[np.bool_],
    size: NDArray[np.float64],
    doc: Mapping[str, Any],
    seed: int,
) -> Places:
    """Return the characteristics of every desa (deterministic for ``seed``).

    ``size`` ranks the desa of a kecamatan (the largest is its capital); ``doc`` is the kit's
    ``synth`` document (section ``places``).
    """
    p = doc["places"]
    rng = np.random.default_rng([seed, 9])
    n = len(kecamatan_of)
    kec_count = int(kecamatan_of.max()) + 1
    kec_share = float(p["access_kecamatan_share"])
    inherent = np.sqrt(kec_share) * rng.standard_normal(kec_count)[kecamatan_of] + np.sqrt(
        1.0 - kec_share
    ) * rng.standard_normal(n)
    access = inherent + p["access_urban"] * urban
    kec_capital = _capitals(kecamatan_of, size)
    capital_size = np.where(kec_capital, size, 0.0)
    kab_capital = kec_capital & _capitals(kabupaten_of, capital_size)
    kec_capital_of = np.zeros(kec_count, dtype=np.int64)
    kec_capital_of[kecamatan_of[kec_capital]] = np.flatnonzero(kec_capital)
    kec_access = access[kec_capital_of]

    def near(u: float) -> NDArray[np.float64]:
        return np.asarray(np.exp(rng.normal(0.0, p["distance_sd"], n) - u * access))

    within = np.asarray(
        np.where(kec_capital, 0.0, p["kecamatan_distance_km"] * near(0.4)), dtype=np.float64
    )
    leg_km = p["kabupaten_distance_km"] * np.exp(
        rng.normal(0.0, p["distance_sd"], kec_count) - 0.4 * kec_access
    )
    leg_km[kecamatan_of[kab_capital]] = 0.0
    noise = float(p["road_noise"])
    road_latent = (inherent + rng.normal(0.0, noise, n)) / np.sqrt(1.0 + noise * noise)
    road = np.where(
        urban, _ordered(road_latent, p["road_urban"]), _ordered(road_latent, p["road_rural"])
    )
    speed = np.asarray(p["speed_kmh"], dtype=np.float64)
    slowdown = np.exp(rng.normal(0.0, 0.2, n))
    travel_kec = within / speed[road] * 60.0 * slowdown
    leg_min = leg_km / speed[road[kec_capital_of]] * 60.0
    travel_kab = travel_kec + leg_min[kecamatan_of]

    def has(key: str, present: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
        share = np.clip(np.where(urban, p[key][1], p[key][0]), 0.001, 0.999)
        chance = expit(np.log(share / (1.0 - share)) + p["facility_access"] * inherent)
        drawn = rng.random(n) < chance
        return np.asarray(drawn if present is None else drawn | present)

    car = rng.random(n) < np.asarray(p["car_all_year_by_road"], dtype=np.float64)[road]
    return Places(
        access=np.asarray(access, dtype=np.float64),
        kecamatan_capital=kec_capital,
        kabupaten_capital=kab_capital,
        distance_kecamatan_km=np.round(within, 1),
        travel_kecamatan_min=np.round(travel_kec, 0),
        distance_kabupaten_km=np.round(within + leg_km[kecamatan_of], 1),
        travel_kabupaten_min=np.round(travel_kab, 0),
        road=road,
        car_all_year=np.asarray(car),
        has_market=has("market_share", kec_capital),
        has_puskesmas=has("puskesmas_share", kec_capital),
        has_polindes=has("polindes_share"),
        has_sd=has("sd_share", kec_capital),
        has_smp=has("smp_share", kec_capital),
        has_sma=has("sma_share", kec_capital),
        signal_strong=has("signal_strong_share"),
        internet_4g=has("internet_4g_share", kab_capital),
    )


def explained_effect(places: Places, doc: Mapping[str, Any]) -> NDArray[np.float64]:
    """Return the part of the desa effect the characteristics explain, in units of ``desa_sd``.

    The index ``x'b`` of the standardised characteristics (weights ``effect_weights``) is scaled
    to standard deviation ``sqrt(explained_share)`` over the desa of the run.
    """
    weights: Mapping[str, float] = doc["places"]["effect_weights"]
    columns = places.explanatory()
    index = np.zeros(len(places.access), dtype=np.float64)
    for name, weight in weights.items():
        x = columns[name]
        spread = x.std()
        if spread > 0:
            index += weight * (x - x.mean()) / spread
    spread = index.std()
    share = float(doc["places"]["explained_share"])
    if spread == 0:
        return np.zeros_like(index)
    return np.asarray(np.sqrt(share) * index / spread, dtype=np.float64)
