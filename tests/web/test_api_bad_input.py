"""Bad-input corpus of the JSON API (docs/bad-input.md, "The JSON API"): every endpoint that
takes input driven with bad query and path parameters, bad tokens, other areas' objects, bad
bodies for the token form, unknown addresses and methods, and bodies over their limit.

Each case is sent as a user who may call the endpoint (unless the case is about who calls),
in Indonesian (the default) and in English (``Accept-Language``), and checked for its status,
the coded JSON error (``{"detail": sentence, "error": {"code", "param", ...}}``: the catalogue
sentence of the code in the asked language, naming the parameter) and that nothing was
written: every file of the workspace and every database row, the audit log included. The
workspace is the web corpus's (:mod:`web_corpus_site`: a synthetic release ``r1`` of Kapuas).
The JSON bodies of the one endpoint that takes them, a link review decision, are in
``test_link_review_bad_decisions.py`` (they need a real link run).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from api_corpus import ENGLISH, GB, Stream, check, post_streamed
from fastapi.testclient import TestClient
from web_corpus_site import LOGIN, Site, build, snapshot
from web_fixture import PASSWORD

from rpkd.access.sessions import token_hash
from rpkd.locale import Lang, entries, message

API = "/api/v1"
LONG = "x" * 300
"""Longer than any parameter may be (:data:`rpkd.workflows.api_requests.PARAMETER_LIMIT`)."""


@dataclass(frozen=True)
class Case:
    """One bad request: who sends what where, and the answer it must get."""

    user: str | None  # None: no token; "?": a token that is no token
    target: str  # the path and query as sent (encoded as written)
    status: int
    code: str
    param: str | None = None
    method: str = "GET"


CASES: dict[str, Case] = {
    # --- who calls ------------------------------------------------------------------------------
    "no_token": Case(None, "/releases", 401, "sign_in_required"),
    "token_unknown": Case("?", "/releases", 401, "sign_in_required"),
    "role_not_listed_families": Case(
        "dinsos", "/releases/r1/families?desa={desa}", 403, "route_forbidden", "role"
    ),
    "role_not_listed_audit": Case("tkpkd", "/audit", 403, "route_forbidden", "role"),
    "another_desa_families": Case(
        "desa_lain", "/releases/r1/families?desa={desa}", 403, "forbidden"
    ),
    "desa_operator_district_release": Case("desa", "/releases/r1", 403, "forbidden"),
    "agency_performance": Case("perkim", "/performance?year=2025", 403, "forbidden"),
    "partner_families": Case(
        "baznas", "/releases/r1/families?desa={desa}", 403, "route_forbidden", "role"
    ),
    # --- addresses ------------------------------------------------------------------------------
    "unknown_address": Case("admin", "/rilis", 404, "api_path_unknown", "path"),
    "traversal_in_release": Case(
        "admin", "/releases/..%2F..%2Fetc/profile", 404, "api_path_unknown", "path"
    ),
    "dot_dot_release": Case(
        "admin", "/releases/%2e%2e/profile", 422, "api_parameter_pattern", "name"
    ),
    "absolute_release": Case("admin", "/releases/%2Fetc%2Fpasswd", 404, "api_path_unknown", "path"),
    "unknown_release": Case("admin", "/releases/r9/estimates", 404, "release_missing", "name"),
    "release_nul": Case("admin", "/releases/r%001/profile", 422, "api_parameter_control", "name"),
    "release_too_long": Case("admin", f"/releases/{LONG}", 422, "api_parameter_long", "name"),
    "release_with_space": Case("admin", "/releases/r%201", 422, "api_parameter_pattern", "name"),
    "scenario_traversal": Case(
        "admin", "/scenarios/..%2F..%2Fetc/run?release=r1", 404, "api_path_unknown", "path"
    ),
    "scenario_unknown": Case(
        "admin", "/scenarios/%2e%2e/run?release=r1", 404, "scenario_missing", "scenario"
    ),
    "scenario_nul": Case(
        "admin", "/scenarios/s%00/run?release=r1", 422, "api_parameter_control", "scenario"
    ),
    "method_post_on_read": Case(
        "admin", "/releases", 405, "api_method_not_allowed", "path", method="POST"
    ),
    "method_delete": Case(
        "admin", "/releases/r1", 405, "api_method_not_allowed", "path", method="DELETE"
    ),
    # --- query parameters: unknown, missing, control characters, over-long --------------------
    "parameter_unknown": Case(
        "admin", "/releases?format=csv", 422, "api_parameter_unknown", "format"
    ),
    "parameter_typo": Case(
        "admin", "/releases/r1/profile?levl=desa", 422, "api_parameter_unknown", "levl"
    ),
    "parameter_repeated": Case(
        "admin", "/performance?year=2025&year=2026", 422, "api_parameter_repeated", "year"
    ),
    "path_parameter_repeated_in_query": Case(
        "admin", "/releases/r1?name=r9", 422, "api_parameter_repeated", "name"
    ),
    "parameter_missing_desa": Case(
        "admin", "/releases/r1/families", 422, "api_parameter_missing", "desa"
    ),
    "parameter_missing_year": Case("admin", "/performance", 422, "api_parameter_missing", "year"),
    "parameter_missing_release": Case(
        "admin", "/optimise", 422, "api_parameter_missing", "release"
    ),
    "parameter_nul": Case("admin", "/audit?user=ad%00min", 422, "api_parameter_control", "user"),
    "parameter_escape": Case(
        "admin", "/audit?action=auth%1B%5B31m", 422, "api_parameter_control", "action"
    ),
    "parameter_line_break": Case(
        "admin", "/performance?year=2025&plan=a%0Ab", 422, "api_parameter_control", "plan"
    ),
    "parameter_too_long": Case(
        "admin", f"/releases/r1/eligibility?level={LONG}", 422, "api_parameter_long", "level"
    ),
    "parameter_too_long_declared": Case(
        "admin", f"/audit?action={'a' * 65}", 422, "api_parameter_long", "action"
    ),
    # --- query parameters: numbers --------------------------------------------------------------
    "year_text": Case("admin", "/performance?year=20x5", 422, "api_parameter_integer", "year"),
    "year_fraction": Case(
        "admin", "/performance?year=2025.5", 422, "api_parameter_integer", "year"
    ),
    "year_1e400": Case("admin", "/performance?year=1e400", 422, "api_parameter_integer", "year"),
    "year_huge": Case(
        "admin", "/performance?year=99999999999999999999999", 422, "api_parameter_above", "year"
    ),
    "quarter_zero": Case(
        "admin", "/performance?year=2025&quarter=0", 422, "api_parameter_below", "quarter"
    ),
    "quarter_five": Case(
        "admin", "/performance?year=2025&quarter=5", 422, "api_parameter_above", "quarter"
    ),
    "target_nan": Case(
        "admin", "/optimise?release=r1&target=NaN", 422, "api_parameter_number", "target"
    ),
    "target_infinity": Case(
        "admin", "/optimise?release=r1&target=Infinity", 422, "api_parameter_number", "target"
    ),
    "target_minus_infinity": Case(
        "admin", "/optimise?release=r1&target=-inf", 422, "api_parameter_number", "target"
    ),
    "target_1e400": Case(
        "admin", "/optimise?release=r1&target=1e400", 422, "api_parameter_number", "target"
    ),
    "target_decimal_comma": Case(
        "admin", "/optimise?release=r1&target=0,5", 422, "api_parameter_number", "target"
    ),
    "target_percent": Case(
        "admin", "/optimise?release=r1&target=5%25", 422, "api_parameter_number", "target"
    ),
    "target_above_one": Case(
        "admin", "/optimise?release=r1&target=1.5", 422, "api_parameter_above", "target"
    ),
    "target_negative": Case(
        "admin", "/optimise?release=r1&target=-0.1", 422, "api_parameter_below", "target"
    ),
    "k_zero": Case("admin", "/releases/r1/priority?k=0", 422, "api_parameter_below", "k"),
    "k_huge": Case(
        "admin", "/releases/r1/priority?k=99999999999999999999", 422, "api_parameter_above", "k"
    ),
    "seed_negative": Case(
        "admin", "/releases/r1/priority?seed=-1", 422, "api_parameter_below", "seed"
    ),
    "seed_nan": Case(
        "admin", "/releases/r1/priority?seed=NaN", 422, "api_parameter_integer", "seed"
    ),
    "desil_eleven": Case(
        "admin", "/releases/r1/families?desa={desa}&desil=11", 422, "api_parameter_above", "desil"
    ),
    "desil_fraction": Case(
        "admin",
        "/releases/r1/families?desa={desa}&desil=2,5",
        422,
        "api_parameter_integer",
        "desil",
    ),
    "run_year_fraction": Case(
        "admin", "/scenarios/s/run?release=r1&year=2025.5", 422, "api_parameter_integer", "year"
    ),
    "run_year_past": Case(
        "admin", "/scenarios/s/run?release=r1&year=1999", 422, "api_parameter_below", "year"
    ),
    # --- query parameters: choices, flags, dates, codes -------------------------------------------
    "level_unknown": Case(
        "admin", "/releases/r1/sae?level=provinsi", 422, "api_parameter_choice", "level"
    ),
    "level_upper_case": Case(
        "admin", "/releases/r1/profile?level=DESA", 422, "api_parameter_choice", "level"
    ),
    "measure_unknown": Case(
        "admin", "/releases/r1/map?measure=p0", 422, "api_parameter_choice", "measure"
    ),
    "method_unknown": Case(
        "admin", "/releases/r1/sae?method=bayes", 422, "api_parameter_choice", "method"
    ),
    "by_unknown": Case(
        "admin", "/releases/r1/estimates?by=desa", 422, "api_parameter_choice", "by"
    ),
    "objective_unknown": Case(
        "admin", "/optimise?release=r1&objective=p2", 422, "api_parameter_choice", "objective"
    ),
    "flag_not_boolean": Case(
        "admin", "/releases/r1/sae?benchmark=mungkin", 422, "api_parameter_boolean", "benchmark"
    ),
    "unmask_not_boolean": Case(
        "admin",
        "/releases/r1/families?desa={desa}&unmask=ya%20dong",
        422,
        "api_parameter_boolean",
        "unmask",
    ),
    "date_month_13": Case("admin", "/audit?since=2025-13-01", 422, "api_parameter_date", "since"),
    "date_day_first": Case("admin", "/audit?until=01/07/2025", 422, "api_parameter_date", "until"),
    "date_words": Case("admin", "/audit?since=1%20Juli%202025", 422, "api_parameter_date", "since"),
    "date_excel_serial": Case("admin", "/audit?since=45839", 422, "api_parameter_date", "since"),
    "desa_too_short": Case(
        "admin", "/releases/r1/families?desa=62.03.01", 422, "api_parameter_short", "desa"
    ),
    "desa_letters": Case(
        "admin", "/releases/r1/families?desa=62.03.01.x001", 422, "region_malformed", "desa"
    ),
    "desa_traversal": Case(
        "admin", "/releases/r1/families?desa=..%2F..%2Fetc%2Fp", 422, "region_malformed", "desa"
    ),
    "desa_other_district": Case(
        "admin", "/releases/r1/families?desa=62.01.01.2001", 422, "desa_not_in_release", "desa"
    ),
    "programme_unknown": Case(
        "admin",
        "/releases/r1/eligibility?programme=P99",
        422,
        "catalogue_programme_unknown",
        "programme",
    ),
    "eligibility_level_unknown": Case(
        "admin", "/releases/r1/eligibility?level=provinsi", 400, "area_level_unknown", "level"
    ),
    "release_of_run_unknown": Case("admin", "/optimise?release=r9", 404, "release_missing", "name"),
    # --- the token form -------------------------------------------------------------------------
    "token_json_body": Case(
        None, "/token", 422, "api_parameter_missing", "username", method="POST"
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from build(tmp_path_factory.mktemp("api-corpus"))


TOKENS: dict[str, str] = {}


def token(site: Site, user: str) -> dict[str, str]:
    """The Authorization header of ``user`` (its token issued once, before any snapshot)."""
    if user == "?":
        return {"Authorization": "Bearer bukan-token-yang-sah"}
    if user not in TOKENS:
        answer = TestClient(site.app).post(
            f"{API}/token", data={"username": user, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        TOKENS[user] = answer.json()["access_token"]
    return {"Authorization": f"Bearer {TOKENS[user]}"}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_refused(site: Site, kind: str, lang: Lang) -> None:
    case = CASES[kind]
    headers = dict(ENGLISH if lang == "en" else {})
    if case.user is not None:
        headers.update(token(site, case.user))
    target = API + case.target.format(desa=site.desa)
    client = TestClient(site.app)
    before = snapshot(site.path)
    kwargs: dict[str, Any] = {}
    if kind == "token_json_body":
        kwargs["json"] = {"username": "admin", "password": PASSWORD}
    answer = client.request(case.method, target, headers=headers, **kwargs)
    check(answer, case.status, case.code, case.param, lang)
    assert before.changes(snapshot(site.path)) == []


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(
    ("form", "content_type", "status", "code", "param"),
    [
        ({"password": PASSWORD}, None, 422, "api_parameter_missing", "username"),
        ({"username": "admin"}, None, 422, "api_parameter_missing", "password"),
        (b"username=admin&password=", "text/plain", 422, "api_parameter_missing", "username"),
        (b"xx", "multipart/form-data", 400, "api_body_unreadable", "path"),
        (
            b"--b\r\nNo-Header\r\n\r\nx\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
            400,
            "api_body_unreadable",
            "path",
        ),
        (
            b"".join(
                b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i
                for i in range(1200)
            )
            + b"--b--\r\n",
            "multipart/form-data; boundary=b",
            400,
            "api_body_unreadable",
            "path",
        ),
        (
            b"username=" + b"a" * (1100 << 10),
            "application/x-www-form-urlencoded",
            413,
            "request_field_too_large",
            "body",
        ),
    ],
    ids=[
        "username_missing",
        "password_missing",
        "text_plain",
        "multipart_no_boundary",
        "multipart_bad_header",
        "multipart_1200_fields",
        "field_over_1_mb",
    ],
)
def test_a_bad_token_form_is_refused(
    site: Site, form: Any, content_type: str | None, status: int, code: str, param: str, lang: Lang
) -> None:
    headers = dict(ENGLISH if lang == "en" else {})
    if content_type is not None:
        headers["Content-Type"] = content_type
    client = TestClient(site.app)
    before = snapshot(site.path)
    if isinstance(form, bytes):
        answer = client.post(f"{API}/token", content=form, headers=headers)
    else:
        answer = client.post(f"{API}/token", data=form, headers=headers)
    check(answer, status, code, param, lang)
    assert before.changes(snapshot(site.path)) == []


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(
    "username",
    ["ad\x00min", "<script>alert(1)</script>", "a" * 5000, "../../etc/passwd"],
    ids=["nul", "script", "long", "path"],
)
def test_a_token_for_a_bad_username_is_refused_as_any_wrong_password(
    site: Site, username: str, lang: Lang
) -> None:
    """Refused with 401, its rate-limit counter and one audit row (``auth.token_failed``)
    written by design; the name typed never comes back."""
    headers = dict(ENGLISH if lang == "en" else {})
    before = snapshot(site.path, ignore=LOGIN)
    answer = TestClient(site.app).post(
        f"{API}/token", headers=headers, data={"username": username, "password": "salah"}
    )
    check(answer, 401, "sign_in_failed", "password", lang)
    assert username not in answer.text
    changes = before.changes(snapshot(site.path, ignore=LOGIN))
    assert len(changes) <= 1 and all("'auth.token_failed'" in c for c in changes)


def test_the_language_of_an_answer(site: Site) -> None:
    """Indonesian by default; English by the ``rpkd_lang`` cookie or ``Accept-Language`` (the
    cookie wins; the highest ``q`` of the two languages decides)."""
    client = TestClient(site.app)
    target = f"{API}/performance?year=20x5"
    auth = token(site, "admin")

    def detail(**headers: str) -> str:
        return str(client.get(target, headers={**auth, **headers}).json()["detail"])

    indonesian = message("api_parameter_integer", "id", field="year", value="20x5")
    english = message("api_parameter_integer", "en", field="year", value="20x5")
    assert detail() == indonesian
    assert detail(**{"Accept-Language": "en"}) == english
    assert detail(**{"Accept-Language": "fr-FR, en;q=0.8, id;q=0.9"}) == indonesian
    assert detail(**{"Accept-Language": "id;q=0.2, en-AU;q=0.7"}) == english
    assert detail(**{"Accept-Language": "en;q=0"}) == indonesian
    assert detail(**{"Accept-Language": "en", "Cookie": "rpkd_lang=id"}) == indonesian
    assert detail(**{"Cookie": "rpkd_lang=en"}) == english


@pytest.mark.parametrize("lang", ["id", "en"])
def test_an_expired_token_is_refused(site: Site, lang: Lang) -> None:
    """A token past its 8 hours (its expiry moved to 2000 in the database, never used before,
    so no server process keeps it) is no token: 401, nothing written."""
    issued = TestClient(site.app).post(
        f"{API}/token", data={"username": "tkpkd", "password": PASSWORD}
    )
    expired = issued.json()["access_token"]
    with sqlite3.connect(site.path / "rpkd.db") as db:
        moved = db.execute(
            "UPDATE web_session SET expires_at = '2000' || substr(expires_at, 5) "
            "WHERE token_hash = ?",
            (token_hash(expired),),
        )
        assert moved.rowcount == 1
    db.close()
    before = snapshot(site.path)
    headers = {"Authorization": f"Bearer {expired}", **(ENGLISH if lang == "en" else {})}
    answer = TestClient(site.app).get(f"{API}/releases", headers=headers)
    check(answer, 401, "sign_in_required", None, lang)
    assert before.changes(snapshot(site.path)) == []


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_browser_session_is_no_api_token(site: Site, lang: Lang) -> None:
    """The API takes bearer tokens only: a signed-in browser's session cookie (and its CSRF
    header) does not open it."""
    browser, csrf = site.browser("admin", lang)
    before = snapshot(site.path)
    answer = browser.get(f"{API}/releases", headers={"X-CSRF-Token": csrf})
    check(answer, 401, "sign_in_required", None, lang)
    assert answer.headers["www-authenticate"] == "Bearer"
    assert before.changes(snapshot(site.path)) == []


def test_a_parameter_of_several_values_may_be_repeated(site: Site) -> None:
    answer = TestClient(site.app).get(
        f"{API}/releases/r1/eligibility?programme=pkh&programme=pip", headers=token(site, "admin")
    )
    assert answer.status_code == 200, answer.text
    assert {row["programme"] for row in answer.json()} == {"pkh", "pip"}


NASTY = (
    "../../etc/passwd",
    "%",
    "_",
    "' OR 1=1 --",
    "\u00f1",
    "\u200b",
    "a" * 200,
    "\U0001f600",
    "<script>",
    "${jndi:ldap://x}",
    "NaN",
    "-1",
    "",
    " ",
    "\u0662\u0660\u0662\u0665",
    "62.03.01.\u0661\u0660\u0660\u0666",
    "true",
    "null",
    "[]",
    "{}",
)
"""Values sent to every parameter of :data:`SWEPT`: paths, SQL, wildcards, other scripts'
digits, invisible and astral characters, JSON literals, empty and blank."""
SWEPT = (
    "/performance?year=2025&bands={v}",
    "/performance?year=2025&plan={v}",
    "/performance?year={v}",
    "/audit?user={v}",
    "/audit?action={v}",
    "/audit?since={v}",
    "/scenarios/{v}/run?release=r1",
    "/scenarios/s/run?release={v}",
    "/optimise?release={v}",
    "/releases/r1/eligibility?level={v}",
    "/releases/r1/eligibility?programme={v}",
    "/releases/r1/families?desa={v}",
    "/releases/r1/families?desa={desa}&desil={v}",
    "/releases/{v}",
    "/releases/r1/profile?level={v}",
    "/releases/r1/priority?k={v}",
)


@pytest.mark.parametrize("target", SWEPT)
def test_no_value_of_any_parameter_fails_the_server(site: Site, target: str) -> None:
    """Every value answers JSON without a server error; every refusal is coded."""
    client = TestClient(site.app, raise_server_exceptions=False)
    for value in NASTY:
        url = API + target.replace("{v}", quote(value, safe="")).format(desa=site.desa)
        answer = client.get(url, headers=token(site, "admin"))
        assert answer.status_code < 500, (url, answer.text[:500])
        body = answer.json()
        if answer.status_code >= 400:
            assert body["error"]["code"] in entries("messages"), (url, body)


def test_every_problem_is_a_finding(site: Site) -> None:
    answer = TestClient(site.app).get(
        f"{API}/performance?year=x&quarter=9", headers=token(site, "admin")
    )
    found = [(f["code"], f["field"]) for f in answer.json()["error"]["findings"]]
    assert found == [("api_parameter_integer", "year"), ("api_parameter_above", "quarter")]


# --- a 2 GB token form, streamed --------------------------------------------------------------


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "chunked"])
def test_a_2_gb_token_form_is_refused_at_its_limit(site: Site, announce: bool) -> None:
    before = snapshot(site.path)
    for lang in ("id", "en"):
        body = Stream(2 * GB, b"username=", b"a")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers |= ENGLISH if lang == "en" else {}
        answer = post_streamed(site.app, f"{API}/token", body, headers, announce=announce)
        # announced: over the form limit at once; chunked: over the 1 MB of one form field
        code = "request_too_large" if announce else "request_field_too_large"
        check(answer, 413, code, "body", lang)  # type: ignore[arg-type]
        assert body.sent <= 4 << 20  # the form limit (2 MB and 1 MB of slack), never 2 GB
        if announce:
            assert body.sent <= 1 << 20  # refused before the body was read
    assert before.changes(snapshot(site.path)) == []


def test_the_corpus_counts_its_kinds() -> None:
    assert len(CASES) >= 70
    assert len({c.code for c in CASES.values()}) >= 20
