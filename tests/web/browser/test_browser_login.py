"""Signing in and out, a wrong password, and the language switch, in Chromium."""

from __future__ import annotations

from browser_tab import NewVisitor


def test_a_page_asks_for_sign_in_and_returns_to_it(visit: NewVisitor) -> None:
    tab = visit()
    tab.open("/admin/users")
    assert tab.page.url.startswith(f"{tab.url}/login?next=")
    tab.page.fill("#f-username", tab.site.users["admin"])
    tab.page.fill("#f-password", "kapuas-bersinar-2025")
    with tab.page.expect_navigation():
        tab.page.click("form[action='/login'] button[type=submit]")
    assert tab.page.url == f"{tab.url}/admin/users"
    assert tab.page.locator("h1").inner_text() == "Pengguna"


def test_a_wrong_password_says_so_and_signs_nobody_in(visit: NewVisitor) -> None:
    tab = visit()
    tab.open("/login")
    tab.page.fill("#f-username", tab.site.users["analyst"])
    tab.page.fill("#f-password", "salah-sandi")
    with tab.page.expect_navigation():
        tab.page.click("form[action='/login'] button[type=submit]")
    alert = tab.page.locator("[role=alert]")
    assert alert.inner_text().lower() == "nama pengguna atau kata sandi salah"
    assert tab.page.input_value("#f-username") == tab.site.users["analyst"]
    assert not any(c["name"] == "rpkd_session" for c in tab.page.context.cookies())
    tab.open("/")
    assert "/login" in tab.page.url


def test_sign_in_opens_beranda_and_sign_out_closes_the_session(visit: NewVisitor) -> None:
    tab = visit("analyst")
    assert tab.page.url == f"{tab.url}/"
    assert tab.page.locator("h1").first.inner_text() == "Beranda"
    assert tab.page.locator("details.account summary").inner_text().endswith("analis")
    tab.page.click("details.account summary")
    with tab.page.expect_navigation():
        tab.page.click("form[action='/logout'] button")
    tab.open("/")
    assert "/login" in tab.page.url


def test_the_switch_turns_the_pages_into_english_and_back(visit: NewVisitor) -> None:
    tab = visit("admin")
    tab.open("/admin/users")
    menu = tab.page.locator("nav.menu")
    assert "Pengguna" in menu.inner_text()
    with tab.page.expect_navigation():
        tab.page.click("a.lang-switch")
    assert tab.page.url == f"{tab.url}/admin/users"
    assert tab.page.locator("html").get_attribute("lang") == "en"
    assert "Users" in menu.inner_text()
    assert "Home" in menu.inner_text()
    tab.open("/")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    with tab.page.expect_navigation():
        tab.page.click("a.lang-switch")
    assert tab.page.locator("html").get_attribute("lang") == "id"
    assert "Beranda" in menu.inner_text()
