"""GVF against R lm() with Duan smearing (tests/golden/sae/gvf.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from rpkd.errors import InvalidInput
from rpkd.sae.gvf import gvf

GOLDEN = Path(__file__).parents[1] / "golden" / "sae"


@pytest.mark.parametrize("predictor", ["log", "linear"])
def test_matches_r(predictor: str) -> None:
    want = json.loads((GOLDEN / "gvf.json").read_text())[predictor]
    data = pacsv.read_csv(GOLDEN / "gvf.csv").to_pydict()
    result = gvf(
        data["area"],
        data["estimate"],
        data["variance"],
        data["n"],
        predictor=predictor,  # type: ignore[arg-type]
    )
    np.testing.assert_allclose(list(result.coefficients.values()), want["coefficients"], rtol=1e-10)
    assert result.smearing == pytest.approx(want["smearing"], rel=1e-10)
    assert result.r_squared == pytest.approx(want["r_squared"], rel=1e-10)
    np.testing.assert_allclose(result.smoothed_variance, want["smoothed"], rtol=1e-10)
    assert result.used.count(False) == 3
    assert (result.findings[0].code, result.findings[0].params) == (
        "gvf_predicted_only",
        {"count": 3},
    )
    assert result.to_arrow().num_rows == 30


def test_exact_inverse_n_law_is_recovered() -> None:
    # v = 2 * p(1-p)... here v = 0.5 / n exactly: slope -1 on log n, nothing on the estimate.
    n = np.array([10.0, 20, 40, 80, 160, 320])
    est = np.array([0.2, 0.3, 0.25, 0.4, 0.1, 0.35])
    result = gvf([str(i) for i in range(6)], list(est), list(0.5 / n), list(n))
    assert result.coefficients["log_n"] == pytest.approx(-1.0, abs=1e-12)
    assert result.coefficients["log_estimate"] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(result.smoothed_variance, 0.5 / n, rtol=1e-12)


def test_log_predictor_needs_positive_estimates() -> None:
    with pytest.raises(InvalidInput) as caught:
        gvf(["a", "b", "c", "d", "e"], [0.0, 0.1, 0.2, 0.3, 0.4], [0.1] * 5, [10] * 5)
    assert caught.value.code == "gvf_estimate_not_positive"
    assert caught.value.params == {"area": "a", "value": 0.0}
    assert "predictor='linear'" in caught.value.message("en")
