"""Calibration: the default Kapuas run meets the published figures (BPS, RPKD 2025)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from rpkd import params, regions
from rpkd.synth import SynthResult, synthesize
from rpkd.synth.calibration import WeightedHistogram, gini

Reader = Callable[[Path], pa.Table]

KAPUAS_PERSONS = 425_186  # BPS mid-2023 estimate (facts.md §2.4)
KAPUAS_P0 = 0.052  # RPKD Kapuas 2025: P0 2024 (facts.md §0)
KAPUAS_EXTREME = 0.010


@pytest.fixture(scope="module")
def kapuas(tmp_path_factory: pytest.TempPathFactory, kit: params.Kit) -> SynthResult:
    return synthesize("62.03", tmp_path_factory.mktemp("kapuas"), kit=kit, seed=2025, fmt="parquet")


@pytest.mark.slow
def test_default_kapuas_meets_its_targets(kapuas: SynthResult, read: Reader) -> None:
    out = kapuas.out
    families = read(out / "families.parquet").select(
        ["family_id", "family_size", "desa_code", "urban"]
    )
    truth = read(out / "truth" / "families.parquet").select(["family_id", "poor", "extreme_poor"])
    assert families["family_id"].to_pylist() == truth["family_id"].to_pylist()
    size = families["family_size"].to_numpy().astype(float)
    persons = size.sum()
    assert abs(persons / KAPUAS_PERSONS - 1) < 0.02
    assert (
        abs(size[truth["poor"].to_numpy(zero_copy_only=False)].sum() / persons - KAPUAS_P0) < 0.005
    )
    extreme = size[truth["extreme_poor"].to_numpy(zero_copy_only=False)].sum() / persons
    assert abs(extreme - KAPUAS_EXTREME) < 0.003
    codes = set(read(out / "villages.parquet")["desa_code"].to_pylist())
    assert len(codes) == 231 and all(regions.exists(c) for c in codes)
    assert len({c[:8] for c in codes}) == 17
    assert set(families["desa_code"].to_pylist()) == codes
    survey = read(out / "survey.parquet")
    assert 700 <= survey.num_rows <= 1100  # Susenas district samples are of this order
    # Horvitz-Thompson total of families from census blocks of about 100 families
    total = survey["weight"].to_numpy().sum()
    assert abs(total / families.num_rows - 1) < 0.03


@pytest.mark.slow
def test_desa_poverty_varies(kapuas: SynthResult, read: Reader) -> None:
    families = (
        read(kapuas.out / "families.parquet").select(["desa_code", "family_size"]).to_pandas()
    )
    truth = read(kapuas.out / "truth" / "families.parquet").select(["poor"]).to_pandas()
    families["poor_persons"] = families.family_size * truth.poor
    by_desa = families.groupby("desa_code")[["poor_persons", "family_size"]].sum()
    rate = by_desa.poor_persons / by_desa.family_size
    assert rate.quantile(0.9) - rate.quantile(0.1) > 0.05


def test_weighted_histogram_quantiles_and_gini() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=100_000)
    histogram = WeightedHistogram(-10, 10, 200_000)
    histogram.add(values)
    assert np.allclose(
        histogram.quantiles(np.array([0.1, 0.5, 0.9])),
        np.quantile(values, [0.1, 0.5, 0.9]),
        atol=2e-3,
    )
    # Gini of (1, 2, 3, 4) with equal weights, trapezoid rule: 1 - sum of trapezoids = 0.25
    assert gini(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4)) == pytest.approx(0.25)
