"""Roles in Chromium: a desa operator sees only their desa, a viewer no by-name data.

The by-name families are served by the API only; the browser asks for them with a bearer
token (its request context), as a partner's script would, and the admin then reads the audit
log on its page."""

from __future__ import annotations

import re

import pyarrow.compute as pc
import pyarrow.parquet as pq
from browser_read import column, id_number, rows
from browser_site import PASSWORD
from browser_tab import NewVisitor, Visitor

NIK_LIKE = re.compile(r"\b\d{16}\b|\d{4}\*{4,}\d{4}")
"""A NIK or KK number, whole or masked as the by-name tables mask it."""
ADMIN_ONLY = ("Pengguna", "Log audit")


def _token(tab: Visitor, role: str) -> str:
    answer = tab.page.request.post(
        "/api/v1/token", form={"username": tab.site.users[role], "password": PASSWORD}
    )
    assert answer.status == 200
    return str(answer.json()["access_token"])


def _families(tab: Visitor, token: str, desa: str) -> tuple[int, list[dict[str, object]]]:
    answer = tab.page.request.get(
        f"/api/v1/releases/{tab.site.release}/families?desa={desa}",
        headers={"Authorization": f"Bearer {token}"},
    )
    return answer.status, answer.json() if answer.status == 200 else []


def _head_names(tab: Visitor) -> set[str]:
    """The names of the heads of family of the operator's desa (two words or more)."""
    persons = pq.read_table(tab.site.source / "persons.parquet", columns=["family_id", "name"])
    families = pq.read_table(
        tab.site.source / "families.parquet", columns=["family_id", "desa_code"]
    )
    ids = families.filter(pc.equal(families["desa_code"], tab.site.desa))["family_id"]
    names = persons.filter(pc.is_in(persons["family_id"], ids))["name"].to_pylist()
    return {n for n in names if " " in n}


def test_a_desa_operator_sees_only_their_desa(visit: NewVisitor) -> None:
    tab = visit("area_operator")
    page, site = tab.page, tab.site
    menu = page.locator("nav.menu").inner_text()
    assert not any(item in menu for item in ADMIN_ONLY)

    # Beranda: no district figure, its own desa's, and one sentence that says why
    assert tab.open("/") == 200
    notes = page.locator("ul.findings li").all_inner_texts()
    assert notes and notes[0].startswith("Angka, peta dan target kabupaten tidak ditampilkan")
    assert site.desa in notes[0]
    assert all(n[0].isupper() and n.endswith(".") and "monitor.read" not in n for n in notes)
    assert page.locator("#chart-headline-spec").count() == 0
    cards = page.locator("li.card").all_inner_texts()
    assert any(id_number(site.families_by_desa[site.desa]) in c for c in cards)
    tab.charts_drawn(minimum=1)  # its desil chart

    tab.open("/profile")  # opens the desa of the grant
    assert f"area={site.desa}" in page.url or page.locator("ol.breadcrumb li").count() == 3
    cards = page.locator("li.card").all_inner_texts()
    assert any(id_number(site.families_by_desa[site.desa]) in c for c in cards)
    tab.charts_drawn(minimum=1)
    areas = page.locator("section[aria-labelledby=map-title] table tbody tr:not([aria-current])")
    for row in areas.all():  # another desa of the kecamatan: no figure of it
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        assert set(cells[1:]) <= {"–", ""}, f"the desa operator sees figures of {cells[0]}"
    drawn = page.evaluate(
        "JSON.parse(document.getElementById('chart-map-spec').textContent).datasets.areas"
    )
    assert [a["code"] for a in drawn] == [site.desa]  # the map holds no figure of the others
    for link in page.locator("main a[href^='/profile?']").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    ):
        if "download" not in link:
            assert tab.open(link) == 200, f"{link} is offered to the desa operator but refused"
            tab.open(f"/profile?area={site.desa}")

    kecamatan = site.desa.rsplit(".", 1)[0]
    for area in (site.other_desa, kecamatan, "62.03"):
        assert tab.open(f"/profile?area={area}") == 403
        assert page.locator("main").inner_text().strip()  # a page that says why, not a blank
    tab.open("/releases")
    assert page.locator("form[data-upload]").count() == 0

    token = _token(tab, "area_operator")
    status, families = _families(tab, token, site.desa)
    assert status == 200 and len(families) == site.families_by_desa[site.desa]
    niks = [str(f["head_nik"]) for f in families if f["head_nik"] is not None]
    assert niks and all("*" in nik for nik in niks)  # masked: the role may not see them
    assert _families(tab, token, site.other_desa)[0] == 403

    audit = visit("admin")
    audit.open(f"/admin/audit?user={site.users['area_operator']}&action=families.")
    log = audit.page.locator("#audit-table table")
    scopes = column(log, "Cakupan")
    assert scopes.count(f"region={site.desa}") >= 1
    assert not any(site.other_desa in s for s in scopes)  # refused: nobody saw them
    counts = [r[5] for r in rows(log) if r[3] == f"region={site.desa}"]
    assert id_number(site.families_by_desa[site.desa]) in counts


def test_a_viewer_sees_aggregates_and_no_one_by_name(visit: NewVisitor) -> None:
    tab = visit("viewer")
    page, site = tab.page, tab.site
    menu = page.locator("nav.menu").inner_text()
    assert not any(item in menu for item in ADMIN_ONLY)
    names = _head_names(tab)
    assert names
    for path in (
        "/",
        "/profile",
        f"/profile?area={site.desa.rsplit('.', 1)[0]}",
        f"/profile?area={site.desa}",
        "/releases",
        f"/releases/{site.release}",
    ):
        assert tab.open(path) == 200, path
        text = page.locator("body").inner_text()
        assert not NIK_LIKE.search(text), f"{path} shows a NIK or KK number"
        shown = {n for n in names if n in text}
        assert not shown, f"{path} shows the names {sorted(shown)[:3]}"
    tab.open(f"/profile?area={site.desa}")
    assert "*" in page.locator("main").inner_text()  # small cells suppressed, and said so
    tab.open("/releases")
    assert page.locator("form[data-upload]").count() == 0
    assert tab.open("/admin/users") == 403
    assert tab.open("/admin/audit") == 403
    assert _families(tab, _token(tab, "viewer"), site.desa)[0] == 403
