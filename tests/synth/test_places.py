"""Village characteristics (Podes-style) of the synthetic world and the desa effects they explain.

The characteristics must be in the ``villages`` release within the schema's ranges and codes,
consistent with each other (a capital is 0 km from its office, a river-only desa has no all-year
road), import through the one door (a bad value is refused naming file, row and field in both
languages), and explain a known share of the desa effects: the R² of the desa effect on them is
the configured ``explained_share`` up to sampling error, and the R² of desa mean log consumption
on them, computed here by least squares, falls in a band well above that of shuffled villages
and rises beyond what the registry's desa mean PMT score explains.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from rpkd import params
from rpkd.errors import InvalidInput
from rpkd.locale import render
from rpkd.releases.schema import VILLAGES
from rpkd.settings import Settings
from rpkd.synth import SynthResult, synthesize
from rpkd.synth import areas as area_frame
from rpkd.synth.places import ROAD_CODES
from rpkd.workflows import releases as wf
from rpkd.workflows.workspace import Workspace

Reader = Callable[[Path], pa.Table]

NEW_COLUMNS = (
    "kecamatan_capital",
    "distance_kecamatan_km",
    "travel_kecamatan_min",
    "distance_kabupaten_km",
    "travel_kabupaten_min",
    "river_only",
    "car_all_year",
    "has_polindes",
    "has_sma",
    "signal_strong",
    "internet_4g",
)
EXPLANATORY = (
    "travel_kabupaten_min",
    "travel_kecamatan_min",
    "river_only",
    "car_all_year",
    "has_market",
    "has_sma",
    "signal_strong",
    "internet_4g",
)


@pytest.fixture(scope="module")
def kapuas(tmp_path_factory: pytest.TempPathFactory, kit: params.Kit) -> SynthResult:
    """Kapuas with 20,000 families (about 87 per desa), Parquet."""
    return synthesize(
        "62.03", tmp_path_factory.mktemp("places"), kit=kit, families=20000, seed=3, fmt="parquet"
    )


def _r2(y: np.ndarray, columns: list[np.ndarray]) -> float:
    """R² of the least-squares fit of ``y`` on an intercept and ``columns``."""
    x = np.column_stack([np.ones(len(y)), *columns])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ beta
    return float(1.0 - residual @ residual / ((y - y.mean()) @ (y - y.mean())))


def _numbers(villages: pa.Table) -> list[np.ndarray]:
    out = []
    for name in EXPLANATORY:
        x = villages[name].to_numpy(zero_copy_only=False).astype(np.float64)
        out.append(np.log1p(x) if name.endswith("_min") else x)
    return out


def test_characteristics_are_released_within_range(kapuas: SynthResult, read: Reader) -> None:
    villages = read(kapuas.out / "villages.parquet")
    assert villages.column_names == [c.name for c in VILLAGES.columns]
    for name in NEW_COLUMNS:
        column = VILLAGES.column(name)
        values = villages[name].to_numpy(zero_copy_only=False)
        assert villages[name].null_count == 0, name
        if column.dtype == "float":
            assert values.min() >= (column.minimum or 0.0), name
            assert column.maximum is None or values.max() <= column.maximum, name
    assert set(villages["main_road"].to_pylist()) <= set(ROAD_CODES)
    data = {n: villages[n].to_numpy(zero_copy_only=False) for n in villages.column_names}
    capital = data["kecamatan_capital"]
    kecamatan = np.array([c[:8] for c in data["desa_code"]])
    # one capital per kecamatan, at distance and travel time 0 from its own office
    assert sorted(kecamatan[capital]) == sorted(set(kecamatan))
    assert (data["distance_kecamatan_km"][capital] == 0).all()
    assert (data["distance_kecamatan_km"][~capital] > 0).all()
    assert (data["distance_kabupaten_km"] >= data["distance_kecamatan_km"]).all()
    assert (data["travel_kabupaten_min"] >= data["travel_kecamatan_min"]).all()
    assert (data["distance_kabupaten_km"] == 0).sum() == 1
    # kecamatan capitals have the services of a kecamatan town
    for name in ("has_puskesmas", "has_sd", "has_smp", "has_sma", "has_market"):
        assert data[name][capital].all(), name
    assert (data["distance_puskesmas_km"][data["has_puskesmas"]] == 0).all()
    river = data["river_only"]
    assert (river == (data["main_road"] == "air")).all()
    assert not data["car_all_year"][river].any()
    # orders of magnitude of a Kalimantan district: some river villages, not all connected
    assert 0.03 < river.mean() < 0.3
    assert 0.3 < data["signal_strong"].mean() < 0.95
    assert 20 < np.median(data["distance_kabupaten_km"]) < 150


def test_desa_effect_has_the_configured_explained_share(kit: params.Kit) -> None:
    doc = kit.document("synth")
    top = area_frame.scope("62.03")
    for share in (0.5, 0.0, 0.9):
        changed = copy.deepcopy(dict(doc))
        changed["places"] = {**doc["places"], "explained_share": share}
        frame = area_frame.build(top, 20000, 0.37, changed, seed=5)
        columns = list(frame.places.explanatory().values())
        r2 = _r2(frame.desa_effect, columns)
        # 231 desa, 8 regressors: the residual part adds about 8/231 by chance
        assert share - 0.12 < r2 < share + 0.12, (share, r2)
        spread = frame.desa_effect.std() / doc["welfare"]["desa_sd"]
        assert 0.8 < spread < 1.2, (share, spread)


def test_characteristics_explain_desa_consumption(kapuas: SynthResult, read: Reader) -> None:
    families = read(kapuas.out / "families.parquet").select(["family_id", "desa_code", "pmt_score"])
    truth = read(kapuas.out / "truth" / "families.parquet").select(
        ["family_id", "consumption_per_capita"]
    )
    assert families["family_id"].to_pylist() == truth["family_id"].to_pylist()
    villages = read(kapuas.out / "villages.parquet")
    codes = villages["desa_code"].to_pylist()
    index = {c: i for i, c in enumerate(codes)}
    desa = np.array([index[c] for c in families["desa_code"].to_pylist()])
    log_y = np.log(truth["consumption_per_capita"].to_numpy())
    mean = np.bincount(desa, log_y, len(codes)) / np.bincount(desa, minlength=len(codes))
    r2 = _r2(mean, _numbers(villages))
    # desa means also carry kecamatan effects, the urban premium, education and sampling
    # noise, so the share is below the 50% of the desa effect; 8/231 by chance alone
    assert 0.25 < r2 < 0.75, r2
    shuffled = np.random.default_rng(0).permutation(len(codes))
    assert _r2(mean[shuffled], _numbers(villages)) < 0.15
    # part of the place effect does not show in the registry's proxies (proxy_share = 0.5), so
    # the characteristics add to the desa mean PMT score of the registry
    count = np.bincount(desa, minlength=len(codes))
    pmt = np.bincount(desa, families["pmt_score"].to_numpy(), len(codes)) / count
    gain = _r2(mean, [pmt, *_numbers(villages)]) - _r2(mean, [pmt])
    assert 0.02 < gain < 0.3, gain


def test_bad_characteristic_is_refused_naming_file_row_field(
    tmp_path: Path, kit: params.Kit
) -> None:
    synth = synthesize("62.03", tmp_path / "synth", kit=kit, families=3000, seed=4)
    table = pacsv.read_csv(
        synth.out / "villages.csv",
        convert_options=pacsv.ConvertOptions(strings_can_be_null=False),
    )
    source = tmp_path / "source"
    source.mkdir()
    pacsv.write_csv(table, source / "villages.csv")
    with Workspace(Settings(workspace=tmp_path / "ws", engine="duckdb")) as ws:
        wf.import_release(ws, source, "good", reference_date=synth.summary["reference_date"])
    travel = table["travel_kabupaten_min"].to_pylist()
    travel[1] = -30.0
    bad = table.set_column(
        table.column_names.index("travel_kabupaten_min"),
        "travel_kabupaten_min",
        pa.array(travel),
    )
    pacsv.write_csv(bad, source / "villages.csv")
    with (
        Workspace(Settings(workspace=tmp_path / "ws", engine="duckdb")) as ws,
        pytest.raises(InvalidInput) as refused,
    ):
        wf.import_release(ws, source, "bad", reference_date=synth.summary["reference_date"])
    at = [f for f in refused.value.findings if f.code == "out_of_range"]
    assert [(f.file, f.row, f.field) for f in at] == [("villages.csv", 2, "travel_kabupaten_min")]
    said = {lang: render(at[0], lang) for lang in ("id", "en")}
    assert said["id"] != said["en"] and all("villages.csv" in s for s in said.values())
