"""A browser tab on the live site (:class:`Visitor`) and the sizes the tests browse at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from browser_site import PASSWORD, Site
from playwright.sync_api import Page

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000
JOB_TIMEOUT_MS = 90_000
SOURCE_KINDS = ("families", "persons", "survey", "villages")
"""The files of an upload (the beneficiary lists are left out: smaller, enough)."""


@dataclass
class Visitor:
    """A browser tab on the live site, with the errors its pages logged."""

    page: Page
    site: Site
    url: str
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> int:
        """Open ``path``; return the HTTP status of the document."""
        answer = self.page.goto(path)
        assert answer is not None
        self.page.wait_for_load_state("load")
        return answer.status

    def sign_in(self, role: str, password: str = PASSWORD) -> None:
        """Sign in through the login form as the site's user of ``role``."""
        self.open("/login")
        self.page.fill("#f-username", self.site.users[role])
        self.page.fill("#f-password", password)
        with self.page.expect_navigation():
            self.page.click("form[action='/login'] button[type=submit]")

    def upload(self, files: list[Path], name: str, reference_date: str = "") -> None:
        """Send ``files`` as release ``name`` through the form of *Rilis data*."""
        self.open("/releases")
        self.page.set_input_files("#f-files", [str(f) for f in files])
        self.page.fill("#f-name", name)
        if reference_date:
            self.page.fill("#f-reference_date", reference_date)
        self.page.click("form[data-upload] button[type=submit]")

    def wait_for_job(self) -> None:
        """Wait until the import job shown has ended (its part stops polling)."""
        self.page.wait_for_selector(".job[aria-busy=false]", timeout=JOB_TIMEOUT_MS)

    def charts_drawn(self, minimum: int = 1) -> int:
        """Wait until every chart of the page is drawn (an SVG with marks); return how many."""
        charts = self.page.locator("[data-vega-spec]")
        count = charts.count()
        assert count >= minimum, f"{count} charts on {self.page.url}, expected {minimum}+"
        for i in range(count):
            charts.nth(i).locator("svg .mark-group, svg [class^='mark-']").first.wait_for()
        return count


NewVisitor = Callable[..., Visitor]
"""``visit(role=None, *, phone=False, locale="id-ID")``: a fresh tab (see conftest)."""
