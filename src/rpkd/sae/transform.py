"""Transformations of welfare for unit-level models: log with shift and Box–Cox, as in emdi.

A shift ``s = |min(y)| + 1`` is added when the smallest welfare is not positive (emdi's rule);
otherwise ``s = 0``. Box–Cox (Box & Cox 1964) is ``((y + s)^lambda - 1) / lambda`` (``log`` at
``lambda = 0``). ``lambda`` is chosen, as ``emdi::ebp(transformation = "box.cox")`` does, by
maximising the (restricted) likelihood of the nested-error model fitted to the *standardised*
transformation ``((y+s)^lambda - 1) / (lambda * g^(lambda-1))`` (``g`` = geometric mean of
``y + s``), which carries the Jacobian so that likelihoods at different ``lambda`` compare;
the search interval is emdi's default ``[-1, 2]``.

References
----------
Box, G.E.P. & Cox, D.R. (1964). An analysis of transformations. JRSS B 26, 211–252.
Rojas-Perilla, N., Pannier, S., Schmid, T. & Tzavidis, N. (2020). Data-driven transformations in
small area estimation. JRSS A 183, 121–148.
Kreutzmann, A.-K. et al. (2019). The R package emdi. Journal of Statistical Software 91(7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import minimize_scalar

from rpkd.sae.nested_error import FitMethod, fit_nested_error

Transformation = Literal["log", "box_cox", "none"]
_ZERO = 1e-12


@dataclass(frozen=True)
class Transform:
    """A fitted transformation: its kind, ``lambda`` (Box–Cox) and ``shift``."""

    kind: Transformation
    lam: float
    shift: float

    def forward(self, y: np.ndarray) -> np.ndarray:
        """Return the transformed welfare."""
        if self.kind == "none":
            return np.asarray(y, dtype=float)
        z = np.asarray(y, dtype=float) + self.shift
        if self.kind == "log" or abs(self.lam) <= _ZERO:
            return np.log(z)
        return (z**self.lam - 1.0) / self.lam

    def inverse(self, t: np.ndarray) -> np.ndarray:
        """Return welfare from the transformed scale (outside the range: the limit, ±inf or -s)."""
        if self.kind == "none":
            return t
        if self.kind == "log" or abs(self.lam) <= _ZERO:
            return np.asarray(np.exp(t) - self.shift)
        base = self.lam * t + 1.0
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.lam > 0:
                out = np.maximum(base, 0.0) ** (1.0 / self.lam)
            else:
                out = np.where(base > 0, np.maximum(base, _ZERO) ** (1.0 / self.lam), np.inf)
        return out - self.shift


def shift_for(y: np.ndarray) -> float:
    """Return emdi's shift: ``|min(y)| + 1`` if ``min(y) <= 0``, else ``0``."""
    low = float(np.min(y))
    return abs(low) + 1.0 if low <= 0 else 0.0


def standardised_box_cox(z: np.ndarray, lam: float) -> np.ndarray:
    """Return the Box–Cox transform of positive ``z`` divided by ``g^(lambda-1)``."""
    log_g = float(np.mean(np.log(z)))
    if abs(lam) <= _ZERO:
        return np.asarray(np.exp(log_g) * np.log(z))
    return np.asarray((z**lam - 1.0) / (lam * np.exp(log_g * (lam - 1.0))))


def fit_transform(
    kind: Transformation,
    y: np.ndarray,
    x: np.ndarray,
    area: np.ndarray,
    areas: int,
    method: FitMethod,
    interval: tuple[float, float] = (-1.0, 2.0),
) -> Transform:
    """Return the transformation for ``y``; Box–Cox ``lambda`` by the profile (RE)ML criterion."""
    if kind == "none":
        return Transform("none", 1.0, 0.0)
    shift = shift_for(y)
    if kind == "log":
        return Transform("log", 0.0, shift)
    z = y + shift

    def negative(lam: float) -> float:
        return -fit_nested_error(standardised_box_cox(z, lam), x, area, areas, method).loglik

    found = minimize_scalar(negative, bounds=interval, method="bounded", options={"xatol": 1e-8})
    return Transform("box_cox", float(found.x), shift)
