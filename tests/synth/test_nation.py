"""The whole nation (``--region 00``/``ID``): every province, national rates, determinism."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from rpkd import params, regions
from rpkd.synth import SynthResult, synthesize
from rpkd.synth.areas import provinces, scope

Reader = Callable[[Path], pa.Table]

# DTSEN 2026 and BPS March 2025 (params/indonesia/synth.toml, region "00")
NATIONAL_P0, NATIONAL_EXTREME, PERSONS_PER_FAMILY = 0.0847, 0.0085, 289_060_513 / 95_006_179


@pytest.fixture(scope="module")
def nation(tmp_path_factory: pytest.TempPathFactory, kit: params.Kit) -> SynthResult:
    """Indonesia with 20,000 families, Parquet."""
    return synthesize(
        "00", tmp_path_factory.mktemp("nation"), kit=kit, families=20_000, seed=3, fmt="parquet"
    )


def test_nation_codes() -> None:
    assert scope("ID") == scope("id") == scope("00")
    assert scope("00").name == "Indonesia"
    assert len(provinces()) == 38 and provinces()[0].code == "11"


def test_every_province_is_present(nation: SynthResult, read: Reader) -> None:
    families = read(nation.out / "families.parquet")
    assert families.num_rows == 20_000
    present = {c[:2] for c in families["desa_code"].to_pylist()}
    assert present == {p.code for p in provinces()}
    villages = read(nation.out / "villages.parquet")
    assert villages.num_rows == sum(len(regions.descendants(p.code, "desa")) for p in provinces())
    assert len(nation.summary["headcount_by_province"]) == 38


def test_national_rates_hold_from_the_written_truth(nation: SynthResult, read: Reader) -> None:
    truth = read(nation.out / "truth" / "families.parquet")
    size = read(nation.out / "families.parquet")["family_size"].to_numpy().astype(float)
    spending = truth["consumption_per_capita"].to_numpy()
    lines = nation.summary["lines"]
    assert lines["poverty"]["region"] == lines["extreme"]["region"] == "00"
    p0 = np.sum(size * (spending < lines["poverty"]["value"])) / size.sum()
    extreme = np.sum(size * (spending < lines["extreme"]["value"])) / size.sum()
    assert abs(p0 - NATIONAL_P0) < 0.003
    assert abs(extreme - NATIONAL_EXTREME) < 0.001
    assert abs(size.mean() - PERSONS_PER_FAMILY) < 0.05
    # the provinsi effect spreads poverty between provinces
    by_province = np.array(list(nation.summary["headcount_by_province"].values()))
    assert by_province.max() - by_province.min() > 0.05


def test_nation_nik_unique_and_survey_strata_are_kabupaten(
    nation: SynthResult, read: Reader
) -> None:
    persons = read(nation.out / "persons.parquet")
    nik = pc.drop_null(persons["nik"])
    assert len(pc.unique(nik)) == len(nik) > 0.97 * persons.num_rows
    survey = read(nation.out / "survey.parquet").to_pandas()
    assert (survey.groupby("stratum").psu.nunique() >= 2).all()
    assert {s[:2] for s in survey["stratum"]} == {p.code for p in provinces()}


def test_nation_is_deterministic(nation: SynthResult, tmp_path: Path, kit: params.Kit) -> None:
    again = synthesize("ID", tmp_path, kit=kit, families=20_000, seed=3, fmt="parquet")
    for name in ("families.parquet", "persons.parquet", "survey.parquet", "truth/families.parquet"):
        assert (nation.out / name).read_bytes() == (again.out / name).read_bytes()
    assert again.summary["region"] == "00"
