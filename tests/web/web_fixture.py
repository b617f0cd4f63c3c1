"""Helpers of the web tests (imported by conftest and by the tests): the test password, reading
a page's CSRF token, signing a test client in through the login form."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

PASSWORD = "kapuas-bersinar-2025"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

SignIn = Callable[..., str]


def csrf_of(html: str) -> str:
    """Return the CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a csrf_token"
    return found.group(1)


def sign_in(browser: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign ``browser`` in through the login form; return the session's CSRF token."""
    page = browser.get("/login")
    answer = browser.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(browser.get("/account/password").text)
