"""Every page an officer opens shows its figures, charts and tables (signed in as admin).

Expected values come from the release's own files and the survey estimates of the fixture,
written here the way BPS writes them; the page must show the same.
"""

from __future__ import annotations

import pyarrow.parquet as pq
from browser_read import column, id_number, id_percent, rows
from browser_tab import NewVisitor, Visitor

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
    assert page.locator("#f-role").input_value() == ""  # no role until the admin picks one
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
    actions = [line.splitlines() for line in column(table, "Tindakan")]
    assert ["Masuk", "auth.sign_in"] in actions  # the action's name, its code small below
    assert page.locator("#audit-table td small.code").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize) < parseFloat("
        "getComputedStyle(e.parentElement.parentElement).fontSize)"
    )
    with page.expect_response(lambda r: "user=pemantau" in r.url):
        page.fill("#f-user", "pemantau")
        page.click("form.filters button[type=submit]")
    page.wait_for_url("**user=pemantau*")
    users = column(page.locator("#audit-table table"), "Pengguna")
    assert users and set(users) == {"pemantau"}


def _cut_selects(tab: Visitor) -> list[str]:
    """The filter selects whose chosen text is wider than the select shows it."""
    cut: list[str] = tab.page.evaluate(
        """() => [...document.querySelectorAll('form.filters select')].filter(s => {
            const style = getComputedStyle(s);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = style.font;
            const text = ctx.measureText(s.options[s.selectedIndex].text).width;
            const room = s.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight) - 16;  /* the arrow */
            return text > room;
        }).map(s => s.id + ': ' + s.options[s.selectedIndex].text)"""
    )
    return cut


def test_filters_menu_and_numbers_read_whole(visit: NewVisitor) -> None:
    """Filter selects show their whole choice, numbers stand right, every menu item is in
    sight on a phone (the menu wraps)."""
    for phone in (False, True):
        tab = visit("admin", phone=phone)
        for path in ("/", f"/profile?area={tab.site.desa}"):
            tab.open(path)
            assert not _cut_selects(tab), (path, phone, _cut_selects(tab))
        menu = tab.page.locator("nav.menu a")
        width = tab.page.viewport_size["width"]  # type: ignore[index]
        for i in range(menu.count()):
            box = menu.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
                menu.nth(i).inner_text(),
                phone,
            )
    tab = visit("admin")
    tab.open(f"/profile?area={tab.site.desa}")
    for caption in ("Keluarga menurut desil kesejahteraan", "Kelompok rentan"):
        table = tab.page.locator("table", has=tab.page.locator("caption", has_text=caption))
        aligned = table.locator("tbody td").evaluate_all(
            "cs => cs.map(c => [c.textContent.trim(), getComputedStyle(c).textAlign])"
        )
        shares = [a for text, a in aligned if text[:1].isdigit() and text.endswith("%")]
        assert shares and set(shares) == {"right"}, (caption, aligned[:6])
