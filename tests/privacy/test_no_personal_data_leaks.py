"""No personal data leak: the command line and the web app run on a small synthetic district
with every logger at DEBUG, and everything they produce is scanned for the registry's NIKs, KK
numbers, distinctive names and birth dates (issue 18, deliverable 3).

What is scanned: the captured log file (root, ``rpkd``, uvicorn, starlette, FastAPI, SQLAlchemy,
httpx), the CLI's stdout and stderr and the messages of the exceptions it raised, every HTML and
JSON body of an error answer (4xx/5xx) and of the masked by-name pages, every findings report
and every other text file written in the workspace outside the releases themselves, the
verification lists written by ``rpkd target lists`` and the application database's rows (job
records, audit log). The only outputs allowed to carry personal data are those an authorised
role explicitly asked for unmasked (an analyst's families of a desa and left-out list, an
admin's import findings with ``--unmask-findings``); the test asserts that they do carry a name
and a NIK, so the scan is proven to find what it looks for.

``rpkd demo`` is not run (it takes minutes): its workflow pieces that touch personal data
(synthesis, import, linkage, verification lists, the web pages) are the ones exercised here.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook

import rpkd.cli
from rpkd.cli import common
from rpkd.errors import RpkdError
from rpkd.locale import Lang
from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user, import_release, synthesize_district

PASSWORD = "kapuas-bersinar-2025"
RELEASE = "r"
UNMASKED = "terbuka"  # the release whose import findings the admin asked for unmasked
HTMX = {"HX-Request": "true"}
API = "/api/v1"
LOGGERS = (
    "",
    "rpkd",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "starlette",
    "fastapi",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "httpx",
    "httpcore",
    "multipart",
    "python_multipart",
    "alembic",
)
RAISED: list[RpkdError] = []
"""The errors the commands raised (their messages and JSON are scanned)."""
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY = re.compile(r"^(\d{2})[-/](\d{2})[-/](\d{4})$")


@dataclass
class Personal:
    """The registry's personal values, each as a lower-case string to look for."""

    values: dict[str, str] = field(default_factory=dict)  # value -> what it is

    def add(self, kind: str, value: str | None) -> None:
        text = (value or "").strip()
        if not text:
            return
        if kind == "name":
            if " " not in text or len(text) < 10:  # only the distinctive multi-word names
                return
            self.values[text.lower()] = kind
            return
        if kind == "birth_date":
            for form in _date_forms(text):
                self.values[form] = kind
            return
        if len(text) == 16 and text.isdigit():
            self.values[text] = kind

    def found(self, text: str) -> list[tuple[str, str]]:
        lower = text.lower()
        return [(kind, value) for value, kind in self.values.items() if value in lower]


def _date_forms(text: str) -> set[str]:
    """A birth date as written and in ISO form."""
    forms = {text}
    iso, dmy = _ISO.match(text), _DMY.match(text)
    if dmy:
        day, month, year = dmy.groups()
        forms.add(f"{year}-{month}-{day}")
    elif iso:
        year, month, day = iso.groups()
        forms |= {f"{day}-{month}-{year}", f"{day}/{month}/{year}"}
    return forms


def _registry(source: Path) -> Personal:
    personal = Personal()
    for path in sorted(source.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for column in ("nik", "kk_number", "name", "birth_date"):
                    personal.add(column, row.get(column))
    return personal


@dataclass
class Produced:
    """Everything the run produced, by where it came from."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))


@dataclass(frozen=True)
class District:
    root: Path
    path: Path
    source: Path
    desa: str
    other: str
    personal: Personal
    log: Path


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("privacy")
    log = root / "debug.log"
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    known = [
        n for n, lg in logging.root.manager.loggerDict.items() if isinstance(lg, logging.Logger)
    ]
    names = {*LOGGERS, *known}  # every logger already made, and the web stack's by name
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        path, source = root / "ws", root / "source"
        with Workspace.open(path) as ws:
            synthesize_district(ws, "62.03", source, families=150, seed=11, fmt="csv")
            import_release(ws, source, RELEASE, reference_date="2025-03-01")
            add_user(ws, "admin", PASSWORD, role="admin")
        with (source / "families.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        desas = [row["desa_code"] for row in rows]
        poorest = [row["desa_code"] for row in rows if int(row["desil"]) <= 2]
        desa = max(set(poorest), key=lambda d: (poorest.count(d), desas.count(d)))
        other = next(d for d in desas if d[:8] != desa[:8])
        with Workspace.open(path, actor="admin") as ws:
            add_user(ws, "analis", PASSWORD, role="analyst")
            add_user(ws, "pemantau", PASSWORD, role="viewer")
            add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
        yield District(root, path, source, desa, other, _registry(source), log)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _bad_source(district: District) -> Path:
    """A copy of the source whose persons file repeats a NIK and has an impossible date."""
    bad = district.root / "bad-source"
    if bad.exists():
        return bad
    shutil.copytree(district.source, bad, ignore=shutil.ignore_patterns("truth"))
    persons = bad / "persons.csv"
    with persons.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["nik"] = rows[0]["nik"]
    _spoil(rows, 2, 3)
    _write(persons, rows)
    pkh = bad / "beneficiaries_pkh.csv"
    with pkh.open(encoding="utf-8", newline="") as fh:
        listed = list(csv.DictReader(fh))
    _spoil(listed, 0, 1)
    _write(bad / "list_pkh.csv", listed)
    return bad


def _spoil(rows: list[dict[str, str]], date: int, nik: int) -> None:
    """Make a birth date and a NIK invalid while keeping the registry's value inside them (so
    a finding that quoted them unmasked would be caught by the scan)."""
    rows[date]["birth_date"] += "x"
    rows[nik]["nik"] += "9"


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _rpkd(args: tuple[str, ...]) -> None:
    """The console script ``rpkd`` in-process: errors become messages and exit codes (and
    are kept in :data:`RAISED`)."""
    shown = common.error

    def record(exc: RpkdError, lang: Lang | None = None) -> None:
        RAISED.append(exc)
        shown(exc, lang)

    saved, sys.argv, common.error = sys.argv, ["rpkd", *args], record
    try:
        rpkd.cli.main()
    finally:
        sys.argv, common.error = saved, shown


def _run_cli(district: District, produced: Produced, asked: Produced) -> None:
    """Run commands that touch personal data or fail; what the admin asked for unmasked (the
    import with ``--unmask-findings``) goes to ``asked``."""
    runner = CliRunner()
    places = {
        "ws": f"-w {district.path}",
        "bad": str(_bad_source(district)),
        "source": str(district.source),
        "lists": str(district.root / "lists"),
    }
    commands = {
        "import-bad": "release import {bad} --name salah --as admin {ws}",
        "import-unmasked": f"release import {{bad}} --name {UNMASKED} --unmask-findings "
        "--as admin {ws}",
        "link": "link {source}/beneficiaries_pkh.csv --release r --as analis {ws}",
        "link-bad": "link {bad}/list_pkh.csv --release r --as analis {ws}",
        "link-json": "link {source}/beneficiaries_pip.csv --release r --as analis -f json {ws}",
        "lists": "target lists --release r --out {lists} --as analis {ws}",
        "lists-unmask-viewer": "target lists --release r --out {lists}-x --unmask "
        "--as pemantau {ws}",
        "usage": "target lists --release r --out {lists} -f xml --as analis {ws}",
        "import-unknown-user": "release import {source} --name x --as siapa {ws}",
    }
    codes = {}
    for name, command in commands.items():
        RAISED.clear()
        result = runner.invoke(_rpkd, command.format(**places).split())
        codes[name] = result.exit_code
        into = asked if name == "import-unmasked" else produced
        into.add(f"cli {name} stdout", result.stdout)
        into.add(f"cli {name} stderr", result.stderr)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            produced.add(f"cli {name} exception", repr(result.exception))
        for exc in RAISED:
            text = f"{exc} {exc!r} {exc.message('en')} {json.dumps(exc.to_json())}"
            into.add(f"cli {name} raised {exc.code}", text)
    assert codes["import-bad"] == 1 and codes["import-unmasked"] == 1, codes
    assert codes["link"] == 0 and codes["link-json"] == 0 and codes["lists"] == 0, codes
    assert codes["lists-unmask-viewer"] != 0 and codes["usage"] == 2, codes
    assert any(" raised " in where for where, _ in produced.texts), "no error was kept"
    assert codes["import-unknown-user"] != 0, codes
    workbooks = sorted((district.root / "lists").rglob("*.xlsx"))
    assert workbooks, "rpkd target lists wrote no list"
    for workbook in workbooks:
        book = load_workbook(workbook, read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                produced.add(f"list {workbook.name}", " ".join(str(v) for v in row if v))
        book.close()


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None
    return found.group(1)


def _client(app: object, user: str) -> TestClient:
    browser = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    page = browser.get("/login")
    answer = browser.post(
        "/login", data={"username": user, "password": PASSWORD, "csrf_token": _csrf(page.text)}
    )
    assert answer.status_code == 303
    return browser


def _run_web(district: District, produced: Produced) -> str:
    """Run the web app; return the unmasked families the analyst asked for (allowed names)."""
    app = create_app(district.path, plain_http=True)
    try:
        analis, pemantau = _client(app, "analis"), _client(app, "pemantau")
        answers = {
            "profil desa": analis.get(f"/profile?area={district.desa}&release={RELEASE}"),
            "left-out masked": analis.get(
                f"/targeting/left-out?desa={district.desa}&release={RELEASE}", headers=HTMX
            ),
            "unmask refused": pemantau.get(
                f"/targeting/left-out?desa={district.desa}&release={RELEASE}&unmask=true"
            ),
            "404": analis.get("/releases/tidak-ada"),
            "422": analis.get(f"/targeting/left-out?desa={district.desa}&unmask=barangkali"),
            "job 404": analis.get(f"/releases/{RELEASE}/imports/999999"),
        }
        assert answers["profil desa"].status_code == 200
        assert answers["left-out masked"].status_code == 200
        assert answers["unmask refused"].status_code == 403
        assert answers["404"].status_code == 404
        assert answers["422"].status_code == 422
        for name, answer in answers.items():
            produced.add(f"web {name} {answer.status_code}", answer.text)
        _upload_bad_release(district, analis, produced)
        # Asked for by name by roles allowed to: not scanned (the API's is checked for a name).
        unmasked = analis.get(
            f"/targeting/left-out?desa={district.desa}&release={RELEASE}&unmask=true",
            headers=HTMX,
        )
        assert unmasked.status_code == 200
        return _call_api(district, app, produced)
    finally:
        app.state.server.workspace.close()


def _upload_bad_release(district: District, browser: TestClient, produced: Produced) -> None:
    bad = district.root / "bad-source"
    parts = [
        ("files", (p.name, p.read_bytes(), "text/csv"))
        for p in sorted(bad.glob("*.csv"))
        if p.name in ("families.csv", "persons.csv", "villages.csv")
    ]
    form = browser.get("/releases")
    data = {"csrf_token": _csrf(form.text), "name": "salah-web"}
    answer = browser.post("/releases", data=data, files=parts)
    assert answer.status_code == 303, answer.text
    url = answer.headers["location"]
    part = browser.get(url, headers=HTMX)
    for _ in range(600):
        if "hx-trigger" not in part.text:
            break
        time.sleep(0.1)
        part = browser.get(url, headers=HTMX)
    assert "hx-trigger" not in part.text, "the import job did not finish"
    produced.add("web findings page", part.text)
    assert "<td" in part.text, "the findings page shows no finding"
    for fmt in ("csv", "xlsx"):
        report = browser.get(f"{url}/findings.{fmt}")
        assert report.status_code == 200
        if fmt == "csv":
            produced.add("web findings.csv", report.text)


def _call_api(district: District, app: object, produced: Produced) -> str:
    api = TestClient(app)  # type: ignore[arg-type]

    def token(user: str) -> dict[str, str]:
        answer = api.post(f"{API}/token", data={"username": user, "password": PASSWORD})
        assert answer.status_code == 200
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    desa, pemantau = token("desa"), token("pemantau")
    families = f"{API}/releases/{RELEASE}/families"
    unmasked = api.get(families, params={"desa": district.desa, "unmask": "true"},
                       headers=token("analis"))  # fmt: skip
    assert unmasked.status_code == 200
    answers = {
        "masked": api.get(families, params={"desa": district.desa}, headers=desa),
        "out of scope": api.get(families, params={"desa": district.other}, headers=desa),
        "viewer": api.get(families, params={"desa": district.desa}, headers=pemantau),
        "unknown release": api.get(
            f"{API}/releases/tidak-ada/families", params={"desa": district.desa}, headers=desa
        ),
        "bad unmask": api.get(
            families, params={"desa": district.desa, "unmask": "barangkali"}, headers=desa
        ),
        "no token": api.get(families, params={"desa": district.desa}),
        "bad password": api.post(f"{API}/token", data={"username": "desa", "password": "x"}),
    }
    assert answers["masked"].status_code == 200
    assert answers["out of scope"].status_code == 403
    assert answers["viewer"].status_code == 403
    assert answers["unknown release"].status_code == 404
    assert answers["bad unmask"].status_code == 422
    assert answers["no token"].status_code == 401
    for name, answer in answers.items():
        produced.add(f"api {name} {answer.status_code}", answer.text)
    return unmasked.text


def _workspace_files(district: District, produced: Produced, unmasked: Produced) -> int:
    """Add every text file and database row the workspace holds outside the releases (the
    findings report asked for unmasked goes to ``unmasked``); return the findings reports."""
    findings = 0
    for path in sorted(district.path.rglob("*")):
        relative = path.relative_to(district.path)
        if not path.is_file() or relative.parts[0] == "releases":
            continue
        if path.suffix in (".db", ".sqlite"):
            connection = sqlite3.connect(path)
            try:
                tables = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
                for (table,) in tables.fetchall():
                    rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()
                    produced.add(f"db {relative}:{table}", "\n".join(map(repr, rows)))
            finally:
                connection.close()
            continue
        if relative.parts[0] == "findings":
            findings += 1
            if path.name.startswith(f"{UNMASKED}-"):
                if path.suffix == ".csv":
                    unmasked.add(str(relative), path.read_text(encoding="utf-8"))
                continue
        if path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    produced.add(str(relative), " ".join(str(v) for v in row if v))
            book.close()
        elif path.suffix in (".parquet", ".arrow"):
            continue
        else:
            produced.add(str(relative), path.read_bytes().decode("utf-8", "replace"))
    return findings


def test_nothing_produced_carries_personal_data_unmasked(district: District) -> None:
    produced, asked = Produced(), Produced()
    _run_cli(district, produced, asked)
    unmasked = _run_web(district, produced)
    findings = _workspace_files(district, produced, asked)
    assert findings > 0, "no findings report was written"
    for handler in logging.getLogger().handlers:
        handler.flush()
    produced.add("log", district.log.read_text(encoding="utf-8"))
    assert len(district.log.read_text(encoding="utf-8")) > 0
    # The scan finds what it looks for: the analyst's unmasked view carries names, the findings
    # report the admin asked for unmasked carries the repeated NIK.
    assert any(kind == "name" for kind, _ in district.personal.found(unmasked))
    assert any(w.startswith("findings/") for w, _ in asked.texts), "no unmasked report written"
    assert any(
        kind == "nik" for _, text in asked.texts for kind, _ in district.personal.found(text)
    )
    leaks = [
        (where, kind, value)
        for where, text in produced.texts
        for kind, value in district.personal.found(text)
    ]
    assert not leaks, "\n".join(f"{w}: {k} {v}" for w, k, v in leaks[:40])
