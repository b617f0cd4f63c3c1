"""Calibration of the synthetic district: region targets and the welfare scale that meets them.

Targets (persons, family size, urban share, poverty headcount P0 and extreme-poverty rate) come
from the kit's ``synth`` document (``params/indonesia/synth.toml`` unless a workspace overrides
it) and the lines from its ``poverty_lines``; both are passed in as a :class:`rpkd.params.Kit`.
The most specific entry containing the region wins, so a region without local figures inherits
the national ones (DTSEN 2026, BPS March 2025). The
log-consumption model ``ln y = mu + s z`` is solved for ``mu`` and ``s`` so that the
person-weighted shares below the poverty line and below the extreme line equal the targets:
with ``q_p`` the person-weighted ``p``-quantile of the latent ``z``,
``s = (ln z_pov - ln z_ext) / (q_P0 - q_ext)`` and ``mu = ln z_pov - s q_P0``.

References
----------
BPS (2024). *Penghitungan dan Analisis Kemiskinan Makro Indonesia*: P0 is the share of persons in
households whose per-capita expenditure is below the line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rpkd import params, regions
from rpkd.errors import InvalidInput


@dataclass(frozen=True)
class Target:
    """One calibration target: its value and where it comes from."""

    name: str
    value: float
    source: str
    derivation: str = ""


@dataclass(frozen=True)
class Targets:
    """Calibration targets of one region."""

    region: str
    persons_per_family: Target
    urban_share: Target
    headcount: Target
    extreme: Target
    gini: Target
    families: Target
    poverty_line: params.PovertyLine
    extreme_line: params.PovertyLine
    reference_date: date
    list_year: int

    def as_records(self) -> list[dict[str, Any]]:
        """Return the targets as plain records (for ``synth.json``)."""
        items = (
            self.families,
            self.persons_per_family,
            self.urban_share,
            self.headcount,
            self.extreme,
            self.gini,
        )
        return [
            {"name": t.name, "target": t.value, "source": t.source, "derivation": t.derivation}
            for t in items
        ]


def _entry(doc: Mapping[str, Any], region: str, key: str) -> Target:
    entries = sorted(
        (
            e
            for e in doc["target"]
            if key in e and (e["region"] == "00" or regions.contains(e["region"], region))
        ),
        key=lambda e: 0 if e["region"] == "00" else len(e["region"]),
    )
    if not entries:
        raise InvalidInput("synth_target_missing", param=key, key=key, region=region)
    best = entries[-1]
    return Target(
        key, float(best[key]), best.get(f"{key}_source", ""), best.get(f"{key}_derivation", "")
    )


def targets(kit: params.Kit, region: str, n_desa: int, families: int | None = None) -> Targets:
    """Return the calibration targets for a dotted region code with ``n_desa`` desa/kelurahan.

    ``kit`` gives the ``synth`` document and the poverty lines in force on its reference date.
    The family count is ``--families`` when given; otherwise the region's own family count
    (the nation's DTSEN total); otherwise the region's population divided by
    the persons per family, scaled by the region's share of desa when the population figure
    belongs to a larger region; otherwise desa count times the national families per desa.
    """
    doc = kit.document("synth")
    size = _entry(doc, region, "persons_per_family")
    if families is not None:
        count = Target("families", float(families), "--families")
    else:
        count = _default_families(doc, region, n_desa, size.value)
    on: date = doc["reference_date"]
    return Targets(
        region=region,
        persons_per_family=size,
        urban_share=_entry(doc, region, "urban_share"),
        headcount=_entry(doc, region, "headcount"),
        extreme=_entry(doc, region, "extreme"),
        gini=_entry(doc, region, "gini"),
        families=count,
        poverty_line=kit.poverty_line("poverty", region, on),
        extreme_line=kit.poverty_line("extreme", region, on),
        reference_date=on,
        list_year=int(doc["list_year"]),
    )


def _default_families(doc: Mapping[str, Any], region: str, n_desa: int, size: float) -> Target:
    counted = [e for e in doc["target"] if "families" in e and e["region"] == region]
    if counted:
        return Target(
            "families",
            float(counted[0]["families"]),
            counted[0]["families_source"],
            counted[0].get("families_derivation", ""),
        )
    with_persons = [
        e for e in doc["target"] if "persons" in e and regions.contains(e["region"], region)
    ]
    if with_persons:
        entry = max(with_persons, key=lambda e: len(e["region"]))
        owner_desa = len(regions.descendants(entry["region"], "desa"))
        persons = float(entry["persons"]) * n_desa / owner_desa
        share = "" if owner_desa == n_desa else f" x {n_desa}/{owner_desa} desa"
        return Target(
            "families",
            float(round(persons / size)),
            entry["persons_source"],
            f"{entry['persons']} persons{share} / {size} persons per family",
        )
    per_desa = _entry(doc, region, "families_per_desa")
    return Target(
        "families",
        float(round(per_desa.value * n_desa)),
        per_desa.source,
        f"{n_desa} desa x {per_desa.value} families per desa ({per_desa.derivation})",
    )


class WeightedHistogram:
    """A fixed-bin weighted histogram: streaming quantiles without holding the values.

    With bins of width ``(high - low) / bins`` a quantile is exact to half a bin width.
    """

    def __init__(self, low: float, high: float, bins: int) -> None:
        self.low, self.high, self.bins = low, high, bins
        self.counts = np.zeros(bins, dtype=np.float64)

    def add(self, values: NDArray[np.float64], weights: NDArray[np.float64] | None = None) -> None:
        """Add values (clipped to the range) with optional weights."""
        scaled = (values - self.low) * (self.bins / (self.high - self.low))
        index = np.clip(scaled.astype(np.int64), 0, self.bins - 1)
        self.counts += np.bincount(index, weights=weights, minlength=self.bins)

    def quantiles(self, probs: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the weighted quantiles at ``probs`` (midpoint of the bin where they fall)."""
        cumulative = np.cumsum(self.counts)
        index = np.searchsorted(cumulative, probs * cumulative[-1], side="left")
        width = (self.high - self.low) / self.bins
        return np.asarray(
            self.low + (np.minimum(index, self.bins - 1) + 0.5) * width, dtype=np.float64
        )

    def midpoints(self) -> NDArray[np.float64]:
        """Return the bin midpoints."""
        width = (self.high - self.low) / self.bins
        return np.asarray(self.low + (np.arange(self.bins) + 0.5) * width, dtype=np.float64)


def gini(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    """Return the weighted Gini of ``values`` sorted ascending (trapezoidal Lorenz curve).

    References
    ----------
    Lerman & Yitzhaki (1989). Improving the accuracy of estimates of Gini coefficients.
    *Journal of Econometrics* 42, 43-47.
    """
    total = weights.sum()
    if total <= 0:
        return float("nan")
    share = np.cumsum(weights * values) / (weights * values).sum()
    lorenz = np.sum((np.r_[0.0, share[:-1]] + share) * weights / total) / 2.0
    return float(1.0 - 2.0 * lorenz)


@dataclass(frozen=True)
class Scale:
    """The welfare scale: ``ln y = mu + s min(z, knee) + upper max(z - knee, 0)``."""

    mu: float
    s: float
    knee: float
    upper: float

    def log_consumption(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return log per-capita consumption for latent welfare ``z`` (monotone in ``z``)."""
        return np.asarray(
            self.mu
            + self.s * np.minimum(z, self.knee)
            + self.upper * np.maximum(z - self.knee, 0.0)
        )


def solve_scale(latent: WeightedHistogram, targets: Targets) -> Scale:
    """Return the scale putting the person-weighted P0, extreme share and Gini on their targets.

    The part below the poverty quantile fixes P0 and the extreme share exactly; the slope above
    it is found by bisection on the Gini (increasing in the slope).
    """
    q_pov, q_ext = latent.quantiles(np.array([targets.headcount.value, targets.extreme.value]))
    ln_pov = math.log(targets.poverty_line.value)
    ln_ext = math.log(targets.extreme_line.value)
    if q_pov <= q_ext or ln_pov <= ln_ext:
        # The poverty target must exceed the extreme target, and the district needs enough
        # families for their quantiles to fall in different histogram bins.
        raise InvalidInput(
            "synth_calibration",
            param="families",
            headcount=targets.headcount.value,
            extreme=targets.extreme.value,
        )
    s = (ln_pov - ln_ext) / float(q_pov - q_ext)
    mu = ln_pov - s * float(q_pov)
    z, w = latent.midpoints(), latent.counts
    keep = w > 0
    z, w = z[keep], w[keep]
    low, high = 0.01, 3.0
    for _ in range(50):
        upper = (low + high) / 2.0
        values = np.exp(Scale(mu, s, float(q_pov), upper).log_consumption(z) - ln_pov)
        if gini(values, w) > targets.gini.value:
            high = upper
        else:
            low = upper
    return Scale(mu=mu, s=s, knee=float(q_pov), upper=(low + high) / 2.0)
