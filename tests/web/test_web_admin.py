"""The admin pages: Pengguna (list, add with role and scope, field errors) and Log audit
(filters, HTMX part, scope column), and the header's menu by role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from web_fixture import PASSWORD, SignIn

from rpkd.access.roles import Scope
from rpkd.workflows import Workspace, list_users
from rpkd.workflows.access import ROLES
from rpkd.workflows.gate import audit


def _add(client: TestClient, csrf: str, **fields: str) -> Any:
    form = {
        "csrf_token": csrf,
        "username": "",
        "full_name": "",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "role": "viewer",
        "region": "",
        "agency": "",
        "partner": "",
    }
    return client.post("/admin/users", data={**form, **fields})


def test_users_page_lists_users_with_roles_and_offers_every_role(
    client: TestClient, login: SignIn
) -> None:
    login("admin")
    page = client.get("/admin/users")
    assert page.status_code == 200
    for text in ("Admin Bapperida", "viewer", "Pemantau", "<h1>Pengguna</h1>"):
        assert text in page.text
    assert page.text.count("<option ") == len(ROLES) + 1  # every role, and "choose a role"
    select = page.text[page.text.index('id="f-role"') :].split("</select>")[0]
    assert '<option value="" selected disabled>— pilih peran —</option>' in select
    assert select.count(" selected") == 1  # no role chosen for the admin: not Admin
    assert 'name="csrf_token"' in page.text


def test_adding_users_with_a_scope(client: TestClient, login: SignIn, workspace_path: Path) -> None:
    csrf = login("admin")
    added = _add(
        client, csrf, username="camat", role="area_operator", region="620301", full_name="Camat"
    )
    assert added.status_code == 303
    assert added.headers["location"] == "/admin/users?added=camat"
    page = client.get("/admin/users?added=camat")
    assert "Pengguna camat sudah ditambahkan." in page.text
    assert "Operator kecamatan/desa (62.03.01)" in page.text
    assert (
        _add(client, csrf, username="sari", role="agency_operator", agency="DINSOS").status_code
        == 303
    )
    with Workspace.open(workspace_path, actor="admin") as ws:
        grants = {u.username: u.grants for u in list_users(ws).users}
    assert [g.region for g in grants["camat"]] == ["62.03.01"]
    assert [g.agency for g in grants["sari"]] == ["DINSOS"]


def test_the_form_shows_field_errors(client: TestClient, login: SignIn) -> None:
    csrf = login("admin")
    cases = [
        ({"username": "viewer"}, "f-username", "pengguna viewer sudah ada"),
        ({"username": "budi", "password": "pendek", "password_confirm": "pendek"},
         "f-password", "kata sandi minimal 10 karakter"),
        ({"username": "budi", "password_confirm": "lain-sekali-2025"},
         "f-password_confirm", "kedua kata sandi tidak sama"),
        ({"username": "budi", "role": "area_operator"}, "f-region", "memerlukan cakupan --region"),
        ({"username": "budi", "role": "agency_operator"}, "f-agency", "memerlukan cakupan --agency"),
        ({"username": "budi", "role": "kepala"}, "f-role", "peran &#39;kepala&#39; tidak dikenal"),
        ({"username": "budi", "role": ""}, "f-role", "Pilih peran pengguna baru."),
        ({"username": "budi", "role": "area_operator", "region": "62.xx"}, "f-region", "62.xx"),
    ]  # fmt: skip
    for fields, field_id, message in cases:
        page = _add(client, csrf, **fields)
        text = page.text
        assert page.status_code == 422, (fields, text[:300])
        assert message in text, (fields, message)
        # the field is marked invalid and described by its error
        assert f'id="{field_id}"' in text
        tag = text[text.index(f'id="{field_id}"') :].split(">", 1)[0]
        assert 'aria-invalid="true"' in tag, (fields, tag)
    # what was typed stays in the form, the passwords do not
    page = _add(client, csrf, username="budi", full_name="Budi Santoso", role="area_operator")
    assert 'value="Budi Santoso"' in page.text
    assert PASSWORD not in page.text


def test_admin_pages_are_for_admins_only(client: TestClient, login: SignIn) -> None:
    csrf = login("viewer")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    refused = _add(client, csrf, username="x")
    assert refused.status_code == 403
    assert "tidak boleh membuka halaman ini" in refused.text
    menu = client.get("/account/password").text
    assert 'href="/admin/users"' not in menu and 'href="/admin/audit"' not in menu


def test_the_menu_shows_the_admin_pages_to_an_admin(client: TestClient, login: SignIn) -> None:
    login("admin")
    page = client.get("/admin/audit").text
    nav = page[page.index('<nav class="menu"') : page.index("</nav>")]
    assert 'href="/admin/users">Pengguna</a>' in nav
    assert 'href="/admin/audit" aria-current="page">Log audit</a>' in nav


def test_audit_page_filters_and_answers_htmx_with_the_table_only(
    client: TestClient, login: SignIn, workspace_path: Path
) -> None:
    login("admin")
    with Workspace.open(workspace_path, actor="admin") as ws:
        audit(ws, "families.read", release="r1", records=12, scopes=(Scope(region="62.03.01"),))
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "<h1>Log audit</h1>" in page.text
    assert "families.read" in page.text and "region=62.03.01" in page.text
    assert "Keluarga suatu desa dilihat (data per nama)" in page.text  # the action's name
    assert '<small class="code">families.read</small>' in page.text  # and its code, small
    assert "Cakupan" in page.text  # the scope column
    rows = client.get("/admin/audit?action=auth.&user=admin").text
    assert "auth.sign_in" in rows and "families.read" not in rows
    part = client.get("/admin/audit?action=families", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<div id="audit-table"')
    assert "<html" not in part.text and "families.read" in part.text
    today = client.get("/admin/audit?since=2020-01-01&until=2020-01-31").text
    assert "tidak ada data" in today
    bad = client.get("/admin/audit?since=kemarin")
    assert bad.status_code == 422
    assert "--since harus tanggal YYYY-MM-DD, bukan &#39;kemarin&#39;" in bad.text


AUDIT_CALLS = {"audit", "audit_as", "audit_records", "personal_data"}
"""The functions that write (or declare) an audit row's action: rpkd.workflows.gate."""


def _audited_actions() -> set[str]:
    """Every action string the code base hands to the audit log: literals in the calls of
    :data:`AUDIT_CALLS`, and the strings a name passed to them is assigned from (``action =
    "a" if x else "b"``; ``f"{action}_failed"``)."""
    import ast

    import rpkd

    def strings(node: ast.AST, names: dict[str, set[str]]) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return strings(node.body, names) | strings(node.orelse, names)
        if isinstance(node, ast.Name):
            return names.get(node.id, set())
        if isinstance(node, ast.JoinedStr):
            found = {""}
            for part in node.values:
                inner = part.value if isinstance(part, ast.FormattedValue) else part
                found = {a + b for a in found for b in strings(inner, names)}
            return found
        return set()

    found: set[str] = set()
    for path in Path(rpkd.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, set()).update(strings(node.value, names))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in AUDIT_CALLS:
                args = [*node.args[:3], *(k.value for k in node.keywords if k.arg == "action")]
                found |= {s for a in args for s in strings(a, names) if "." in s}
    return found


def test_every_audited_action_has_a_name_in_both_languages() -> None:
    from rpkd import locale

    actions = _audited_actions()
    assert {
        "auth.sign_in",
        "auth.sign_in_failed",
        "auth.token_failed",
        "release.import",
        "release.import.findings",
        "realisation.reject",
        "families.read",
    } <= actions
    missing = sorted(a for a in actions if not locale.has_label(f"web.audit.action.{a}"))
    assert not missing, f"audit actions without a label: {missing}"
    for action in actions:
        names = [locale.label(f"web.audit.action.{action}", lang) for lang in ("id", "en")]
        assert all(n and n != action for n in names)
