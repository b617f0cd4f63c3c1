"""Proxy-means test: a linear prediction of welfare from proxies, fitted by streaming OLS.

As BPS calibrates the DTSEN PMT on Susenas, the score here is the least-squares prediction of the
latent log welfare from the household proxies (never from consumption itself), fitted on a
systematic 10% sample of families; ``X'X`` and ``X'z`` are accumulated chunk by chunk, so the fit needs no more memory than one chunk. Desil are
the deciles of the score over all families of the region (each family counts once).

References
----------
Grosh & Baker (1995). *Proxy Means Tests for Targeting Social Programs*. World Bank LSMS WP 118.
BPS (2025). DTSEN: desil 1-10 from a PMT on 39 variables (facts.md §1.1, §2.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rpkd.synth.housing import CATEGORICAL, Housing
from rpkd.synth.population import Core

EDUCATION_LEVELS = 6
AGRICULTURE = 5
"""The first five sectors in synth.toml's order are agriculture, plantations, fishing,
forestry and livestock."""


def design(core: Core, housing: Housing) -> NDArray[np.float64]:
    """Return the PMT design matrix of a chunk (one row per family, intercept first)."""
    n = core.families
    columns: list[NDArray[np.float64]] = [np.ones(n), core.urban.astype(np.float64)]
    for name in CATEGORICAL:
        index = housing.categories[name]
        columns.extend((index == k).astype(np.float64) for k in range(1, housing.levels[name]))
    columns.extend(v.astype(np.float64) for v in housing.assets.values())
    size = core.size.astype(np.float64)
    columns.append(np.log(housing.floor_area / size))
    columns.append(np.log1p(housing.land))
    columns.extend((np.log(size), size, core.under5.astype(np.float64), core.elderly.astype(np.float64)))
    columns.append(core.head_female.astype(np.float64))
    columns.extend((core.head_education == k).astype(np.float64) for k in range(1, EDUCATION_LEVELS))
    columns.append(((core.head_sector >= 0) & (core.head_sector < AGRICULTURE)).astype(np.float64))
    columns.append((core.head_sector < 0).astype(np.float64))
    return np.column_stack(columns)


class Normal:
    """Streaming normal equations ``X'X b = X'z``, accumulated chunk by chunk."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.xtx = np.zeros((width, width))
        self.xtz = np.zeros(width)

    def add(self, x: NDArray[np.float64], z: NDArray[np.float64], every: int = 10) -> None:
        """Accumulate every ``every``-th family of one chunk (a systematic calibration sample)."""
        sample = np.asfortranarray(x[::every])
        self.xtx += sample.T @ sample
        self.xtz += sample.T @ z[::every]

    def solve(self) -> NDArray[np.float64]:
        """Return the least-squares coefficients (minimum-norm where dummies are empty)."""
        coefficients, *_ = np.linalg.lstsq(self.xtx, self.xtz, rcond=1e-10)
        return np.asarray(coefficients)


@dataclass(frozen=True)
class Ranking:
    """A fitted PMT: coefficients and the decile cut points of its score."""

    coefficients: NDArray[np.float64]
    cuts: NDArray[np.float64]

    def predict(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the predicted latent welfare."""
        return np.asarray(x @ self.coefficients)

    def desil(self, prediction: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return desil 1..10 of predictions (1 = poorest 10% of families)."""
        return (1 + np.searchsorted(self.cuts, prediction, side="right")).astype(np.int64)
