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

CALIBRATION_EVERY = 10
"""The PMT is fitted on every 10th family (a systematic sample, as a survey would be)."""
EDUCATION_LEVELS = 6
AGRICULTURE = 5
"""The first five sectors in synth.toml's order are agriculture, plantations, fishing,
forestry and livestock."""


Term = tuple[str, NDArray[np.float64] | NDArray[np.int64], int]
"""A PMT term: ("number", values, 1) or ("category", level indices, number of levels)."""


def terms(
    core: Core, housing: Housing, rows: NDArray[np.int64] | slice = slice(None)
) -> list[Term]:
    """Return the PMT terms of a chunk's families (``rows`` selects a subset), in design order."""
    size = core.size[rows].astype(np.float64)
    sector = core.head_sector[rows]
    out: list[Term] = [
        ("number", np.ones(len(size)), 1),
        ("number", core.urban[rows].astype(np.float64), 1),
    ]
    out.extend(
        ("category", housing.categories[name][rows], housing.levels[name]) for name in CATEGORICAL
    )
    out.extend(("number", v[rows].astype(np.float64), 1) for v in housing.assets.values())
    out.append(("number", np.log(housing.floor_area[rows] / size), 1))
    out.append(("number", np.log1p(housing.land[rows]), 1))
    out.extend(
        (
            ("number", np.log(size), 1),
            ("number", size, 1),
            ("number", core.under5[rows].astype(np.float64), 1),
            ("number", core.elderly[rows].astype(np.float64), 1),
            ("number", core.head_female[rows].astype(np.float64), 1),
            ("category", core.head_education[rows], EDUCATION_LEVELS),
            ("number", ((sector >= 0) & (sector < AGRICULTURE)).astype(np.float64), 1),
            ("number", (sector < 0).astype(np.float64), 1),
        )
    )
    return out


def design(parts: list[Term]) -> NDArray[np.float64]:
    """Return the design matrix of PMT terms (category dummies against their first level)."""
    n = len(parts[0][1])
    width = sum(1 if kind == "number" else levels - 1 for kind, _, levels in parts)
    x = np.empty((n, width), dtype=np.float64, order="F")
    j = 0
    for kind, values, levels in parts:
        if kind == "number":
            x[:, j] = values
            j += 1
        else:
            block = x[:, j : j + levels - 1]
            block[:] = 0.0
            coded = np.flatnonzero(values > 0)
            block[coded, values[coded] - 1] = 1.0
            j += levels - 1
    return x


def predict(parts: list[Term], coefficients: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return ``X b`` without building ``X``: categories contribute by table look-up."""
    total = np.zeros(len(parts[0][1]))
    j = 0
    for kind, values, levels in parts:
        if kind == "number":
            total += coefficients[j] * values
            j += 1
        else:
            total += np.r_[0.0, coefficients[j : j + levels - 1]][values]
            j += levels - 1
    return total


class Normal:
    """Streaming normal equations ``X'X b = X'z``, accumulated chunk by chunk."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.xtx = np.zeros((width, width))
        self.xtz = np.zeros(width)

    def add(self, x: NDArray[np.float64], z: NDArray[np.float64]) -> None:
        """Accumulate the design rows and outcomes of one chunk's calibration sample."""
        # einsum without BLAS: small products, and no thread pool to contend for on shared cores
        self.xtx += np.einsum("ij,ik->jk", x, x)
        self.xtz += np.einsum("ij,i->j", x, z)

    def solve(self) -> NDArray[np.float64]:
        """Return the least-squares coefficients (minimum-norm where dummies are empty)."""
        coefficients, *_ = np.linalg.lstsq(self.xtx, self.xtz, rcond=1e-10)
        return np.asarray(coefficients)


@dataclass(frozen=True)
class Ranking:
    """A fitted PMT: coefficients and the decile cut points of its score."""

    coefficients: NDArray[np.float64]
    cuts: NDArray[np.float64]

    def predict(self, parts: list[Term]) -> NDArray[np.float64]:
        """Return the predicted latent welfare."""
        return predict(parts, self.coefficients)

    def desil(self, prediction: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return desil 1..10 of predictions (1 = poorest 10% of families)."""
        return (1 + np.searchsorted(self.cuts, prediction, side="right")).astype(np.int64)
