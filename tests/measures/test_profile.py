"""Registry profile: hand-computed counts, engine parity and small-cell suppression."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from rpkd import engine as eng
from rpkd.errors import InvalidInput
from rpkd.measures import mpi
from rpkd.measures.disclosure import Equation, suppress
from rpkd.measures.profile import LONG_SCHEMA, RegistryProfile, registry_profile
from rpkd.releases import family_key
from rpkd.releases.schema import FAMILIES, PERSONS
from rpkd.settings import Settings

REF = date(2025, 3, 1)
E, S, M = "62.03.01.1006", "62.03.01.1007", "62.03.02.1001"  # Murung Keramat, Selat Hilir, Mambulau
_ARROW = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}
GOOD_HOUSE: dict[str, Any] = {
    "urban": False,
    "floor_material": "keramik",
    "wall_material": "tembok",
    "wall_condition": "baik",
    "roof_material": "genteng",
    "roof_condition": "baik",
    "floor_area_m2": 60.0,
    "drinking_water": "ledeng",
    "toilet": "sendiri",
    "sewage": "tangki_septik",
    "electricity": "pln_meteran",
}


def _table(schema: Any, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table(
        {c.name: pa.array([r.get(c.name) for r in rows], _ARROW[c.dtype]) for c in schema.columns}
    )


def family(fid: str, desa: str, desil: int | None, size: int, **house: Any) -> dict[str, Any]:
    return {
        "family_id": fid,
        "desa_code": desa,
        "desil": desil,
        "family_size": size,
        **GOOD_HOUSE,
        **house,
    }


def person(pid: str, fid: str, relation: str, sex: str, born: date, **more: Any) -> dict[str, Any]:
    return {
        "person_id": pid,
        "family_id": fid,
        "name": pid,
        "sex": sex,
        "birth_date": born,
        "relation": relation,
        "disability": "tidak",
        "jkn_status": "pbi_apbn",
        "pregnant": False,
        "work_status": "bekerja",
        "sector": "jasa",
        **more,
    }


# Six families in three desa of two kecamatan; every characteristic is set by hand below.
FAMILY_ROWS = [
    family("F1", E, 1, 4, floor_area_m2=50.0),  # 12.5 m2 per person
    family(
        "F2",
        E,
        2,
        2,
        wall_material="anyaman_bambu",
        floor_material="tanah",
        floor_area_m2=10.0,
        toilet="tidak_ada",
        sewage="terbuka",
        drinking_water="air_permukaan",
        electricity="tidak_ada",
    ),  # 5 m2 per person
    family("F3", S, 5, 1, floor_area_m2=30.0),
    family("F4", M, None, 1, roof_material="jerami_ijuk_rumbia"),  # desil missing
    family("F5", M, 3, 1),  # its only member died: not counted anywhere
    family("F6", S, 1, 5, roof_condition="rusak_berat", electricity="non_pln", floor_area_m2=40.0),
]
PERSON_ROWS = [
    person("P11", "F1", "kepala_keluarga", "L", date(1985, 1, 1), sector="perkebunan"),
    person(
        "P12",
        "F1",
        "istri_suami",
        "P",
        date(1987, 1, 1),
        pregnant=True,
        work_status="mengurus_rumah_tangga",
    ),
    person("P13", "F1", "anak", "L", date(2015, 1, 1), school_attendance="masih_sekolah"),
    person("P14", "F1", "anak", "P", date(2022, 1, 1)),
    person(
        "P21",
        "F2",
        "kepala_keluarga",
        "P",
        date(1960, 1, 1),
        work_status="tidak_bekerja",
        disability="berat",
        jkn_status="tidak_punya",
    ),
    person("P22", "F2", "cucu", "L", date(2010, 1, 1), school_attendance="tidak_sekolah_lagi"),
    person("P31", "F3", "kepala_keluarga", "L", date(1955, 1, 1)),
    person("P32", "F3", "istri_suami", "P", date(1956, 1, 1), death_date=date(2024, 1, 1)),
    person("P41", "F4", "kepala_keluarga", "L", date(1995, 1, 1)),
    person("P51", "F5", "kepala_keluarga", "L", date(1940, 1, 1), death_date=date(2023, 5, 1)),
    # Birthdays on the reference date decide: 60 today is elderly, 5 today is no longer under five.
    person("P61", "F6", "kepala_keluarga", "L", date(1965, 3, 1), sector="perdagangan"),
    person("P62", "F6", "istri_suami", "P", date(1965, 3, 2)),  # 59
    person("P63", "F6", "anak", "L", date(2020, 3, 1)),  # 5
    person("P64", "F6", "anak", "P", date(2020, 3, 2)),  # 4
    person(
        "P65",
        "F6",
        "anak",
        "P",
        date(2018, 3, 2),
        school_attendance="tidak_pernah",
        jkn_status="tidak_punya",
    ),  # 6, no JKN
    person("P99", "F99", "kepala_keluarga", "L", date(1980, 1, 1)),  # no such family
]


def _profile(
    engine: eng.Engine,
    fams: list[dict[str, Any]],
    pers: list[dict[str, Any]],
    *,
    keyed: bool = False,
    **options: Any,
) -> RegistryProfile:
    families = eng.table(engine, _table(FAMILIES, fams))
    persons = eng.table(engine, _table(PERSONS, pers))
    if keyed:  # as the import writes them since schema version 2: grouped by the integer key
        families = family_key.keyed_families(families)
        persons = family_key.keyed_persons(persons, families)
    return registry_profile(families, persons, reference_date=REF, **options)


KEYED = pytest.mark.parametrize("keyed", [False, True], ids=["family_id", "family_key"])


def _cells(result: RegistryProfile) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["code"], r["indicator"]): r for r in result.to_arrow().to_pylist()}


@KEYED
def test_hand_computed_profile(engine: eng.Engine, keyed: bool) -> None:
    result = _profile(engine, FAMILY_ROWS, PERSON_ROWS, keyed=keyed)
    cells = _cells(result)
    value = {key: row["value"] for key, row in cells.items()}
    # Murung Keramat: F1 (desil 1, 4 persons) and F2 (desil 2, 2 persons).
    assert value[(E, "families_total")] == 2 and value[(E, "persons_total")] == 6
    assert value[(E, "families_desil_1")] == 1 and value[(E, "persons_desil_1")] == 4
    assert value[(E, "families_desil_1_4")] == 2
    assert cells[(E, "persons_desil_2")]["share"] == pytest.approx(2 / 6, rel=1e-12)
    # F2 meets every RTLH criterion but the roof; F1 none.
    for flag in (
        "rtlh",
        "rtlh_wall",
        "rtlh_floor",
        "rtlh_toilet",
        "rtlh_floor_area",
        "unsafe_water",
        "no_proper_sanitation",
        "no_electricity",
        "non_pln_electricity",
        "child_out_of_school",
        "head_not_working",
        "member_disability",
        "member_elderly",
        "female_head",
        "member_jkn_uninsured",
        "head_agriculture",
        "member_under_five",
        "member_pregnant",
    ):  # last three: F1
        assert value[(E, flag)] == 1, flag
        assert cells[(E, flag)]["denominator"] == 2 and cells[(E, flag)]["share"] == 0.5
    assert value[(E, "rtlh_roof")] == 0
    # Selat Hilir: F3 (desil 5; his wife died) and F6 (desil 1, damaged roof, birthdays).
    assert value[(S, "persons_total")] == 6 and value[(S, "families_desil_5")] == 1
    assert value[(S, "families_desil_1_4")] == 1
    assert (
        value[(S, "rtlh")] == 1
        and value[(S, "rtlh_roof")] == 1
        and value[(S, "rtlh_floor_area")] == 0
    )
    assert value[(S, "member_elderly")] == 1  # the head turns 60 on the reference date
    assert value[(S, "elderly_persons")] == 2  # P31 and P61; P32 is dead, P62 is 59
    assert value[(S, "under_five_persons")] == 1  # P64; P63 turned 5 today
    assert value[(S, "child_out_of_school")] == 0  # P65 is 6
    assert value[(S, "female_headed_families")] == 0
    # Registry MPI in points (k = 5 of 15): F2 is deprived in all 7 indicators (15 points);
    # F6 only lacks JKN (5 points, poor at the cut-off); the others score 0.
    share = {key: row["share"] for key, row in cells.items()}
    assert value[(E, "mpi_headcount")] == 1 and share[(E, "mpi_headcount")] == 0.5
    assert share[(E, "mpi_intensity")] == 1.0 and share[(E, "mpi_m0")] == 0.5
    assert share[(S, "mpi_intensity")] == pytest.approx(1 / 3) and value[(S, "mpi_m0")] is None
    assert share[(S, "mpi_m0")] == pytest.approx(5 / 30)
    assert share[("62.03", "mpi_headcount")] == pytest.approx(2 / 5)
    assert share[("62.03", "mpi_intensity")] == pytest.approx(20 / 30)
    assert share[("62.03", "mpi_m0")] == pytest.approx(20 / 75)
    # Mambulau: F4 has no desil; F5's only member died.
    assert value[(M, "families_total")] == 1 and value[(M, "families_desil_missing")] == 1
    assert value[(M, "families_desil_1_4")] == 0 and value[(M, "rtlh")] == 0
    assert cells[(M, "rtlh")]["share"] is None  # no desil 1-4 family: no share
    # Kecamatan and kabupaten are sums of their desa.
    assert value[("62.03.01", "families_total")] == 4 and value[("62.03.01", "persons_total")] == 12
    assert value[("62.03", "families_total")] == 5 and value[("62.03", "persons_total")] == 13
    assert value[("62.03", "elderly_persons")] == 3 and value[("62.03", "pregnant_persons")] == 1
    assert cells[("62.03", "families_desil_1_4")]["share"] == pytest.approx(3 / 5)
    assert cells[(E, "families_total")]["name"] == "Murung Keramat"
    assert cells[("62.03.02", "families_total")]["name"] == "Kapuas Hilir"
    found = {f.code: f.params["count"] for f in result.findings}
    assert found == {"profile_family_without_member": 1, "profile_person_without_family": 1}
    assert result.to_arrow().schema == LONG_SCHEMA
    assert not any(result.to_arrow()["suppressed"].to_pylist())


def test_levels_select_rows(duck: eng.Engine) -> None:
    result = _profile(duck, FAMILY_ROWS, PERSON_ROWS, levels=("kecamatan",))
    table = result.to_arrow()
    assert set(table["level"].to_pylist()) == {"kecamatan"}
    assert set(table["code"].to_pylist()) == {"62.03.01", "62.03.02"}


@KEYED
def test_codes_that_are_not_desa_are_dropped_and_reported(engine: eng.Engine, keyed: bool) -> None:
    fams = [
        family("F1", E, 1, 1),
        family("F2", "62.03.01", 1, 1),  # a kecamatan
        family("F3", "62.03.01.20X1", 2, 1),  # not a number
        family("F4", "\t6203011007 ", 3, 1),  # a desa without dots, padded: read as Selat Hilir
    ]
    pers = [person(f"P{i}", f"F{i}", "kepala_keluarga", "L", date(1980, 1, 1)) for i in range(1, 5)]
    result = _profile(engine, fams, pers, keyed=keyed)
    (invalid,) = [f for f in result.findings if f.code == "profile_desa_code_invalid"]
    assert invalid.params["count"] == 2
    assert list(invalid.params["codes"]) == ["62.03.01.20X1", "620301"]
    cells = _cells(result)
    assert cells[(E, "families_total")]["value"] == 1
    assert cells[(S, "families_desil_3")]["value"] == 1
    assert cells[("62.03", "families_total")]["value"] == 2


def _random_registry(
    seed: int, n_families: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    desa = ["62.03.01.1006", "62.03.01.1007", "62.03.01.1008", "62.03.02.1001", "62.03.02.1002"]
    fams, pers = [], []
    for i in range(n_families):
        size = int(rng.integers(1, 7))
        fid = f"K{i:05d}"
        desil = None if rng.random() < 0.05 else int(rng.integers(1, 11))
        fams.append(
            family(
                fid,
                str(rng.choice(desa)),
                desil,
                size,
                wall_material=str(rng.choice(["tembok", "anyaman_bambu", "kayu_papan"])),
                floor_material=str(rng.choice(["keramik", "tanah", "kayu_papan"])),
                floor_area_m2=float(rng.integers(10, 90)),
                drinking_water=str(rng.choice(["ledeng", "air_permukaan", None])),
                toilet=str(rng.choice(["sendiri", "tidak_ada"])),
            )
        )
        for j in range(size):
            born = REF - timedelta(days=int(rng.integers(0, 90 * 365)))
            pers.append(
                person(
                    f"{fid}-{j}",
                    fid,
                    "kepala_keluarga" if j == 0 else "anak",
                    str(rng.choice(["L", "P"])),
                    born,
                    disability=str(rng.choice(["tidak", "tidak", "ringan", "berat"])),
                    # Asked of women only, as in the registry: null for men (Spark sums a
                    # condition, and a sum of nulls is null where a count is 0).
                    pregnant=bool(rng.random() < 0.05) if j % 2 else None,
                    death_date=REF - timedelta(days=3) if rng.random() < 0.03 else None,
                    school_attendance=str(rng.choice(["masih_sekolah", "tidak_sekolah_lagi"])),
                )
            )
    return fams, pers


@KEYED
def test_random_registry_against_plain_python(duck: eng.Engine, keyed: bool) -> None:
    fams, pers = _random_registry(7, 400)
    cells = _cells(_profile(duck, fams, pers, keyed=keyed))
    alive = [p for p in pers if p["death_date"] is None]
    members: dict[str, list[dict[str, Any]]] = {}
    for p in alive:
        members.setdefault(p["family_id"], []).append(p)

    def age(p: dict[str, Any]) -> int:
        b = p["birth_date"]
        return REF.year - b.year - ((b.month, b.day) > (REF.month, REF.day))

    for code in ("62.03.01.1007", "62.03.02", "62.03"):
        inside = [f for f in fams if f["desa_code"].startswith(code) and f["family_id"] in members]
        d14 = [f for f in inside if f["desil"] in (1, 2, 3, 4)]
        crowded = [f for f in d14 if f["floor_area_m2"] / len(members[f["family_id"]]) < 7.2]
        rtlh = [
            f
            for f in d14
            if f["wall_material"] == "anyaman_bambu"
            or f["floor_material"] in ("tanah", "kayu_papan")
            or f["toilet"] == "tidak_ada"
            or f in crowded
        ]
        elderly = sum(age(p) >= 60 for f in inside for p in members[f["family_id"]])
        assert cells[(code, "families_total")]["value"] == len(inside)
        assert cells[(code, "families_desil_1_4")]["value"] == len(d14)
        assert cells[(code, "rtlh_floor_area")]["value"] == len(crowded)
        assert cells[(code, "rtlh")]["value"] == len(rtlh)
        assert cells[(code, "rtlh")]["share"] == pytest.approx(len(rtlh) / len(d14), rel=1e-12)
        assert cells[(code, "elderly_persons")]["value"] == elderly
        pregnant = sum(p["pregnant"] is True for f in inside for p in members[f["family_id"]])
        assert cells[(code, "pregnant_persons")]["value"] == pregnant
        assert cells[(code, "persons_total")]["value"] == sum(
            len(members[f["family_id"]]) for f in inside
        )


@KEYED
def test_engines_give_identical_profiles(engine: eng.Engine, keyed: bool) -> None:
    fams, pers = _random_registry(11, 300)
    got = _profile(engine, fams, pers, keyed=keyed, public=True, min_cell=5).to_arrow()
    duck = eng.connect(Settings(engine="duckdb"))
    try:
        ref = _profile(duck, fams, pers, public=True, min_cell=5).to_arrow()
    finally:
        eng.close(duck)
    for column in ("level", "code", "name", "indicator", "value", "denominator", "suppressed"):
        assert got[column].to_pylist() == ref[column].to_pylist(), column
    for a, b in zip(got["share"].to_pylist(), ref["share"].to_pylist(), strict=True):
        assert (a is None and b is None) or a == pytest.approx(b, rel=1e-9)


def test_suppress_primary_and_row_complement() -> None:
    eq = [Equation(parts=(0, 1, 2, 3), total=4)]
    value = np.array([3, 0, 20, 40, 63])
    # The 3 is small; the zero is not a useful complement, so the 20 is hidden with it.
    assert suppress(value, value, eq, min_cell=10).tolist() == [True, False, True, False, False]


def test_suppress_two_way_table_hides_a_rectangle() -> None:
    # a b c | T1        a is small: its row partner b and its column partner d go, then e
    # d e f | T2        so that row 2 and column b each hide two cells.
    # AD BE CF | G
    a, b, c, t1, d, e, f, t2, ad, be, cf, g = range(12)
    value = np.array([3, 20, 30, 53, 15, 25, 40, 80, 18, 45, 70, 133])
    eqs = [
        Equation((a, b, c), t1),
        Equation((d, e, f), t2),
        Equation((a, d), ad),
        Equation((b, e), be),
        Equation((c, f), cf),
        Equation((t1, t2), g),
        Equation((ad, be, cf), g),
    ]
    hidden = suppress(value, value, eqs, min_cell=10)
    assert set(np.flatnonzero(hidden).tolist()) == {a, b, d, e}
    for eq in eqs:
        assert int(hidden[list(eq.parts)].sum()) + int(hidden[eq.total]) != 1


def test_suppress_hidden_total_needs_a_hidden_part() -> None:
    # Total 9 is small; its parts 4 and 5 are small too: all hidden, nothing else.
    value = np.array([4, 5, 0, 9])
    hidden = suppress(value, value, [Equation((0, 1, 2), 3)], min_cell=10)
    assert hidden.tolist() == [True, True, False, True]


def test_suppress_followers_mirror_leaders() -> None:
    value = np.array([2, 30, 32, 7, 90, 97])  # families 2 | 30 | 32, then their persons
    hidden = suppress(
        value,
        value,
        [Equation((0, 1), 2)],
        min_cell=10,
        followers=np.array([3, 4, 5]),
        leaders=np.array([0, 1, 2]),
    )
    assert hidden.tolist() == [True, True, False, True, True, False]


def test_public_profile_hides_small_cells_and_their_complements(duck: eng.Engine) -> None:
    fams, pers = _random_registry(3, 250)
    result = _profile(duck, fams, pers, public=True, min_cell=10)
    table = result.to_arrow()
    rows = table.to_pylist()
    hidden = [r for r in rows if r["suppressed"]]
    assert hidden and all(r["value"] is None and r["share"] is None for r in hidden)
    assert any(
        f.code == "profile_cells_suppressed" and f.params["count"] > 0 for f in result.findings
    )
    # Every published family count is 0 or at least 10.
    published = pc.filter(table["value"], pc.invert(table["suppressed"])).to_pylist()
    families = [r for r in rows if not r["suppressed"] and r["indicator"].startswith("families_")]
    assert all(r["value"] == 0 or r["value"] >= 10 for r in families)
    assert len(published) == len(rows) - len(hidden)
    # No desa row of the desil table has exactly one hidden cell (it could be subtracted).
    by_area: dict[str, list[bool]] = {}
    for r in rows:
        if r["indicator"].startswith("families_desil_") and r["indicator"] != "families_desil_1_4":
            by_area.setdefault(r["code"], []).append(r["suppressed"])
    totals = {r["code"]: r["suppressed"] for r in rows if r["indicator"] == "families_total"}
    for code, flags in by_area.items():
        assert sum(flags) + totals[code] != 1, code
    # Within each kecamatan, the desa of one indicator never hide exactly one cell.
    for kec in ("62.03.01", "62.03.02"):
        for ind in {r["indicator"] for r in rows}:
            kids = [
                r["suppressed"]
                for r in rows
                if r["indicator"] == ind
                and r["level"] == "desa"
                and r["code"].startswith(kec + ".")
            ]
            parent = [r["suppressed"] for r in rows if r["indicator"] == ind and r["code"] == kec]
            assert sum(kids) + sum(parent) != 1, (kec, ind)


def test_public_denominator_hidden_hides_shares(duck: eng.Engine) -> None:
    # With a threshold of 3, Murung Keramat's two desil 1-4 families are a small cell: the
    # characteristics of that desa lose their denominator and share.
    result = _profile(duck, FAMILY_ROWS, PERSON_ROWS, public=True, min_cell=3)
    cells = _cells(result)
    assert cells[(E, "families_desil_1_4")]["suppressed"]
    assert cells[(E, "families_desil_1")]["value"] is None
    assert (
        cells[(E, "rtlh_floor")]["denominator"] is None
        and cells[(E, "rtlh_floor")]["share"] is None
    )
    assert cells[(E, "rtlh_roof")]["value"] == 0 and not cells[(E, "rtlh_roof")]["suppressed"]


def test_registry_mpi_equals_alkire_foster_estimate(duck: eng.Engine) -> None:
    """H, A and M0 of the profile are those of rpkd.measures.mpi on the same deprivations."""
    fams, pers = _random_registry(5, 300)
    cells = _cells(_profile(duck, fams, pers))
    alive: dict[str, list[dict[str, Any]]] = {}
    for p in pers:
        if p["death_date"] is None:
            alive.setdefault(p["family_id"], []).append(p)

    def age(p: dict[str, Any]) -> int:
        b = p["birth_date"]
        return REF.year - b.year - ((b.month, b.day) > (REF.month, REF.day))

    rows = []
    for f in fams:
        members = alive.get(f["family_id"])
        if not members:
            continue
        rows.append(
            {
                "child_out_of_school": int(
                    any(
                        7 <= age(p) <= 18 and p["school_attendance"] == "tidak_sekolah_lagi"
                        for p in members
                    )
                ),
                "member_jkn_uninsured": 0,
                "unsafe_water": int(f["drinking_water"] == "air_permukaan"),
                "no_proper_sanitation": int(f["toilet"] == "tidak_ada"),
                "no_electricity": 0,
                "rtlh_floor": int(f["floor_material"] in ("tanah", "kayu_papan")),
                "rtlh_floor_area": int(f["floor_area_m2"] / len(members) < 7.2),
            }
        )
    weights = {
        "child_out_of_school": 5,
        "member_jkn_uninsured": 5,
        "unsafe_water": 1,
        "no_proper_sanitation": 1,
        "no_electricity": 1,
        "rtlh_floor": 1,
        "rtlh_floor_area": 1,
    }
    expected = mpi.estimate(eng.table(duck, pa.Table.from_pylist(rows)), weights, 1 / 3)
    for measure, indicator in (("H", "mpi_headcount"), ("A", "mpi_intensity"), ("M0", "mpi_m0")):
        got = cells[("62.03", indicator)]["share"]
        assert got == pytest.approx(expected.get(measure).estimate, rel=1e-12), measure


@KEYED
def test_member_counts_are_exact_up_to_the_lane_width(engine: eng.Engine, keyed: bool) -> None:
    # family_summary adds the member counts of a family in 13-bit lanes of one sum: with
    # 2**13 - 1 members, each counted by every condition but under five, every lane is full.
    full = 2**13 - 1
    fams = [family("F1", E, 1, 1), family("F2", S, 2, 1)]
    pers = [
        person(f"P{i}", "F1", "anak", "P", date(1950, 1, 1), disability="berat", pregnant=True)
        for i in range(full)
    ]
    pers += [person(f"Q{i}", "F2", "anak", "L", date(2023, 1, 1)) for i in range(full)]
    cells = _cells(_profile(engine, fams, pers, keyed=keyed))
    expected = {
        "persons_total": 2 * full,
        "elderly_persons": full,
        "disability_persons": full,
        "pregnant_persons": full,
        "under_five_persons": full,
    }
    for indicator, value in expected.items():
        assert cells[("62.03", indicator)]["value"] == value, indicator
    assert cells[(E, "under_five_persons")]["value"] == 0
    assert cells[(S, "under_five_persons")]["value"] == full
    assert cells[(S, "elderly_persons")]["value"] == 0


@KEYED
def test_a_family_too_large_for_the_lanes_is_refused(duck: eng.Engine, keyed: bool) -> None:
    fams = [family("F1", E, 1, 1)]
    pers = [person(f"P{i}", "F1", "anak", "P", date(1950, 1, 1)) for i in range(2**13)]
    with pytest.raises(InvalidInput) as caught:
        _profile(duck, fams, pers, keyed=keyed)
    assert caught.value.code == "profile_family_too_large"
    assert caught.value.params["limit"] == 2**13


@KEYED
def test_a_desil_outside_one_to_ten_is_missing(duck: eng.Engine, keyed: bool) -> None:
    fams = [family("F1", E, 11, 1), family("F2", E, 0, 1), family("F3", E, 3, 1)]
    pers = [person(f"P{i}", f"F{i}", "kepala_keluarga", "L", date(1980, 1, 1)) for i in (1, 2, 3)]
    cells = _cells(_profile(duck, fams, pers, keyed=keyed))
    assert cells[(E, "families_desil_missing")]["value"] == 2
    assert cells[(E, "families_desil_3")]["value"] == 1
    assert cells[(E, "families_total")]["value"] == 3
