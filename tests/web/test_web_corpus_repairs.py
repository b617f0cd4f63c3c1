"""The web bad-input corpus, second half (docs/bad-input.md, "Web forms"): inputs read as
meant (thousands separators, decimal commas, invisible characters, a client's path in a file
name), formula-like text kept as typed and neutralised in every file written from it, another
area's objects refused, double submits, the language switch and request bodies over their
limit (streamed, never built in memory: refused at the limit with 413, nothing stored).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx2 as httpx
import openpyxl
import pytest
import typer
from typer.testing import CliRunner
from web_corpus_site import Site, build, sentence, snapshot

from rpkd.cli import plan as plan_cli
from rpkd.locale import Lang
from rpkd.workflows import Workspace, add_user
from rpkd.workflows.body_limits import request_limits
from rpkd.workflows.realisations import list_realisations
from rpkd.workflows.usulan import review_proposal

PDF = b"%PDF-1.4\n%%EOF\n"
FORMULA = '=HYPERLINK("http://contoh.invalid","klik")'
SCRIPT = "<script>alert(1)</script>"
GB = 1 << 30


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from build(tmp_path_factory.mktemp("web-corpus-repairs"))


def _versions(site: Site, quarter: int) -> list[tuple[float | None, str]]:
    with Workspace.open(site.path, actor="admin") as ws:
        items = list_realisations(ws).items
    return [(i.value, i.evidence) for i in items if i.quarter == quarter]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1.234.567", 1234567.0),  # thousands grouped by dots
        ("1.234.567,5", 1234567.5),  # and a decimal comma
        ("0,5", 0.5),  # a decimal comma
        ("1234.5", 1234.5),  # what a browser's number input sends
        ("1,234.5", 1234.5),  # English grouping
        ("\u200b 40\u00a0", 40.0),  # invisible characters and non-breaking spaces
        ("-3", -3.0),  # an indicator's value may be negative (a change)
    ],
)
def test_numbers_are_read_as_typed(site: Site, typed: str, read: float) -> None:
    client, csrf = site.browser("perkim")
    form = {"csrf_token": csrf, "subject": "indicator:O0501", "year": "2025", "quarter": "3",
            "value": typed, "note": "BAST"}  # fmt: skip
    answer = client.post("/realisations", data=form)
    assert answer.status_code == 303, answer.text[-1500:]
    assert _versions(site, 3)[-1][0] == read


def test_a_note_is_stored_clean_and_a_formula_as_text(site: Site) -> None:
    client, csrf = site.browser("perkim")
    form = {"csrf_token": csrf, "subject": "indicator:O0501", "year": "2025", "quarter": "4",
            "value": "1", "note": f"\u200b{FORMULA}\u00a0"}  # fmt: skip
    assert client.post("/realisations", data=form).status_code == 303
    assert _versions(site, 4)[-1][1] == FORMULA
    app = typer.Typer()
    plan_cli.register(app)
    listed = CliRunner().invoke(
        app,
        ["realisation", "list", "--format", "csv", "--workspace", str(site.path)],
        env={"RPKD_USER": "admin"},
    )
    assert listed.exit_code == 0, listed.output
    notes = [v for r in csv.reader(io.StringIO(listed.stdout)) for v in r if "HYPERLINK" in v]
    assert notes == ["'" + FORMULA]  # the CSV rpkd writes neutralises it


def test_a_client_path_in_an_evidence_name_keeps_the_name_only(site: Site) -> None:
    client, csrf = site.browser("perkim")
    form = {"csrf_token": csrf, "subject": "indicator:O0501", "year": "2025", "quarter": "4",
            "value": "2", "note": "BAST"}  # fmt: skip
    for name, shown in (
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("C:\\foto\\bast.pdf", "bast.pdf"),
        ("ba\x00st.pdf", "ba%00st.pdf"),
    ):  # fmt: skip  (httpx escapes NUL)
        answer = client.post("/realisations", data=form,
                             files=[("evidence", (name, PDF, "application/pdf"))])  # fmt: skip
        assert answer.status_code == 303
        page = client.get("/realisations?year=2025&quarter=4").text
        assert f">{shown}<" in page
    stored = [p for p in (site.path / "evidence").rglob("*") if p.is_file()]
    assert all(site.path / "evidence" in p.parents for p in stored)


def test_a_double_submit_is_a_new_version_not_a_duplicate(site: Site) -> None:
    client, csrf = site.browser("perkim")
    form = {"csrf_token": csrf, "subject": "indicator:O0501", "year": "2026", "quarter": "1",
            "value": "7", "note": "BAST"}  # fmt: skip
    first, second = (client.post("/realisations", data=form) for _ in range(2))
    assert first.headers["location"].endswith("saved=v1")
    assert second.headers["location"].endswith("saved=v2")


def test_a_code_loses_its_invisible_character_and_a_formula_name_is_neutralised(
    site: Site,
) -> None:
    client, csrf = site.browser("tkpkd")
    form = {"csrf_token": csrf, "new": "1", "programme": "P01", "code": "K9\u200b003",
            "name": FORMULA, "agency": "DINSOS", "regions": "62.03.01",
            "budget:apbd:2026": "1.500.000"}  # fmt: skip
    answer = client.post("/plan/activities", data=form)
    assert answer.headers["location"] == "/plan?saved=K9003"
    workbook = client.get("/plan/export.xlsx")
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    cells = [c for s in book.worksheets for r in s.iter_rows() for c in r
             if isinstance(c.value, str) and "HYPERLINK" in c.value]  # fmt: skip
    assert cells and all(c.value == "'" + FORMULA and c.data_type == "s" for c in cells)
    budgets = [c.value for s in book.worksheets for r in s.iter_rows() for c in r
               if c.value in (1_500_000, 1_500_000.0)]  # fmt: skip
    assert budgets  # 1.500.000 typed: one and a half million rupiah


def test_a_formula_and_a_script_in_a_sanggahan_note_are_text_everywhere(site: Site) -> None:
    desa, csrf = site.browser("desa")
    form = {"csrf_token": csrf, "kind": "object", "release": "r1", "family_id": site.family,
            "reason": "deceased", "note": f"{FORMULA} {SCRIPT}"}  # fmt: skip
    filed = desa.post(f"/usulan?desa={site.desa}", data=form,
                      files=[("evidence", ("akta.pdf", PDF, "application/pdf"))])  # fmt: skip
    assert filed.status_code == 303, filed.text[-1500:]
    page = desa.get(filed.headers["location"]).text
    assert SCRIPT not in page and "&lt;script&gt;" in page
    proposal = int(filed.headers["location"].split("?")[0].rsplit("/", 1)[1])
    with Workspace.open(site.path, actor="admin") as ws:
        add_user(ws, "kec", "kapuas-bersinar-2025", role="area_operator", region=site.desa[:8])
    for reviewer in ("kec", "tkpkd"):
        with Workspace.open(site.path, actor=reviewer) as ws:
            review_proposal(ws, proposal, "accept", "cek lapangan")
    analis, a_csrf = site.browser("tkpkd")
    download = analis.post("/usulan/corrections", data={"csrf_token": a_csrf, "release": "r1"})
    assert download.status_code == 200, re.findall(r'role="alert">([^<]*)', download.text)
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("usulan.csv").decode("utf-8-sig"))))
    notes = [v for r in rows for v in r.values() if v and "HYPERLINK" in v]
    assert notes and all(v.startswith("'=") for v in notes)


@pytest.mark.parametrize("typed", ["inf", "#N/A", "1,2,3", "lima"])
def test_a_bad_cell_of_the_plan_workbook_is_named_by_sheet_row_and_field(
    site: Site, typed: str
) -> None:
    client, csrf = site.browser("tkpkd")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/plan/export.xlsx").content))
    sheet = next(ws for ws in book.worksheets if ws.title == "Matriks Indikator")
    code = next(c for row in sheet.iter_rows() for c in row if c.value == "O0501")
    sheet.cell(row=code.row, column=code.column + 11).value = typed
    broken = io.BytesIO()
    book.save(broken)
    before = snapshot(site.path)
    files = {"file": ("matriks.xlsx", broken.getvalue(), "application/octet-stream")}
    answer = client.post("/plan/import", data={"csrf_token": csrf}, files=files)
    assert answer.status_code == 422
    table = answer.text.split('id="import-findings"', 1)[1].split("</table>", 1)[0]
    assert "Matriks Indikator" in table and f">{code.row}<" in table and typed in table
    assert before.changes(snapshot(site.path)) == []


# --- another area's objects, the language switch -------------------------------------------


def test_another_agencys_evidence_and_another_desas_proposal_are_refused(site: Site) -> None:
    perkim, csrf = site.browser("perkim")
    form = {"csrf_token": csrf, "subject": "indicator:O0501", "year": "2026", "quarter": "2",
            "value": "3", "note": "BAST"}  # fmt: skip
    perkim.post("/realisations", data=form, files=[("evidence", ("b.pdf", PDF, "application/pdf"))])
    page = perkim.get("/realisations?year=2026&quarter=2").text
    link = page.split('href="/realisations/evidence/', 1)[1].split('"', 1)[0]
    dinsos, _ = site.browser("dinsos")
    assert dinsos.get(f"/realisations/evidence/{link}").status_code == 403
    baznas, _ = site.browser("baznas")
    assert baznas.get(f"/realisations/evidence/{link}").status_code == 403
    lain, _ = site.browser("desa_lain")
    assert lain.get(f"/usulan/new?desa={site.desa}").status_code == 403
    assert lain.get(f"/targeting/left-out?desa={site.desa}").status_code == 403


@pytest.mark.parametrize(
    ("path", "status", "location"),
    [
        ("/lang/xx", 404, None),
        ("/lang/en?next=https://contoh.invalid/", 303, "/"),
        ("/lang/en?next=//contoh.invalid/", 303, "/"),
        ("/lang/en?next=/plan", 303, "/plan"),
    ],
)
def test_the_language_switch_takes_a_known_language_and_a_path_of_this_site(
    site: Site, path: str, status: int, location: str | None
) -> None:
    client, _ = site.browser("dinsos")
    answer = client.get(path)
    assert answer.status_code == status
    if location is not None:
        assert answer.headers["location"] == location


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/scenarios/optimise?release=r1&year=20x6&target=1", 400, "web_scenario_year"),
        ("/scenarios/optimise?release=r1&year=2026&target=150", 400, "web_scenario_target"),
        ("/scenarios/optimise?release=r1&year=2026&target=inf", 400, "web_scenario_target"),
        ("/scenarios/optimise?release=r1&year=2026&target=1.5.0", 400, "web_scenario_target"),
        ("/documents/download?release=tidak-ada", 404, "release_missing"),
        ("/documents/download?release=r1&kind=surat", 422, "request_invalid"),
        ("/documents/download?release=r1&year=1.234", 422, "request_invalid"),
    ],
)
def test_query_forms_refuse_bad_values(
    site: Site, path: str, status: int, code: str | None
) -> None:
    client, _ = site.browser("tkpkd")
    answer = client.get(path)
    assert answer.status_code == status, answer.text[-1500:]
    if code is not None:
        assert sentence(code, "id").search(answer.text)


# --- bodies over the limit: streamed, refused at the limit, nothing stored -------------------


class Stream:
    """A body of ``size`` bytes made as it is read (a 2 GB upload without the memory): a
    multipart head naming a file, then zeros; counts what the app read."""

    def __init__(self, size: int, field: str, filename: str) -> None:
        self.head = (f"--b\r\nContent-Disposition: form-data; name=\"{field}\"; "
                     f"filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n").encode()  # fmt: skip
        self.size = size
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b"\0" * (1 << 20)
        yield self.head
        self.sent = len(self.head)
        while self.sent < self.size:
            self.sent += len(chunk)
            yield chunk


def _post_streamed(site: Site, user: str, path: str, body: Stream, *, announce: bool, lang: Lang
                   ) -> httpx.Response:  # fmt: skip
    client, csrf = site.browser(user, lang)
    headers = {"X-CSRF-Token": csrf, "Content-Type": "multipart/form-data; boundary=b"}
    if announce:
        headers["Content-Length"] = str(body.size)

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=site.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                     cookies=dict(client.cookies)) as browser:  # fmt: skip
            return await browser.post(path, content=body, headers=headers)

    # A thread of its own: a test before it in this process (Playwright's sync API) may have
    # left an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, send).result()


UPLOADS = [
    ("perkim", "/realisations", "evidence", "bast.pdf", "evidence", "request_too_large"),
    (
        "baznas",
        "/partners/commitments/{commitment}/reports",
        "evidence",
        "foto.pdf",
        "evidence",
        "request_too_large",
    ),
    ("desa", "/usulan?desa={desa}", "evidence", "akta.pdf", "usulan", "request_too_large"),
    ("tkpkd", "/plan/import", "file", "matriks.xlsx", "plan", "request_too_large"),
    ("tkpkd", "/scenarios", "file", "s.toml", "form", "request_too_large"),
    ("tkpkd", "/rakor", "title", "x", "form", "request_too_large"),
    ("tkpkd", "/releases", "files", "families.csv", "release", "upload_too_large"),
]


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "chunked"])
@pytest.mark.parametrize(("user", "path", "field", "name", "kind", "code"), UPLOADS)
def test_a_2_gb_body_is_refused_at_its_limit(
    site: Site, user: str, path: str, field: str, name: str, kind: str, code: str, announce: bool
) -> None:
    with Workspace.open(site.path, actor="admin") as ws:
        limit = getattr(request_limits(ws), kind)
    target = path.format(commitment=site.commitment, desa=site.desa)
    for lang in ("id", "en"):  # signed in before the snapshot: a sign-in writes its audit row
        site.browser(user, lang)
    before = snapshot(site.path)
    for lang in ("id", "en"):
        body = Stream(2 * GB, field, name)
        answer = _post_streamed(site, user, target, body, announce=announce, lang=lang)
        if kind == "release" and not announce:  # the upload form asks for the length first
            assert answer.status_code == 411, answer.text[-1500:]
            assert sentence("upload_length_required", lang).search(answer.text)
        else:
            assert answer.status_code == 413, answer.text[-1500:]
            assert sentence(code, lang).search(answer.text)
        assert body.sent <= limit + (2 << 20)  # stopped at the limit: never 2 GB
        if announce:
            assert body.sent <= 2 << 20  # refused before the body was read
    assert before.changes(snapshot(site.path)) == []
