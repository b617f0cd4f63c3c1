"""Kantong kemiskinan on the Profil page, in-process: the priority-class map and table of the
areas below the one shown, for each role within its scope, in both languages, and the JSON
API's priority table equal to ``rpkd priority --format json``.

Expected figures come from the workflows called here (``priority_areas``, the published
registry profile), never from the page's own code.
"""

from __future__ import annotations

import html as markup
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from district_fixture import KECAMATAN, OTHER_KECAMATAN, RELEASE, USERS
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_fixture import PASSWORD, sign_in

import rpkd.cli
from rpkd import regions
from rpkd.synth import synthesize
from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user, import_release, priority_areas, profile_release

DESA = regions.descendants(KECAMATAN, "desa")[0].code


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 3,000 families: enough survey households for a Fay–Herriot fit of every desa
    root = tmp_path_factory.mktemp("prioritas")
    path = root / "ws"
    with Workspace.open(path) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=3000, seed=9)
        import_release(ws, root / "synth", RELEASE, reference_date="2025-03-01")
        add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(path, actor="admin") as ws:
        for name, grant in USERS.items():
            if name != "admin":
                add_user(ws, name, PASSWORD, **grant)
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


@pytest.fixture(scope="module")
def ranked(district: Path) -> dict[str, dict[str, Any]]:
    """The workflow's rankings (kit defaults, seed 1, FH), by level then area code."""
    with Workspace.open(district, actor="admin") as ws:
        return {
            level: {
                a["code"]: a for a in priority_areas(ws, RELEASE, level=level).to_json()["areas"]
            }
            for level in ("kecamatan", "desa")
        }


def _spec(html: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{name}-spec">(.*?)</script>', html,
                      re.S)  # fmt: skip
    assert found is not None, name
    spec: dict[str, Any] = json.loads(found.group(1))
    return spec


def _rows(html: str) -> list[list[str]]:
    """Return the cells of the priority table's body rows (text, unescaped)."""
    table = re.search(r'<div class="table-wrap" id="priority-table">(.*?)</table>', html, re.S)
    assert table is not None
    body = table.group(1).split("<tbody>", 1)[1]
    return [
        [markup.unescape(re.sub(r"<[^>]+>", "", c)).strip()
         for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]  # fmt: skip


def _pct(value: float) -> str:
    return f"{round(100 * value)}%"


def _desil12(district: Path, level: str) -> dict[str, int | None]:
    with Workspace.open(district, actor="admin") as ws:
        rows = profile_release(ws, RELEASE, levels=(level,), public=True).to_json()
    out: dict[str, int | None] = {}
    for r in rows:
        if r["indicator"] in ("families_desil_1", "families_desil_2"):
            before = out.get(r["code"], 0)
            out[r["code"]] = (None if before is None or r["suppressed"] or r["value"] is None
                              else before + int(r["value"]))  # fmt: skip
    return out


def test_the_district_shows_every_kecamatan_class_and_probability(
    browser: TestClient, district: Path, ranked: dict[str, dict[str, Any]]
) -> None:
    sign_in(browser, "analis")
    profile = browser.get("/profile")
    assert 'hx-get="/profile/priority?' in profile.text  # the section loads after the page
    page = browser.get(f"/profile/priority?release={RELEASE}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Kantong kemiskinan: Kabupaten Kapuas</h1>" in html
    expected = ranked["kecamatan"]
    rows = _rows(html)
    assert len(rows) == len(expected)
    desil = _desil12(district, "kecamatan")
    by_name = {a["name"]: a for a in expected.values()}
    for cells in rows:
        area = by_name[cells[1]]
        klass = f"Prioritas {area['priority']}" if area["priority"] else "Bukan prioritas"
        assert cells[0] == klass
        assert cells[4] == _pct(area["probability_rate"])
        assert cells[5] == _pct(area["probability_count"])
        assert cells[2].startswith(f"{100 * area['estimate']:.1f}".replace(".", ",") + "%")
        families = desil[area["code"]]
        assert cells[7] == ("–" if families is None else f"{families:,}".replace(",", "."))
    # class 1 first, as the workflow orders them
    classes = [int(c[0][-1]) if c[0].startswith("Prioritas") else 4 for c in rows]
    assert classes == sorted(classes)
    # the sentence on how sure the classes are counts them
    counts = [sum(1 for a in expected.values() if a["priority"] == c) for c in (1, 2, 3)]
    assert (f"{counts[0]} termasuk Prioritas 1 (peluang ≥ 80% termasuk 5 kecamatan termiskin"
            in markup.unescape(html))  # fmt: skip
    # the map: the documents' figure, each kecamatan with its class
    spec = _spec(html, "chart-priority-map")
    shown = {a["code"]: a["class"] for a in spec["datasets"]["areas"]}
    assert set(shown) == set(expected)
    for code, text in shown.items():
        number = expected[code]["priority"]
        assert text.startswith(f"Prioritas {number} (" if number else "bukan prioritas")
    assert "Kemendagri" in json.dumps(spec)  # the source line


def test_a_kecamatan_operator_sees_the_desa_of_its_kecamatan_only(
    browser: TestClient, ranked: dict[str, dict[str, Any]]
) -> None:
    sign_in(browser, "camat")
    page = browser.get("/profile/priority", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "<html" not in page.text  # the section alone, for HTMX
    desa = {c: a for c, a in ranked["desa"].items() if c.startswith(KECAMATAN + ".")}
    rows = _rows(page.text)
    assert sorted(r[1] for r in rows) == sorted(a["name"] for a in desa.values())
    for cells in rows:
        area = next(a for a in desa.values() if a["name"] == cells[1])
        assert cells[4] == _pct(area["probability_rate"])  # the district-wide ranking's
    codes = {a["code"] for a in _spec(page.text, "chart-priority-map")["datasets"]["areas"]}
    assert codes == set(desa)
    assert browser.get(f"/profile/priority?area={OTHER_KECAMATAN}").status_code == 403
    assert browser.get("/profile/priority?area=62.03").status_code == 403


def test_a_desa_operator_sees_its_own_desa_and_the_others_counted_as_withheld(
    browser: TestClient, ranked: dict[str, dict[str, Any]]
) -> None:
    sign_in(browser, "kades")
    page = browser.get("/profile/priority")
    assert page.status_code == 200
    rows = _rows(page.text)
    own = ranked["desa"][DESA]
    assert [r[1] for r in rows] == [own["name"]]
    others = [a for c, a in ranked["desa"].items() if c.startswith(KECAMATAN + ".") and c != DESA]
    assert f"{len(others)} area lain di wilayah ini di luar hak akses Anda" in page.text
    spec = _spec(page.text, "chart-priority-map")
    assert [a["code"] for a in spec["datasets"]["areas"]] == [DESA]
    assert not {o["name"] for o in others} & {r[1] for r in rows}


def test_outside_the_district_is_refused(browser: TestClient) -> None:
    sign_in(browser, "luar")
    assert browser.get(f"/profile/priority?release={RELEASE}&area=62.03").status_code == 403


def test_in_english(browser: TestClient) -> None:
    sign_in(browser, "analis")
    browser.cookies.set("rpkd_lang", "en")
    html = browser.get(f"/profile/priority?release={RELEASE}&area={KECAMATAN}").text
    assert "Pockets of poverty" in html
    assert "Of the " in html and "Priority 3 means possibly" in html
    assert "Prioritas" not in html.split('id="priority-table"', 1)[1]


def test_the_api_priority_table_equals_the_command_line(app: FastAPI, district: Path) -> None:
    rpkd.cli._register()
    with TestClient(app) as client:
        token = client.post("/api/v1/token", data={"username": "admin", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for level in ("kecamatan", "desa"):
            got = client.get(f"/api/v1/releases/{RELEASE}/priority?level={level}", headers=headers)
            assert got.status_code == 200, got.text
            printed = CliRunner().invoke(
                rpkd.cli.app,
                ["priority", "--release", RELEASE, "--level", level, "-w", str(district),
                 "-f", "json"],
                env={"RPKD_USER": "admin"},
            )  # fmt: skip
            assert printed.exit_code == 0, printed.output
            assert got.json() == json.loads(printed.stdout)
        bad = client.get(f"/api/v1/releases/{RELEASE}/priority?level=kecamatan&k=999",
                         headers=headers)  # fmt: skip
        assert bad.status_code in (400, 422)
        assert bad.json()["error"]["code"] == "priority_k_invalid"


def test_the_certainty_sentence_quotes_the_measured_calibration(
    browser: TestClient, app: FastAPI
) -> None:
    """The figure of benchmarks/priority_calibration.py (rpkd/data/priority_calibration.json,
    read here directly) after the priority sentence, by level, in both languages; and the same
    result as a finding of the API's priority table."""
    from importlib import resources

    measured = json.loads(resources.files("rpkd").joinpath("data/priority_calibration.json")
                          .read_text("utf-8"))  # fmt: skip
    result = {r["level"]: r for r in measured["results"] if r["method"] == "ebp"}  # the kit's

    def figure(level: str) -> str:
        row = result[level]
        return f"{row['truly']} ({_pct(row['truly'] / row['areas'])})"

    sign_in(browser, "analis")
    district = markup.unescape(browser.get(f"/profile/priority?release={RELEASE}").text)
    row = result["kecamatan"]
    assert f"dari {row['areas']} kecamatan yang diberi peluang ≥ 80%" in district
    assert figure("kecamatan") in district
    desa = markup.unescape(browser.get(f"/profile/priority?area={KECAMATAN}").text)
    assert f"dari {result['desa']['areas']} desa yang diberi peluang ≥ 80%" in desa
    held = result["desa"]["truly"] / result["desa"]["areas"] >= result["desa"]["threshold"]
    said = f"{figure('desa')} memang termasuk" if held else f"hanya {figure('desa')} yang memang"
    assert said in desa
    browser.cookies.set("rpkd_lang", "en")
    english = markup.unescape(browser.get(f"/profile/priority?area={KECAMATAN}").text)
    assert f"of the {result['desa']['areas']} desa given a probability ≥ 80%" in english
    assert f"{'' if held else 'only '}{figure('desa')} truly were" in english
    # said once, in the sentence, not again among the notes
    assert english.count("truly were") == 1
    with TestClient(app) as client:
        token = client.post("/api/v1/token", data={"username": "admin", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        got = client.get(f"/api/v1/releases/{RELEASE}/priority?level=desa", headers=headers)
    [found] = [f for f in got.json()["findings"] if f["code"].startswith("priority_calibration")]
    assert found["code"] == (
        "priority_calibration_held" if held else "priority_calibration_overstated"
    )
    assert (found["params"]["areas"], found["params"]["truly"]) == (
        result["desa"]["areas"],
        result["desa"]["truly"],
    )
    assert found["params"]["date"] == measured["source"]["date"]
