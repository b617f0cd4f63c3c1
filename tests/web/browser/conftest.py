"""Fixtures of the browser tests: Debian's Chromium, driven by Playwright, on the live site.

The site (:mod:`browser_site`) is built once per session and served by uvicorn on a free
loopback port; every test gets a fresh browser context (no cookies) on it. A test fails if the
page raised a JavaScript error or logged one (a Content-Security-Policy violation, a script that
did not load, a 5xx); answers 4xx that a test provokes are its own business.

Every test here carries the ``browser`` marker; under ``pytest -n 2`` (scripts/test.sh) they
all run on one worker (``run_group`` in tests/conftest.py), which builds the site once.
Playwright cannot download its own browser here: it launches ``/usr/bin/chromium``
(``apt-get install chromium``; scripts/test.sh installs it), or ``RPKD_CHROMIUM``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_site import LiveServer, Site, build_site
from browser_tab import DESKTOP, PHONE, SOURCE_KINDS, TIMEOUT_MS, NewVisitor, Visitor
from playwright.sync_api import Browser, ConsoleMessage, Playwright, sync_playwright

from rpkd.workflows import Workspace, synthesize_district

HERE = Path(__file__).parent
CHROMIUM = Path(os.environ.get("RPKD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_CLIENT_ERROR = re.compile(r"status of 4\d\d")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)  # one xdist group: tests/conftest.py


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The demo-like workspace (release, plan, links, one user per role): 3,000 families, or
    with ``RPKD_SITE_FAMILIES=demo`` the demo's whole district (minutes to build; the README's
    pictures are taken on it)."""
    size = os.environ.get("RPKD_SITE_FAMILIES", "3000")
    families = None if size == "demo" else int(size)
    return build_site(tmp_path_factory.mktemp("site") / "ws", families)


@pytest.fixture(scope="session")
def live(site: Site) -> Iterator[LiveServer]:
    """uvicorn serving the site for the whole session."""
    server = LiveServer(site.path).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.is_file():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium; scripts/test.sh does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def small_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic Kapuas as an agency sends it (CSV, 200 families, seed 2)."""
    base = tmp_path_factory.mktemp("upload")
    with Workspace.open(base / "ws", environ={}) as ws:
        synthesize_district(ws, "62.03", base / "source", families=200, seed=2, fmt="csv")
    return base / "source"


def _rewrite(path: Path, row: int, field: str, value: str) -> None:
    """Set ``field`` of data row ``row`` (1 = the first row under the header) to ``value``."""
    with path.open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    table[row - 1][field] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


@pytest.fixture(scope="session")
def bad_files(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The small source with two errors: desil 12 in families row 3, a NIK with letters in
    persons row 5."""
    folder = tmp_path_factory.mktemp("bad")
    files = [Path(shutil.copy(small_source / f"{kind}.csv", folder)) for kind in SOURCE_KINDS]
    _rewrite(folder / "families.csv", 3, "desil", "12")
    _rewrite(folder / "persons.csv", 5, "nik", "62O3XYZ")
    return files


@pytest.fixture
def visit(chromium: Browser, live: LiveServer, site: Site) -> Iterator[NewVisitor]:
    """Open a fresh tab (own cookies): ``visit()`` on a desktop, ``visit(phone=True)`` on a
    phone; ``visit("admin")`` signs in as that role first."""
    opened: list[Visitor] = []

    def new(role: str | None = None, *, phone: bool = False, locale: str = "id-ID") -> Visitor:
        context = chromium.new_context(
            base_url=live.url,
            locale=locale,  # the browser's own words (file and date inputs)
            viewport=PHONE if phone else DESKTOP,
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        visitor = Visitor(context.new_page(), site, live.url)

        def console(message: ConsoleMessage) -> None:
            if message.type == "error" and not _CLIENT_ERROR.search(message.text):
                visitor.errors.append(f"console: {message.text}")

        visitor.page.on("console", console)
        visitor.page.on("pageerror", lambda error: visitor.errors.append(f"page: {error}"))
        opened.append(visitor)
        if role is not None:
            visitor.sign_in(role)
        return visitor

    yield new
    for visitor in opened:
        visitor.page.context.close()
    problems = [e for v in opened for e in v.errors]
    assert not problems, "the pages logged errors:\n" + "\n".join(problems)
