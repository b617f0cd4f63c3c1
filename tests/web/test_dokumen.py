"""The *Dokumen* page through the app in-process: the form lists the releases a user may read;
a download sends one file of one document, for the roles that may read the release's
aggregates, and writes one audit row each time."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from district_fixture import RELEASE, make_district
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_fixture import sign_in

from rpkd.web.app import create_app
from rpkd.workflows import Workspace, list_audit


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_district(tmp_path_factory.mktemp("dokumen"))


@pytest.fixture(scope="module")
def app(district: Path) -> Iterator[FastAPI]:
    application = create_app(district, plain_http=True)
    yield application
    application.state.server.workspace.close()


def browser(app: FastAPI, user: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    sign_in(client, user)
    return client


def test_the_page_lists_the_documents_and_the_releases(app: FastAPI) -> None:
    page = browser(app, "pemirsa").get("/documents")
    assert page.status_code == 200
    assert "RENCANA PENANGGULANGAN KEMISKINAN DAERAH (RPKD)" in page.text
    assert f'<option value="{RELEASE}">' in page.text
    assert 'href="/documents"' in page.text  # in the menu
    english = browser(app, "pemirsa")
    english.get("/lang/en")
    assert "Download a document" in english.get("/documents").text


def test_a_user_who_may_read_no_release_gets_the_page_without_a_form(app: FastAPI) -> None:
    page = browser(app, "luar").get("/documents")
    assert page.status_code == 200
    assert 'action="/documents/download"' not in page.text


def test_a_viewer_downloads_the_annex_and_the_download_is_audited(
    app: FastAPI, district: Path
) -> None:
    answer = browser(app, "pemirsa").get(
        "/documents/download", params={"release": RELEASE, "kind": "rakor", "format": "xlsx"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert f'filename="rakor-{RELEASE}-2025.xlsx"' in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as book:
        assert "xl/workbook.xml" in book.namelist()
    with Workspace.open(district, actor="admin") as ws:
        rows = [
            e
            for e in list_audit(ws, action="document.export").to_json()
            if e["username"] == "pemirsa"
        ]
    assert len(rows) == 1 and rows[0]["parameters"]["kind"] == "rakor"


def test_an_analyst_downloads_the_rpkd_as_docx(app: FastAPI) -> None:
    answer = browser(app, "analis").get(
        "/documents/download", params={"release": RELEASE, "kind": "rpkd", "format": "docx"}
    )
    assert answer.status_code == 200
    read = docx.Document(io.BytesIO(answer.content))
    chapters = [p.text for p in read.paragraphs if p.style.name == "Heading 1"]
    assert len(chapters) == 6 and chapters[0] == "BAB I PENDAHULUAN"


@pytest.mark.parametrize(("user", "status"), [("luar", 403), ("dinsos", 403), ("camat", 403)])
def test_users_who_may_not_read_the_district_are_refused(
    app: FastAPI, user: str, status: int
) -> None:
    answer = browser(app, user).get(
        "/documents/download", params={"release": RELEASE, "kind": "rakor", "format": "xlsx"}
    )
    assert answer.status_code == status


def test_a_missing_release_and_a_wrong_kind(app: FastAPI) -> None:
    client = browser(app, "admin")
    missing = client.get("/documents/download", params={"release": "r9", "format": "xlsx"})
    assert missing.status_code == 404
    wrong = client.get("/documents/download", params={"release": RELEASE, "kind": "memo"})
    assert wrong.status_code == 422
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get("/documents/download", params={"release": RELEASE}).status_code in (
        303,
        401,
    )
