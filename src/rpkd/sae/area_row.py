"""One area of a poverty map: its direct estimate and the method's estimate with MSE, RMSE and CV.

Every method's rows are made by :func:`area_row`, so they agree on what is missing: the
method's estimate, its MSE and the direct SE are None when not finite; the RMSE is ``√MSE``
(0 for a negative MSE); the CV is ``RMSE / |estimate|`` (:func:`cv`), None for an estimate of 0
or a missing or negative MSE, and the direct CV is the direct SE over the direct estimate.

References
----------
Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from rpkd.sae.intervals import proportion_interval

if TYPE_CHECKING:
    from rpkd import regions

Method = Literal["direct", "fh", "ebp"]
METHODS: tuple[Method, ...] = ("direct", "fh", "ebp")


@dataclass(frozen=True)
class AreaRow:
    """One area of the map: direct estimate and its SE/CV, final estimate, MSE, RMSE and CV."""

    area: str
    name: str
    direct: float | None
    direct_se: float | None
    direct_cv: float | None
    estimate: float | None
    mse: float | None
    rmse: float | None
    cv: float | None
    method: Method
    in_sample: bool
    n: int
    population: float | None
    variance_smoothed: bool = False

    @property
    def interval(self) -> tuple[float | None, float | None]:
        """The estimate's 95% interval, ``± 1.96 RMSE`` cut to [0, 1] (``rpkd.sae.intervals``)."""
        return proportion_interval(self.estimate, self.rmse)


def cv(estimate: float | None, mse: float | None) -> float | None:
    """Return ``√mse / |estimate|``, or None when it is undefined."""
    if estimate is None or mse is None or estimate == 0 or not math.isfinite(mse) or mse < 0:
        return None
    return math.sqrt(mse) / abs(estimate)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def area_row(
    region: regions.Region,
    direct: Any,
    method: Method,
    estimate: float | None,
    mse: float | None,
    in_sample: bool,
    smoothed: bool = False,
) -> AreaRow:
    """Return the row of ``region`` from its direct estimate (or None) and the method's values.

    The row's population is None; the map fills it in from the registry.
    """
    d_est = None if direct is None else direct.estimate
    d_se = None if direct is None else _finite(direct.se)
    estimate, mse = _finite(estimate), _finite(mse)
    return AreaRow(
        area=region.code,
        name=region.name,
        direct=d_est,
        direct_se=d_se,
        direct_cv=cv(d_est, None if d_se is None else d_se**2),
        estimate=estimate,
        mse=mse,
        rmse=None if mse is None else math.sqrt(max(mse, 0.0)),
        cv=cv(estimate, mse),
        method=method,
        in_sample=in_sample,
        n=0 if direct is None else direct.n,
        population=None,
        variance_smoothed=smoothed,
    )
