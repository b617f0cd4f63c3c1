"""The Bayes-risk study replays the synthetic generator faithfully (benchmarks/sae_bayes_bound.py).

The study's bound is only as good as its replay: these checks fail when ``rpkd.synth`` changes
in a way the study does not follow.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.stats import norm

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "sae_bayes_bound.py"


@pytest.fixture(scope="module")
def study() -> Any:
    spec = importlib.util.spec_from_file_location("sae_bayes_bound", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(SCRIPT.parent))  # the study imports sae_accuracy beside it
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return module


def test_log_interval_is_the_normal_probability_in_both_tails(study: Any) -> None:
    low = np.array([-1.0, -np.inf, 8.0, -40.0, 0.5])
    high = np.array([1.0, -9.0, np.inf, -38.0, 0.5000001])
    expected = [math.log(norm.cdf(1.0) - norm.cdf(-1.0)), norm.logcdf(-9.0), norm.logsf(8.0)]
    got = study._log_interval(low, high)
    np.testing.assert_allclose(got[:3], expected, rtol=1e-12)
    # far in the lower tail, Phi(high) - Phi(low) underflows; its log does not
    assert math.isclose(got[3], norm.logcdf(-38.0), rel_tol=1e-12)  # Phi(-40) is e^-78 of it
    assert math.isclose(got[4], math.log(norm.pdf(0.5) * 1e-7), rel_tol=1e-5)


def test_ordered_probabilities_of_a_proxy_sum_to_one_and_add_up(study: Any) -> None:
    spec = {"rho": 0.26, "rural": [0.1, 0.6, 0.3], "urban": [0.2, 0.3, 0.5]}
    s = np.linspace(-3, 3, 7)[None, :].repeat(3, axis=0)
    for urban in (False, True):
        total = sum(
            np.exp(study._ordered_loglik(s, np.full(3, c), np.full(3, urban), spec))
            for c in range(3)
        )
        np.testing.assert_allclose(total, 1.0, rtol=1e-12)
        ones, top = np.full(3, 1), np.full(3, 2)
        at_least = study._ordered_loglik(s, ones, np.full(3, urban), spec, last=top)
        parts = [np.exp(study._ordered_loglik(s, np.full(3, c), np.full(3, urban), spec))
                 for c in (1, 2)]  # fmt: skip
        np.testing.assert_allclose(np.exp(at_least), parts[0] + parts[1], rtol=1e-12)


def test_the_replay_matches_the_written_district_and_its_posterior_is_calibrated(
    study: Any, tmp_path: Path
) -> None:
    # World checks the replay itself: the kecamatan effects are the frame's, the draws of z are
    # N(0, 1) around the known part, the truth's poverty is a cut of the replayed z, and the
    # persons file follows its members.
    world = study.World(3, 3000, tmp_path / "seed3")
    desa, (truth, mean, variance) = study.posterior(world)
    assert len(desa.desa) == 231 and desa.sampled.any()
    assert len(truth) == len(mean) == len(variance) == 17 and np.all(variance > 0)
    predicted, observed, spread, brier = desa.families
    assert abs(predicted - observed) < 0.02  # families outside the survey
    assert abs(spread - brier) < 0.01
    # the proxies tell poor families apart: a far better score than the share poor alone
    assert brier < 0.85 * observed * (1 - observed)
    assert np.all(desa.variance >= 0) and np.all((desa.mean >= 0) & (desa.mean <= 1))
    known = desa.sampled & (desa.variance < 1e-12)  # fully sampled desa are known exactly
    np.testing.assert_allclose(desa.mean[known], desa.truth[known], atol=1e-12)
