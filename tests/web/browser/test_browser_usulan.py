"""Usulan & Sanggahan in Chromium, end to end: the desa operator files a sanggahan (a deceased
family, with its evidence), the kecamatan operator and then the secretariat accept it, the
secretariat downloads the correction, imports it as the next release, and the next release's
diff shows the family gone and the sanggahan taken up in it.

Screenshots (desktop) of the pages go to ``RPKD_SCREENSHOTS`` (``docs/img/web``) when it is
set, else to a temporary folder.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from browser_site import PASSWORD, REFERENCE_DATE
from browser_tab import JOB_TIMEOUT_MS, NewVisitor, Visitor
from PIL import Image

from rpkd.workflows import Workspace, add_user

KECAMATAN_USER = "operator_kecamatan"
NEXT = "dtsen-koreksi"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("RPKD_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("usulan-shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _shot(tab: Visitor, folder: Path, name: str) -> None:
    tab.page.wait_for_load_state("networkidle")
    path = folder / f"{name}-desktop.png"
    tab.page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    with Image.open(path) as taken:
        small = taken.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def _sign_in_as(tab: Visitor, username: str) -> None:
    tab.open("/login")
    tab.page.fill("#f-username", username)
    tab.page.fill("#f-password", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.click("form[action='/login'] button[type=submit]")


def _review(tab: Visitor, url: str, note: str) -> str:
    tab.open(url)
    tab.page.fill("#f-note", note)
    with tab.page.expect_navigation():
        tab.page.click("button[name=decision][value=accept]")
    return tab.page.locator(".facts .status").inner_text()


def test_a_sanggahan_is_accepted_up_the_chain_and_taken_up_in_the_next_release(
    visit: NewVisitor, tmp_path: Path, shots: Path
) -> None:
    desa = visit("area_operator")
    site = desa.site
    kecamatan = site.desa.rsplit(".", 1)[0]
    with Workspace.open(site.path, actor=site.users["admin"], environ={}) as ws:
        add_user(ws, KECAMATAN_USER, PASSWORD, role="area_operator", region=kecamatan,
                 full_name="Operator Kecamatan")  # fmt: skip
    evidence = tmp_path / "surat-kematian.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% surat keterangan kematian dari desa\n")

    # the desa operator files the sanggahan
    desa.open("/usulan")
    with desa.page.expect_navigation():
        desa.page.click(f"a[href='/usulan/new?desa={site.desa}&kind=object']")
    family = desa.page.locator("#f-family_id option").first.get_attribute("value")
    assert family
    desa.page.select_option("#f-family_id", family)
    desa.page.select_option("#f-reason", "deceased")
    desa.page.fill("#f-note", "Kepala keluarga dan istri meninggal (musdes 12 Mei)")
    desa.page.set_input_files("#f-evidence", str(evidence))
    _shot(desa, shots, "usulan-sanggahan")
    with desa.page.expect_navigation():
        desa.page.click("form[enctype] button[type=submit]")
    url = desa.page.url.split("?")[0]
    assert "/usulan/" in url
    assert desa.page.locator(".facts .status").inner_text() == "Diajukan, menunggu kecamatan"
    assert desa.page.locator("a", has_text="surat-kematian.pdf").is_visible()
    assert desa.page.locator("#f-note").count() == 0  # no review form for the proposer

    # the kecamatan, then the secretariat accept it
    kec = visit()
    _sign_in_as(kec, KECAMATAN_USER)
    assert _review(kec, url, "Dicek ke lapangan") == "Diterima kecamatan, menunggu sekretariat"
    secretariat = visit("analyst")
    assert _review(secretariat, url, "Sesuai data Dukcapil") == "Diterima"
    _shot(secretariat, shots, "usulan-detail")
    desa.open("/usulan")
    assert "Diterima" in desa.page.locator("#usulan").inner_text()

    # the correction file, imported as the next release
    secretariat.open("/usulan")
    secretariat.page.select_option("#f-release", site.release)
    with secretariat.page.expect_download() as download:
        secretariat.page.click("form[action='/usulan/corrections'] button[type=submit]")
    archive = tmp_path / "koreksi.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == ["families.csv", "persons.csv", "usulan.csv"]
        assert family not in opened.read("families.csv").decode()
    secretariat.upload([archive], NEXT, reference_date="2025-02-28")
    secretariat.page.wait_for_selector(".job[aria-busy=false]", timeout=JOB_TIMEOUT_MS)
    assert (site.path / "releases" / NEXT / "manifest.json").is_file()
    assert REFERENCE_DATE > "2025-02-28"  # older than the demo: Beranda keeps the demo

    # the next release's diff: the sanggahan is taken up in it
    secretariat.open("/usulan")
    secretariat.page.select_option("#f-old", site.release)
    secretariat.page.select_option("#f-new", NEXT)
    with secretariat.page.expect_navigation():
        secretariat.page.click("form[action='/usulan/take-up'] button[type=submit]")
    notice = secretariat.page.locator("[role=status]").inner_text()
    assert f"1 dari 1 usulan yang diterima masuk rilis {NEXT}" in notice
    taken = secretariat.page.locator("#usulan-taken").inner_text()
    assert family in taken and NEXT in taken
    _shot(secretariat, shots, "usulan")
    with secretariat.page.expect_navigation():
        secretariat.page.click(f"a[href='/releases/{NEXT}/diff?against={site.release}']")
    assert family in secretariat.page.locator("main").inner_text()
    desa.open(url)
    assert f"Masuk rilis {NEXT}" in desa.page.locator(".facts").inner_text()


def test_the_linkage_review_queue_pair_by_pair(visit: NewVisitor, shots: Path) -> None:
    tab = visit("analyst")
    tab.open("/linkage")
    _shot(tab, shots, "tinjauan-pencocokan")
    rows = tab.page.locator("#link-runs tbody tr")
    assert rows.count() >= 1
    pairs = [int(rows.nth(i).locator("td.num").first.inner_text().replace(".", "") or 0)
             for i in range(rows.count())]  # fmt: skip
    assert max(pairs) > 0, "the synthetic site's link runs must put pairs in review"
    with tab.page.expect_navigation():
        rows.nth(pairs.index(max(pairs))).locator("a").click()
    pair = tab.page.locator("section.link-pair").first
    assert pair.count() > 0, "the synthetic site's link run must put pairs in review"
    assert "****" in pair.inner_text()  # NIKs masked
    _shot(tab, shots, "tinjauan-antrean")
    with tab.page.expect_navigation():
        pair.locator("button[value=accept]").first.click()
    decided = tab.page.locator("section.link-pair.decided").first
    assert "Diterima" in decided.inner_text()
