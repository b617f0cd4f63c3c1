"""Realisations and partners in Chromium: an agency operator submits a quarter with evidence,
the secretariat returns it with a reason, the operator (told by the bell) corrects it, the
secretariat verifies it and the performance page changes; a partner registers a commitment
and reports on it, and the secretariat verifies the report.

The workspace is the small one of ``realisasi_fixture`` (the Kapuas plan with PERKIM's RTLH
activity), with quarter 1 of 2025 already reported and verified, served on its own port.
With ``RPKD_SCREENSHOTS=docs/img/web`` the desktop pictures of the pages replace the docs'.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_site import LiveServer
from browser_tab import DESKTOP, TIMEOUT_MS
from PIL import Image
from playwright.sync_api import Browser, Page
from realisasi_fixture import make_workspace
from web_fixture import PASSWORD

from rpkd.workflows import Workspace
from rpkd.workflows.realisation_work import submit_realisation
from rpkd.workflows.realisations import verify_realisation

Q2 = "year=2025&quarter=2"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = make_workspace(tmp_path_factory.mktemp("realisasi") / "ws")
    with Workspace.open(path, actor="perkim", environ={}) as ws:
        first = submit_realisation(ws, "indicator", "O0501", 2025, 1, value=20.0).items[0]
        spent = submit_realisation(
            ws, "activity", "K0501", 2025, 1, budget_spent=3.0e8, beneficiaries=20
        ).items[0]
    with Workspace.open(path, actor="tkpkd", environ={}) as ws:
        for item in (first, spent):
            verify_realisation(ws, item.id)
    live = LiveServer(path).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bukti") / "bast-rtlh.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    return path


@pytest.fixture(scope="module")
def shots() -> Path | None:
    chosen = os.environ.get("RPKD_SCREENSHOTS")
    return Path(chosen) if chosen else None


@pytest.fixture
def tab(chromium: Browser, server: LiveServer) -> Iterator[Callable[[str], Page]]:
    opened: list[Page] = []
    errors: list[str] = []

    def new(user: str) -> Page:
        context = chromium.new_context(
            base_url=server.url, locale="id-ID", viewport=DESKTOP, device_scale_factor=1
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"page: {error}"))
        page.on(
            "console",
            lambda m: errors.append(m.text) if m.type == "error" and "status of 4" not in m.text
            else None,
        )  # fmt: skip
        page.goto("/login")
        page.fill("#f-username", user)
        page.fill("#f-password", PASSWORD)
        with page.expect_navigation():
            page.click("form[action='/login'] button[type=submit]")
        opened.append(page)
        return page

    yield new
    for page in opened:
        page.context.close()
    assert not errors, "\n".join(errors)


def _shot(page: Page, folder: Path | None, name: str) -> None:
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    target = folder / f"{name}-desktop.png"
    page.screenshot(path=str(target), full_page=True, animations="disabled", caret="hide")
    with Image.open(target) as taken:
        small = taken.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    small.save(target, optimize=True)


def _achievement(page: Page) -> str:
    page.goto(f"/performance?{Q2}")
    return page.locator("tr[data-code='O0501'] td.col-achievement").inner_text()


def _submit(page: Page, value: str, evidence: Path | None = None) -> None:
    page.goto(f"/realisations?{Q2}")
    page.select_option("#f-subject", "indicator:O0501")
    page.fill("#f-value", value)
    page.fill("#f-note", "BAST rehabilitasi rumah")
    if evidence is not None:
        page.set_input_files("#f-evidence", str(evidence))
    with page.expect_navigation():
        page.click("button:has-text('Kirim untuk verifikasi')")
    assert "menunggu verifikasi" in page.locator(".notice.ok").inner_text()


def test_a_quarter_is_submitted_returned_corrected_and_verified(
    tab: Callable[[str], Page], evidence: Path, shots: Path | None
) -> None:
    operator: Page = tab("perkim")
    secretariat: Page = tab("tkpkd")
    assert _achievement(secretariat) == "20,0"  # quarter 1 stands until quarter 2 is verified
    _submit(operator, "40", evidence)
    assert (
        "menunggu verifikasi" in operator.locator("tr[data-subject='indicator:O0501']").inner_text()
    )

    secretariat.goto(f"/realisations?{Q2}")
    review = secretariat.locator(".review").filter(has_text="O0501")
    assert review.locator("a", has_text="bast-rtlh.pdf").is_visible()
    _shot(secretariat, shots, "realisasi")
    review.locator("input[name=reason]").fill("BAST belum ditandatangani kepala dinas")
    with secretariat.expect_navigation():
        review.locator("button", has_text="Kembalikan").click()
    assert "dikembalikan" in secretariat.locator(".notice.ok").inner_text()

    operator.goto("/")
    assert int(operator.locator(".bell-count").inner_text()) >= 1
    operator.click("a.bell")
    notice = operator.locator("#notices li[data-code='notice_realisation_returned']")
    assert "dikembalikan" in notice.inner_text()
    _shot(operator, shots, "notifikasi")
    with operator.expect_navigation():
        notice.locator("a").click()
    row = operator.locator("tr[data-subject='indicator:O0501']")
    assert "BAST belum ditandatangani" in row.inner_text()
    _submit(operator, "55")

    secretariat.goto(f"/realisations?{Q2}")
    review = secretariat.locator(".review").filter(has_text="O0501")
    with secretariat.expect_navigation():
        review.locator("button", has_text="Verifikasi").click()
    assert _achievement(secretariat) == "55,0"
    light = secretariat.locator("tr[data-code='O0501'] .light")
    assert light.inner_text() == "merah"  # 55% of the target of 100 houses: a red band
    chart = secretariat.locator("[data-vega-spec]")
    chart.locator("svg [class^='mark-']").first.wait_for()
    assert "55" in secretariat.locator("#trend").inner_text()
    _shot(secretariat, shots, "kinerja")
    secretariat.goto(f"/realisations?{Q2}")
    history = secretariat.locator("#history").inner_text()
    assert "dikembalikan" in history and "terverifikasi" in history
    secretariat.goto("/evaluation")
    assert secretariat.locator("#targets").is_visible()
    _shot(secretariat, shots, "evaluasi")


def test_a_partner_registers_a_commitment_and_reports_it(
    tab: Callable[[str], Page], evidence: Path, shots: Path | None
) -> None:
    partner: Page = tab("baznas")
    secretariat: Page = tab("tkpkd")
    partner.goto(f"/partners?{Q2}")
    partner.select_option("#f-programme", "P05")
    partner.fill("#f-activity", "K0501")
    partner.fill("#f-lokus", "62.03.01")
    partner.fill("#f-target_group", "keluarga desil 1 dengan RTLH")
    partner.fill("#f-description", "Bedah rumah 10 unit")
    partner.fill("#f-amount", "400000000")
    partner.select_option("#f-end_year", "2026")
    with partner.expect_navigation():
        partner.click("button:has-text('Simpan komitmen')")
    card = partner.locator(".commitment").filter(has_text="Bedah rumah 10 unit")
    assert "belum dilaporkan" in card.inner_text()
    card.locator("input[name=budget_spent]").fill("100000000")
    card.locator("input[name=beneficiaries]").fill("4")
    card.locator("input[name=evidence]").set_input_files(str(evidence))
    with partner.expect_navigation():
        card.locator("button", has_text="Kirim laporan").click()
    card = partner.locator(".commitment").filter(has_text="Bedah rumah 10 unit")
    assert "menunggu verifikasi" in card.inner_text()

    secretariat.goto(f"/partners?{Q2}")
    budget = secretariat.locator("#budget").inner_text()
    assert "Bedah rumah 10 unit" in budget and "Dana Desa" in budget
    _shot(secretariat, shots, "mitra")
    with secretariat.expect_navigation():
        secretariat.locator(
            "form[action*='/partners/reports/'] button", has_text="Verifikasi"
        ).click()
    partner.goto(f"/partners?{Q2}")
    card = partner.locator(".commitment").filter(has_text="Bedah rumah 10 unit")
    assert "terverifikasi" in card.inner_text()
