"""The Realisasi, Kinerja and Evaluasi pages through the app (TestClient): submit with evidence,
return, correct, verify; four eyes; the bell; performance changing once verified."""

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

PDF = b"%PDF-1.4\n%%EOF\n"
Q2 = "/realisations?year=2025&quarter=2"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    application = create_app(make_workspace(tmp_path / "ws"), plain_http=True)
    yield application
    application.state.server.workspace.close()


def _browser(app: FastAPI, user: str) -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)
    return client, sign_in(client, user)


def _submit(client: TestClient, csrf: str, value: str, files: list | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/realisations",
        data={"csrf_token": csrf, "subject": "indicator:O0501", "year": "2025", "quarter": "2",
              "value": value, "note": "BAST"},
        files=files or [],
    )  # fmt: skip


def _achievement(client: TestClient) -> str:
    page = client.get("/performance?year=2025&quarter=2")
    assert page.status_code == 200
    row = re.search(r'<tr data-code="O0501">.*?col-achievement">([^<]*)<', page.text, re.S)
    assert row is not None
    return row.group(1)


def test_submit_return_correct_verify(app: FastAPI) -> None:
    perkim, perkim_csrf = _browser(app, "perkim")
    tkpkd, tkpkd_csrf = _browser(app, "tkpkd")
    page = perkim.get(Q2)
    assert page.status_code == 200
    assert "O0501" in page.text and "Batas waktu pelaporan triwulan 2 tahun 2025" in page.text
    assert _achievement(tkpkd) == "–"
    sent = _submit(perkim, perkim_csrf, "40", [("evidence", ("bast.pdf", PDF, "application/pdf"))])
    assert sent.status_code == 303 and sent.headers["location"].endswith("saved=v1")
    # the submitter cannot verify (the route needs realisation.verify), the secretariat sees it
    review = tkpkd.get(Q2)
    (rid,) = re.findall(r'action="/realisations/(\d+)/verify', review.text)
    assert (
        perkim.post(f"/realisations/{rid}/verify", data={"csrf_token": perkim_csrf}).status_code
        == 403
    )
    (evidence,) = set(re.findall(r'href="/realisations/evidence/(\d+)"', review.text))
    download = tkpkd.get(f"/realisations/evidence/{evidence}")
    assert download.status_code == 200 and download.content == PDF
    assert "attachment" in download.headers["content-disposition"]
    notices = tkpkd.get("/notifications").text
    assert 'data-code="notice_realisation_review"' in notices and 'class="bell-count"' in notices
    assert "/realisations?year=2025&amp;quarter=2" in notices
    no_reason = tkpkd.post(f"/realisations/{rid}/return?next={Q2}", data={"csrf_token": tkpkd_csrf})
    assert no_reason.status_code == 422
    returned = tkpkd.post(
        f"/realisations/{rid}/return?next={Q2}",
        data={"csrf_token": tkpkd_csrf, "reason": "BAST belum ditandatangani"},
    )
    assert returned.status_code == 303
    mine = perkim.get(Q2).text
    assert "BAST belum ditandatangani" in mine and "dikembalikan" in mine
    notices = perkim.get("/notifications").text
    assert "dikembalikan untuk diperbaiki" in notices
    assert _submit(perkim, perkim_csrf, "55").status_code == 303
    (second,) = re.findall(r'action="/realisations/(\d+)/verify', tkpkd.get(Q2).text)
    assert tkpkd.post(f"/realisations/{second}/verify?next={Q2}",
                      data={"csrf_token": tkpkd_csrf}).status_code == 303  # fmt: skip
    assert _achievement(tkpkd) == "55,0"
    history = tkpkd.get(Q2).text
    assert history.count("state-rejected") >= 1 and "state-verified" in history


def test_refused_evidence_and_numbers_come_back_with_the_form(app: FastAPI) -> None:
    perkim, csrf = _browser(app, "perkim")
    exe = _submit(perkim, csrf, "40", [("evidence", ("x.exe", b"MZ", "application/octet-stream"))])
    assert exe.status_code == 422 and "ditolak" in exe.text
    assert _submit(perkim, csrf, "empat puluh").status_code == 422


def test_evaluation_page_and_english(app: FastAPI) -> None:
    tkpkd, _ = _browser(app, "tkpkd")
    page = tkpkd.get("/evaluation")
    assert page.status_code == 200 and "Target dan realisasi per tahun" in page.text
    tkpkd.cookies.set("rpkd_lang", "en")
    assert "Targets and realisations by year" in tkpkd.get("/evaluation").text
    english = tkpkd.get(Q2).text
    assert "Reporting deadline" in english and "not reported" in english
    assert "belum dilaporkan" not in english
