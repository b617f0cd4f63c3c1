"""The plan and the rakor in Chromium: the secretariat types a wrong target (and sees the
sentence under the field, nothing saved), corrects it, adds an activity, then records a rakor
decision, finds it in the rakor pack and follows it up, overdue, at the next meeting. Screenshots of the pages (desktop, whole page; a phone, first screen) go
to a temporary folder, or with ``RPKD_SCREENSHOTS=docs/img/web`` replace the documentation's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_site import Site
from browser_tab import NewVisitor, Visitor
from PIL import Image


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("RPKD_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots-rencana")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _shot(tab: Visitor, path: Path, *, full_page: bool = True) -> None:
    tab.page.wait_for_load_state("networkidle")
    tab.page.evaluate("document.activeElement && document.activeElement.blur()")
    tab.page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    with Image.open(path) as taken:
        small = taken.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def test_a_wrong_target_corrected_and_a_rakor_decision(
    visit: NewVisitor, site: Site, folder: Path
) -> None:
    tab = visit("analyst")
    assert tab.open("/plan") == 200
    page = tab.page
    year = site.year + 1
    target = page.locator(f'#editor [name="target:{year}"]')
    page.click("a[href='/plan/indicators/P0/edit']")
    target.wait_for()
    target.fill("enam")
    page.click("#editor button[type=submit]")
    error = page.locator("#editor .field-error")
    error.wait_for()
    assert f"Target {year} harus angka" in error.inner_text()
    assert page.locator(f"#editor .field.invalid [name='target:{year}']").count() == 1
    _shot(tab, folder / "rencana-ubah-target-desktop.png")
    target.fill("6.25")
    with page.expect_navigation():
        page.click("#editor button[type=submit]")
    assert "saved=P0" in page.url
    assert page.locator(".notice.ok").inner_text() == "P0 tersimpan."
    assert "6,25" in page.locator("#indicator-P0").inner_text()
    page.click("a[href='/plan/activities/new?programme=P05']")
    page.locator("#editor #f-code").wait_for()
    page.fill("#f-code", "K0501")
    page.fill("#f-name", "Rehabilitasi rumah tidak layak huni")
    page.select_option("#f-agency", "PERKIM")
    page.fill("#f-target_group", "keluarga desil 1-2 dengan RTLH")
    page.fill("#f-partners", "BAZNAS")
    page.fill(f'[name="budget:apbd:{year}"]', "1500000000")
    page.fill(f'[name="budget:baznas:{year}"]', "200000000")
    with page.expect_navigation():
        page.click("#editor button[type=submit]")
    assert "Rehabilitasi rumah tidak layak huni" in page.locator("#activities").inner_text()
    _shot(tab, folder / "rencana-desktop.png")
    assert tab.open(f"/plan/rat?year={year}") == 200
    assert "K0501" in page.locator("#rat").inner_text()
    _shot(tab, folder / "rencana-rat-desktop.png")

    assert tab.open("/rakor") == 200
    page.fill("#f-title", "Rakor TKPKD triwulan I")
    page.fill("#f-held_on", f"{year}-03-10")
    page.fill("#f-place", "Aula Bappeda")
    with page.expect_navigation():
        page.click("form[action='/rakor'] button[type=submit]")
    meeting = page.url.split("/rakor/", 1)[1]
    page.fill("#f-text", "Validasi data RTLH desil 1-2")
    page.select_option("#f-owner", "agency:PERKIM")
    page.fill("#f-due_on", f"{year}-04-30")
    with page.expect_navigation():
        page.click(f"form[action='/rakor/{meeting}/decisions'] button[type=submit]")
    decisions = page.locator("#decisions-table").inner_text()
    assert "Validasi data RTLH desil 1-2" in decisions and "belum dimulai" in decisions
    assert tab.open("/rakor") == 200
    assert "Validasi data RTLH desil 1-2" in page.locator("#open-decisions").inner_text()
    _shot(tab, folder / "rakor-daftar-desktop.png")
    assert tab.open(f"/rakor/{meeting}/pack") == 200
    assert "Validasi data RTLH desil 1-2" in page.locator("#pack-decisions-table").inner_text()
    _shot(tab, folder / "rakor-bahan-desktop.png")
    page.emulate_media(media="print")
    assert not page.locator("nav.menu").is_visible()
    page.emulate_media(media="screen")

    assert tab.open("/rakor") == 200  # the next meeting carries the decision, now overdue
    page.fill("#f-title", "Rakor TKPKD triwulan II")
    page.fill("#f-held_on", f"{year}-06-15")
    with page.expect_navigation():
        page.click("form[action='/rakor'] button[type=submit]")
    carried = page.locator("#carried tbody tr").first
    assert "lewat batas waktu" in carried.inner_text()
    carried.locator("select[name=status]").select_option("in_progress")
    carried.locator("input[name=note]").fill("40 dari 120 rumah terverifikasi")
    with page.expect_navigation():
        carried.locator("button[type=submit]").click()
    carried = page.locator("#carried tbody tr").first
    assert "sedang berjalan" in carried.inner_text()
    assert "40 dari 120 rumah terverifikasi" in carried.inner_text()
    _shot(tab, folder / "rakor-desktop.png")
    phone = visit("analyst", phone=True)
    assert phone.open("/plan") == 200
    _shot(phone, folder / "rencana-phone.png", full_page=False)
