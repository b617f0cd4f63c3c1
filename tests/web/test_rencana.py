"""The Rencana page: the plan as tables, its editing with the import's rules, the RAT, XLSX."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web_fixture import PASSWORD, SignIn

from rpkd.workflows import Workspace, add_user, init_plan, list_audit


@pytest.fixture
def workspace_path(workspace_path: Path) -> Path:
    """The web tests' workspace with the Kapuas starter plan, an analyst and a DINSOS operator."""
    with Workspace.open(workspace_path, actor="admin") as ws:
        init_plan(ws)
        add_user(ws, "analis", PASSWORD, role="analyst")
        add_user(ws, "dinsos", PASSWORD, role="agency_operator", agency="DINSOS")
        add_user(ws, "desa", PASSWORD, role="area_operator", region="62.03.01.1006")
    return workspace_path


def test_the_plan_shows_programmes_budget_and_indicators(client: TestClient, login: SignIn) -> None:
    login("viewer")
    page = client.get("/plan")
    assert page.status_code == 200
    text = page.text
    assert "Program dan kegiatan" in text and "Indikator dan target tahunan" in text
    assert 'id="indicator-P0"' in text
    assert "/plan/export.xlsx" in text  # the viewer reads the whole plan
    assert "/plan/indicators/P0/edit" not in text  # but does not edit it
    assert "/plan/import" not in text


def test_an_agency_operator_reads_the_plan_with_its_programmes_marked(
    client: TestClient, login: SignIn
) -> None:
    login("dinsos")
    page = client.get("/plan")
    assert page.status_code == 200
    assert "DINSOS" in page.text and "/plan/export.xlsx" not in page.text
    assert client.get("/plan/rat").status_code == 200
    assert client.get("/plan/export.xlsx").status_code == 403
    assert client.get("/plan/indicators/P0/edit").status_code == 403


def test_an_area_operator_does_not_read_the_plan(client: TestClient, login: SignIn) -> None:
    login("desa")
    assert client.get("/plan").status_code == 403


def test_a_wrong_target_is_refused_per_field_and_nothing_is_written(
    client: TestClient, login: SignIn
) -> None:
    token = login("analis")
    form = client.get("/plan/indicators/P0/edit", headers={"HX-Request": "true"})
    assert form.status_code == 200 and 'name="target:2026"' in form.text
    sent = {"csrf_token": token, "target:2026": "enam", "baseline_year": "20x5"}
    refused = client.post("/plan/indicators/P0/targets", data=sent)
    assert refused.status_code == 422
    assert "Target 2026 harus angka" in refused.text
    assert "Tahun baseline harus angka" in refused.text
    assert 'value="enam"' in refused.text  # the form keeps what was typed
    again = client.get("/plan/indicators/P0/edit").text
    assert 'value="enam"' not in again


def test_a_target_saved_shows_in_the_plan_and_the_audit_log(
    client: TestClient, login: SignIn, workspace_path: Path
) -> None:
    token = login("analis")
    sent = {"csrf_token": token, "target:2026": "5.75", "baseline_year": "2024"}
    saved = client.post("/plan/indicators/P0/targets", data=sent, headers={"HX-Request": "true"})
    assert saved.status_code == 200 and saved.headers["HX-Redirect"] == "/plan?saved=P0"
    page = client.get("/plan?saved=P0").text
    assert "P0 tersimpan." in page and "5,75" in page
    with Workspace.open(workspace_path, actor="admin") as ws:
        log = list_audit(ws, action="plan.targets").to_json()
    assert [(e["username"], e["parameters"]["code"]) for e in log] == [("analis", "P0")]


def test_an_activity_is_added_checked_with_the_import_rules_and_removed(
    client: TestClient, login: SignIn
) -> None:
    token = login("analis")
    base = {"csrf_token": token, "new": "1", "programme": "P01", "code": "K9001",
            "name": "Pendampingan", "agency": "DINSOS"}  # fmt: skip
    empty = client.post("/plan/activities", data={"csrf_token": token})
    assert empty.status_code == 422 and "Kode kegiatan wajib diisi" in empty.text
    wrong = {**base, "agency": "NOPE", "regions": "99.99", "budget:apbd:2026": "-5"}
    refused = client.post("/plan/activities", data=wrong)
    assert refused.status_code == 422
    assert "NOPE" in refused.text and "99.99" in refused.text
    assert client.get("/plan/activities/K9001/edit").status_code == 404
    good = {**base, "regions": "62.03.01", "budget:apbd:2026": "250000000"}
    assert client.post("/plan/activities", data=good).headers["location"] == "/plan?saved=K9001"
    assert "Pendampingan" in client.get("/plan?agency=DINSOS").text
    duplicate = client.post("/plan/activities", data=good)
    assert duplicate.status_code == 422
    removed = client.post("/plan/activities/K9001/remove", data={"csrf_token": token})
    assert removed.headers["location"] == "/plan?removed=K9001"
    assert client.get("/plan/activities/K9001/edit").status_code == 404


def test_the_rat_of_a_year(client: TestClient, login: SignIn) -> None:
    login("viewer")
    page = client.get("/plan/rat?year=2026")
    assert page.status_code == 200 and "Rencana Aksi Tahunan (RAT) 2026" in page.text


def test_export_and_import_of_the_matrices_all_or_nothing(
    client: TestClient, login: SignIn
) -> None:
    token = login("analis")
    exported = client.get("/plan/export.xlsx")
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content))
    indicators = next(ws for ws in book.worksheets if ws.title == "Matriks Indikator")
    cell = next(c for row in indicators.iter_rows() for c in row if c.value == "P0")
    target = indicators.cell(row=cell.row, column=cell.column + 11)
    target.value = "banyak"
    broken = io.BytesIO()
    book.save(broken)
    files = {"file": ("rpkd.xlsx", broken.getvalue(), "application/octet-stream")}
    refused = client.post("/plan/import", data={"csrf_token": token}, files=files)
    assert refused.status_code == 422
    assert 'id="import-findings"' in refused.text and "banyak" in refused.text
    files = {"file": ("rusak.xlsx", b"bukan xlsx", "application/octet-stream")}
    unreadable = client.post("/plan/import", data={"csrf_token": token}, files=files)
    assert unreadable.status_code == 422 and "tidak dapat dibaca" in unreadable.text
    missing = client.post("/plan/import", data={"csrf_token": token})
    assert missing.status_code == 422 and "Pilih berkas XLSX" in missing.text
    files = {"file": ("rpkd.xlsx", exported.content, "application/octet-stream")}
    accepted = client.post("/plan/import", data={"csrf_token": token}, files=files)
    assert accepted.status_code == 303


def test_the_plan_in_english(client: TestClient, login: SignIn) -> None:
    login("analis")
    client.cookies.set("rpkd_lang", "en")
    page = client.get("/plan").text
    assert "Programmes and activities" in page and "Indicators and yearly targets" in page
    form = client.get("/plan/activities/new?programme=P05").text
    assert "Add an activity" in form and 'value="P05" selected' in form
