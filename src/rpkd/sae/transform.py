"""Transformations of welfare for unit-level models: log with shift and Box–Cox, as in emdi.

A shift ``s = |min(y)| + 1`` is added when the smallest welfare is not positive (emdi's rule);
otherwise ``s = 0``. Box–Cox (Box & Cox 1964) is ``((y + s)^lambda - 1) / lambda`` (``log`` at
``lambda = 0``). ``lambda`` is chosen, as ``emdi::ebp(transformation = "box.cox")`` does, by
maximising the (restricted) likelihood of the nested-error model fitted to the *standardised*
transformation ``((y+s)^lambda - 1) / (lambda * g^(lambda-1))`` (``g`` = geometric mean of
``y + s``), which carries the Jacobian so that likelihoods at different ``lambda`` compare;
the search interval is emdi's default ``[-1, 2]``.

Log-shift (``log(y + s)``, as emdi's ``"log.shift"``) chooses ``s`` by the same criterion on the
standardised ``g log(y + s)`` (``g`` = geometric mean of ``y + s``), searching ``c = min(y) + s``
on a log scale from ``1e-6`` to ``10`` times the median of ``y - min(y)`` (plus 1 if that is 0).
``"auto"`` fits Box–Cox and log-shift and keeps the one with the larger standardised
likelihood: the Jacobian is in both, so the likelihoods compare across the two families (log and
none are the Box–Cox family at ``lambda = 0`` and ``1``, so Box–Cox already covers them).

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

Transformation = Literal["log", "box_cox", "none", "log_shift", "auto"]
TRANSFORMATIONS: tuple[Transformation, ...] = ("box_cox", "log", "none", "log_shift", "auto")
_ZERO = 1e-12


@dataclass(frozen=True)
class Transform:
    """A fitted transformation: its kind, ``lambda`` (Box–Cox), ``shift`` and the criterion.

    ``loglik`` is the maximised standardised (RE)ML log-likelihood for a fitted Box–Cox or
    log-shift transformation (None otherwise).
    """

    kind: Transformation
    lam: float
    shift: float
    loglik: float | None = None

    def forward(self, y: np.ndarray) -> np.ndarray:
        """Return the transformed welfare."""
        if self.kind == "none":
            return np.asarray(y, dtype=float)
        z = np.asarray(y, dtype=float) + self.shift
        if self.kind in ("log", "log_shift") or abs(self.lam) <= _ZERO:
            return np.log(z)
        return (z**self.lam - 1.0) / self.lam

    def inverse(self, t: np.ndarray) -> np.ndarray:
        """Return welfare from the transformed scale (outside the range: the limit, ±inf or -s)."""
        if self.kind == "none":
            return t
        if self.kind in ("log", "log_shift") or abs(self.lam) <= _ZERO:
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
    if kind == "auto":
        fits = [
            fit_transform(k, y, x, area, areas, method, interval) for k in ("box_cox", "log_shift")
        ]
        return max(fits, key=lambda f: f.loglik or -np.inf)
    if kind == "log_shift":
        return _log_shift(y, x, area, areas, method)
    shift = shift_for(y)
    if kind == "log":
        return Transform("log", 0.0, shift)
    z = y + shift

    def negative(lam: float) -> float:
        return -fit_nested_error(standardised_box_cox(z, lam), x, area, areas, method).loglik

    found = minimize_scalar(negative, bounds=interval, method="bounded", options={"xatol": 1e-8})
    return Transform("box_cox", float(found.x), shift, -float(found.fun))


def _log_shift(
    y: np.ndarray, x: np.ndarray, area: np.ndarray, areas: int, method: FitMethod
) -> Transform:
    """Return the log-shift transformation with ``s`` by the standardised (RE)ML criterion."""
    low = float(np.min(y))
    scale = float(np.median(y - low)) or 1.0

    def negative(log_c: float) -> float:
        z = y - low + np.exp(log_c)
        return -fit_nested_error(standardised_box_cox(z, 0.0), x, area, areas, method).loglik

    bounds = (float(np.log(1e-6 * scale)), float(np.log(10.0 * scale)))
    found = minimize_scalar(negative, bounds=bounds, method="bounded", options={"xatol": 1e-9})
    return Transform("log_shift", 0.0, float(np.exp(found.x)) - low, -float(found.fun))
