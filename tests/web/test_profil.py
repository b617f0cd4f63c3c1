"""Profil kemiskinan through the app in-process: the profile and map of an area for each role,
drill-down kabupaten → kecamatan → desa, suppression for viewers, and downloads holding the
rows shown."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from district_fixture import KECAMATAN, OTHER_KECAMATAN, RELEASE, make_district
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web_fixture import PASSWORD, sign_in

from rpkd import regions
from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user, map_release, profile_release
from rpkd.workflows.area_profile import poverty_profile

DESA = regions.descendants(KECAMATAN, "desa")[0].code
"""A desa of :data:`KECAMATAN`, the grant of the desa operator ``kades``."""


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = make_district(tmp_path_factory.mktemp("profil"))
    with Workspace.open(path, actor="admin") as ws:
        add_user(ws, "kades", PASSWORD, role="area_operator", region=DESA)
    return path


@pytest.fixture(scope="module")
def app(district: Path) -> Iterator[FastAPI]:
    application = create_app(district, plain_http=True)
    yield application
    application.state.server.workspace.close()


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def _spec(html: str, name: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="{name}-spec">(.*?)</script>', html,
                      re.S)  # fmt: skip
    assert found is not None, name
    spec: dict[str, object] = json.loads(found.group(1))
    return spec


def _families(district: Path, code: str, *, public: bool) -> int | None:
    """Families of an area in the registry profile (the profile workflow, not the page's)."""
    with Workspace.open(district, actor="admin") as ws:
        report = profile_release(ws, RELEASE, public=public)
    row = next(r for r in report.to_json()
               if r["code"] == code and r["indicator"] == "families_total")  # fmt: skip
    value: int | None = row["value"]
    return value


def test_analyst_sees_the_district_unsuppressed(browser: TestClient, district: Path) -> None:
    sign_in(browser, "analis")
    page = browser.get("/profile")
    assert page.status_code == 200
    html = page.text
    assert "Profil kemiskinan: Kabupaten Kapuas" in html
    families = _families(district, "62.03", public=False)
    assert families is not None and f"{families:,}".replace(",", ".") in html
    assert "disamarkan" not in html  # analysts may read records: nothing is suppressed
    desil = _spec(html, "chart-desil")["datasets"]["profile"]  # type: ignore[index]
    with Workspace.open(district, actor="admin") as ws:
        own = [r for r in profile_release(ws, RELEASE, public=False).to_json()
               if r["code"] == "62.03"]  # fmt: skip
    counts = {r["indicator"]: r["value"] for r in own}
    assert [d["value"] for d in desil] == [counts[f"families_desil_{s}"]
                                           for s in (*range(1, 11), "missing")]  # fmt: skip
    areas = _spec(html, "chart-map")["datasets"]["areas"]  # type: ignore[index]
    assert len(areas) == 17


def test_viewer_sees_small_cells_suppressed(browser: TestClient, district: Path) -> None:
    sign_in(browser, "pemirsa")
    html = browser.get(f"/profile?area={KECAMATAN}").text
    assert "Sel kecil (kurang dari 10 keluarga) disamarkan." in html
    with Workspace.open(district, actor="pemirsa") as ws:
        result = poverty_profile(ws, area=KECAMATAN)
    assert result.public and result.rows.column("suppressed").to_pylist().count(True) > 0
    shown = [r for r in result.rows.to_pylist() if r["suppressed"]]
    assert all(r["value"] is None for r in shown)


def test_drill_down_to_the_desa_of_a_kecamatan_with_htmx(
    browser: TestClient, district: Path
) -> None:
    sign_in(browser, "admin")
    part = browser.get(f"/profile?area={KECAMATAN}&method=fh", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<div id="profile-body"') and "<html" not in part.text
    areas = _spec(part.text, "chart-map")["datasets"]["areas"]  # type: ignore[index]
    with Workspace.open(district, actor="admin") as ws:
        mapped = map_release(ws, RELEASE, level="desa", measure="fgt0", method="fh")
    expected = {a.area: a.estimate for a in mapped.map.areas if a.area.startswith(KECAMATAN + ".")}
    # A second fit may differ in the last bits (DuckDB's parallel sums): equal to 1e-12.
    assert {a["code"]: a["estimate"] for a in areas} == {
        code: estimate if estimate is None else pytest.approx(estimate, rel=1e-12, abs=1e-15)
        for code, estimate in expected.items()
    }
    desa = sorted(expected)[0]
    assert f"area={desa}" in part.text  # each desa links to its own profile
    page = browser.get(f"/profile?area={desa}")
    assert page.status_code == 200
    assert 'aria-current="page"' in page.text and "Selat" in page.text  # the trail


@pytest.mark.parametrize("method", ["direct", "ebp"])
def test_every_method_maps(browser: TestClient, method: str) -> None:
    sign_in(browser, "admin")
    page = browser.get(f"/profile?method={method}")
    assert page.status_code == 200
    assert f'value="{method}" selected' in page.text


def test_area_operator_opens_its_own_area_and_no_other(browser: TestClient) -> None:
    sign_in(browser, "camat")
    page = browser.get("/profile")
    assert page.status_code == 200 and "Profil kemiskinan: Selat" in page.text
    assert browser.get(f"/profile?area={OTHER_KECAMATAN}").status_code == 403
    assert browser.get("/profile?area=62.03").status_code == 403


@pytest.mark.parametrize("user", ["dinsos", "mitra", "luar"])
def test_users_without_an_area_are_refused(browser: TestClient, user: str) -> None:
    sign_in(browser, user)
    assert browser.get("/profile?area=62.03").status_code == 403


def test_bad_parameters(browser: TestClient) -> None:
    sign_in(browser, "admin")
    assert browser.get("/profile?area=99.99").status_code == 422
    assert browser.get("/profile?method=magic").status_code == 422
    assert browser.get("/profile?release=nope").status_code == 404


def test_downloads_hold_the_rows_shown(browser: TestClient, district: Path) -> None:
    sign_in(browser, "pemirsa")
    with Workspace.open(district, actor="pemirsa") as ws:
        result = poverty_profile(ws, area=KECAMATAN)
    query = f"area={KECAMATAN}&method=fh&measure=fgt0"
    answer = browser.get(f"/profile/download.csv?{query}&table=profile")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    table = pacsv.read_csv(io.BytesIO(answer.content))
    assert table.num_rows == result.rows.num_rows
    assert table.column("code").to_pylist() == result.rows.column("code").to_pylist()
    assert table.column("value").to_pylist() == result.rows.column("value").to_pylist()
    mapped = pacsv.read_csv(io.BytesIO(browser.get(f"/profile/download.csv?{query}&table=map")
                                       .content))  # fmt: skip
    assert result.map is not None
    assert mapped.column("code").to_pylist() == [a.code for a in result.map.areas]
    workbook = load_workbook(io.BytesIO(browser.get(f"/profile/download.xlsx?{query}").content))
    profile_sheet, map_sheet = workbook.worksheets
    assert profile_sheet.title == "Profil" and map_sheet.title == "Peta"
    header = [c.value for c in next(map_sheet.iter_rows(min_row=1, max_row=1))]
    assert header[:3] == ["Kode", "Nama", "Estimasi"]
    assert map_sheet.max_row == 1 + len(result.map.areas)
    rows = list(profile_sheet.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Tingkat")
    assert len(rows) - header_at - 1 == result.rows.num_rows


def _area_table(html: str) -> list[list[str]]:
    """The rows of the table of areas beside the map, as cell texts (links unwrapped)."""
    body = html.split('<table class="areas">')[1].split("</tbody>")[0].split("<tbody>")[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_a_desa_lists_every_desa_of_its_kecamatan_with_their_counts(
    browser: TestClient, district: Path
) -> None:
    sign_in(browser, "admin")
    html = browser.get(f"/profile?area={DESA}").text
    rows = _area_table(html)
    desa = regions.descendants(KECAMATAN, "desa")
    assert [r[0] for r in rows] == [d.name for d in desa]
    families = [_families(district, d.code, public=False) for d in desa]
    assert [r[5] for r in rows] == [f"{n:,}".replace(",", ".") for n in families]
    assert all(r[6].endswith("%") and r[8].endswith("%") for r in rows)  # desil 1–4, MPI
    assert 'aria-current="true" class="current"' in html
    spec = _spec(html, "chart-map")
    assert DESA in json.dumps(spec["layer"][-1])  # type: ignore[index]  # outlined on the map
    assert "per desa/kelurahan" in json.dumps(spec)
    assert "Koefisien variasi (CV) setiap desa/kelurahan" in html
    assert "setiap kecamatan" not in html and "setiap wilayah" not in html
    kecamatan = browser.get(f"/profile?area={KECAMATAN}").text
    assert "Koefisien variasi (CV) setiap desa/kelurahan" in kecamatan
    district_page = browser.get("/profile").text
    assert "Koefisien variasi (CV) setiap kecamatan" in district_page


def test_a_desa_operator_sees_no_figure_and_no_link_of_another_desa(browser: TestClient) -> None:
    sign_in(browser, "kades")
    page = browser.get("/profile")
    assert page.status_code == 200
    html = page.text
    rows = _area_table(html)
    assert len(rows) == 1 and rows[0][0] == regions.name(DESA)
    areas = _spec(html, "chart-map")["datasets"]["areas"]  # type: ignore[index]
    assert [a["code"] for a in areas] == [DESA]
    links = set(re.findall(r'href="(/profile\?[^"]*)"', html))
    assert links and all(f"area={DESA}" in link for link in links)  # nothing it cannot open
    for link in links:
        assert browser.get(link.replace("&amp;", "&")).status_code == 200
    assert "di luar cakupan hak akses Anda" in html
    other = regions.descendants(KECAMATAN, "desa")[1].code
    assert browser.get(f"/profile?area={other}").status_code == 403


def test_numbers_are_right_aligned_and_headers_capitalised(browser: TestClient) -> None:
    sign_in(browser, "admin")
    html = browser.get(f"/profile?area={KECAMATAN}").text
    for key in ("families", "families_share", "persons", "persons_share", "count", "share"):
        assert f'class="col-{key} num"' in html, key
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)
    assert headers and all(not h[0].islower() for h in headers)
    assert '<td class="col-desil">' in html  # the desil itself is a category, left
