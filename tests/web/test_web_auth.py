"""Signing in and out, the rate limit, CSRF, password change, cookies and the language switch,
through the app in-process (FastAPI TestClient)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_fixture import PASSWORD, SignIn, csrf_of, sign_in

from rpkd.web.app import create_app
from rpkd.workflows import Workspace, list_audit


def _login_form(client: TestClient) -> str:
    return csrf_of(client.get("/login").text)


def _post_login(client: TestClient, username: str, password: str, **extra: str) -> object:
    data = {"username": username, "password": password, "csrf_token": _login_form(client)}
    return client.post("/login", data={**data, **extra})


def test_good_password_opens_a_session_and_goes_on(client: TestClient) -> None:
    answer = client.get("/admin/users")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/admin/users"
    csrf = _login_form(client)
    answer = client.post(
        "/login",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": csrf,
            "next": "/admin/users",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/users"
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert "Admin Bapperida" in page.text
    # a signed-in user asking for the login form goes straight on
    assert client.get("/login?next=/admin/audit").headers["location"] == "/admin/audit"


def test_wrong_password_is_refused_with_401_and_a_message(client: TestClient) -> None:
    answer = _post_login(client, "admin", "not-the-password")
    assert answer.status_code == 401  # type: ignore[attr-defined]
    assert "nama pengguna atau kata sandi salah" in answer.text  # type: ignore[attr-defined]
    assert "rpkd_session" not in client.cookies
    unknown = _post_login(client, "nobody", PASSWORD)
    assert unknown.status_code == 401  # type: ignore[attr-defined]


def test_the_sixth_attempt_after_five_failures_gets_429_even_with_the_right_password(
    client: TestClient,
) -> None:
    for _ in range(5):
        assert _post_login(client, "admin", "wrong-password").status_code == 401  # type: ignore[attr-defined]
    refused = _post_login(client, "admin", PASSWORD)
    assert refused.status_code == 429  # type: ignore[attr-defined]
    text = refused.text  # type: ignore[attr-defined]
    assert "terlalu banyak percobaan masuk yang gagal; coba lagi dalam 15 menit" in text
    assert 800 < int(refused.headers["retry-after"]) <= 901  # type: ignore[attr-defined]
    # another username from the same client is not limited yet (20 per client)
    assert sign_in(client, "viewer")


def test_the_api_token_shares_the_limit(client: TestClient) -> None:
    for _ in range(5):
        bad = client.post("/api/v1/token", data={"username": "viewer", "password": "x" * 12})
        assert bad.status_code == 401
    refused = client.post("/api/v1/token", data={"username": "viewer", "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "sign_in_rate_limited"
    assert "retry-after" in refused.headers


def test_login_without_or_with_a_wrong_csrf_token_is_403(client: TestClient) -> None:
    _login_form(client)  # sets the login CSRF cookie
    missing = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert missing.status_code == 403
    assert "formulir ini kedaluwarsa atau tidak sah" in missing.text
    wrong = client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert wrong.status_code == 403
    assert "rpkd_session" not in client.cookies


def test_signed_in_forms_need_the_session_token(client: TestClient, login: SignIn) -> None:
    csrf = login("admin")
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": "forged"}).status_code == 403
    change = {"old_password": PASSWORD, "new_password": "a" * 12, "new_password_confirm": "a" * 12}
    assert client.post("/account/password", data=change).status_code == 403
    # HTMX sends the token as a header
    out = client.post("/logout", headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert out.status_code == 303


def test_logout_closes_the_session(client: TestClient, login: SignIn) -> None:
    csrf = login("admin")
    cookie = client.cookies["rpkd_session"]
    answer = client.post("/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?signed_out=true"
    assert "rpkd_session=" in answer.headers["set-cookie"]
    assert "Anda sudah keluar." in client.get("/login?signed_out=true").text
    client.cookies.set("rpkd_session", cookie)  # the old cookie opens nothing any more
    assert client.get("/admin/users").status_code == 303


def test_session_cookie_flags(workspace_path: Path) -> None:
    plain = create_app(workspace_path, plain_http=True)
    with TestClient(plain, follow_redirects=False) as browser:
        flags = _session_cookie(browser)
    assert "HttpOnly" in flags and "SameSite=lax" in flags and "Path=/" in flags
    assert "Secure" not in flags and "Max-Age" not in flags  # ends with the browser
    for plain_http in (False, True):  # over HTTPS cookies are always Secure
        app = create_app(workspace_path, plain_http=plain_http)
        with TestClient(app, follow_redirects=False, base_url="https://testserver") as browser:
            flags = _session_cookie(browser)
        assert "Secure" in flags and "HttpOnly" in flags and "SameSite=lax" in flags
    # a server that is not on loopback: plain HTTP gets Secure cookies, which a browser keeps
    # for HTTPS only, so the login form says that HTTPS is needed
    strict = create_app(workspace_path, plain_http=False)
    with TestClient(strict, follow_redirects=False) as browser:
        page = browser.get("/login")
        assert "Secure" in page.headers["set-cookie"]
        browser.cookies.clear()
        answer = browser.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        )
    assert answer.status_code == 403
    assert "HTTPS" in answer.text


def _session_cookie(browser: TestClient) -> str:
    page = browser.get("/login")
    assert "HttpOnly" in page.headers["set-cookie"]  # the login CSRF cookie
    answer = browser.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 303
    return next(c for c in answer.headers.get_list("set-cookie") if c.startswith("rpkd_session="))


def test_password_change(client: TestClient, login: SignIn, app: FastAPI) -> None:
    other = TestClient(app, follow_redirects=False)
    sign_in(other, "admin")
    csrf = login("admin")
    new = "sungai-kapuas-2026"
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "old_password": PASSWORD,
            "new_password": new,
            "new_password_confirm": new + "x",
        },
    )
    assert mismatch.status_code == 422
    assert "kedua kata sandi tidak sama" in mismatch.text
    short = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "old_password": PASSWORD,
            "new_password": "pendek",
            "new_password_confirm": "pendek",
        },
    )
    assert short.status_code == 422
    assert "kata sandi minimal 10 karakter" in short.text
    wrong = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "old_password": "not-the-password",
            "new_password": new,
            "new_password_confirm": new,
        },
    )
    assert wrong.status_code == 422
    assert "kata sandi lama salah" in wrong.text
    done = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "old_password": PASSWORD,
            "new_password": new,
            "new_password_confirm": new,
        },
    )
    assert done.status_code == 200
    assert "Kata sandi sudah diganti" in done.text
    assert client.get("/admin/users").status_code == 200  # this session stays open
    assert other.get("/admin/users").status_code == 303  # the other one is closed
    fresh = TestClient(app, follow_redirects=False)
    assert _post_login(fresh, "admin", PASSWORD).status_code == 401  # type: ignore[attr-defined]
    assert sign_in(fresh, "admin", new)


def test_every_sign_in_event_is_audited_without_personal_data(
    client: TestClient, login: SignIn, workspace_path: Path
) -> None:
    _post_login(client, "admin", "typed-wrongly-1")
    _post_login(client, "siti.aminah", "typed-wrongly-2")  # a name that is no account
    csrf = login("admin")
    client.post("/logout", data={"csrf_token": csrf})
    with Workspace.open(workspace_path, actor="admin") as ws:
        entries = list_audit(ws, action="auth.").to_json()
    assert [(e["username"], e["action"], e["parameters"]) for e in entries] == [
        ("admin", "auth.sign_in_failed", {"reason": "password"}),
        ("-", "auth.sign_in_failed", {"reason": "unknown_user"}),
        ("admin", "auth.sign_in", {}),
        ("admin", "auth.sign_out", {}),
    ]
    text = str(entries)
    assert "siti" not in text and "typed-wrongly" not in text and "testclient" not in text


def test_pages_without_a_session(client: TestClient) -> None:
    assert client.get("/account/password").headers["location"] == "/login?next=/account/password"
    htmx = client.get("/admin/audit?user=x", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert htmx.headers["hx-redirect"] == "/login?next=/admin/audit%3Fuser%3Dx"
    assert client.post("/logout").status_code == 401
    api = client.get("/api/v1/openapi.json")
    assert api.status_code == 200
    assert "/api/v1/token" in api.json()["paths"]
    assert "/login" not in api.json()["paths"]
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert "halaman ini tidak ada" in missing.text


def test_api_token(client: TestClient) -> None:
    good = client.post("/api/v1/token", data={"username": "admin", "password": PASSWORD})
    assert good.status_code == 200
    body = good.json()
    assert sorted(body) == ["access_token", "token_type"]
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 40
    bad = client.post("/api/v1/token", data={"username": "admin", "password": "wrong-one"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    assert bad.json()["error"]["code"] == "sign_in_failed"
    assert client.post("/api/v1/token", data={"username": "admin"}).status_code == 422
    # an API token opens no page, a session cookie no API
    client.cookies.set("rpkd_session", body["access_token"])
    assert client.get("/admin/users").status_code == 303


def test_language_switch(client: TestClient) -> None:
    assert "<h1>Masuk</h1>" in client.get("/login").text
    answer = client.get("/lang/en?next=/login")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert "rpkd_lang=en" in answer.headers["set-cookie"]
    page = client.get("/login")
    assert '<html lang="en">' in page.text and "<h1>Sign in</h1>" in page.text
    assert ">Bahasa Indonesia</a>" in page.text
    wrong = _post_login(client, "admin", "not-the-password")
    assert "wrong username or password" in wrong.text  # type: ignore[attr-defined]
    assert client.get("/lang/fr").status_code == 404
    assert client.get("/lang/id?next=//evil.example/").headers["location"] == "/"
    assert "<h1>Masuk</h1>" in client.get("/login").text


def test_security_headers_and_static_assets(client: TestClient) -> None:
    page = client.get("/login")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    script = next(s for s in page.text.split('"') if "htmx.min.js?v=" in s)
    asset = client.get(script)
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    for path in (
        "vendor/vega/vega.min.js",
        "vendor/vega-lite/vega-lite.min.js",
        "vendor/vega-embed/vega-embed.min.js",
        "vendor/NOTICE.md",
        "css/rpkd.css",
        "js/charts.js",
    ):
        assert client.get(f"/static/{path}").status_code == 200, path


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_workspace_without_users_says_how_to_add_the_first_admin(
    tmp_path: Path, lang: str
) -> None:
    app = create_app(tmp_path / "empty", plain_http=True)
    with TestClient(app, follow_redirects=False, cookies={"rpkd_lang": lang}) as browser:
        answer = _post_login(browser, "admin", PASSWORD)
    assert answer.status_code == 401  # type: ignore[attr-defined]
    assert "rpkd user add" in answer.text  # type: ignore[attr-defined]
