"""The Mitra page through the app: a partner registers a commitment and reports on it, the
secretariat returns and verifies; the budget by source; the Notifikasi page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from realisasi_fixture import make_workspace
from web_fixture import sign_in

from rpkd.web.app import create_app

Q2 = "/partners?year=2025&quarter=2"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    application = create_app(make_workspace(tmp_path / "ws"), plain_http=True)
    yield application
    application.state.server.workspace.close()


def _browser(app: FastAPI, user: str) -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)
    return client, sign_in(client, user)


def test_partner_commitment_report_and_review(app: FastAPI) -> None:
    baznas, csrf = _browser(app, "baznas")
    tkpkd, tkpkd_csrf = _browser(app, "tkpkd")
    form = {"csrf_token": csrf, "year": "2025", "quarter": "2", "partner": "BAZNAS",
            "programme": "P05", "activity": "K0501", "lokus": "62.03.01",
            "target_group": "keluarga desil 1", "description": "Bedah rumah 10 unit",
            "amount": "400000000", "start_year": "2025", "end_year": "2026"}  # fmt: skip
    wrong = baznas.post("/partners/commitments", data={**form, "partner": "CSR"})
    assert wrong.status_code == 403
    bad = baznas.post("/partners/commitments", data={**form, "programme": "P99"})
    assert bad.status_code == 422 and "P99" in bad.text
    saved = baznas.post("/partners/commitments", data=form)
    assert saved.status_code == 303
    page = baznas.get(Q2).text
    (cid,) = re.findall(r'data-commitment="(\d+)"', page)
    report = baznas.post(
        f"/partners/commitments/{cid}/reports",
        data={"csrf_token": csrf, "year": "2025", "quarter": "2", "budget_spent": "100000000",
              "beneficiaries": "4"},
        files=[("evidence", ("foto.png", b"\x89PNG\r\n\x1a\n0000", "image/png"))],
    )  # fmt: skip
    assert report.status_code == 303
    review = tkpkd.get(Q2).text
    (rid,) = re.findall(r'action="/partners/reports/(\d+)/verify', review)
    assert "Bedah rumah 10 unit" in review
    back = tkpkd.post(f"/partners/reports/{rid}/return?next={Q2}",
                      data={"csrf_token": tkpkd_csrf, "reason": "foto buram"})  # fmt: skip
    assert back.status_code == 303
    assert "foto buram" in baznas.get(Q2).text
    assert "dikembalikan" in baznas.get("/notifications").text
    again = baznas.post(
        f"/partners/commitments/{cid}/reports",
        data={"csrf_token": csrf, "year": "2025", "quarter": "2", "budget_spent": "120000000"},
    )
    assert again.status_code == 303
    (second,) = re.findall(r'action="/partners/reports/(\d+)/verify', tkpkd.get(Q2).text)
    ok = tkpkd.post(f"/partners/reports/{second}/verify?next={Q2}", data={"csrf_token": tkpkd_csrf})
    assert ok.status_code == 303
    page = tkpkd.get(Q2).text
    assert page.count("state-verified") >= 1 and 'id="budget"' in page
    # the budget by source: the plan's APBD and Dana Desa beside the partner's Baznas
    budget = page[page.index('id="budget"') :]
    assert "1.500.000.000" in budget and "200.000.000" in budget
    assert "komitmen mitra" in budget and "Dana Desa" in budget
    # a partner does not see the whole plan's budget
    assert 'id="budget"' not in baznas.get(Q2).text
