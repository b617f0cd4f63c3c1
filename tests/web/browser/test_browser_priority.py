"""Kantong kemiskinan in Chromium: the Profil page of a kecamatan loads its priority section
after the page (HTMX), draws the priority-class map with the desa names and lists every desa of
the kecamatan with its class; the section's picture goes to ``RPKD_SCREENSHOTS`` when set
(``docs/img/web/profil-prioritas-desktop.png``), else to a temporary folder.

The desa come from the release's source file (families.parquet), outside the code."""

from __future__ import annotations

import os
from pathlib import Path

from browser_read import rows
from browser_tab import NewVisitor
from PIL import Image


def test_the_priority_map_and_table_of_a_kecamatan(visit: NewVisitor, tmp_path: Path) -> None:
    tab = visit("analyst")
    site = tab.site
    kecamatan = site.desa.rsplit(".", 1)[0]
    assert tab.open(f"/profile?release={site.release}&area={kecamatan}") == 200
    page = tab.page
    page.wait_for_selector("#priority-table table")
    panel = page.locator("#priority-panel")
    assert panel.locator("h2").inner_text() == "Kantong kemiskinan"
    assert "termasuk Prioritas 1" in panel.locator("p.certainty").inner_text()
    tab.charts_drawn(minimum=6)  # the profile's five and the priority map
    shapes = panel.locator("[data-vega-spec='chart-priority-map-spec'] svg path[aria-label]")
    assert shapes.count() > 0
    table = rows(page.locator("#priority-table table"))
    desa = {code for code in site.families_by_desa if code.startswith(kecamatan + ".")}
    assert len(table) == len(desa)
    assert all(r[0].startswith(("Prioritas ", "Bukan prioritas")) for r in table), table[:3]
    folder = Path(os.environ.get("RPKD_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "profil-prioritas-desktop.png"
    page.wait_for_load_state("networkidle")
    panel.screenshot(path=str(path), animations="disabled")
    with Image.open(path) as taken:
        small = taken.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    names = panel.locator("[data-vega-spec='chart-priority-map-spec'] svg text").evaluate_all(
        "ts => ts.map(t => t.textContent)"
    )
    assert sum(1 for r in table if r[1] in names) >= len(table) // 2  # most desa named on the map
