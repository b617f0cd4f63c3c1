"""95% intervals of small-area estimates of proportions (P0, P1, P2), on the logit scale.

A small-area estimate comes with its MSE, and ``estimate ± 1.96 √MSE`` leaves [0, 1] wherever
the estimate is small against its RMSE (a desa with P0 2% and RMSE 2% would get -1.9% to 5.9%).
As R ``survey``'s ``svyciprop(method = "logit")`` does for a direct estimate, the interval is
the Wald interval of ``logit(p)`` with the delta-method standard error ``RMSE / (p (1 - p))``,
mapped back by ``expit``: it stays inside (0, 1) and reaches further above a small estimate than
below it, as the error of a small proportion does. An estimate of exactly 0 (a Fay–Herriot EBLUP
truncated at 0, a direct estimate where no sampled person is poor) has no logit: its interval
is ``[0, min(1, 1.96 RMSE)]``, and likewise ``[max(0, 1 - 1.96 RMSE), 1]`` at 1.

References
----------
Lumley, T. (2010). *Complex Surveys*. Wiley, §2.2 (logit intervals for proportions).
Rao, J.N.K. & Molina, I. (2015). *Small Area Estimation*, 2nd ed., Wiley, §6.2 (MSE of an
EBLUP) and §9.4 (intervals for transformed area parameters).
"""

from __future__ import annotations

import math

from rpkd.survey.intervals import Z95, Bounds, logit_bounds


def proportion_interval(estimate: float | None, rmse: float | None) -> Bounds:
    """Return the 95% interval of an area's proportion ``estimate`` with root MSE ``rmse``.

    Examples
    --------
    >>> low, high = proportion_interval(0.02, 0.02)  # estimate ± 1.96 RMSE would go below 0
    >>> round(low, 4), round(high, 4)  # expit(logit(0.02) ± 1.96 × 0.02 / 0.0196)
    (0.0028, 0.131)
    >>> [round(b, 6) for b in proportion_interval(0.0, 0.01)]
    [0.0, 0.0196]
    >>> proportion_interval(0.3, 0.0)
    (0.3, 0.3)
    >>> proportion_interval(0.3, None)
    (None, None)
    """
    if estimate is None or rmse is None or not math.isfinite(estimate) or not math.isfinite(rmse):
        return None, None
    if rmse == 0:
        return estimate, estimate
    reach = Z95 * rmse
    if estimate <= 0:
        return 0.0, min(1.0, reach)
    if estimate >= 1:
        return max(0.0, 1.0 - reach), 1.0
    return logit_bounds(estimate, rmse, Z95)
