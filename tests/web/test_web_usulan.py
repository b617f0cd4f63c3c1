"""Usulan & Sanggahan in the browser's place (TestClient): a desa operator files a sanggahan
with evidence, the kecamatan and the secretariat accept it, the secretariat downloads the
correction; masking, field errors and the English page."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_fixture import PASSWORD, sign_in

from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user, import_release, synthesize_district

PDF = b"%PDF-1.4\n% akta\n"


@dataclass(frozen=True)
class Site:
    app: FastAPI
    desa: str
    family: str
    head: str

    def browser(self, user: str) -> tuple[TestClient, str]:
        client = TestClient(self.app, follow_redirects=False)
        return client, sign_in(client, user)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("web-usulan")
    path = root / "ws"
    with Workspace.open(path) as ws:
        synthesize_district(ws, "62.03", root / "source", families=300, seed=5, fmt="csv")
        import_release(ws, root / "source", "r1", reference_date="2025-03-01")
        add_user(ws, "admin", PASSWORD, role="admin")
    with (root / "source" / "families.csv").open(encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    with (root / "source" / "persons.csv").open(encoding="utf-8") as fh:
        head = next(r["name"] for r in csv.DictReader(fh)
                    if r["family_id"] == first["family_id"] and r["relation"] == "kepala_keluarga")  # fmt: skip
    desa = first["desa_code"]
    with Workspace.open(path, actor="admin") as ws:
        add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
        add_user(ws, "kec", PASSWORD, role="area_operator", region=desa.rsplit(".", 1)[0])
        add_user(ws, "analis", PASSWORD, role="analyst")
    app = create_app(path, plain_http=True)
    yield Site(app, desa, first["family_id"], head)
    app.state.server.workspace.close()


def _file(client: TestClient, csrf: str, site: Site, **extra: object) -> object:
    data = {"csrf_token": csrf, "kind": "object", "release": "r1", "family_id": site.family,
            "reason": "deceased", "note": "Meninggal Maret 2025", **extra}  # fmt: skip
    files = {"evidence": ("akta.pdf", io.BytesIO(PDF), "application/pdf")}
    return client.post(f"/usulan?desa={site.desa}", data=data, files=files)


def test_a_sanggahan_filed_reviewed_up_the_chain_and_exported(site: Site) -> None:
    desa, csrf = site.browser("desa")
    page = desa.get("/usulan")
    assert page.status_code == 200 and "Usulan &amp; Sanggahan" in page.text
    assert f"/usulan/new?desa={site.desa}&amp;kind=object" in page.text
    form = desa.get(f"/usulan/new?desa={site.desa}")
    assert form.status_code == 200 and site.family in form.text
    assert site.head not in form.text  # names are masked
    filed = _file(desa, csrf, site)
    assert filed.status_code == 303, filed.text
    url = filed.headers["location"].split("?")[0]
    detail = desa.get(url)
    assert "Diajukan, menunggu kecamatan" in detail.text and "akta.pdf" in detail.text
    assert 'value="accept"' not in detail.text  # a desa operator does not review
    proposal = url.rsplit("/", 1)[1]
    assert (
        desa.post(f"{url}/review", data={"csrf_token": csrf, "decision": "accept"}).status_code
        == 403
    )

    kec, kec_csrf = site.browser("kec")
    assert 'value="accept"' in kec.get(url).text
    answer = kec.post(f"{url}/review", data={"csrf_token": kec_csrf, "decision": "accept",
                                            "note": "cek lapangan"})  # fmt: skip
    assert answer.status_code == 303

    analis, a_csrf = site.browser("analis")
    refused = analis.post(f"{url}/review", data={"csrf_token": a_csrf, "decision": "reject"})
    assert refused.status_code == 422 and "tuliskan alasannya" in refused.text
    assert analis.post(f"{url}/review", data={"csrf_token": a_csrf, "decision": "accept"}
                       ).status_code == 303  # fmt: skip
    evidence = re.search(rf'href="(/usulan/{proposal}/evidence/\d+)"', analis.get(url).text)
    assert evidence is not None and analis.get(evidence.group(1)).content == PDF
    listed = desa.get("/usulan").text
    assert re.search(rf'href="/usulan/{proposal}".*?Diterima<', listed, re.S)

    download = analis.post("/usulan/corrections", data={"csrf_token": a_csrf, "release": "r1"})
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert sorted(archive.namelist()) == ["families.csv", "persons.csv", "usulan.csv"]
    families = archive.read("families.csv").decode()
    assert site.family not in families and families.count("\n") == 300  # header + 299


def test_field_errors_re_render_the_form(site: Site) -> None:
    desa, csrf = site.browser("desa")
    files = {"evidence": ("x.exe", io.BytesIO(b"MZ"), "application/octet-stream")}
    data = {"csrf_token": csrf, "kind": "object", "release": "r1", "family_id": site.family,
            "reason": "moved", "note": "pindah"}  # fmt: skip
    answer = desa.post(f"/usulan?desa={site.desa}", data=data, files=files)
    assert answer.status_code == 422 and "bukan PDF, JPEG atau PNG" in answer.text
    add = desa.post(f"/usulan?desa={site.desa}", data={
        "csrf_token": csrf, "kind": "add", "release": "r1", "note": "musdes",
        "m0_name": "Siti Aminah", "m0_sex": "X", "m0_birth_date": "1980-05-02",
        "m0_relation": "kepala_keluarga"})  # fmt: skip
    assert add.status_code == 422 and "tidak lolos pemeriksaan impor" in add.text


def test_the_page_in_english_and_out_of_scope(site: Site) -> None:
    desa, _ = site.browser("desa")
    desa.cookies.set("rpkd_lang", "en")
    page = desa.get("/usulan")
    assert "Proposals &amp; objections" in page.text and "File an objection" in page.text
    other = "62.03.02.1001" if not site.desa.startswith("62.03.02") else "62.03.01.1001"
    assert desa.get(f"/usulan/new?desa={other}").status_code == 403
    assert desa.get(f"/usulan?area={other}").status_code == 403
