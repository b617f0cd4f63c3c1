"""Tinjauan pencocokan (TestClient): the runs listed, a run's pairs shown masked (unmasked on
request, for a role that may), a pair accepted and its decision shown."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_fixture import PASSWORD, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linkage"))

from linkage_fixture import build, write_workspace

from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user
from rpkd.workflows.link import link_list


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data = build()
    root = write_workspace(tmp_path_factory.mktemp("web-tinjauan"), data)
    with Workspace.open(root) as ws:
        add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(root, actor="admin") as ws:
        add_user(ws, "analis", PASSWORD, role="analyst")
        link_list(ws, root / "beneficiaries_pkh.csv", "dtsen-uji", upper=0.9999, lower=0.01)
    application = create_app(root, plain_http=True)
    yield application
    application.state.server.workspace.close()


def test_pairs_are_shown_masked_and_decided(app: FastAPI) -> None:
    client = TestClient(app, follow_redirects=False)
    csrf = sign_in(client, "analis")
    runs = client.get("/linkage")
    assert runs.status_code == 200 and "beneficiaries_pkh" in runs.text
    link = re.search(r'href="(/linkage/dtsen-uji/[^"]+)"', runs.text)
    assert link is not None
    page = client.get(link.group(1))
    assert page.status_code == 200 and "Tinjauan pencocokan" in page.text
    niks = re.findall(r"<td>(\d{4}\*{8}\d{4})</td>", page.text)
    assert niks, "NIKs are shown masked"
    full = client.get(link.group(1) + "?unmask=true").text
    assert re.search(r"<td>\d{16}</td>", full)
    form = re.search(r'name="record" value="([^"]+)">\s*<input type="hidden" name="person_id" '
                     r'value="([^"]+)"', page.text)  # fmt: skip
    assert form is not None
    record, person = form.groups()
    answer = client.post(link.group(1), data={"csrf_token": csrf, "record": record,
                                              "person_id": person, "decision": "accept"})  # fmt: skip
    assert answer.status_code == 303
    after = client.get(link.group(1)).text
    section = after.split(f'id="row-{record}"', 1)[1].split("</section>", 1)[0]
    assert ("Diterima" in section and "Ditolak" in section) or "Diterima" in section
    bad = client.post(link.group(1), data={"csrf_token": csrf, "record": record,
                                           "person_id": "bukan", "decision": "accept"})  # fmt: skip
    assert bad.status_code == 422
