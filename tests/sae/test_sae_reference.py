"""Model fits against R: the nested-error fit with a context variable, the pseudo-EBLUP,
diagnostics, Box–Cox lambda and backward selection against ``nlme::lme``
(``reference/ebp_context.R``); the arcsine Fay–Herriot model against ``metafor::rma``
(``reference/fh_arcsin.R``). The R scripts are committed beside their golden JSON files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from rpkd.sae.diagnostics import diagnostics
from rpkd.sae.fh_arcsin import back_transform, fh_arcsin
from rpkd.sae.nested_error import fit_nested_error, pseudo_eblup
from rpkd.sae.selection import backward, criterion_value
from rpkd.sae.transform import fit_transform

HERE = Path(__file__).parent / "reference"
GOLDEN = json.loads((HERE / "ebp_context.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    with (HERE / "ebp_context.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    codes = GOLDEN["areas"]
    return {
        "area": np.array([codes.index(r["area"]) for r in rows]),
        "x": np.array([[1.0, float(r["x1"]), float(r["x2"]), float(r["ctx_x1"])] for r in rows]),
        "weight": np.array([float(r["weight"]) for r in rows]),
        "welfare": np.array([float(r["welfare"]) for r in rows]),
    }


def test_fit_with_context_variable_matches_nlme(data: dict[str, np.ndarray]) -> None:
    fit = fit_nested_error(np.log(data["welfare"]), data["x"], data["area"], 12, "reml")
    assert fit.beta == pytest.approx(GOLDEN["beta"], rel=1e-7)
    assert fit.sigma2_u == pytest.approx(GOLDEN["sigma2_u"], rel=1e-5)
    assert fit.sigma2_e == pytest.approx(GOLDEN["sigma2_e"], rel=1e-6)
    assert fit.loglik == pytest.approx(GOLDEN["loglik"], rel=1e-9)
    assert fit.u == pytest.approx(GOLDEN["u"], abs=1e-6)


def test_pseudo_eblup_matches_r(data: dict[str, np.ndarray]) -> None:
    t = np.log(data["welfare"])
    fit = fit_nested_error(t, data["x"], data["area"], 12, "reml")
    weighted = pseudo_eblup(fit, t, data["x"], data["area"], data["weight"])
    assert weighted.beta == pytest.approx(GOLDEN["beta_weighted"], rel=1e-6)
    assert weighted.gamma == pytest.approx(GOLDEN["gamma_weighted"], rel=1e-5)
    assert weighted.u == pytest.approx(GOLDEN["u_weighted"], abs=1e-6)
    assert (weighted.sigma2_u, weighted.sigma2_e) == (fit.sigma2_u, fit.sigma2_e)


def test_equal_weights_give_the_eblup_when_areas_are_balanced() -> None:
    """With equal weights delta_i^2 = 1/n_i, so gamma_iw = gamma_i and the pseudo-EBLUP of a
    balanced design is the EBLUP (You & Rao 2002, §2)."""
    rng = np.random.default_rng(3)
    area = np.repeat(np.arange(6), 10)
    x = np.column_stack([np.ones(60), rng.normal(size=60)])
    y = x @ [1.0, 0.5] + rng.normal(0, 0.4, 6)[area] + rng.normal(0, 0.3, 60)
    fit = fit_nested_error(y, x, area, 6)
    weighted = pseudo_eblup(fit, y, x, area, np.full(60, 7.0))
    assert weighted.gamma == pytest.approx(fit.gamma, rel=1e-12)
    assert weighted.beta == pytest.approx(fit.beta, rel=1e-10)
    assert weighted.u == pytest.approx(fit.u, abs=1e-12)


def test_diagnostics_match_r(data: dict[str, np.ndarray]) -> None:
    t = np.log(data["welfare"])
    fit = fit_nested_error(t, data["x"], data["area"], 12, "reml")
    found = diagnostics(fit, t, data["x"], data["area"]).to_json()
    for key in (
        "residual_skewness",
        "residual_kurtosis",
        "area_skewness",
        "area_kurtosis",
        "r2_marginal",
        "r2_conditional",
        "icc",
    ):
        assert found[key] == pytest.approx(GOLDEN[key], rel=1e-4, abs=1e-6), key
    assert found["residual_shapiro_p"] == pytest.approx(GOLDEN["residual_shapiro_p"], abs=1e-4)
    assert found["area_shapiro_p"] == pytest.approx(GOLDEN["area_shapiro_p"], abs=1e-4)


def test_box_cox_lambda_matches_r(data: dict[str, np.ndarray]) -> None:
    found = fit_transform("box_cox", data["welfare"], data["x"], data["area"], 12, "reml")
    assert found.lam == pytest.approx(GOLDEN["box_cox_lambda"], abs=1e-5)
    assert found.shift == 0.0


@pytest.mark.parametrize("criterion", ["bic", "aic"])
def test_backward_selection_matches_r(data: dict[str, np.ndarray], criterion: str) -> None:
    t = np.log(data["welfare"])
    noise = np.sin(np.arange(1, t.size + 1) * 12.9898)
    candidates = [
        ("x1", data["x"][:, 1]),
        ("x2", data["x"][:, 2]),
        ("ctx_x1", data["x"][:, 3]),
        ("noise", noise),
    ]
    chosen = backward(t, candidates, data["area"], 12, criterion)  # type: ignore[arg-type]
    assert list(chosen.kept) == GOLDEN[f"{criterion}_kept"]
    assert chosen.removed == ("noise",)
    assert chosen.value == pytest.approx(GOLDEN[f"{criterion}_value"], rel=1e-8)
    full = np.column_stack([data["x"], noise])
    assert criterion_value(t, full, data["area"], 12, "bic") == pytest.approx(
        GOLDEN["bic_full"], rel=1e-8
    )


ARCSIN = json.loads((HERE / "fh_arcsin.json").read_text(encoding="utf-8"))


def test_arcsin_fay_herriot_matches_metafor() -> None:
    table = pa_csv.read_csv(
        HERE / "fh_arcsin.csv",
        convert_options=pa_csv.ConvertOptions(
            column_types={"direct": pa.float64(), "variance": pa.float64()}
        ),
    )
    result = fh_arcsin(
        table,
        area="area",
        direct="direct",
        variance="variance",
        reference=0.06,
        covariates=["x"],
        bootstrap=20,
        seed=3,
    )
    assert result.sigma2_u == pytest.approx(ARCSIN["tau2"], rel=1e-6)
    assert list(result.coefficients.values()) == pytest.approx(ARCSIN["beta"], rel=1e-6)
    estimates = [a.eblup for a in result.areas]
    # bias-corrected back-transformation: closed form against R's numerical integral
    assert estimates == pytest.approx(ARCSIN["estimate"], rel=1e-6)
    sampled = [a for a in result.areas if a.direct is not None]
    assert len(sampled) == len(ARCSIN["blup_sampled"]) == 22
    assert all(0 <= e <= 1 for e in estimates)
    assert all(a.mse > 0 for a in result.areas)


def test_arcsin_back_transformation_limits() -> None:
    theta = np.array([0.0, 0.3, np.pi / 2])
    assert back_transform(theta, np.zeros(3)) == pytest.approx(np.sin(theta) ** 2)
    # a very uncertain theta: E[sin^2 T] tends to 1/2
    assert back_transform(theta, np.full(3, 50.0)) == pytest.approx([0.5] * 3)


def test_log_shift_and_the_data_driven_choice_match_r(data: dict[str, np.ndarray]) -> None:
    args = (data["welfare"], data["x"], data["area"], 12, "reml")
    shifted = fit_transform("log_shift", *args)  # type: ignore[arg-type]
    assert shifted.loglik == pytest.approx(GOLDEN["log_shift_loglik"], rel=1e-9)
    assert shifted.shift == pytest.approx(GOLDEN["log_shift"], rel=1e-3)
    box_cox = fit_transform("box_cox", *args)  # type: ignore[arg-type]
    assert box_cox.loglik == pytest.approx(GOLDEN["box_cox_loglik"], rel=1e-9)
    # the larger standardised likelihood wins: Box–Cox here, by 0.113
    chosen = fit_transform("auto", *args)  # type: ignore[arg-type]
    assert chosen.kind == "box_cox" and chosen.lam == box_cox.lam
    welfare = data["welfare"][:5]
    assert shifted.inverse(shifted.forward(welfare)) == pytest.approx(welfare, rel=1e-12)
