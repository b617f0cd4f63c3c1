"""The *Rilis data* pages through the app in-process: list, detail, diff, upload and its job.

A small synthetic district is imported twice: ``r1`` as synthesised, ``r2`` with the desil of
two families changed by hand, so the diff's expected counts are known from outside the code.
Every route is tried by each role it admits and refuses; the upload runs end to end (start,
poll, refused with its findings; start, poll, succeeded).
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_fixture import PASSWORD, csrf_of, sign_in

from rpkd import locale
from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user, import_release, list_audit, synthesize_district
from rpkd.workflows.releases import show_release

BAD_FAMILIES = b"family_id,desa_code\nF1,99.99.99.9999\n"
CHANGED = 2  # families whose desil r2 changes


@dataclass(frozen=True)
class District:
    path: Path
    source: Path
    changed: tuple[str, ...]  # family_id of the families whose desil changed in r2
    desa: str

    def sources(self) -> list[Path]:
        """The source files with rows (a district this small has empty programme lists)."""
        return sorted(
            p
            for p in self.source.iterdir()
            if p.suffix == ".csv" and len(p.read_bytes().splitlines()) > 1
        )


def _changed_copy(source: Path, target: Path) -> tuple[str, ...]:
    """Copy ``source`` to ``target`` with the desil of the first families moved up by one."""
    target.mkdir()
    for path in source.iterdir():
        if path.is_file() and path.name != "families.csv":
            (target / path.name).write_bytes(path.read_bytes())
    with (source / "families.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    changed = []
    for row in rows[:CHANGED]:
        row["desil"] = str(int(row["desil"]) % 10 + 1)
        changed.append(row["family_id"])
    with (target / "families.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return tuple(changed)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("rilis")
    path, source = root / "ws", root / "source"
    with Workspace.open(path) as ws:
        synthesize_district(ws, "62.03", source, families=150, seed=11, fmt="csv")
        import_release(ws, source, "r1", reference_date="2025-03-01")
        changed = _changed_copy(source, root / "source2")
        import_release(ws, root / "source2", "r2", reference_date="2025-06-30")
        add_user(ws, "admin", PASSWORD, role="admin")
    with (source / "families.csv").open(encoding="utf-8", newline="") as fh:
        desa = next(csv.DictReader(fh))["desa_code"]
    with Workspace.open(path, actor="admin") as ws:
        add_user(ws, "analis", PASSWORD, role="analyst", region="62.03")
        add_user(ws, "analis2", PASSWORD, role="analyst")
        add_user(ws, "pemantau", PASSWORD, role="viewer")
        add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
        add_user(ws, "dinsos", PASSWORD, role="agency_operator", agency="dinsos")
        add_user(ws, "mitra", PASSWORD, role="partner", partner="baznas")
    yield District(path, source, changed, desa)


@pytest.fixture
def workspace_path(district: District) -> Path:
    """The app of these tests serves the district's workspace."""
    return district.path


def _client(district: District, user: str | None) -> Iterator[TestClient]:
    app = create_app(district.path, plain_http=True)
    with TestClient(app, follow_redirects=False) as browser:
        if user is not None:
            sign_in(browser, user)
        yield browser
    app.state.server.workspace.close()


OpenAs = Callable[[str | None], TestClient]


@pytest.fixture
def as_user(district: District) -> Iterator[OpenAs]:
    """``as_user("analis")`` returns a client signed in as that user (closed afterwards)."""
    opened: list[Iterator[TestClient]] = []

    def open_as(user: str | None) -> TestClient:
        clients = _client(district, user)
        opened.append(clients)
        return next(clients)

    yield open_as
    for clients in opened:
        next(clients, None)


ROLES = ("admin", "analis", "pemantau", "desa", "dinsos", "mitra")
READERS = ("admin", "analis", "pemantau")  # aggregate.read over the whole district
MANAGERS = ("admin", "analis")


# --- list, detail, diff --------------------------------------------------------------------


def test_the_list_needs_a_session(as_user: OpenAs) -> None:
    answer = as_user(None).get("/releases")
    assert (answer.status_code, answer.headers["location"]) == (303, "/login?next=/releases")


@pytest.mark.parametrize("user", ROLES)
def test_the_list_shows_the_releases_a_role_may_read(as_user: OpenAs, user: str) -> None:
    page = as_user(user).get("/releases")
    assert page.status_code == 200
    if user in READERS:
        assert 'href="/releases/r1"' in page.text and 'href="/releases/r2"' in page.text
        assert page.text.index("/releases/r2") < page.text.index("/releases/r1")  # newest first
        assert "150" in page.text  # families of each release
    else:
        assert "/releases/r1" not in page.text
        assert "Belum ada rilis yang dapat Anda lihat." in page.text
    has_form = 'enctype="multipart/form-data"' in page.text
    assert has_form == (user in MANAGERS)


@pytest.mark.parametrize("user", ROLES)
def test_the_detail_page_by_role(as_user: OpenAs, district: District, user: str) -> None:
    page = as_user(user).get("/releases/r1")
    if user not in READERS:
        assert page.status_code == 403
        return
    assert page.status_code == 200
    for source in district.sources():
        assert source.name in page.text
    digest = hashlib.sha256((district.source / "families.csv").read_bytes()).hexdigest()
    assert digest in page.text
    assert "Isi rilis menurut jenis data" in page.text
    assert '<th scope="col">Jenis data</th>' in page.text  # headers capitalised, as elsewhere
    with Workspace.open(district.path, actor="admin") as ws:
        rules = show_release(ws, "r1").warnings().to_pylist()
    assert rules
    for rule in rules:  # each rule by its sentence, its code small beside it, with its count
        sentence = locale.message(rule["rule"], "id")
        cell = f'<span>{sentence[0].upper()}{sentence[1:]}<small class="code">{rule["rule"]}'
        assert cell in page.text, rule


def test_an_unknown_release_is_404(as_user: OpenAs) -> None:
    browser = as_user("analis")
    assert browser.get("/releases/r9").status_code == 404
    assert browser.get("/releases/r9/diff?against=r1").status_code == 404


def _diff_audits(district: District) -> int:
    with Workspace.open(district.path, actor="admin") as ws:
        return len([e for e in list_audit(ws).entries if e.action == "release.diff"])


@pytest.mark.parametrize("user", ROLES)
def test_the_diff_shows_counts_and_families_only_to_whom_may_see_them(
    as_user: OpenAs,
    district: District,
    user: str,
) -> None:
    before = _diff_audits(district)
    page = as_user(user).get("/releases/r2/diff?against=r1")
    if user not in READERS:
        assert page.status_code == 403
        assert _diff_audits(district) == before
        return
    assert page.status_code == 200
    text = page.text
    assert "Perubahan dari rilis r1 ke r2" in text
    cells = [c.strip() for c in text.split("<td")]
    assert any(c.startswith('class="col-change">desil berubah<') for c in cells)
    assert f'<td class="col-families num">{CHANGED}</td>' in text  # a number: right-aligned
    if user == "pemantau":  # a viewer sees the counts only, and nothing is audited
        assert not any(f in text for f in district.changed)
        assert "Anda melihat jumlahnya" in text
        assert _diff_audits(district) == before
    else:
        assert all(f in text for f in district.changed)
        assert _diff_audits(district) == before + 1


def test_the_diff_without_a_release_to_compare_offers_a_choice(as_user: OpenAs) -> None:
    page = as_user("pemantau").get("/releases/r2/diff")
    assert page.status_code == 200
    assert '<option value="r1"' in page.text


# --- upload and background import ----------------------------------------------------------


def _form_csrf(browser: TestClient) -> str:
    return csrf_of(browser.get("/releases").text)


def _poll(browser: TestClient, url: str, timeout: float = 120.0) -> str:
    """Ask for the job's part as HTMX does until it stops asking; return the last part."""
    deadline = time.monotonic() + timeout
    while True:
        part = browser.get(url, headers={"HX-Request": "true"})
        assert part.status_code == 200, part.text
        if "hx-trigger" not in part.text or time.monotonic() > deadline:
            return part.text
        time.sleep(0.2)


def _upload(browser: TestClient, files: list[tuple[str, bytes]], name: str, **fields: str) -> Any:
    data = {"csrf_token": _form_csrf(browser), "name": name, **fields}
    parts = [("files", (n, content, "application/octet-stream")) for n, content in files]
    return browser.post("/releases", data=data, files=parts)


def test_a_refused_upload_shows_its_findings_inline(as_user: OpenAs, district: District) -> None:
    browser = as_user("analis")
    answer = _upload(browser, [("families.csv", BAD_FAMILIES)], "salah")
    assert answer.status_code == 303
    url = answer.headers["location"]
    assert url.startswith("/releases/salah/imports/")
    page = browser.get(url)
    assert page.status_code == 200 and "Impor rilis salah" in page.text
    part = _poll(browser, url)
    assert "Impor ditolak" in part  # the job's sentence, capitalised
    row = next(r for r in part.split("<tr>") if "99.99.99.9999" in r)
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]
    assert cells == [
        "families.csv",
        "1",
        "desa_code",
        "99.99.99.9999",
        "kode desa tidak ada dalam daftar Kemendagri",
    ]
    report = browser.get(f"{url}/findings.csv")
    assert report.status_code == 200
    assert "desa_unknown" in report.text and "99.99.99.9999" in report.text
    assert browser.get(f"{url}/findings.xlsx").status_code == 200
    assert browser.get(f"{url}/findings.pdf").status_code == 404
    assert "/releases/salah" not in browser.get("/releases").text.split("jobs-title")[0]
    assert browser.get("/releases/salah").status_code == 404  # nothing was created


def test_the_findings_speak_the_pages_language(as_user: OpenAs) -> None:
    browser = as_user("analis")
    answer = _upload(browser, [("families.csv", BAD_FAMILIES)], "salah-en")
    url = answer.headers["location"]
    browser.cookies.set("rpkd_lang", "en")
    part = _poll(browser, url)
    assert "village code is not in the Kemendagri list" in part
    assert "Import refused" in part


def test_a_zip_upload_with_htmx_succeeds_and_the_release_is_listed(
    as_user: OpenAs,
    district: District,
) -> None:
    browser = as_user("analis")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in district.sources():
            bundle.write(path, f"kapuas/{path.name}")
    csrf = _form_csrf(browser)
    answer = browser.post(
        "/releases",
        data={"name": "r-web", "reference_date": "2025-09-30"},
        files=[("files", ("kapuas.zip", buffer.getvalue(), "application/zip"))],
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert answer.status_code == 200
    url = answer.headers["HX-Push-Url"]
    assert url.startswith("/releases/r-web/imports/")
    assert 'id="upload"' in answer.text and "hx-trigger" in answer.text
    part = _poll(browser, url)
    assert "Rilis r-web dibuat" in part
    assert 'href="/releases/r-web"' in part
    listed = browser.get("/releases").text
    assert 'href="/releases/r-web"' in listed
    detail = browser.get("/releases/r-web")
    assert detail.status_code == 200 and "30 September 2025" in detail.text


@pytest.mark.parametrize("user", ["pemantau", "desa", "dinsos", "mitra"])
def test_roles_that_may_not_import_cannot_upload(as_user: OpenAs, user: str) -> None:
    browser = as_user(user)
    csrf = _form_csrf(browser)
    answer = browser.post(
        "/releases",
        data={"csrf_token": csrf, "name": "x"},
        files=[("files", ("families.csv", BAD_FAMILIES, "text/csv"))],
    )
    assert answer.status_code == 403


def test_an_analyst_of_the_district_may_not_import_another_region(as_user: OpenAs) -> None:
    answer = _upload(as_user("analis"), [("families.csv", BAD_FAMILIES)], "x", region="62.11")
    assert answer.status_code == 403
    assert "tidak berwenang" in answer.text


def test_an_upload_without_csrf_is_refused(as_user: OpenAs) -> None:
    answer = as_user("analis").post(
        "/releases", data={"name": "x"}, files=[("files", ("families.csv", BAD_FAMILIES))]
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("../families.csv", "harus nama berkas saja"),
        ("data.csv", "bukan berkas sumber rilis"),
    ],
)
def test_a_refused_file_re_renders_the_form_with_its_error(
    as_user: OpenAs,
    filename: str,
    message: str,
) -> None:
    answer = _upload(as_user("analis"), [(filename, BAD_FAMILIES)], "x")
    assert answer.status_code == 422
    assert message in answer.text
    assert 'value="x"' in answer.text  # the form keeps what was typed


def test_a_taken_name_is_an_error_of_the_name_field(as_user: OpenAs) -> None:
    answer = _upload(as_user("analis"), [("families.csv", BAD_FAMILIES)], "r1")
    assert answer.status_code == 422
    assert 'id="e-name"' in answer.text and "rilis r1 sudah ada" in answer.text


def test_an_announced_size_over_the_limit_is_refused_unread(
    as_user: OpenAs,
    district: District,
) -> None:
    settings = district.path / "rpkd.toml"
    settings.write_text("upload_max_mb = 1\n", encoding="utf-8")
    try:
        browser = as_user("analis")
        big = b"family_id,desa_code\n" + b"F1,62.03.01.2001\n" * 150_000  # 2.5 MB
        answer = _upload(browser, [("families.csv", big)], "besar")
    finally:
        settings.unlink()
    assert answer.status_code == 413
    assert "melebihi batas 1 MB" in answer.text


# --- reading a job ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def refused_job(district: District) -> str:
    """The URL of a refused import job started by ``analis``."""
    for browser in _client(district, "analis"):
        answer = _upload(browser, [("families.csv", BAD_FAMILIES)], "dibaca")
        url: str = answer.headers["location"]
        _poll(browser, url)
        return url
    raise AssertionError("no client")


@pytest.mark.parametrize("user", (*ROLES, "analis2"))
def test_a_job_is_read_by_its_owner_and_admins_only(
    as_user: OpenAs, refused_job: str, user: str
) -> None:
    browser = as_user(user)
    expected = 200 if user in ("admin", "analis") else 403
    assert browser.get(refused_job).status_code == expected
    assert browser.get(f"{refused_job}/findings.csv").status_code == expected


def test_a_job_under_another_release_or_unknown_is_404(as_user: OpenAs, refused_job: str) -> None:
    browser = as_user("analis")
    job_id = refused_job.rsplit("/", 1)[1]
    assert browser.get(f"/releases/r1/imports/{job_id}").status_code == 404
    assert browser.get("/releases/dibaca/imports/" + "0" * 32).status_code == 404


def test_the_upload_is_audited_without_personal_data(district: District, refused_job: str) -> None:
    with Workspace.open(district.path, actor="admin") as ws:
        rows = [e for e in list_audit(ws).entries if e.action == "release.upload"]
    mine = [e for e in rows if e.release == "dibaca"]
    assert len(mine) == 1
    assert mine[0].username == "analis"
    assert mine[0].parameters["files"] == [{"file": "families.csv", "bytes": len(BAD_FAMILIES)}]
