"""An exception no handler expects: 500 with the coded ``server_error`` in the reader's
language, as a page or as the API's JSON, never the exception's text or a traceback."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rpkd import locale
from rpkd.web.access import Route

SECRET = "6203010101010001"  # what an exception's text might carry: it must not reach the page


def _fail() -> None:
    raise RuntimeError(f"NIK {SECRET} not found")


@pytest.fixture
def failing(app: FastAPI) -> FastAPI:
    for path in ("/fails", "/api/v1/fails"):
        app.add_api_route(path, _fail)
        app.state.server.routes[("GET", path)] = Route("GET", path, "public")
    return app


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_page_that_fails_answers_the_coded_page(failing: FastAPI, lang: str) -> None:
    with TestClient(failing, raise_server_exceptions=False) as browser:
        browser.cookies.set("rpkd_lang", lang)
        answer = browser.get("/fails")
    assert answer.status_code == 500
    assert locale.message("server_error", lang) in answer.text
    assert locale.label("web.status.500", lang) in answer.text
    assert SECRET not in answer.text and "Traceback" not in answer.text


def test_an_api_call_that_fails_answers_coded_json(failing: FastAPI) -> None:
    with TestClient(failing, raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/fails")
    assert answer.status_code == 500
    body = answer.json()
    assert body["error"]["code"] == "server_error"
    assert body["detail"] == locale.message("server_error", "id")
    assert SECRET not in answer.text
