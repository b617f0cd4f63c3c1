"""The workspace, browsers and checks of the web bad-input corpus (``test_web_bad_input.py``).

One workspace for the whole corpus: the realisation fixture's plan (RTLH activity K0501 of
PERKIM, output indicator O0501), a synthetic release ``r1`` of Kapuas, a submitted realisation,
a partner's commitment, a rakor meeting and users of every kind of grant. A case may not write,
so the corpus shares it; :func:`snapshot` proves each case wrote nothing.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from realisasi_fixture import make_workspace
from web_fixture import PASSWORD, csrf_of, sign_in

from rpkd.locale import Lang, entries, label
from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user, import_release, synthesize_district
from rpkd.workflows.meetings import create_meeting
from rpkd.workflows.partners import register_commitment, report_commitment
from rpkd.workflows.realisation_work import submit_realisation


@dataclass
class Site:
    """The corpus's app, its workspace and the ids of the objects the cases aim at."""

    app: FastAPI
    path: Path
    desa: str
    family: str
    realisation: int
    commitment: int
    report: int
    meeting: int
    browsers: dict[tuple[str, Lang], tuple[TestClient, str]] = field(default_factory=dict)

    def browser(self, user: str, lang: Lang = "id") -> tuple[TestClient, str]:
        """A browser signed in as ``user`` reading ``lang`` (one per user and language)."""
        key = (user, lang)
        if key not in self.browsers:
            client = TestClient(self.app, follow_redirects=False)
            client.cookies.set("rpkd_lang", lang)
            self.browsers[key] = (client, sign_in(client, user))
        return self.browsers[key]

    def anonymous(self, lang: Lang = "id") -> tuple[TestClient, str]:
        """A browser without a session, with the login form's CSRF token."""
        client = TestClient(self.app, follow_redirects=False)
        client.cookies.set("rpkd_lang", lang)
        return client, csrf_of(client.get("/login").text)


def build(root: Path) -> Iterator[Site]:
    """Build the corpus's workspace under ``root`` and yield its site (closed afterwards)."""
    path = make_workspace(root / "ws")
    with Workspace.open(path, actor="admin") as ws:
        synthesize_district(ws, "62.03", root / "source", families=300, seed=5, fmt="csv")
        import_release(ws, root / "source", "r1", reference_date="2025-03-01")
    with (root / "source" / "families.csv").open(encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    desa = first["desa_code"]
    other = "62.03.02" if not desa.startswith("62.03.02") else "62.03.01"
    with Workspace.open(path, actor="admin") as ws:
        add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
        add_user(ws, "desa_lain", PASSWORD, role="area_operator", region=other)
        add_user(ws, "dinsos", PASSWORD, role="agency_operator", agency="DINSOS")
    with Workspace.open(path, actor="perkim") as ws:
        submitted = submit_realisation(ws, "indicator", "O0501", 2025, 1, value=10.0)
    with Workspace.open(path, actor="baznas") as ws:
        held = register_commitment(ws, "BAZNAS", "P05", description="Bedah rumah", amount=4e8,
                                   start_year=2025, end_year=2026, activity="K0501")  # fmt: skip
        reported = report_commitment(ws, held.items[0].id, 2025, 1, budget_spent=1e8)
    with Workspace.open(path, actor="tkpkd") as ws:
        meeting = create_meeting(ws, {"title": "Rakor I", "held_on": "2026-01-10"})
    app = create_app(path, plain_http=True)
    site = Site(app, path, desa, first["family_id"], submitted.items[0].id,
                held.items[0].id, reported.items[0].id, meeting.id)  # fmt: skip
    yield site
    app.state.server.workspace.close()


# --- what a case checks ---------------------------------------------------------------------


def sentence(code: str, lang: Lang) -> re.Pattern[str]:
    """The catalogue sentence of ``code`` in ``lang`` as the page shows it (HTML-escaped), any
    parameter matching any text."""
    template = entries("messages")[code][lang]
    parts = re.split(r"\{[^}]*\}", template)
    quotes = {"'": "(?:&#39;|&#x27;)", '"': "(?:&#34;|&quot;)"}

    def literal(text: str) -> str:
        escaped = re.escape(html.escape(text, quote=False))
        return "".join(quotes.get(c, c) for c in escaped)

    return re.compile(".+?".join(literal(p) for p in parts), re.S)


def names(field_label: str, lang: Lang) -> str:
    """The label of a field as the page shows it."""
    return html.escape(label(field_label, lang))


@dataclass(frozen=True)
class Snapshot:
    """Every file of the workspace (path -> SHA-256) and every row of its database, the
    columns that say when (``*_at``) left out; the login attempts kept apart."""

    files: dict[str, str]
    rows: dict[str, list[tuple[object, ...]]]

    def changes(self, later: Snapshot) -> list[str]:
        """What ``later`` holds that this snapshot does not: files and rows by table."""
        found = [f"file {p}" for p in sorted(set(later.files.items()) - set(self.files.items()))]
        for table, rows in later.rows.items():
            new = set(map(repr, rows)) - set(map(repr, self.rows.get(table, [])))
            found += [f"{table}: {r[:200]}" for r in sorted(new)]
        return found


def snapshot(workspace: Path, *, ignore: frozenset[str] = frozenset()) -> Snapshot:
    files = {
        str(p.relative_to(workspace)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(workspace.rglob("*"))
        if p.is_file() and not p.name.startswith("rpkd.db")
    }
    rows: dict[str, list[tuple[object, ...]]] = {}
    with sqlite3.connect(workspace / "rpkd.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in sorted(set(tables) - ignore):
            cursor = db.execute(f'SELECT * FROM "{table}"')
            found = cursor.fetchall()
            timed = {i for i, c in enumerate(cursor.description) if c[0].endswith("_at")}
            kept = [tuple(v for i, v in enumerate(r) if i not in timed) for r in found]
            rows[table] = sorted(kept, key=repr)
    db.close()
    return Snapshot(files, rows)


# --- the cases ---------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64
"""The head of a Windows program."""
SCRIPT = "<script>alert(1)</script>"
NUL = "Bedah\x00rumah"
LOGIN = frozenset({"login_attempt"})
"""The table a failed sign-in writes by design (the rate limit's counter, hashed keys)."""
FAILED = "auth.sign_in_failed"
SHOWN = "usulan.families"
"""The audit action of the usulan form shown again: it lists the desa's families by name."""


Files = tuple[tuple[str, tuple[str, bytes, str]], ...]


@dataclass(frozen=True)
class Case:
    """One bad input: who posts what where, and what the app must answer."""

    user: str | None  # None: not signed in (the login form)
    path: str
    form: dict[str, str]
    status: int
    code: str
    label: str | None = None  # the label key of the field the sentence names
    echo: str | None = None  # what the user typed, shown again in the form
    files: Files = ()
    ignore: frozenset[str] = field(default_factory=frozenset)  # tables the rule itself writes
    audited: str | None = None  # the one audit action a refusal may add (a failed sign-in)
    csrf: bool = True


def evidence(name: str, body: bytes, kind: str = "application/pdf") -> Files:
    """The ``evidence`` file field of a form."""
    return (("evidence", (name, body, kind)),)


def check_refused(site: Site, case: Case, lang: Lang) -> None:
    """Post ``case`` in ``lang`` and check its answer (status, sentence, field, input shown
    again, everything escaped) and that it wrote nothing."""
    if case.user is None:
        client, csrf = site.anonymous(lang)
    else:
        client, csrf = site.browser(case.user, lang)
    form = {k: v.format(family=site.family) for k, v in case.form.items()}
    data = {**form, "csrf_token": csrf} if case.csrf else form
    target = case.path.format(realisation=site.realisation, commitment=site.commitment,
                              report=site.report, meeting=site.meeting, desa=site.desa)  # fmt: skip
    before = snapshot(site.path, ignore=case.ignore)
    answer = client.post(target, data=data, files=list(case.files))
    assert answer.status_code == case.status, answer.text[-2000:]
    page = answer.text
    assert sentence(case.code, lang).search(page), f"{case.code} not on the page"
    if case.label is not None:
        assert names(case.label, lang) in page
    if case.echo is not None:
        shown = case.echo if "&" in case.echo else html.escape(case.echo)
        assert shown in page, f"{case.echo!r} not shown again"
    assert SCRIPT not in page  # every text the user typed is escaped
    changes = before.changes(snapshot(site.path, ignore=case.ignore))
    if case.audited is not None:  # the refusal itself is audited: at most that one row
        audited = [c for c in changes if c.startswith("audit_log:") and f"'{case.audited}'" in c]
        assert len(audited) <= 1
        changes = [c for c in changes if c not in audited]
    assert changes == []
