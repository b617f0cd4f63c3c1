"""Backward selection of Fay–Herriot covariates: against ``metafor::rma(method = "ML")``
(``reference/fh_selection.R``, its golden JSON beside it) and a case solved by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from rpkd.sae.fay_herriot import fay_herriot, ml_loglik
from rpkd.sae.selection import fh_backward, fh_criterion_value

HERE = Path(__file__).parent / "reference"
GOLDEN = json.loads((HERE / "fh_selection.json").read_text(encoding="utf-8"))
NAMES = ("x1", "x2", "x3", "x4", "x5")


@pytest.fixture(scope="module")
def sampled() -> dict[str, np.ndarray]:
    table = pa_csv.read_csv(
        HERE / "fh_selection.csv",
        convert_options=pa_csv.ConvertOptions(
            column_types={"direct": pa.float64(), "variance": pa.float64()}
        ),
    )
    direct = np.asarray(table.column("direct").to_numpy(zero_copy_only=False), dtype=float)
    keep = ~np.isnan(direct)  # the three areas out of sample take no part
    out = {n: table.column(n).to_numpy()[keep].astype(float) for n in NAMES}
    out["direct"] = direct[keep]
    out["variance"] = table.column("variance").to_numpy(zero_copy_only=False)[keep].astype(float)
    return out


def _candidates(data: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    return [(n, data[n]) for n in NAMES]


def test_ml_loglik_and_criteria_of_the_full_model_match_metafor(
    sampled: dict[str, np.ndarray],
) -> None:
    x = np.column_stack([np.ones(30), *(sampled[n] for n in NAMES)])
    y, psi = sampled["direct"], sampled["variance"]
    assert ml_loglik(y, psi, x) == pytest.approx(GOLDEN["loglik_full"], rel=1e-8)
    for criterion in ("aic", "bic", "kic"):
        value = fh_criterion_value(y, psi, x, criterion)  # type: ignore[arg-type]
        assert value == pytest.approx(GOLDEN[f"{criterion}_full"], rel=1e-8), criterion


@pytest.mark.parametrize("criterion", ["aic", "bic", "kic"])
def test_backward_selection_matches_metafor(sampled: dict[str, np.ndarray], criterion: str) -> None:
    chosen = fh_backward(
        sampled["direct"],
        sampled["variance"],
        _candidates(sampled),
        criterion,  # type: ignore[arg-type]
    )
    assert list(chosen.kept) == GOLDEN[f"{criterion}_kept"]
    assert list(chosen.removed) == GOLDEN[f"{criterion}_removed"]
    assert chosen.value == pytest.approx(GOLDEN[f"{criterion}_value"], rel=1e-8)
    assert chosen.criterion == criterion


def test_the_bic_model_is_interior_and_its_ml_fit_agrees_with_metafor(
    sampled: dict[str, np.ndarray],
) -> None:
    """BIC keeps x1 only, a model whose ML sigma2_u is positive (the full model's is 0)."""
    table = pa.table(
        {
            "area": [f"A{i}" for i in range(30)],
            "direct": sampled["direct"],
            "variance": sampled["variance"],
            "x1": sampled["x1"],
        }
    )
    fit = fay_herriot(
        table, area="area", direct="direct", variance="variance", covariates=["x1"], method="ml"
    )
    assert fit.sigma2_u == pytest.approx(GOLDEN["bic_tau2"], rel=1e-6)
    assert GOLDEN["tau2_full"] == 0.0 and GOLDEN["aic_tau2"] == 0.0


def test_equal_sampling_variances_reduce_to_the_linear_model_by_hand() -> None:
    """With psi_d = psi for every area the ML model is y ~ N(X beta, (sigma2_u + psi) I): the
    ordinary regression, whose ML variance is RSS/m, so sigma2_u = RSS/m - psi when positive and
    log L = -m/2 (log(2 pi RSS/m) + 1). On y = 1 + 2 x1 + a small deterministic wiggle and x2
    unrelated, AIC keeps x1 alone; the values are the hand formulas with least squares."""
    m = 12
    x1 = np.arange(m, dtype=float)
    x2 = np.cos(np.arange(m) * 2.1)
    y = 1.0 + 2.0 * x1 + 0.5 * np.sin(np.arange(m) * 1.3)
    psi = np.full(m, 0.01)

    def hand(columns: list[np.ndarray]) -> float:
        x = np.column_stack([np.ones(m), *columns])
        beta, *_ = np.linalg.lstsq(x, y, rcond=None)
        rss = float(np.sum((y - x @ beta) ** 2))
        assert rss / m > 0.01  # interior: sigma2_u = RSS/m - psi > 0
        loglik = -m / 2 * (math.log(2 * math.pi * rss / m) + 1)
        return -2 * loglik + 2 * (x.shape[1] + 1)

    chosen = fh_backward(y, psi, [("x1", x1), ("x2", x2)], "aic")
    assert chosen.kept == ("x1",) and chosen.removed == ("x2",)
    assert chosen.value == pytest.approx(hand([x1]), rel=1e-9)
    assert hand([x1]) < min(hand([x1, x2]), hand([x2]))
    both = np.column_stack([np.ones(m), x1, x2])
    assert fh_criterion_value(y, psi, both, "aic") == pytest.approx(hand([x1, x2]), rel=1e-9)
    # KIC and BIC differ from AIC by their penalties only: 3 k and k log m for k = 4
    aic = fh_criterion_value(y, psi, both, "aic")
    assert fh_criterion_value(y, psi, both, "kic") == pytest.approx(aic + 4, rel=1e-12)
    bic = fh_criterion_value(y, psi, both, "bic")
    assert bic == pytest.approx(aic - 8 + 4 * math.log(m), rel=1e-12)
