"""Every page on a desktop (1280×800, the whole page) and a phone (390×844, the first screen),
with nothing wider than the phone's screen but the tables, which scroll inside their frame.

The pictures go to a temporary folder; with ``RPKD_SCREENSHOTS=docs/img/web`` they replace the
README's (``docs/img/web/<page>-desktop.png`` and ``-phone.png``, 256 colours to stay small).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_site import Site
from browser_tab import NewVisitor, Visitor
from PIL import Image


@dataclass(frozen=True)
class Shot:
    name: str
    role: str | None
    path: str
    lang: str = "id"
    """The page's language (the browser's locale follows it: file and date inputs)."""
    charts: int = 0


def shots(site: Site) -> tuple[Shot, ...]:
    return (
        Shot("masuk", None, "/login"),
        Shot("beranda", "admin", "/", charts=4),
        Shot("beranda-en", "admin", "/", lang="en", charts=4),
        Shot("profil", "admin", "/profile", charts=5),
        Shot("profil-desa", "admin", f"/profile?area={site.desa}", charts=5),
        Shot("beranda-operator-desa", "area_operator", "/", charts=1),
        Shot("profil-operator-desa", "area_operator", "/profile", charts=5),
        Shot("rilis", "admin", "/releases"),
        Shot("rilis-detail", "admin", f"/releases/{site.release}"),
        Shot("pengguna", "admin", "/admin/users"),
        Shot("log-audit", "admin", "/admin/audit"),
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("RPKD_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _save(tab: Visitor, path: Path, *, full_page: bool) -> None:
    tab.page.wait_for_load_state("networkidle")
    tab.page.evaluate("document.activeElement && document.activeElement.blur()")
    tab.page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    with Image.open(path) as taken:
        small = taken.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def _fits_the_phone(tab: Visitor) -> None:
    """Nothing but a table's own scrolling frame is wider than the screen."""
    wide = tab.page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => !e.closest('.table-wrap, .chart-canvas'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''))"""
    )
    assert not wide, f"{tab.page.url} is wider than a phone: {wide[:5]}"
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.page.viewport_size["width"]  # type: ignore[index]


def test_every_page_on_a_desktop_and_a_phone(visit: NewVisitor, site: Site, folder: Path) -> None:
    tabs: dict[tuple[str | None, str, bool], Visitor] = {}  # one signed-in tab per kind
    for shot in shots(site):
        for phone in (False, True):
            key = (shot.role, shot.lang, phone)
            if key not in tabs:
                tabs[key] = visit(shot.role, phone=phone, locale=f"{shot.lang}-ID")
                if shot.lang != "id":
                    tabs[key].open(f"/lang/{shot.lang}?next=/login")
            tab = tabs[key]
            assert tab.open(shot.path) == 200
            if shot.charts:
                tab.charts_drawn(minimum=shot.charts)
            kind = "phone" if phone else "desktop"
            if phone:
                _fits_the_phone(tab)
            _save(tab, folder / f"{shot.name}-{kind}.png", full_page=not phone)
    assert len(list(folder.glob("*.png"))) >= 2 * len(shots(site))


def test_a_refused_import_on_a_desktop_and_a_phone(
    visit: NewVisitor, bad_files: list[Path], folder: Path
) -> None:
    tab = visit("analyst")
    tab.upload(bad_files, "rusak-contoh")
    tab.wait_for_job()
    job = tab.page.url
    assert "/imports/" in job
    tab.open(job)
    _save(tab, folder / "rilis-temuan-desktop.png", full_page=True)
    phone = visit("analyst", phone=True)
    phone.open(job)
    _fits_the_phone(phone)
    _save(phone, folder / "rilis-temuan-phone.png", full_page=True)
