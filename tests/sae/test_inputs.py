"""SAE inputs: area covariates by hand on small tables, direct estimates against rpkd.survey."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pytest

from rpkd import engine as eng
from rpkd.measures import fgt
from rpkd.params import load_kit
from rpkd.sae import inputs
from rpkd.survey import Design

ON = date(2025, 3, 1)
HOUSE = {
    "urban": True,
    "floor_material": "keramik",
    "wall_material": "tembok",
    "wall_condition": "baik",
    "roof_material": "genteng",
    "roof_condition": "baik",
    "floor_area_m2": 60.0,
    "toilet": "sendiri",
    "sewage": "tangki_septik",
    "electricity": "pln_meteran",
    "cooking_fuel": "gas",
    "has_refrigerator": True,
    "has_television": True,
    "has_smartphone": True,
    "has_motorcycle": True,
    "has_car": False,
    "has_boat": False,
}


def _families() -> pa.Table:
    # Kecamatan 62.03.01: desa 1001 (f1, f2) and 1002 (f3); kecamatan 62.03.02: desa 2001 (f4).
    rows = [
        {
            "family_id": "f1",
            "desa_code": "62.03.01.1001",
            "family_size": 4,
            "desil": 1,
            **HOUSE,
            "floor_material": "tanah",
            "urban": False,
        },
        {
            "family_id": "f2",
            "desa_code": "62.03.01.1001",
            "family_size": 2,
            "desil": 5,
            **HOUSE,
            "toilet": "tidak_ada",
            "sewage": "terbuka",
        },
        {
            "family_id": "f3",
            "desa_code": "62.03.01.1002",
            "family_size": 3,
            "desil": 2,
            **HOUSE,
            "floor_area_m2": 18.0,
        },
        {"family_id": "f4", "desa_code": "62.03.02.2001", "family_size": 1, "desil": 9, **HOUSE},
    ]
    return pa.Table.from_pylist(rows)


def _person(pid: str, fid: str, relation: str, education: str, sex: str = "L") -> dict[str, object]:
    return {
        "person_id": pid,
        "family_id": fid,
        "sex": sex,
        "birth_date": date(1980, 1, 1),
        "relation": relation,
        "education": education,
        "sector": "perkebunan",
        "work_status": "bekerja",
        "school_attendance": "tidak_sekolah_lagi",
        "school_level": None,
        "disability": "tidak",
        "chronic_illness": False,
        "jkn_status": "non_pbi",
        "pregnant": None,
        "death_date": None,
    }


def _persons() -> pa.Table:
    rows = [
        _person("p1", "f1", "kepala_keluarga", "sd"),
        _person("p2", "f1", "istri_suami", "sma", "P"),
        _person("p3", "f2", "kepala_keluarga", "sarjana", "P"),
        _person("p4", "f3", "kepala_keluarga", "tidak_punya_ijazah"),
        _person("p5", "f4", "kepala_keluarga", "smp"),
    ]
    table = pa.Table.from_pylist(rows)
    return (
        table.set_column(
            table.schema.get_field_index("school_level"),
            "school_level",
            pa.array([None] * 5, pa.string()),
        )
        .set_column(
            table.schema.get_field_index("pregnant"), "pregnant", pa.array([None] * 5, pa.bool_())
        )
        .set_column(
            table.schema.get_field_index("death_date"),
            "death_date",
            pa.array([None] * 5, pa.date32()),
        )
    )


def _villages() -> pa.Table:
    return pa.table(
        {
            "desa_code": ["62.03.01.1001", "62.03.01.1002", "62.03.02.2001"],
            "distance_puskesmas_km": [2.0, 6.0, 0.5],
        }
    )


PROGRAMMES = load_kit().document("programmes")


def _by_area(table: pa.Table) -> dict[str, dict[str, object]]:
    return {r["area"]: r for r in table.to_pylist()}


def test_area_covariates_by_hand(engine: eng.Engine) -> None:
    f = eng.table(engine, _families())
    p = eng.table(engine, _persons())
    v = eng.table(engine, _villages())
    kec = _by_area(
        inputs.area_covariates(
            f, p, v, level="kecamatan", on=ON, programmes=PROGRAMMES
        ).to_pyarrow()
    )
    first = kec["62.03.01"]
    assert first["families"] == 3 and first["persons"] == 9
    assert first["share_desil12"] == pytest.approx(2 / 3)  # f1 (1), f3 (2)
    assert first["share_earth_floor"] == pytest.approx(1 / 3)  # f1
    # unfit: f1 (earth floor), f2 (no toilet), f3 (18 m² / 3 = 6 < 7.2 m² per person)
    assert first["share_unfit_house"] == pytest.approx(1.0)
    assert first["share_no_sanitation"] == pytest.approx(1 / 3)  # f2
    assert first["share_head_primary"] == pytest.approx(2 / 3)  # sd, tidak_punya_ijazah
    assert first["urban_share"] == pytest.approx(2 / 3)
    assert first["mean_family_size"] == pytest.approx(3.0)
    assert first["distance_puskesmas_km"] == pytest.approx(4.0)  # mean of desa 2 and 6
    second = kec["62.03.02"]
    assert second["share_desil12"] == 0 and second["share_unfit_house"] == 0
    assert second["distance_puskesmas_km"] == pytest.approx(0.5)
    desa = _by_area(
        inputs.area_covariates(f, p, v, level="desa", on=ON, programmes=PROGRAMMES).to_pyarrow()
    )
    assert set(desa) == {"62.03.01.1001", "62.03.01.1002", "62.03.02.2001"}
    assert desa["62.03.01.1001"]["share_desil12"] == pytest.approx(0.5)
    assert desa["62.03.01.1001"]["mean_family_size"] == pytest.approx(3.0)
    assert desa["62.03.01.1002"]["distance_puskesmas_km"] == pytest.approx(6.0)


def test_census_units_by_hand(engine: eng.Engine) -> None:
    f = eng.table(engine, _families())
    p = eng.table(engine, _persons())
    census = inputs.census_units(f, p, level="kecamatan", on=ON, programmes=PROGRAMMES)
    census = census.to_pyarrow().to_pylist()
    rows = {r["household_size"]: r for r in census}  # sizes are distinct: 4, 2, 3, 1
    assert len(census) == 4
    assert set(census[0]) == {"family_id", "desa_code", "area", *inputs.UNIT_COVARIATES}
    assert [r["family_id"] for r in census] == ["f1", "f2", "f3", "f4"]
    f1 = rows[4.0]
    assert f1["area"] == "62.03.01" and f1["earth_floor"] == 1 and f1["urban"] == 0
    assert f1["head_primary"] == 1 and f1["head_female"] == 0 and f1["head_agriculture"] == 1
    assert f1["area_share_desil12"] == pytest.approx(2 / 3)
    assert rows[2.0]["head_female"] == 1 and rows[2.0]["no_proper_sanitation"] == 1
    assert rows[3.0]["unfit_house"] == 1 and rows[1.0]["unfit_house"] == 0


def _survey(rng: np.random.Generator) -> pa.Table:
    rows = []
    for stratum, kecamatan in enumerate(("62.03.01", "62.03.01", "62.03.02", "62.03.03")):
        for psu in range(3):
            desa = f"{kecamatan}.{1001 + psu}"
            for h in range(6):
                rows.append(
                    {
                        "household_id": f"h{stratum}{psu}{h}",
                        "desa_code": desa,
                        "stratum": f"s{stratum}",
                        "psu": f"s{stratum}p{psu}",
                        "weight": float(rng.uniform(5, 20)),
                        "household_size": int(rng.integers(1, 7)),
                        "expenditure_per_capita": float(np.exp(rng.normal(13.6, 0.5))),
                    }
                )
    return pa.Table.from_pylist(rows)


def test_direct_findings_keep_stratum_and_stage(duck: eng.Engine) -> None:
    data = _survey(np.random.default_rng(7))
    lonely = data.filter(
        pa.compute.invert(pa.compute.is_in(data["psu"], pa.array(["s3p1", "s3p2"])))
    )
    design = Design("weight", "stratum", ("psu",), (), "household_size", "adjust")
    direct = inputs.direct_estimates(
        eng.table(duck, lonely), level="kecamatan", measure="fgt0", line=7.5e5, design=design
    )
    [finding] = direct.findings
    assert finding.code == "lonely_psu"
    assert finding.params == {"stratum": "s3", "stage": 1, "policy": "adjust"}


def test_direct_estimates_agree_with_survey_domains(engine: eng.Engine) -> None:
    data = _survey(np.random.default_rng(7))
    table = eng.table(engine, data)
    line = 750_000.0
    design = Design("weight", "stratum", ("psu",), (), "household_size", "adjust")
    for level in inputs.LEVELS:
        for measure in inputs.MEASURES:
            direct = inputs.direct_estimates(
                table, level=level, measure=measure, line=line, design=design
            )
            width = 8 if level == "kecamatan" else 13
            by = table.mutate(dom=table.desa_code.substr(0, width))
            expected = fgt.estimate(
                by, design, welfare=inputs.WELFARE, lines=[line], measures=[measure], by="dom"
            )
            assert direct.district == pytest.approx(expected.find(measure).estimate, rel=1e-12)
            for area in direct.areas:
                row = expected.find(measure, domain=area.area)
                assert area.estimate == pytest.approx(row.estimate, rel=1e-12, abs=1e-15)
                assert area.se == pytest.approx(row.se, rel=1e-10, abs=1e-15)
                assert area.n == row.n
    # Hand check of one point estimate: P0 of kecamatan 62.03.02 (person-weighted).
    direct = inputs.direct_estimates(
        table, level="kecamatan", measure="fgt0", line=line, design=design
    )
    rows = [r for r in data.to_pylist() if r["desa_code"].startswith("62.03.02")]
    w = np.array([r["weight"] * r["household_size"] for r in rows])
    poor = np.array([r["expenditure_per_capita"] < line for r in rows])
    got = {a.area: a for a in direct.areas}["62.03.02"]
    assert got.estimate == pytest.approx(float(w @ poor / w.sum()), rel=1e-12)
    assert got.psus == 3 and got.n == 18
    desa = inputs.direct_estimates(table, level="desa", measure="fgt0", line=line, design=design)
    # strata s0 and s1 both lie in kecamatan 62.03.01 and share its desa codes: two PSUs each
    assert {a.area: a.psus for a in desa.areas} == {
        **{f"62.03.01.{1001 + i}": 2 for i in range(3)},
        **{f"62.03.0{k}.{1001 + i}": 1 for k in (2, 3) for i in range(3)},
    }


def test_survey_design_uses_both_fpcs_when_filled(engine: eng.Engine) -> None:
    data = _survey(np.random.default_rng(1))
    with_fpc = data.append_column("fpc1", pa.array([10.0] * data.num_rows)).append_column(
        "fpc2", pa.array([100.0] * data.num_rows)
    )
    two_stage = inputs.survey_design(eng.table(engine, with_fpc))
    assert two_stage.psu == ("psu", "household_id") and two_stage.multistage
    assert inputs.survey_design(eng.table(engine, data)).psu == ("psu",)


def test_smoothed_variances_replace_only_unstable_areas() -> None:
    rng = np.random.default_rng(3)
    areas = []
    for i in range(12):
        n = int(rng.integers(20, 80))
        p = float(rng.uniform(0.05, 0.3))
        se = float(np.sqrt(2 * p * (1 - p) / n) * np.exp(rng.normal(0, 0.2)))
        areas.append(inputs.DirectArea(f"a{i:02d}", p, se, n, 4, 100.0 * n))
    areas[3] = inputs.DirectArea("a03", 0.0, 0.0, 25, 3, 2500.0)  # no poor in the sample
    areas[5] = inputs.DirectArea("a05", 0.2, 0.05, 30, 1, 3000.0)  # a single PSU
    direct = inputs.DirectEstimates("fgt0", 1.0, "kecamatan", 0.15, 0.01, tuple(areas), ())
    result = inputs.smoothed_variances(direct, min_psu=2)
    assert result.smoothed == tuple(i in (3, 5) for i in range(12))
    for i, a in enumerate(areas):
        if i not in (3, 5):
            assert result.variance[i] == a.variance
    assert result.gvf is not None
    # Unstable areas are predicted at the district level (0.15) with their own n.
    c = result.gvf.coefficients
    expected = np.exp(c["intercept"] + c["log_n"] * np.log(25) + c["log_estimate"] * np.log(0.15))
    assert result.variance[3] == pytest.approx(expected * result.gvf.smearing, rel=1e-12)
    assert not result.gvf.used[3] and result.gvf.used[5]


def test_smooth_all_replaces_every_variance_by_the_prediction_at_the_district_level() -> None:
    rng = np.random.default_rng(5)
    areas = tuple(
        inputs.DirectArea(f"a{i:02d}", p, float(np.sqrt(2 * p * (1 - p) / n)), n, 5, 10.0 * n)
        for i, (p, n) in enumerate(
            zip(rng.uniform(0.05, 0.3, 10), rng.integers(20, 80, 10), strict=True)
        )
    )
    direct = inputs.DirectEstimates("fgt0", 1.0, "kecamatan", 0.12, 0.01, areas, ())
    result = inputs.smoothed_variances(direct, smooth_all=True)
    assert all(result.smoothed)
    assert result.gvf is not None
    c = result.gvf.coefficients
    for a, v in zip(areas, result.variance, strict=True):
        log_v = c["intercept"] + c["log_n"] * np.log(a.n) + c["log_estimate"] * np.log(0.12)
        assert v == pytest.approx(result.gvf.smearing * np.exp(log_v), rel=1e-12)
    # without smooth_all, stable positive variances are kept
    assert inputs.smoothed_variances(direct).smoothed == (False,) * 10
