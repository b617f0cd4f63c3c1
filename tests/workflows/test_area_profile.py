"""The profile and map of one area, drilled down: rows and map areas are those of the profile
and map workflows for the area and its children; permission and suppression follow the grant,
area by area (an area the actor may not read is neither listed nor mapped)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpkd import regions
from rpkd.access import users
from rpkd.access.roles import Grant
from rpkd.errors import Forbidden, NotFound, UnknownRegion, UsageError
from rpkd.settings import Settings
from rpkd.synth import synthesize
from rpkd.workflows import area_profile
from rpkd.workflows.access import add_user
from rpkd.workflows.area_profile import poverty_profile
from rpkd.workflows.profile import profile_release
from rpkd.workflows.releases import import_release
from rpkd.workflows.sae import map_release
from rpkd.workflows.workspace import Workspace

KECAMATAN = "62.03.01"
DESA = regions.descendants(KECAMATAN, "desa")[0].code
"""The desa of the desa operator ``kades``."""
PASSWORD = "a-long-password-1"


def approx(value: float | None) -> object:
    """``value`` to 1e-12 (relative) or 1e-15 (absolute, for a CV of nought); None stays None."""
    return None if value is None else pytest.approx(value, rel=1e-12, abs=1e-15)


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("area_profile")
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=1200, seed=21)
        import_release(ws, root / "synth", "r1", reference_date="2025-03-01")
        add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace(Settings(workspace=root / "ws"), actor="admin") as ws:
        add_user(ws, "pemirsa", PASSWORD, role="viewer", region="62.03")
        add_user(ws, "camat", PASSWORD, role="area_operator", region=KECAMATAN)
        add_user(ws, "dinsos", PASSWORD, role="agency_operator", agency="DINSOS")
        add_user(ws, "kades", PASSWORD, role="area_operator", region=DESA)
        with ws.transaction() as db:  # records of its desa, aggregates of its kecamatan
            users.add_user(db, "ganda", PASSWORD, (Grant("area_operator", region=DESA),
                                                    Grant("viewer", region=KECAMATAN)))  # fmt: skip
    return root / "ws"


@pytest.fixture
def admin(path: Path) -> Iterator[Workspace]:
    with Workspace(Settings(workspace=path), actor="admin") as ws:
        yield ws


def test_district_rows_are_the_kabupaten_and_its_kecamatan(admin: Workspace) -> None:
    result = poverty_profile(admin)
    assert (result.release, result.area.code, result.area.depth) == ("r1", "62.03", "kabupaten")
    assert result.children == "kecamatan" and not result.public
    expected = [r for r in profile_release(admin, "r1", public=False).to_json()
                if r["level"] in ("kabupaten", "kecamatan")]  # fmt: skip
    assert result.rows.to_pylist() == expected
    assert result.map is not None
    assert [a.code for a in result.map.areas] == [
        r.code for r in regions.descendants("62.03", "kecamatan")
    ]


def test_a_kecamatan_holds_its_desa_rows_and_desa_map(admin: Workspace) -> None:
    result = poverty_profile(admin, area=KECAMATAN, method="direct")
    codes = set(result.rows.column("code").to_pylist())
    assert KECAMATAN in codes and all(c == KECAMATAN or c.startswith(KECAMATAN + ".")
                                      for c in codes)  # fmt: skip
    mapped = map_release(admin, "r1", level="desa", method="direct")
    inside = [a for a in mapped.map.areas if a.area.startswith(KECAMATAN + ".")]
    assert result.map is not None
    # Two runs of DuckDB's parallel sums may differ in the last bits: equal to 1e-12.
    assert [(a.code, a.estimate, a.cv) for a in result.map.areas] == [
        (a.area, approx(a.estimate), approx(a.cv)) for a in inside
    ]
    assert [p.code for p in result.trail] == ["62.03", KECAMATAN]


def test_a_desa_shows_itself_among_its_kecamatan_desa(admin: Workspace) -> None:
    """A desa has no areas below: beside its map stand the desa of its kecamatan, with their
    profile rows (not only the desa's own)."""
    result = poverty_profile(admin, area=DESA, method="direct")
    assert result.children is None and result.withheld == 0
    siblings = {r.code for r in regions.descendants(KECAMATAN, "desa")}
    assert set(result.rows.column("code").to_pylist()) == siblings
    assert set(result.own().column("code").to_pylist()) == {DESA}
    assert set(result.below().column("code").to_pylist()) == siblings - {DESA}
    expected = [r for r in profile_release(admin, "r1", public=False).to_json()
                if r["code"] in siblings]  # fmt: skip
    assert result.rows.to_pylist() == expected
    assert result.map is not None and DESA in {a.code for a in result.map.areas}
    assert result.map_parent().code == KECAMATAN


def test_a_desa_operator_gets_no_figure_of_another_desa(path: Path) -> None:
    with Workspace(Settings(workspace=path), actor="kades") as ws:
        result = poverty_profile(ws, method="direct")
        with pytest.raises(Forbidden):
            poverty_profile(ws, area=regions.descendants(KECAMATAN, "desa")[1].code)
    assert result.area.code == DESA and not result.public
    assert set(result.rows.column("code").to_pylist()) == {DESA}
    assert result.map is not None and [a.code for a in result.map.areas] == [DESA]
    assert result.withheld == len(regions.descendants(KECAMATAN, "desa")) - 1
    assert [p.readable for p in result.trail] == [False, False, True]
    charts = result.charts("id", boundaries="/maps/boundaries/{region}/{depth}")
    for name in ("map", "cv_map"):
        shown = charts[name]["datasets"]["areas"]
        assert [a["code"] for a in shown] == [DESA]  # the others are drawn as context only
        assert "di luar cakupan Anda" in json.dumps(charts[name])
        assert DESA in json.dumps(charts[name]["layer"][-1])  # the desa outlined
    assert result.to_json()["withheld"] == result.withheld


def test_suppression_follows_each_area_grant(path: Path) -> None:
    """Records of its desa, aggregates of the rest of its kecamatan: its desa unsuppressed,
    the other desa suppressed as a viewer sees them."""
    with Workspace(Settings(workspace=path), actor="ganda") as ws:
        result = poverty_profile(ws, area=DESA, method="direct")
        mine = profile_release(ws, "r1", public=False).to_json()
        public = profile_release(ws, "r1", public=True).to_json()
    siblings = {r.code for r in regions.descendants(KECAMATAN, "desa")}
    assert not result.public and result.withheld == 0
    rows = result.rows.to_pylist()
    assert [r for r in rows if r["code"] == DESA] == [r for r in mine if r["code"] == DESA]
    others = [r for r in public if r["code"] in siblings - {DESA}]
    assert [r for r in rows if r["code"] != DESA] == others
    assert any(r["suppressed"] for r in others)


def test_viewer_gets_suppressed_cells(path: Path) -> None:
    with Workspace(Settings(workspace=path), actor="pemirsa") as ws:
        result = poverty_profile(ws, area=KECAMATAN)
        expected = [r for r in profile_release(ws, "r1", public=True).to_json()
                    if r["code"] == KECAMATAN or r["code"].startswith(KECAMATAN + ".")]  # fmt: skip
    assert result.public
    assert result.rows.to_pylist() == expected
    assert any(r["suppressed"] for r in expected)


def test_area_operator_opens_its_own_kecamatan_only(path: Path) -> None:
    with Workspace(Settings(workspace=path), actor="camat") as ws:
        own = poverty_profile(ws)
        assert own.area.code == KECAMATAN and not own.public  # may read its records
        with pytest.raises(Forbidden):
            poverty_profile(ws, area="62.03.02")
        with pytest.raises(Forbidden):
            poverty_profile(ws, area="62.03")


def test_agency_operator_may_read_no_area(path: Path) -> None:
    with Workspace(Settings(workspace=path), actor="dinsos") as ws, pytest.raises(Forbidden):
        poverty_profile(ws)


def test_wrong_inputs(admin: Workspace) -> None:
    with pytest.raises(UsageError):
        poverty_profile(admin, method="magic")
    with pytest.raises(UnknownRegion):
        poverty_profile(admin, area="99.99")
    with pytest.raises(NotFound):
        poverty_profile(admin, "nope")
    with pytest.raises(NotFound):
        poverty_profile(admin, area="62.11")  # another district than the release's


def test_a_map_that_cannot_be_made_is_a_finding(admin: Workspace) -> None:
    # 1,200 families leave too few sampled desa: the variance function cannot be fitted
    result = poverty_profile(admin, area=KECAMATAN, method="fh")
    assert result.map is None
    assert [f.code for f in result.findings if f.code.endswith(("map_missing", "gvf_failed"))] == [
        "dashboard_map_missing",
        "gvf_failed",
    ]
    assert result.rows.num_rows > 0  # the registry profile is still there


def test_profiles_maps_and_charts_are_kept(
    admin: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = poverty_profile(admin, area=KECAMATAN, method="direct")
    charts = first.charts("id", boundaries="/maps/boundaries/{region}/{depth}")
    assert set(charts) == {"desil", "characteristics", "vulnerable", "map", "cv_map"}
    stored = list((admin.path / "releases" / "r1" / "derived" / "maps").glob("*.json"))
    assert stored

    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr("rpkd.workflows.sae.map_release", fail)
    monkeypatch.setattr("rpkd.workflows.profile.profile_release", fail)
    again = poverty_profile(admin, area=KECAMATAN, method="direct")
    assert again == first and again.key == first.key
    assert again.charts("id", boundaries="/maps/boundaries/{region}/{depth}") is charts
    area_profile.clear_cache()
    monkeypatch.undo()
    monkeypatch.setattr("rpkd.workflows.sae.map_release", fail)
    kept = poverty_profile(admin, area=KECAMATAN, method="direct")
    assert kept.map == first.map  # read back from derived/
