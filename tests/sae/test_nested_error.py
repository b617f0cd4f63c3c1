"""Nested-error REML/ML fit and the emdi Box-Cox lambda against R nlme (golden/sae/nested_error.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from rpkd.sae.nested_error import fit_nested_error
from rpkd.sae.transform import Transform, fit_transform, shift_for

GOLDEN = Path(__file__).parents[1] / "golden" / "sae"
WANT = json.loads((GOLDEN / "nested_error.json").read_text())


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    t = pacsv.read_csv(GOLDEN / "nested_error.csv").to_pydict()
    codes = sorted(set(t["area"]))
    area = np.array([codes.index(a) for a in t["area"]])
    group = np.array(t["group"])
    # treatment contrasts, reference "desa" (first sorted level), as R's factor()
    x = np.column_stack([np.ones(area.size), t["x1"], group == "kota", group == "pesisir"]).astype(
        float
    )
    return np.array(t["welfare"], dtype=float), x, area, len(codes)


@pytest.mark.parametrize("method", ["reml", "ml"])
def test_log_fit_matches_nlme(
    data: tuple[np.ndarray, np.ndarray, np.ndarray, int], method: str
) -> None:
    y, x, area, m = data
    want = WANT[f"log_{method}"]
    fit = fit_nested_error(np.log(y), x, area, m, method)  # type: ignore[arg-type]
    np.testing.assert_allclose(fit.beta, want["beta"], rtol=1e-8)
    assert fit.sigma2_u == pytest.approx(want["sigma2_u"], rel=1e-8)
    assert fit.sigma2_e == pytest.approx(want["sigma2_e"], rel=1e-8)
    assert fit.loglik == pytest.approx(want["loglik"], rel=1e-10)


def test_box_cox_lambda_matches_emdi_criterion(
    data: tuple[np.ndarray, np.ndarray, np.ndarray, int],
) -> None:
    y, x, area, m = data
    want = WANT["box_cox_reml"]
    transform = fit_transform("box_cox", y, x, area, m, "reml")
    # both sides locate the maximum of a profile likelihood by function values only
    assert transform.lam == pytest.approx(want["lambda"], abs=1e-5)
    fit = fit_nested_error(transform.forward(y), x, area, m, "reml")
    np.testing.assert_allclose(fit.beta, want["beta"], rtol=1e-4)
    assert fit.sigma2_u == pytest.approx(want["sigma2_u"], rel=1e-4)


def test_transform_round_trip_and_shift() -> None:
    y = np.array([-3.0, 0.0, 2.5, 10.0])
    assert shift_for(y) == 4.0
    assert shift_for(np.array([0.5, 2.0])) == 0.0
    for lam in (-0.5, 0.0, 0.3, 1.0):
        t = Transform("box_cox", lam, 4.0)
        np.testing.assert_allclose(t.inverse(t.forward(y)), y, atol=1e-12)
    # beyond the range of the inverse: poorest possible welfare (lambda > 0), unbounded (< 0)
    assert Transform("box_cox", 0.5, 1.0).inverse(np.array([-10.0]))[0] == -1.0
    assert Transform("box_cox", -0.5, 0.0).inverse(np.array([10.0]))[0] == np.inf
