"""The page Sasaran in the test client: the coverage matrix drilled down, the left-out
families of a desa (masked, unmasked, audited), the verification lists downloaded by the
desa's operator, the eligibility rules edited with a preview, and the command line and the
API counting the same eligible families after a rule is saved.

One workspace with a small synthetic release (800 families) and a user per role serves the
module; expected numbers come from the release's Parquet files.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner
from web_fixture import PASSWORD, csrf_of, sign_in

import rpkd.cli
from rpkd import regions
from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user, import_release, list_audit, synthesize_district

RELEASE = "r"
HTMX = {"HX-Request": "true"}


@dataclass(frozen=True)
class Site:
    path: Path
    app: FastAPI
    desa: str
    other: str
    families: list[dict[str, object]]

    def client(self, user: str) -> TestClient:
        browser = TestClient(self.app, follow_redirects=False)
        sign_in(browser, user)
        return browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("sasaran-web")
    path = root / "ws"
    with Workspace.open(path) as ws:
        synthesize_district(ws, "62.03", root / "source", families=800, seed=3, fmt="csv")
        import_release(ws, root / "source", RELEASE, reference_date="2025-03-01")
        add_user(ws, "admin", PASSWORD, role="admin")
    families = pq.read_table(path / "releases" / RELEASE / "families.parquet").to_pylist()
    poorest = Counter(str(f["desa_code"]) for f in families if f["desil"] <= 2)
    desa = poorest.most_common(1)[0][0]
    other = next(str(f["desa_code"]) for f in families if str(f["desa_code"])[:8] != desa[:8])
    with Workspace.open(path, actor="admin") as ws:
        add_user(ws, "analis", PASSWORD, role="analyst")
        add_user(ws, "pemantau", PASSWORD, role="viewer")
        add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
    app = create_app(path, plain_http=True)
    yield Site(path, app, desa, other, families)
    app.state.server.workspace.close()


def _audit(site: Site, action: str) -> list[dict[str, object]]:
    with Workspace.open(site.path, actor="admin") as ws:
        rows = list_audit(ws, action=action).to_json()
    return [r for r in rows if r["action"] == action]


def test_the_district_page_lists_kecamatan_with_links_that_drill_down(site: Site) -> None:
    browser = site.client("analis")
    page = browser.get("/targeting")
    assert page.status_code == 200
    text = page.text
    assert "Sasaran: Kabupaten Kapuas" in text
    assert 'hx-get="/targeting?release=r&amp;area=62.03.01&amp;band=2"' in text
    assert 'id="coverage-desil"' in text and 'id="chart-accuracy-spec"' in text
    assert "Galat eksklusi" in text and "SE eksklusi" in text
    part = browser.get(f"/targeting?release=r&area={site.desa[:8]}&band=2", headers=HTMX)
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<div id="targeting-body"') and "<html" not in part.text
    assert f'area={site.desa}&amp;band=2"' in part.text
    assert 'id="chart-accuracy-spec"' not in part.text  # the district's accuracy only
    poor = sum(1 for f in site.families if f["desil"] <= 2 and f["desa_code"] == site.desa)
    name = regions.names([site.desa])[0]
    assert f'{name}</a></th>\n            <td class="num">{poor}</td>' in part.text
    english = browser.get("/lang/en?next=/targeting").headers["location"]
    assert english == "/targeting"
    page_en = browser.get("/targeting")
    assert "Targeting: Kabupaten Kapuas" in page_en.text and "Exclusion error" in page_en.text


def test_a_desa_page_lists_left_out_families_masked_and_audits_the_view(site: Site) -> None:
    browser = site.client("desa")
    before = len(_audit(site, "target.left_out"))
    page = browser.get("/targeting")  # the region of the operator's grant
    assert page.status_code == 200
    assert f"/targeting/lists/{site.desa}.xlsx?release=r" in page.text
    assert "Nama, NIK, nomor KK dan alamat disamarkan." in page.text
    assert len(_audit(site, "target.left_out")) == before + 1
    full = browser.get(f"/targeting/left-out?desa={site.desa}&release=r&unmask=true", headers=HTMX)
    assert full.status_code == 200 and "<html" not in full.text
    assert "dicatat di log audit" in full.text
    rows = _audit(site, "target.left_out")
    assert len(rows) == before + 2
    assert browser.get(f"/targeting/left-out?desa={site.other}").status_code == 403
    assert browser.get(f"/targeting?area={site.other}").status_code == 403
    assert site.client("pemantau").get(f"/targeting/left-out?desa={site.desa}").status_code == 403


def test_a_viewer_sees_suppressed_cells_and_no_names(site: Site) -> None:
    page = site.client("pemantau").get(f"/targeting?area={site.desa[:8]}")
    assert page.status_code == 200
    assert "Sel kecil (kurang dari 10 keluarga) disamarkan." in page.text
    assert '<td class="num">*</td>' in page.text
    assert "left-out-title" not in page.text


def test_the_desa_operator_downloads_its_lists_and_each_download_is_audited(site: Site) -> None:
    browser = site.client("desa")
    before = len(_audit(site, "target.lists.export"))
    answer = browser.get(f"/targeting/lists/{site.desa}.xlsx?release=r")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames
    again = browser.get(f"/targeting/lists/{site.desa}.xlsx?release=r&unmask=true")
    assert again.status_code == 200
    rows = _audit(site, "target.lists.export")
    assert len(rows) == before + 2
    assert all(site.desa in str(r["scope"]) for r in rows[-2:])
    assert browser.get(f"/targeting/lists/{site.other}.xlsx?release=r").status_code == 403
    assert len(_audit(site, "target.lists.export")) == before + 2


def test_a_rule_is_previewed_refused_at_the_field_and_saved(site: Site) -> None:
    browser = site.client("analis")
    page = browser.get("/targeting/rules/sembako")
    assert page.status_code == 200 and "desil &lt;= 4" in page.text
    token = csrf_of(page.text)
    bad = browser.post("/targeting/rules/sembako/preview",
                       data={"rule": "desil <= 3 AND income > 1", "csrf_token": token},
                       headers=HTMX)  # fmt: skip
    assert bad.status_code == 422
    assert "kolom tidak dikenal &#39;income&#39;" in bad.text
    good = browser.post("/targeting/rules/sembako/preview",
                        data={"rule": "desil <= 3", "csrf_token": token}, headers=HTMX)  # fmt: skip
    assert good.status_code == 200
    fourth = sum(1 for f in site.families if f["desil"] == 4)
    assert f"−{fourth}" in good.text and "+0" in good.text
    refused = browser.post("/targeting/rules/sembako",
                           data={"rule": "desil <<= 3", "csrf_token": token})  # fmt: skip
    assert refused.status_code == 422 and 'id="e-rule"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    viewer = site.client("pemantau")
    assert viewer.get("/targeting/rules").status_code == 200
    assert viewer.get("/targeting/rules/sembako").status_code == 403
    before = len(_audit(site, "target.rule.save"))
    saved = browser.post("/targeting/rules/sembako",
                         data={"rule": "desil <= 3", "reason": "uji", "csrf_token": token})  # fmt: skip
    assert saved.status_code == 303
    assert saved.headers["location"] == "/targeting/rules/sembako?saved=true"
    assert len(_audit(site, "target.rule.save")) == before + 1
    listed = browser.get("/targeting/rules").text
    assert "diubah oleh analis" in listed
    try:
        _same_eligibility_in_cli_and_api(site, expected=sum(
            1 for f in site.families if f["desil"] <= 3))  # fmt: skip
    finally:
        restored = browser.post("/targeting/rules/sembako",
                                data={"rule": "desil <= 4", "csrf_token": token})  # fmt: skip
        assert restored.status_code == 303


def _same_eligibility_in_cli_and_api(site: Site, *, expected: int) -> None:
    """The command line and the API count the same families under the saved rule."""
    api = TestClient(site.app)
    token = api.post("/api/v1/token", data={"username": "analis", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    answer = api.get(f"/api/v1/releases/{RELEASE}/eligibility?programme=sembako", headers=bearer)
    assert answer.status_code == 200
    rpkd.cli._register()
    printed = CliRunner().invoke(
        rpkd.cli.app,
        ["target", "eligibility", "--release", RELEASE, "--programme", "sembako",
         "--workspace", str(site.path), "--format", "json"],
        env={"RPKD_USER": "analis"},
    )  # fmt: skip
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == answer.json()
    assert answer.json()[0]["eligible_families"] == expected
