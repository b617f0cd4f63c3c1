"""Profil kemiskinan in Chromium: drilling kabupaten → kecamatan (a click on the map) → desa (a
link in the table beside it), and downloading what is shown.

Family counts come from the release's source file (families.parquet), outside the code."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from browser_read import column, id_number, id_percent, rows
from browser_tab import NewVisitor, Visitor

AREA_TABLE = "section[aria-labelledby=map-title] table"


def _area_link(tab: Visitor, code: str) -> str:
    """Return the name of the area ``code`` as the area table links it."""
    link = tab.page.locator(f"{AREA_TABLE} a[href*='area={code}&']")
    assert link.count() == 1, f"no link to {code} in the area table"
    return link.inner_text().strip()


def _card(tab: Visitor, label: str) -> str:
    card = tab.page.locator("li.card", has=tab.page.locator(".card-label", has_text=label))
    return card.first.locator(".card-value").inner_text()


def test_drill_down_from_the_district_to_a_desa(visit: NewVisitor) -> None:
    tab = visit("analyst")
    tab.open("/profile")
    page, site = tab.page, tab.site
    assert page.locator("h1").inner_text() == "Profil kemiskinan: Kabupaten Kapuas"
    assert _card(tab, "Keluarga") == id_number(sum(site.families_by_desa.values()))
    tab.charts_drawn(minimum=5)  # map, CV map, desil, characteristics, vulnerable groups
    kecamatan_code = site.desa.rsplit(".", 1)[0]
    kecamatan = _area_link(tab, kecamatan_code)

    # a click on the kecamatan in the map loads its page in place (HTMX) and the address follows
    page.evaluate("window.__same_document = true")
    shape = page.locator(
        f"[data-vega-spec='chart-map-spec'] svg path[aria-label*='nama: {kecamatan};']"
    )
    shape.click()
    page.wait_for_url(f"**area={kecamatan_code}*")
    page.wait_for_selector(f"h1:has-text('{kecamatan}')")
    assert page.evaluate("window.__same_document") is True
    trail = page.locator("ol.breadcrumb li").all_inner_texts()
    assert [t.strip(" ›") for t in trail] == ["Kabupaten Kapuas", kecamatan]
    tab.charts_drawn(minimum=5)
    in_kecamatan = {c: n for c, n in site.families_by_desa.items() if c.startswith(kecamatan_code)}
    assert _card(tab, "Keluarga") == id_number(sum(in_kecamatan.values()))
    links = page.locator(f"{AREA_TABLE} tbody a").evaluate_all("as => as.map(a => a.href)")
    assert {c for c in in_kecamatan if not any(f"area={c}&" in h for h in links)} == set()

    # the desa, from the table beside the map
    desa = _area_link(tab, site.desa)
    page.locator(f"{AREA_TABLE} a[href*='area={site.desa}&']").click()
    page.wait_for_url(f"**area={site.desa}*")
    page.wait_for_selector(f"h1:has-text('{desa}')")
    trail = page.locator("ol.breadcrumb li").all_inner_texts()
    assert [t.strip(" ›") for t in trail] == ["Kabupaten Kapuas", kecamatan, desa]
    assert _card(tab, "Keluarga") == id_number(site.families_by_desa[site.desa])
    current = page.locator(f"{AREA_TABLE} tr[aria-current]")
    assert current.inner_text().startswith(desa)
    tab.charts_drawn(minimum=5)

    # back up to the district through the trail
    page.locator("ol.breadcrumb a", has_text="Kabupaten Kapuas").click()
    page.wait_for_selector("h1:has-text('Kabupaten Kapuas')")


def test_downloads_hold_the_rows_shown(visit: NewVisitor, tmp_path: Path) -> None:
    tab = visit("analyst")
    site = tab.site
    kecamatan_code = site.desa.rsplit(".", 1)[0]
    tab.open(f"/profile?release={site.release}&area={kecamatan_code}")
    page = tab.page
    table = page.locator(AREA_TABLE)
    shown = {row[0]: row for row in rows(table)}
    estimate_column = [h for h in column(table, "Nama")]  # the names, in the table's order
    assert estimate_column

    with page.expect_download() as got:
        page.click(".downloads a[href*='table=map']")
    areas = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8-sig"))))
    assert {a["name"] for a in areas} == set(shown)
    p0 = 1  # the P0 column of the area table
    for area in areas:
        if area["estimate"]:
            assert shown[area["name"]][p0] == id_percent(float(area["estimate"]))

    with page.expect_download() as got:
        page.click(".downloads a[href*='table=profile']")
    profile = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8-sig"))))
    families = {r["code"]: float(r["value"]) for r in profile if r["indicator"] == "families_total"}
    in_kecamatan = {c: n for c, n in site.families_by_desa.items() if c.startswith(kecamatan_code)}
    assert families[kecamatan_code] == sum(in_kecamatan.values())
    assert {c: families[c] for c in in_kecamatan} == in_kecamatan

    with page.expect_download() as got:
        page.click(".downloads a[href*='download.xlsx']")
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    book = openpyxl.load_workbook(saved, read_only=True)
    assert len(book.worksheets) == 2  # the profile and the map, headed in Indonesian
    cells = {str(v) for row in book.worksheets[1].iter_rows(values_only=True) for v in row}
    assert set(shown) <= cells
