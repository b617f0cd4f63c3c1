"""Beranda (the dashboard page) through the app in-process: who sees what, the numbers shown
equal the dashboard workflow's (formatted here by hand), its charts carry the same numbers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from district_fixture import KECAMATAN, RELEASE, make_district
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_fixture import sign_in

from rpkd.web.app import create_app
from rpkd.workflows import Workspace, profile_release
from rpkd.workflows.overview import Dashboard, dashboard


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_district(tmp_path_factory.mktemp("beranda"))


@pytest.fixture(scope="module")
def app(district: Path) -> Iterator[FastAPI]:
    application = create_app(district, plain_http=True)
    yield application
    application.state.server.workspace.close()


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def _board(district: Path, user: str) -> Dashboard:
    with Workspace.open(district, actor=user) as ws:
        return dashboard(ws)


def _families(district: Path, code: str) -> int:
    """Families of an area in the registry profile (the profile workflow, not the page's)."""
    with Workspace.open(district, actor="admin") as ws:
        rows = profile_release(ws, RELEASE, public=False).to_json()
    value: int = next(r["value"] for r in rows
                      if r["code"] == code and r["indicator"] == "families_total")  # fmt: skip
    return value


def _percent(fraction: float) -> str:
    """A fraction as Indonesian percent with two decimals (``0.0523`` -> ``5,23%``)."""
    return f"{100 * fraction:.2f}".replace(".", ",") + "%"


def _spec(html: str, name: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="{name}-spec">(.*?)</script>', html,
                      re.S)  # fmt: skip
    assert found is not None, name
    spec: dict[str, object] = json.loads(found.group(1))
    return spec


def test_a_page_needs_a_session(browser: TestClient) -> None:
    answer = browser.get("/")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


@pytest.mark.parametrize("user", ["admin", "analis", "pemirsa"])
def test_district_users_see_the_workflow_figures(
    browser: TestClient, district: Path, user: str
) -> None:
    sign_in(browser, user)
    page = browser.get("/")
    assert page.status_code == 200
    board = _board(district, user)
    html = page.text
    assert board.release == RELEASE and board.plan is not None
    for key in ("p0", "extreme"):
        h = board.headline(key)
        assert _percent(h.estimate) in html
        assert f"{_percent(h.ci_low or 0)} – {_percent(h.ci_high or 0)}" in html
    p1 = board.headline("p1")
    assert f"{100 * p1.estimate:.2f}".replace(".", ",") in html  # BPS: P1 × 100
    poor = round(board.headline("poor").estimate)
    assert f"{poor:,}".replace(",", ".") in html
    target = board.headline("p0").target
    assert target is not None and _percent(target) in html  # the plan's 5% for 2025
    headlines = _spec(html, "chart-headline")["datasets"]["headlines"]  # type: ignore[index]
    assert [r["estimate"] for r in headlines] == [
        h.estimate for h in board.headlines if h.key != "poor"
    ]
    areas = _spec(html, "chart-map")["datasets"]["areas"]  # type: ignore[index]
    assert board.map is not None
    # Computed twice (page and test): DuckDB's parallel sums may differ in the last bits.
    assert [a["estimate"] for a in areas] == [
        a.estimate if a.estimate is None else pytest.approx(a.estimate, rel=1e-12, abs=1e-15)
        for a in board.map.areas
    ]
    assert "chart-path" in html and "Jalur menuju nol kemiskinan ekstrem pada 2027" in html


def test_the_path_and_the_freshness_are_shown(browser: TestClient, district: Path) -> None:
    sign_in(browser, "admin")
    html = browser.get("/").text
    board = _board(district, "admin")
    assert board.path is not None and board.path.projection is not None
    assert _percent(board.path.projection.projected) in html
    trend = _spec(html, "chart-path")["datasets"]["trend"]  # type: ignore[index]
    assert [t["year"] for t in trend] == [2025, 2026, 2027]
    assert "Kesegaran data" in html and "1 Maret 2025" in html


def test_an_area_operator_sees_its_own_area_and_why_not_the_district(
    browser: TestClient, district: Path
) -> None:
    sign_in(browser, "camat")
    page = browser.get("/")
    assert page.status_code == 200
    html = page.text
    assert "chart-headline" not in html and "chart-map" not in html  # no district figure
    notes = re.findall(r"<li>(.*?)</li>", html.split('class="findings"')[1].split("</ul>")[0])
    assert notes[0] == (
        "Angka, peta dan target kabupaten tidak ditampilkan: hak akses Anda hanya mencakup "
        f"Selat ({KECAMATAN}). Di bawah ini angka wilayah itu dari rilis {RELEASE}."
    )
    assert notes[1] == (
        "Target rencana tidak ditampilkan; sebabnya: hak akses Anda tidak mencakup wilayah "
        "rencana, Kabupaten Kapuas (62.03)."
    )
    assert "monitor.read" not in html and "sebabnya:</li>" not in html
    assert "Wilayah Anda: Selat" in html
    families = _families(district, KECAMATAN)
    assert f"{families:,}".replace(",", ".") in html  # the kecamatan's families, from its profile
    assert "chart-desil" in html
    assert f'href="/profile?release={RELEASE}&amp;area={KECAMATAN}"' in html
    assert browser.get(f"/?release={RELEASE}").status_code == 403


@pytest.mark.parametrize("user", ["dinsos", "mitra"])
def test_users_who_may_read_no_area_get_a_note(browser: TestClient, user: str) -> None:
    sign_in(browser, user)
    page = browser.get("/")
    assert page.status_code == 200
    assert "Belum ada rilis data yang boleh Anda lihat." in page.text
    assert "chart-headline" not in page.text and "Wilayah Anda" not in page.text
    assert browser.get(f"/?release={RELEASE}").status_code == 403


def test_tables_speak_to_officers(browser: TestClient, district: Path) -> None:
    """Release contents by their kinds' names, numbers right-aligned, notes as sentences."""
    sign_in(browser, "admin")
    html = browser.get("/").text
    freshness = html.split('id="releases-title"')[1]
    assert "keluarga, anggota keluarga, sampel survei, indikator desa" in freshness
    assert "families,persons" not in html
    headline = html.split('id="headline-title"')[1].split("</section>")[0]
    estimate = _percent(_board(district, "admin").headline("p0").estimate)
    assert f'<td class="col-estimate num">{estimate}</td>' in headline
    assert '<th scope="col" class="num">Estimasi</th>' in headline
    notes = re.findall(r"<li>(.*?)</li>", html.split('class="findings"')[1].split("</ul>")[0])
    assert notes and all(n[0].isupper() and n.endswith(".") for n in notes)


def test_release_outside_the_grant_or_unknown(browser: TestClient) -> None:
    sign_in(browser, "luar")
    assert browser.get(f"/?release={RELEASE}").status_code == 403
    assert browser.get("/?release=nope").status_code == 404


def test_htmx_swaps_only_the_body_and_english_works(browser: TestClient) -> None:
    sign_in(browser, "admin")
    part = browser.get(f"/?release={RELEASE}&year=2026", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<div id="beranda-body"') and "<html" not in part.text
    assert "tahun 2026" in part.text
    browser.cookies.set("rpkd_lang", "en")
    html = browser.get("/").text
    assert "Poverty figures against targets" in html and "Data freshness" in html


def test_map_boundaries_are_served_once_for_the_browser(browser: TestClient) -> None:
    sign_in(browser, "pemirsa")
    answer = browser.get("/maps/boundaries/62.03/kecamatan")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    assert "max-age" in answer.headers["cache-control"]
    assert len(answer.json()["features"]) == 17
    assert browser.get("/maps/boundaries/62.03/rt").status_code == 422


def test_a_new_realisation_shows_at_once(browser: TestClient, district: Path) -> None:
    """Pages are kept while what they show holds; a verified realisation changes the plan's
    state and so the page (no cache to clear by hand)."""
    from rpkd.workflows.realisations import add_realisation, verify_realisation

    sign_in(browser, "admin")
    assert _shows(browser.get("/").text, "0,90%")  # KE 2026 as the fixture verified it
    with Workspace.open(district, actor="analis") as ws:  # four eyes: another verifies
        added = add_realisation(ws, "indicator", "KE", 2026, 4, value=0.5, se=0.2)
    assert not _shows(browser.get("/").text, "0,50%")  # submitted, not verified: not counted
    with Workspace.open(district, actor="admin") as ws:
        verify_realisation(ws, added.items[0].id)
    html = browser.get("/").text
    assert _shows(html, "0,50%") and not _shows(html, "0,90%")


def _shows(html: str, figure: str) -> bool:
    """Whether ``figure`` (e.g. ``0,50%``) stands in ``html`` as a number of its own, not as the
    tail of another (``10,50%`` in an interval of the map's table)."""
    return re.search(rf"(?<![\d,.]){re.escape(figure)}", html) is not None
