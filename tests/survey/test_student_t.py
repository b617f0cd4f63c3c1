"""Student's t quantile against R ``qt`` (values printed by R 4.x, ``options(digits = 17)``)
and against SciPy's ``stdtrit`` over a grid."""

from __future__ import annotations

import itertools

import pytest
from scipy.special import stdtrit

from rpkd.survey.student_t import LARGE_DF, quantile

# Rscript -e 'q <- c(...); d <- c(...); cat(sprintf("%.17g", qt(q, d)))'
R_QT = [
    (0.975, 1, 12.706204736174694),
    (0.975, 2, 4.3026527297494619),
    (0.975, 3, 3.1824463052837078),
    (0.975, 10, 2.2281388519862739),
    (0.975, 65, 1.9971379083920036),
    (0.975, 34500, 1.9600327483964013),
    (0.975, 99999, 1.9599877077718442),
    (0.975, 100000, 1.9599877075346088),
    (0.975, 345000, 1.9599708607122606),
    (0.975, 10_000_000, 1.9599642217672049),
    (0.025, 12, -2.1788128296672289),
    (0.995, 7, 3.4994832973504932),
    (0.9995, 30, 3.6459586350420627),
    (0.999999, 1, 318309.88617359026),
    (0.999999, 4, 41.577854150151516),
    (0.6, 150, 0.25379692204033832),
]


@pytest.mark.parametrize(("q", "df", "expected"), R_QT)
def test_quantile_agrees_with_r_qt(q: float, df: int, expected: float) -> None:
    assert quantile(q, df) == pytest.approx(expected, rel=1e-12)


def test_near_the_centre_the_error_is_absolute() -> None:
    """R ``qt(0.5001, 4)``: the tail near 1/2 leaves the small quantile 1e-12 absolute."""
    assert quantile(0.5001, 4) == pytest.approx(0.00026666667061729334, abs=1e-15)
    assert quantile(0.5, 7) == 0.0


def test_quantile_is_odd_and_matches_scipy_over_a_grid() -> None:
    dfs = [*range(1, 60), 75, 150, 333, 1000, 2500, 10_000, LARGE_DF - 1, LARGE_DF, 1e6, 3.7]
    qs = [0.975, 0.6, 0.9, 0.95, 0.995, 0.9995, 0.999999]
    for df, q in itertools.product(dfs, qs):
        expected = float(stdtrit(df, q))
        assert quantile(q, df) == pytest.approx(expected, rel=1e-11), (df, q)
        assert quantile(1 - q, df) == -quantile(q, df)


@pytest.mark.parametrize(("q", "df"), [(0.0, 3), (1.0, 3), (0.5, 0.5), (0.9, 0)])
def test_outside_the_domain_is_refused(q: float, df: float) -> None:
    with pytest.raises(ValueError, match="quantile needs"):
        quantile(q, df)
