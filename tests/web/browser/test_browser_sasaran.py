"""Sasaran in Chromium: the coverage matrix drilled kabupaten → kecamatan → desa (HTMX, the
address follows), the desa's left-out families, and a rule change previewed before saving.

Expected counts come from the release's source file (families.parquet), outside the code.
With ``RPKD_SCREENSHOTS=docs/img/web`` the desktop pictures of the pages replace the docs'.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
from browser_read import id_number
from browser_tab import NewVisitor, Visitor
from PIL import Image

AREAS = "table#coverage-areas"


def _families(tab: Visitor) -> list[dict[str, object]]:
    return pq.read_table(tab.site.source / "families.parquet").to_pylist()


def _shot(tab: Visitor, name: str) -> None:
    folder = os.environ.get("RPKD_SCREENSHOTS")
    if not folder:
        return
    path = Path(folder) / f"{name}-desktop.png"
    tab.page.wait_for_load_state("networkidle")
    tab.page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    with Image.open(path) as taken:
        small = taken.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def _row_families(tab: Visitor, name: str) -> str:
    row = tab.page.locator(f"{AREAS} tbody tr", has=tab.page.locator("th", has_text=name))
    return row.first.locator("td").first.inner_text().strip()


def test_drill_the_coverage_matrix_down_to_a_desa(visit: NewVisitor) -> None:
    tab = visit("analyst")
    assert tab.open("/targeting") == 200
    page, site = tab.page, tab.site
    assert page.locator("h1").inner_text() == "Sasaran: Kabupaten Kapuas"
    tab.charts_drawn(minimum=1)  # the accuracy chart, a table beside it
    assert page.locator("#accuracy-table tbody tr").count() >= 2
    _shot(tab, "sasaran")
    families = _families(tab)
    kecamatan = site.desa.rsplit(".", 1)[0]
    poor_kec = sum(1 for f in families if f["desil"] <= 2 and f["desa_code"].startswith(kecamatan))
    link = page.locator(f"{AREAS} a[href*='area={kecamatan}&']")
    name = link.inner_text().strip()
    assert _row_families(tab, name) == id_number(poor_kec)

    page.evaluate("window.__same_document = true")
    link.click()
    page.wait_for_url(f"**area={kecamatan}&*")
    page.wait_for_selector(f"h1:has-text('{name}')")
    assert page.evaluate("window.__same_document") is True  # swapped in place, not reloaded
    trail = [t.strip(" ›") for t in page.locator("ol.breadcrumb li").all_inner_texts()]
    assert trail == ["Kabupaten Kapuas", name]
    poor_desa = sum(1 for f in families if f["desil"] <= 2 and f["desa_code"] == site.desa)
    desa_link = page.locator(f"{AREAS} a[href*='area={site.desa}&']")
    desa = desa_link.inner_text().strip()
    assert _row_families(tab, desa) == id_number(poor_desa)

    desa_link.click()
    page.wait_for_url(f"**area={site.desa}&*")
    page.wait_for_selector(f"h1:has-text('{desa}')")
    section = page.locator("#left-out")
    assert "disamarkan" in section.inner_text()
    shown = section.locator("tbody tr").count()
    left = page.locator(f"{AREAS} td.left-out-count").first.inner_text().strip()
    assert left == id_number(shown) or (shown == 1 and left == "0")  # "no rows" row when none
    _shot(tab, "sasaran-desa")


def test_preview_a_rule_change_before_saving(visit: NewVisitor) -> None:
    tab = visit("analyst")
    assert tab.open("/targeting/rules/sembako") == 200
    page = tab.page
    page.fill("#f-rule", "desil <= 3")
    page.click("button[hx-post$='/preview']")
    page.wait_for_selector("#preview-table")
    fourth = sum(1 for f in _families(tab) if f["desil"] == 4)
    totals = page.locator("#preview .totals").inner_text()
    assert f"−{id_number(fourth)}" in totals and "+0" in totals
    rows = page.locator("#preview-table tbody tr").count()
    assert rows >= 1
    _shot(tab, "aturan-pratinjau")
    page.fill("#f-rule", "desil <= 3 AND penghasilan > 1")
    page.click("button[hx-post$='/preview']")
    error = page.locator("#preview .preview-error")
    error.wait_for()
    assert "penghasilan" in error.inner_text()
    assert tab.open("/targeting/rules") == 200  # nothing was saved
    assert "diubah oleh" not in page.locator("#rules-table").inner_text()
