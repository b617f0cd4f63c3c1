"""The Rakor pages: a meeting recorded in the browser, decisions followed up to the next
meeting (overdue marked), the pack to print, who may read and who may record."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_fixture import PASSWORD, SignIn

from rpkd.workflows import Workspace, add_user, init_plan


@pytest.fixture
def workspace_path(workspace_path: Path) -> Path:
    """The web tests' workspace with the Kapuas starter plan, an analyst and a DINSOS operator."""
    with Workspace.open(workspace_path, actor="admin") as ws:
        init_plan(ws)
        add_user(ws, "analis", PASSWORD, role="analyst")
        add_user(ws, "dinsos", PASSWORD, role="agency_operator", agency="DINSOS")
    return workspace_path


def _meeting(client: TestClient, token: str, title: str, day: str) -> str:
    answer = client.post(
        "/rakor", data={"csrf_token": token, "title": title, "held_on": day, "place": "Bappeda"}
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def test_a_meeting_its_decisions_and_their_follow_up(client: TestClient, login: SignIn) -> None:
    token = login("analis")
    refused = client.post("/rakor", data={"csrf_token": token, "title": "", "held_on": "kemarin"})
    assert refused.status_code == 422
    assert "Nama rapat wajib diisi" in refused.text
    assert "Tanggal rapat harus tanggal" in refused.text
    first = _meeting(client, token, "Rakor TKPKD I", "2026-01-10")
    sent = {
        "csrf_token": token,
        "name": "Ir. Budi",
        "institution": "Dinas Sosial",
        "role": "Kepala",
    }
    assert client.post(f"{first}/attendees", data=sent).status_code == 303
    sent = {"csrf_token": token, "title": "Capaian triwulan IV", "presenter": "Bappeda"}
    assert client.post(f"{first}/agenda", data=sent).status_code == 303
    wrong = {"csrf_token": token, "text": "Validasi data RTLH", "owner": "agency:PERKIM",
             "due_on": "1 Feb"}  # fmt: skip
    refused = client.post(f"{first}/decisions", data=wrong)
    assert refused.status_code == 422 and "Batas waktu harus tanggal" in refused.text
    decision = {**wrong, "due_on": "2026-02-01"}
    assert client.post(f"{first}/decisions", data=decision).status_code == 303
    page = client.get(first).text
    assert "Ir. Budi" in page and "Capaian triwulan IV" in page and "Validasi data RTLH" in page
    second = _meeting(client, token, "Rakor TKPKD II", "2026-04-01")
    page = client.get(second).text
    assert 'id="carried"' in page and "lewat batas waktu" in page
    decision_id = page.split('id="decision-', 1)[1].split('"', 1)[0]
    note = {"csrf_token": token, "status": "done", "note": "Data sudah divalidasi"}
    answer = client.post(f"{second}/decisions/{decision_id}/follow-up", data=note)
    assert answer.status_code == 303
    third = _meeting(client, token, "Rakor TKPKD III", "2026-07-01")
    assert "Validasi data RTLH" not in client.get(third).text
    assert "Rakor TKPKD III" in client.get("/rakor").text


def test_the_pack_prints_the_open_decisions(client: TestClient, login: SignIn) -> None:
    token = login("analis")
    first = _meeting(client, token, "Rakor TKPKD I", "2026-01-10")
    decision = {"csrf_token": token, "text": "Bedah rumah", "owner": "partner:BAZNAS",
                "due_on": "2026-03-01"}  # fmt: skip
    client.post(f"{first}/decisions", data=decision)
    pack = client.get(f"{first}/pack")
    assert pack.status_code == 200
    assert "Bahan rakor" in pack.text and "Bedah rumah" in pack.text
    assert "css/rakor.css" in pack.text
    assert client.get("/rakor/999/pack").status_code == 404


def test_an_agency_operator_reads_but_does_not_record(client: TestClient, login: SignIn) -> None:
    login("dinsos")
    page = client.get("/rakor")
    assert page.status_code == 200 and 'action="/rakor"' not in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/rakor", data={"csrf_token": token, "title": "x", "held_on": "2026-01-01"}
    )
    assert answer.status_code == 403


def test_english(client: TestClient, login: SignIn) -> None:
    login("analis")
    client.cookies.set("rpkd_lang", "en")
    assert "Decisions still open on" in client.get("/rakor").text
