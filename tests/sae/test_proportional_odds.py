"""The likelihood-ratio test of proportional odds against R ``ordinal``
(``reference/proportional_odds.R``: ``anova`` of the ``clm`` fits with every covariate nominal
and with none, and ``nominal_test`` on one covariate)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from rpkd import locale
from rpkd.sae.logit_ebp import PROPORTIONAL_ODDS_LEVEL, proportional_odds_finding
from rpkd.sae.proportional_odds import ProportionalOddsTest, proportional_odds_test

HERE = Path(__file__).parent / "reference"
EXPECTED = json.loads((HERE / "proportional_odds.json").read_text(encoding="utf-8"))


def _units(name: str) -> tuple[np.ndarray, np.ndarray]:
    with (HERE / "proportional_odds.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["set"] == name]
    x = np.array([[float(r["x1"]), float(r["x2"])] for r in rows])
    return np.array([int(r["category"]) for r in rows]), x


@pytest.mark.parametrize("name", ["holds", "violated"])
def test_every_covariate_nominal_matches_clm(name: str) -> None:
    category, x = _units(name)
    found = proportional_odds_test(category, x, cuts=3)
    expected = EXPECTED[name]["both"]
    assert found.df == expected["df"] == 4
    assert found.loglik_common == pytest.approx(expected["loglik_common"], abs=1e-9)
    assert found.loglik_nominal == pytest.approx(expected["loglik_nominal"], abs=1e-9)
    assert found.statistic == pytest.approx(expected["statistic"], abs=1e-9)
    assert found.p_value == pytest.approx(expected["p_value"], rel=1e-9)


@pytest.mark.parametrize("name", ["holds", "violated"])
def test_one_covariate_matches_nominal_test(name: str) -> None:
    category, x = _units(name)
    found = proportional_odds_test(category, x[:, :1], cuts=3)
    expected = EXPECTED[name]["x1"]
    assert found.df == expected["df"] == 2
    assert found.statistic == pytest.approx(expected["statistic"], abs=1e-9)
    assert found.p_value == pytest.approx(expected["p_value"], rel=1e-9)


def test_the_test_tells_the_two_worlds_apart() -> None:
    """Where the spread grows with x1 the test rejects; where the cuts shift alike it does not
    (the R script's data; its p-values are the reference's, asserted above)."""
    assert proportional_odds_test(*_units("violated"), cuts=3).p_value < 0.001
    assert proportional_odds_test(*_units("holds"), cuts=3).p_value > 0.05


def test_one_cut_has_nothing_to_test() -> None:
    """With a single cut-point (the binary model) both models are the same logit: df 0, p 1."""
    category, x = _units("holds")
    found = proportional_odds_test((category > 1).astype(int), x, cuts=1)
    assert (found.df, found.p_value) == (0, 1.0)
    assert found.statistic == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize(
    ("p_value", "code", "severity"),
    [
        (0.049, "ebp_cuts_not_proportional", "warning"),
        (0.05, "ebp_cuts_proportional", "info"),
    ],
)
def test_the_map_warns_below_the_level(p_value: float, code: str, severity: str) -> None:
    assert PROPORTIONAL_ODDS_LEVEL == 0.05
    test = ProportionalOddsTest(6.03, 2, p_value, -100.0, -96.985)
    found = proportional_odds_finding(test)
    assert (found.code, found.severity) == (code, severity)
    assert found.params == {"statistic": 6.03, "df": 2, "p_value": p_value}
    assert "p = " + f"{p_value:.3g}".replace(".", ",") in locale.render(found, "id")  # desimal koma
    assert "2 degrees of freedom" in locale.render(found, "en")
