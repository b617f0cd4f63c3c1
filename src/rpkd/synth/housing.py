"""Household proxies of a chunk: dwelling, water, sanitation, energy and assets.

Each categorical proxy is an ordered-probit draw: a latent ``rho z + sqrt(1 - rho^2) e`` cut at
the normal quantiles of its rural or urban shares, so the marginal shares hold and the proxy
correlates with welfare as in the PMT variables of DTSEN (39 variables, 26 at family level).

References
----------
Grosh & Baker (1995). *Proxy Means Tests for Targeting Social Programs*. World Bank LSMS WP 118.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from rpkd.synth.population import Core, ordered

CATEGORICAL = (
    "floor_material",
    "wall_material",
    "wall_condition",
    "roof_material",
    "roof_condition",
    "house_ownership",
    "drinking_water",
    "toilet",
    "sewage",
    "electricity",
    "cooking_fuel",
)


@dataclass(frozen=True)
class Housing:
    """Proxies of a chunk's families: category indices (into the TOML code order) and numbers."""

    categories: dict[str, NDArray[np.int64]]
    levels: dict[str, int]
    assets: dict[str, NDArray[np.bool_]]
    floor_area: NDArray[np.float64]
    land: NDArray[np.float64]

    def code(self, name: str, doc: Mapping[str, Any]) -> NDArray[np.str_]:
        """Return the schema codes of proxy ``name``."""
        return np.asarray(doc["proxies"][name]["codes"])[self.categories[name]]

    def unfit(self, size: NDArray[np.int64], doc: Mapping[str, Any]) -> NDArray[np.bool_]:
        """Return whether the house is unfit (RTLH criteria, facts.md §3)."""
        codes = {name: self.code(name, doc) for name in CATEGORICAL}
        perishable = np.isin(codes["wall_material"], ["anyaman_bambu", "batang_kayu", "lainnya"])
        perishable |= np.isin(codes["roof_material"], ["jerami_ijuk_rumbia", "bambu", "lainnya"])
        damaged = (codes["wall_condition"] == "rusak_berat") | (
            codes["roof_condition"] == "rusak_berat"
        )
        floor = np.isin(codes["floor_material"], ["tanah", "bambu"])
        crowded = self.floor_area / np.maximum(size, 1) < doc["programmes"]["rtlh_floor_per_person"]
        no_toilet = codes["toilet"] == "tidak_ada"
        return np.asarray(perishable | damaged | floor | crowded | no_toilet)


def generate(core: Core, doc: Mapping[str, Any], seed: int, chunk_index: int) -> Housing:
    """Return the proxies of a chunk; deterministic for (seed, chunk index)."""
    rng = np.random.default_rng([seed, 4, chunk_index])
    z, urban = core.standard, core.urban
    categories = {name: ordered(rng, z, urban, doc["proxies"][name]) for name in CATEGORICAL}
    sewage_codes = doc["proxies"]["sewage"]["codes"]
    toilet_codes = doc["proxies"]["toilet"]["codes"]
    no_toilet = categories["toilet"] == toilet_codes.index("tidak_ada")
    categories["sewage"] = np.where(no_toilet, sewage_codes.index("terbuka"), categories["sewage"])

    spec = doc["assets"]
    assets = {}
    for i, name in enumerate(spec["names"]):
        share = np.where(urban, spec["urban"][i], spec["rural"][i])
        rho = spec["rho"][i]
        latent = rho * z + math.sqrt(1.0 - rho * rho) * rng.standard_normal(len(z))
        assets[name] = ordered_share(latent, share)

    d = doc["dwelling"]
    median = np.where(urban, d["floor_median"][1], d["floor_median"][0])
    floor = median * np.exp(
        d["floor_welfare_elasticity"] * z
        + d["floor_size_elasticity"] * np.log(core.size / 3.5)
        + d["floor_noise_sd"] * rng.standard_normal(len(z))
    )
    owner_share = np.where(urban, d["land_owner_share"][1], d["land_owner_share"][0])
    owns = rng.random(len(z)) < owner_share
    land_median = np.where(urban, d["land_median"][1], d["land_median"][0])
    land = land_median * np.exp(
        d["land_welfare_elasticity"] * z + d["land_noise_sd"] * rng.standard_normal(len(z))
    )
    return Housing(
        categories,
        {name: len(doc["proxies"][name]["codes"]) for name in CATEGORICAL},
        assets,
        np.round(np.clip(floor, 9.0, 1000.0)),
        np.where(owns, np.round(land), 0.0),
    )


def ordered_share(latent: NDArray[np.float64], share: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Return ``latent`` above the normal quantile that leaves ``share`` on top."""
    return np.asarray(latent > ndtri(1.0 - np.clip(share, 1e-9, 1 - 1e-9)))
