"""Bad review decisions on a real link run (docs/bad-input.md, "The JSON API" and "Link review
decisions"): the hand-made registry of ``tests/linkage/linkage_fixture.py`` linked by ``rpkd
link`` (three runs: a list's first run, superseded by its second, and another list's run),
then decisions posted over the *Tinjauan pencocokan* form and over the JSON API
(``POST /api/v1/releases/{name}/links/{run}/decisions``): an unknown pair, a pair of another
run, an unknown decision, a stale run, a missing CSRF token, a double submit, and every kind
of bad JSON body. Each is checked for its status, the catalogue sentence in Indonesian and in
English naming the field, and that nothing was written: every file of the workspace and every
database row, the audit log included (the form shown again lists the queue by name, which is
audited by design: at most that one ``link.queue`` row).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from api_corpus import ENGLISH, GB, Stream, check, post_streamed
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_corpus_site import sentence as page_sentence
from web_corpus_site import snapshot
from web_fixture import PASSWORD, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linkage"))

from linkage_fixture import build, write_workspace

from rpkd.locale import Lang, label
from rpkd.web.app import create_app
from rpkd.workflows import Workspace, add_user
from rpkd.workflows.link import QUEUE_FILE, link_list

RELEASE = "dtsen-uji"
API = "/api/v1"


@dataclass
class Site:
    app: FastAPI
    path: Path
    stale: str  # the list's first run, superseded by ``run``
    run: str  # the list's latest run
    other: str  # another list's run
    pairs: list[tuple[str, str]]  # (record, person) of ``run``'s queue
    foreign: tuple[str, str]  # a pair of ``other`` that ``run`` does not hold
    browsers: dict[tuple[str, Lang], tuple[TestClient, str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def browser(self, user: str, lang: Lang) -> tuple[TestClient, str]:
        if (user, lang) not in self.browsers:
            client = TestClient(self.app, follow_redirects=False)
            client.cookies.set("rpkd_lang", lang)
            self.browsers[(user, lang)] = (client, sign_in(client, user))
        return self.browsers[(user, lang)]

    def token(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            client = TestClient(self.app)
            answer = client.post(f"{API}/token", data={"username": user, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            self.tokens[user] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def _pairs(folder: Path) -> list[tuple[str, str]]:
    queue = pq.read_table(folder / QUEUE_FILE, columns=["record", "person_id"])
    return [(str(r), str(p)) for r, p in zip(*(c.to_pylist() for c in queue.columns), strict=True)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = write_workspace(tmp_path_factory.mktemp("link-bad-decisions"), build())
    with (root / "beneficiaries_pkh.csv").open(encoding="utf-8", newline="") as fh:
        listed = list(csv.DictReader(fh))
    with (root / "beneficiaries_bpnt.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(listed[0]))
        writer.writeheader()
        # the same people under other record numbers: its pairs are not the first list's
        writer.writerows(
            {**row, "record": str(len(listed) + 1 - int(row["record"]))} for row in listed
        )
    with Workspace.open(root) as ws:
        add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(root, actor="admin") as ws:
        add_user(ws, "analis", PASSWORD, role="analyst")
        add_user(ws, "analis_kec", PASSWORD, role="analyst", region="62.03.01")
        add_user(ws, "desa", PASSWORD, role="area_operator", region="62.03.01.2001")
        first = link_list(ws, root / "beneficiaries_pkh.csv", RELEASE, upper=0.9999, lower=0.01)
        latest = link_list(ws, root / "beneficiaries_pkh.csv", RELEASE, upper=0.9998, lower=0.01)
        other = link_list(ws, root / "beneficiaries_bpnt.csv", RELEASE, upper=0.9999, lower=0.01)
    assert first.folder != latest.folder
    pairs = _pairs(latest.folder)
    foreign = next(p for p in _pairs(other.folder) if p not in set(pairs))
    app = create_app(root, plain_http=True)
    site = Site(app, root, first.folder.name, latest.folder.name, other.folder.name, pairs, foreign)
    yield site
    app.state.server.workspace.close()


def _unchanged(site: Site, before: Any, *, shown: bool = False) -> None:
    """Nothing written since ``before``; a form shown again adds at most its one audited
    by-name view (``link.queue``)."""
    changes = before.changes(snapshot(site.path))
    if shown:
        viewed = [c for c in changes if c.startswith("audit_log:") and "'link.queue'" in c]
        assert len(viewed) <= 1
        changes = [c for c in changes if c not in viewed]
    assert changes == []


# --- the form of the review page ---------------------------------------------------------------


def _form_cases(site: Site) -> dict[str, tuple[str, dict[str, str], int, str, bool]]:
    record, person = site.pairs[0]
    return {
        "unknown_pair": (
            site.run,
            {"record": record, "person_id": "bukan-orang", "decision": "accept"},
            422,
            "link_pair_unknown",
            True,
        ),
        "pair_of_another_run": (
            site.run,
            {"record": site.foreign[0], "person_id": site.foreign[1], "decision": "accept"},
            422,
            "link_pair_unknown",
            True,
        ),
        "decision_unknown": (
            site.run,
            {"record": record, "person_id": person, "decision": "terima-saja"},
            422,
            "link_decision_invalid",
            True,
        ),
        "decision_missing": (
            site.run,
            {"record": record, "person_id": person},
            422,
            "link_decision_invalid",
            True,
        ),
        "record_control_chars": (
            site.run,
            {"record": "1\x00", "person_id": person, "decision": "accept"},
            422,
            "form_text_control",
            True,
        ),
        "record_too_long": (
            site.run,
            {"record": "9" * 65, "person_id": person, "decision": "reject"},
            422,
            "form_text_long",
            True,
        ),
        "stale_run": (
            site.stale,
            {"record": record, "person_id": person, "decision": "accept"},
            422,
            "link_run_stale",
            True,
        ),
        "unknown_run": (
            "tidak-ada",
            {"record": record, "person_id": person, "decision": "accept"},
            404,
            "link_run_unknown",
            False,
        ),
        "unknown_release": (
            site.run,
            {"record": record, "person_id": person, "decision": "accept"},
            404,
            "release_missing",
            False,
        ),
    }


FORM_KINDS = (
    "unknown_pair",
    "pair_of_another_run",
    "decision_unknown",
    "decision_missing",
    "record_control_chars",
    "record_too_long",
    "stale_run",
    "unknown_run",
    "unknown_release",
)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("kind", FORM_KINDS)
def test_a_bad_decision_on_the_form_is_refused(site: Site, kind: str, lang: Lang) -> None:
    run, form, status, code, shown = _form_cases(site)[kind]
    client, csrf = site.browser("analis", lang)
    release = "dtsen-lain" if kind == "unknown_release" else RELEASE
    before = snapshot(site.path)
    answer = client.post(f"/linkage/{release}/{run}", data={**form, "csrf_token": csrf})
    assert answer.status_code == status, answer.text[-1500:]
    assert page_sentence(code, lang).search(answer.text), f"{code} not on the page"
    assert "\x00" not in answer.text
    _unchanged(site, before, shown=shown)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_decision_without_its_csrf_token_is_refused(site: Site, lang: Lang) -> None:
    client, _ = site.browser("analis", lang)
    record, person = site.pairs[0]
    before = snapshot(site.path)
    answer = client.post(
        f"/linkage/{RELEASE}/{site.run}",
        data={"record": record, "person_id": person, "decision": "accept"},
    )
    assert answer.status_code == 403
    assert page_sentence("csrf_failed", lang).search(answer.text)
    _unchanged(site, before)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_stale_run_says_so_and_offers_no_decision(site: Site, lang: Lang) -> None:
    client, _ = site.browser("analis", lang)
    runs = client.get("/linkage").text

    def cell(run: str) -> str:
        return runs.split(f">{run}</a>", 1)[1].split("</td>", 1)[0]

    assert label("web.link_review.superseded", lang) in cell(site.stale)
    assert label("web.link_review.superseded", lang) not in cell(site.run) + cell(site.other)
    stale = client.get(f"/linkage/{RELEASE}/{site.stale}").text
    assert page_sentence("link_run_stale", lang).search(stale)
    assert f'href="/linkage/{RELEASE}/{site.run}"' in stale
    assert 'name="decision"' not in stale
    latest = client.get(f"/linkage/{RELEASE}/{site.run}").text
    assert 'name="decision"' in latest and not page_sentence("link_run_stale", lang).search(latest)


def test_a_double_submit_on_the_form_writes_once(site: Site) -> None:
    client, csrf = site.browser("analis", "id")
    record, person = site.pairs[-1]
    form = {"record": record, "person_id": person, "decision": "reject", "csrf_token": csrf}
    target = f"/linkage/{RELEASE}/{site.run}"
    assert client.post(target, data=form).status_code == 303
    before = snapshot(site.path)
    again = client.post(target, data=form)
    assert again.status_code == 303  # the same decision: nothing to store, back to the queue
    _unchanged(site, before)


# --- the JSON API ------------------------------------------------------------------------------


def _decision(site: Site, run: str | None = None) -> str:
    return f"{API}/releases/{RELEASE}/links/{run or site.run}/decisions"


def _body_cases(site: Site) -> dict[str, tuple[bytes, str, int, str, str | None]]:
    record, person = site.pairs[0]
    json = "application/json"
    good = f'"record": "{record}", "person_id": "{person}"'
    return {
        "malformed_json": (b'{"record": "1",', json, 422, "api_json_invalid", "body"),
        "empty_body": (b"", json, 422, "api_json_invalid", "body"),
        "form_content_type": (
            f"record={record}&person_id={person}&decision=accept".encode(),
            "application/x-www-form-urlencoded",
            422,
            "api_content_type",
            "body",
        ),
        "no_content_type": (
            f'{{{good}, "decision": "accept"}}'.encode(),
            "",
            422,
            "api_content_type",
            "body",
        ),
        "latin1_body": (
            f'{{{good}, "decision": "acc\xe9pt"}}'.encode("latin-1"),
            json,
            422,
            "api_json_encoding",
            "body",
        ),
        "nan": (f'{{{good}, "decision": NaN}}'.encode(), json, 422, "api_json_number", "body"),
        "infinity": (
            f'{{{good}, "decision": -Infinity}}'.encode(),
            json,
            422,
            "api_json_number",
            "body",
        ),
        "number_1e400": (
            f'{{{good}, "decision": 1e400}}'.encode(),
            json,
            422,
            "api_json_number",
            "body",
        ),
        "huge_integer": (
            f'{{{good}, "decision": {"9" * 5000}}}'.encode(),
            json,
            422,
            "api_json_number",
            "body",
        ),
        "array_not_object": (
            f'[{{{good}, "decision": "accept"}}]'.encode(),
            json,
            422,
            "api_json_not_object",
            "body",
        ),
        "string_not_object": (b'"accept"', json, 422, "api_json_not_object", "body"),
        "unknown_field": (
            f'{{{good}, "decision": "accept", "unmask": true}}'.encode(),
            json,
            422,
            "api_json_field_unknown",
            "unmask",
        ),
        "missing_field": (
            f'{{"record": "{record}", "decision": "accept"}}'.encode(),
            json,
            422,
            "api_json_field_missing",
            "person_id",
        ),
        "key_twice": (
            f'{{{good}, "decision": "reject", "decision": "accept"}}'.encode(),
            json,
            422,
            "api_json_key_duplicate",
            "decision",
        ),
        "number_not_text": (
            f'{{"record": {record}, "person_id": "{person}", "decision": "accept"}}'.encode(),
            json,
            422,
            "api_json_field_text",
            "record",
        ),
        "object_not_text": (
            f'{{{good}, "decision": {{"value": "accept"}}}}'.encode(),
            json,
            422,
            "api_json_field_text",
            "decision",
        ),
        "control_chars": (
            f'{{"record": "{record}\\u0000", "person_id": "{person}", '
            f'"decision": "accept"}}'.encode(),
            json,
            422,
            "form_text_control",
            "record",
        ),
        "over_long_text": (
            f'{{"record": "{record}", "person_id": "{"P" * 5000}", "decision": "accept"}}'.encode(),
            json,
            422,
            "form_text_long",
            "person_id",
        ),
        "deep_nesting": (b"[" * 100_000 + b"]" * 100_000, json, 422, "api_json_nesting", "body"),
        "decision_unknown": (
            f'{{{good}, "decision": "terima"}}'.encode(),
            json,
            422,
            "link_decision_invalid",
            "decision",
        ),
        "unknown_pair": (
            f'{{"record": "{record}", "person_id": "bukan-orang", "decision": "accept"}}'.encode(),
            json,
            422,
            "link_pair_unknown",
            "person_id",
        ),
        "pair_of_another_run": (
            f'{{"record": "{site.foreign[0]}", "person_id": '
            f'"{site.foreign[1]}", "decision": "reject"}}'.encode(),
            json,
            422,
            "link_pair_unknown",
            "person_id",
        ),
    }


BODY_KINDS = (
    "malformed_json",
    "empty_body",
    "form_content_type",
    "no_content_type",
    "latin1_body",
    "nan",
    "infinity",
    "number_1e400",
    "huge_integer",
    "array_not_object",
    "string_not_object",
    "unknown_field",
    "missing_field",
    "key_twice",
    "number_not_text",
    "object_not_text",
    "control_chars",
    "over_long_text",
    "deep_nesting",
    "decision_unknown",
    "unknown_pair",
    "pair_of_another_run",
)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("kind", BODY_KINDS)
def test_a_bad_decision_body_is_refused(site: Site, kind: str, lang: Lang) -> None:
    body, content_type, status, code, param = _body_cases(site)[kind]
    headers = {**site.token("analis"), **(ENGLISH if lang == "en" else {})}
    if content_type:
        headers["Content-Type"] = content_type
    client = TestClient(site.app)
    before = snapshot(site.path)
    answer = client.post(_decision(site), content=body, headers=headers)
    check(answer, status, code, param, lang)  # type: ignore[arg-type]
    _unchanged(site, before)


@pytest.mark.parametrize(
    ("kind", "user", "status", "code"),
    [
        ("stale_run", "analis", 422, "link_run_stale"),
        ("unknown_run", "analis", 404, "link_run_unknown"),
        ("traversal_run", "analis", 404, "api_path_unknown"),
        ("dot_run", "analis", 422, "api_parameter_pattern"),
        ("no_token", None, 401, "sign_in_required"),
        ("bad_token", "?", 401, "sign_in_required"),
        ("role_not_listed", "desa", 403, "route_forbidden"),
        ("another_area", "analis_kec", 403, "forbidden"),
        ("unknown_parameter", "analis", 422, "api_parameter_unknown"),
        ("get_not_allowed", "analis", 405, "api_method_not_allowed"),
        ("unknown_release", "analis", 404, "release_missing"),
    ],
)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_decision_request_refused_before_its_body(
    site: Site, kind: str, user: str | None, status: int, code: str, lang: Lang
) -> None:
    record, person = site.pairs[0]
    run = {
        "stale_run": site.stale,
        "unknown_run": "run9",
        "traversal_run": "..%2F..%2Fetc",
        "dot_run": "%2e%2e",
    }.get(kind, site.run)
    headers = dict(ENGLISH if lang == "en" else {})
    if user == "?":
        headers["Authorization"] = "Bearer bukan-token"
    elif user is not None:
        headers.update(site.token(user))
    target = _decision(site, run) + ("?unmask=true" if kind == "unknown_parameter" else "")
    if kind == "unknown_release":
        target = target.replace(f"/releases/{RELEASE}/", "/releases/dtsen-lain/")
    body = {"record": record, "person_id": person, "decision": "accept"}
    client = TestClient(site.app)
    before = snapshot(site.path)
    method = "GET" if kind == "get_not_allowed" else "POST"
    answer = client.request(method, target, json=body, headers=headers)
    check(answer, status, code, None, lang)  # type: ignore[arg-type]
    _unchanged(site, before)


def test_a_double_submit_over_the_api_writes_once(site: Site) -> None:
    record, person = site.pairs[1]
    client = TestClient(site.app)
    body = {"record": record, "person_id": person, "decision": "accept"}
    first = client.post(_decision(site), json=body, headers=site.token("analis"))
    assert first.status_code == 200, first.text
    assert first.json() | {"run": None} == {
        "release": RELEASE,
        "run": None,
        "list": "beneficiaries_pkh",
        "record": record,
        "person_id": person,
        "decision": "accept",
        "changed": True,
    }
    before = snapshot(site.path)
    again = client.post(_decision(site), json=body, headers=site.token("analis"))
    assert again.status_code == 200 and again.json()["changed"] is False
    _unchanged(site, before)


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "chunked"])
def test_a_2_gb_decision_body_is_refused_at_its_limit(site: Site, announce: bool) -> None:
    headers = {**site.token("analis"), "Content-Type": "application/json"}
    before = snapshot(site.path)
    for lang in ("id", "en"):
        body = Stream(2 * GB)
        sent = headers | (ENGLISH if lang == "en" else {})
        answer = post_streamed(site.app, _decision(site), body, sent, announce=announce)
        check(answer, 413, "request_too_large", "body", lang)  # type: ignore[arg-type]
        assert body.sent <= (4 << 20)  # the form limit (2 MB and 1 MB of slack), never 2 GB
        if announce:
            assert body.sent <= 1 << 20  # refused before the body was read
    _unchanged(site, before)
