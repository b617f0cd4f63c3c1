"""Skenario in Chromium: an analyst builds a scenario with the form, saves it as the chosen one,
uploads a scenario file, runs one and compares both, each answer swapped in by HTMX with its
chart drawn and its table beside it; then the optimiser's trade-off curve. Screenshots of the
page go to ``RPKD_SCREENSHOTS`` (``docs/img/web``) when it is set.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from browser_read import headers
from browser_tab import NewVisitor, Visitor
from PIL import Image

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "scenario-kapuas-2027.toml"
EXAMPLE_NAME = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["name"]
FORMED = "Top-up desil 1 (uji peramban)"
RUN_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("RPKD_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _shot(tab: Visitor, path: Path) -> None:
    tab.page.wait_for_load_state("networkidle")
    tab.page.evaluate("document.activeElement && document.activeElement.blur()")
    tab.page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    with Image.open(path) as taken:
        small = taken.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def _wait_for_result(tab: Visitor, kind: str) -> None:
    tab.page.wait_for_selector(f"#result-{kind}", timeout=RUN_TIMEOUT_MS)
    tab.page.locator(f"#result-{kind} [data-vega-spec] svg [class^='mark-']").first.wait_for()


def test_build_save_run_and_compare_scenarios(visit: NewVisitor, folder: Path) -> None:
    tab = visit("analyst")
    assert tab.open("/scenarios") == 200
    page = tab.page

    # the form: a finding comes back beside its field, nothing is saved
    page.fill("#f-name", FORMED)
    page.select_option("#f-p0_programme", "sembako")
    page.select_option("#f-p0_top_up_to", "extreme")
    page.fill("#f-p0_rule", "desil = 1")
    page.fill("#f-p0_budget", "lima miliar")
    page.click("#scenario-form button.primary")
    error = page.locator("#e-p0_budget")
    error.wait_for()
    assert "budget" in error.inner_text()
    assert page.locator("#f-p0_budget").input_value() == "lima miliar"

    # corrected, saved as the chosen scenario
    page.fill("#f-p0_budget", "5.000.000.000")
    page.select_option("#f-p1_programme", "pkh")
    page.fill("#f-p1_amount", "300.000")
    page.fill("#f-p1_uptake", "90%")
    page.check("#scenario-form input[name=chosen]")
    page.click("#scenario-form button.primary")
    page.locator(".notice.ok").wait_for()
    assert FORMED in page.locator("#saved-scenarios").inner_text()

    # a scenario file uploaded
    page.click("details.upload summary")
    page.set_input_files("#f-file", str(EXAMPLE))
    page.click("details.upload button.primary")
    page.locator(".notice.ok").wait_for()
    page.wait_for_function(
        "name => document.querySelector('#saved-scenarios').innerText.includes(name)",
        arg=EXAMPLE_NAME,
    )

    # run the one built with the form
    page.select_option("#run-scenario", label=f"{FORMED} ★")
    page.click("#run-form button.primary")
    _wait_for_result(tab, "run")
    table = page.locator("#result-run table").first
    assert headers(table)[:3] == ["Tahun", "Ukuran", "Garis"]
    assert "run" in page.url and "scenario=" in page.url  # the address can be shared
    _shot(tab, folder / "skenario-desktop.png")

    # compare both
    for name in (FORMED, EXAMPLE_NAME):
        page.check(f"#compare-form input[value='{name}']")
    page.click("#compare-form button.primary")
    _wait_for_result(tab, "compare")
    compared = " ".join(headers(page.locator("#result-compare table").first))
    assert FORMED in compared and EXAMPLE_NAME in compared
    _shot(tab, folder / "skenario-banding-desktop.png")

    # the optimiser
    page.click("#optimise-form button.primary")
    _wait_for_result(tab, "optimise")
    assert page.locator("#result-optimise table").count() == 2


def test_the_page_on_a_phone(visit: NewVisitor, folder: Path) -> None:
    tab = visit("viewer", phone=True)
    assert tab.open("/scenarios") == 200
    assert tab.page.locator("#scenario-form").count() == 0  # a viewer does not save
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.page.viewport_size["width"]  # type: ignore[index]
    _shot(tab, folder / "skenario-phone.png")
