"""Every page an officer opens shows its figures, charts and tables (signed in as admin).

Expected values come from the release's own files and the survey estimates of the fixture,
written here the way BPS writes them; the page must show the same.
"""

from __future__ import annotations

import pyarrow.parquet as pq
from browser_read import column, id_number, id_percent, rows
from browser_tab import NewVisitor

KAPUAS_KECAMATAN = 17
"""Kabupaten Kapuas has 17 kecamatan (Kemendagri; the issue's "17 camat")."""


def test_beranda_shows_the_headline_figures_the_map_and_the_plan(visit: NewVisitor) -> None:
    tab = visit("admin")
    page, figures = tab.page, tab.site.figures
    cards = {
        card.locator(".card-label").inner_text(): card.locator(".card-value").inner_text()
        for card in page.locator("li.card").all()
    }
    assert cards["Penduduk miskin (P0)"] == id_percent(figures["p0"])
    assert cards["Kedalaman kemiskinan (P1)"] == id_number(100 * figures["p1"], 2)
    assert cards["Keparahan kemiskinan (P2)"] == id_number(100 * figures["p2"], 2)
    assert cards["Penduduk miskin ekstrem"] == id_percent(figures["extreme"])
    assert "target 2025" in page.locator("li.card").first.inner_text().lower()
    assert tab.charts_drawn(minimum=4) >= 4  # figures, path to zero, map, CV map
    kecamatan = page.locator("section[aria-labelledby=map-title] table")
    assert len(rows(kecamatan)) == KAPUAS_KECAMATAN
    assert all(p.endswith("%") for p in column(kecamatan, "P0"))
    assert "2027" in page.locator("#path-title").inner_text()  # the plan's target year
    freshness = rows(page.locator("section[aria-labelledby=releases-title] table"))
    assert freshness[0][:2] == ["kapuas-demo", "1 Maret 2025"]


def test_beranda_changes_year_without_reloading_the_page(visit: NewVisitor) -> None:
    tab = visit("analyst")
    page = tab.page
    page.evaluate("window.__same_document = true")
    with page.expect_response(lambda r: "year=2026" in r.url):
        page.fill("#year", "2026")
        page.locator("#year").dispatch_event("change")
    page.wait_for_url("**/?*year=2026*")
    assert page.evaluate("window.__same_document") is True  # HTMX swapped the body only
    assert "tahun 2026" in page.locator(".lede").inner_text()
    tab.charts_drawn(minimum=1)


def test_rilis_data_lists_the_release_with_its_rows(visit: NewVisitor) -> None:
    tab = visit("admin")
    tab.open("/releases")
    source = tab.site.source
    families = pq.read_metadata(source / "families.parquet").num_rows
    persons = pq.read_metadata(source / "persons.parquet").num_rows
    table = tab.page.locator("table").first
    found = {row[0]: row for row in rows(table)}
    row = found["kapuas-demo"]
    assert row[1:3] == ["62.03", "1 Maret 2025"]
    assert id_number(families) in row and id_number(persons) in row
    with tab.page.expect_navigation():
        tab.page.click("table >> text=kapuas-demo")
    assert tab.page.url.endswith("/releases/kapuas-demo")
    assert "kapuas-demo" in tab.page.locator("h1").inner_text()
    assert id_number(families) in tab.page.locator("main").inner_text()


def test_pengguna_lists_the_users_and_adds_one(visit: NewVisitor) -> None:
    tab = visit("admin")
    tab.open("/admin/users")
    page, site = tab.page, tab.site
    users = {row[0]: row for row in rows(page.locator("table").first)}
    assert set(site.users.values()) <= set(users)
    assert any(site.desa in cell for cell in users["operator_desa"])
    page.fill("#f-username", "bappeda_kapuas")
    page.fill("#f-full_name", "Staf Bapperida")
    page.fill("#f-password", "sandi-awal-kapuas-1")
    page.fill("#f-password_confirm", "sandi-awal-kapuas-1")
    page.select_option("#f-role", "viewer")
    with page.expect_navigation():
        page.click("form[action='/admin/users'] button[type=submit]")
    users = {row[0]: row for row in rows(page.locator("table").first)}
    assert users["bappeda_kapuas"][1] == "Staf Bapperida"
    assert users["bappeda_kapuas"][2] == "Pemantau"


def test_log_audit_shows_sign_ins_and_filters_by_user(visit: NewVisitor) -> None:
    visit("viewer")  # someone else signed in: a row to find
    tab = visit("admin")
    tab.open("/admin/audit")
    page = tab.page
    table = page.locator("#audit-table table")
    assert "auth.sign_in" in column(table, "Tindakan")
    with page.expect_response(lambda r: "user=pemantau" in r.url):
        page.fill("#f-user", "pemantau")
        page.click("form.filters button[type=submit]")
    page.wait_for_url("**user=pemantau*")
    users = column(page.locator("#audit-table table"), "Pengguna")
    assert users and set(users) == {"pemantau"}
