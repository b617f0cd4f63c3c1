"""Skenario: saved scenarios, building one (upload or form), running, comparing, the optimiser,
and the JSON API of scenarios (the same JSON as ``rpkd scenario ... --format json``).

One workspace serves the module: a small synthetic release (800 families), the kit's plan and
a user per role that matters here (admin, analyst, viewer, a desa's area operator). Expected
values come from outside the page: the command line's JSON (run in-process), the scenario file
read by ``tomllib`` and the workflows' own results for the same seed.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_fixture import PASSWORD, sign_in

import rpkd.cli
from rpkd.web.app import create_app
from rpkd.workflows import (
    Workspace,
    add_user,
    import_release,
    init_plan,
    list_audit,
    synthesize_district,
)
from rpkd.workflows.scenarios import list_scenarios

RELEASE = "r1"
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "scenario-kapuas-2027.toml"
EXAMPLE_NAME = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["name"]
API = "/api/v1"
_SPEC = re.compile(r'<script type="application/json" id="chart-(\w+)-spec">(.*?)</script>', re.S)


@dataclass
class Site:
    path: Path
    app: Any
    browsers: dict[str, TestClient]
    csrf: dict[str, str]
    tokens: dict[str, str]

    def page(self, user: str) -> TestClient:
        return self.browsers[user]

    def api(self, user: str, path: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        return self.browsers[user].get(f"{API}{path}", params=params, headers=headers)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("skenario")
    path = root / "ws"
    with Workspace.open(path) as ws:
        synthesize_district(ws, "62.03", root / "source", families=800, seed=3)
        import_release(ws, root / "source", RELEASE, reference_date="2025-03-01")
        add_user(ws, "admin", PASSWORD, role="admin")
    desa = Counter(
        pq.read_table(path / "releases" / RELEASE / "families.parquet")["desa_code"].to_pylist()
    ).most_common(1)[0][0]
    with Workspace.open(path, actor="admin") as ws:
        init_plan(ws)
        add_user(ws, "analis", PASSWORD, role="analyst")
        add_user(ws, "pemirsa", PASSWORD, role="viewer")
        add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
    app = create_app(path, plain_http=True)
    browsers, csrf, tokens = {}, {}, {}
    for user in ("admin", "analis", "pemirsa", "desa"):
        browser = TestClient(app, follow_redirects=False)
        csrf[user] = sign_in(browser, user)
        token = browser.post(f"{API}/token", data={"username": user, "password": PASSWORD})
        tokens[user] = token.json()["access_token"]
        browsers[user] = browser
    yield Site(path, app, browsers, csrf, tokens)
    for browser in browsers.values():
        browser.close()
    app.state.server.workspace.close()


def _cli(site: Site, *args: str) -> Any:
    """The parsed JSON ``rpkd ARGS --format json`` prints, run as admin."""
    rpkd.cli._register()
    result = CliRunner().invoke(
        rpkd.cli.app, [*args, "-w", str(site.path), "-f", "json"], env={"RPKD_USER": "admin"}
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _upload(site: Site, user: str = "admin", **extra: str) -> Any:
    files = {"file": ("kapuas.toml", EXAMPLE.read_bytes(), "application/toml")}
    data = {"csrf_token": site.csrf[user], **extra}
    return site.page(user).post("/scenarios", data=data, files=files)


def _form(site: Site, fields: dict[str, str], user: str = "admin") -> Any:
    data = {"csrf_token": site.csrf[user], "rows": "3", **fields}
    return site.page(user).post("/scenarios", data=data, files={"none": ("", b"")})


def _specs(html: str) -> dict[str, Any]:
    return {kind: json.loads(body) for kind, body in _SPEC.findall(html)}


FORM = {
    "name": "Top-up desil 1",
    "description": "Dari formulir",
    "growth": "1,8%",
    "p0_programme": "pkh",
    "p0_amount": "300.000",
    "p0_uptake": "90%",
    "p1_programme": "sembako",
    "p1_top_up_to": "extreme",
    "p1_rule": "desil = 1",
    "p1_budget": "5.000.000.000",
    "p1_priority": "1",
}


@pytest.fixture(scope="module")
def saved(site: Site) -> tuple[str, str]:
    """The example file uploaded and the form saved as the chosen scenario."""
    assert _upload(site).status_code == 303
    answer = _form(site, {**FORM, "chosen": "on"})
    assert answer.status_code == 303, answer.text
    return EXAMPLE_NAME, FORM["name"]


# --- the page and saving ---------------------------------------------------------------------


def test_the_page_lists_saved_scenarios_and_offers_the_form_to_those_who_may_save(
    site: Site, saved: tuple[str, str]
) -> None:
    for user, may_save in (("admin", True), ("analis", True), ("pemirsa", False)):
        page = site.page(user).get("/scenarios")
        assert page.status_code == 200
        assert all(name in page.text for name in saved)
        assert ('id="scenario-form"' in page.text) is may_save
        assert 'href="/scenarios"' in page.text  # the menu's entry
    with TestClient(site.app, follow_redirects=False) as browser:
        sign_in(browser, "pemirsa")
        browser.cookies.set("rpkd_lang", "en")
        english = browser.get("/scenarios")
    assert "Saved scenarios" in english.text and "Skenario tersimpan" not in english.text


def test_a_desa_operator_may_not_read_the_district_s_scenarios(site: Site) -> None:
    assert site.page("desa").get("/scenarios").status_code == 403
    assert site.api("desa", "/scenarios").status_code == 403


def test_an_uploaded_file_is_saved_as_written(site: Site, saved: tuple[str, str]) -> None:
    with Workspace.open(site.path, actor="admin") as ws:
        from rpkd.simulation.store import load_scenario

        with ws.transaction() as db:
            assert load_scenario(db, EXAMPLE_NAME).document == EXAMPLE.read_text(encoding="utf-8")
        saves = [e for e in list_audit(ws, action="scenario.save").to_json()]
    assert {e["parameters"]["scenario"] for e in saves} >= set(saved)


def test_the_form_is_saved_as_the_scenario_file_it_stands_for(
    site: Site, saved: tuple[str, str]
) -> None:
    """The saved document, read back as TOML, holds exactly what was typed, in numbers."""
    from rpkd.simulation.store import load_scenario

    with Workspace.open(site.path, actor="admin") as ws, ws.transaction() as db:
        doc = tomllib.loads(load_scenario(db, FORM["name"]).document)
    assert doc == {
        "name": "Top-up desil 1",
        "description": "Dari formulir",
        "macro": {"growth": 0.018},
        "programme": [
            {"programme": "pkh", "amount": 300000, "uptake": 0.9},
            {"programme": "sembako", "rule": "desil = 1", "top_up_to": "extreme",
             "budget": 5000000000, "priority": 1},
        ],
    }  # fmt: skip
    with Workspace.open(site.path, actor="admin") as ws:
        chosen = list_scenarios(ws).chosen()
    assert chosen is not None and chosen.name == FORM["name"]


def test_findings_come_back_beside_the_fields_they_name(site: Site) -> None:
    bad = {**FORM, "name": "Salah", "p1_budget": "banyak", "p2_programme": "pip",
           "p2_uptake": "150%", "p0_rule": "desil <<< 2"}  # fmt: skip
    answer = _form(site, bad)
    assert answer.status_code == 422
    errors = dict(re.findall(r'class="field-error" id="e-(\w+)">([^<]+)<', answer.text))
    assert set(errors) == {"p0_rule", "p1_budget", "p2_uptake"}
    assert "uptake" in errors["p2_uptake"] and "budget" in errors["p1_budget"]
    assert 'value="banyak"' in answer.text  # what was typed is shown again
    assert 'id="scenario-findings"' in answer.text
    with Workspace.open(site.path, actor="admin") as ws:
        assert "Salah" not in {s.name for s in list_scenarios(ws).scenarios}


def test_htmx_gets_the_body_back_and_a_row_can_be_added(site: Site) -> None:
    htmx = {"HX-Request": "true"}
    data = {"csrf_token": site.csrf["admin"], "rows": "3", "action": "add", "name": "x"}
    answer = site.page("admin").post("/scenarios", data=data, headers=htmx,
                                      files={"none": ("", b"")})  # fmt: skip
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="skenario-body">')
    assert 'name="p3_programme"' in answer.text and 'name="rows" value="4"' in answer.text


def test_a_viewer_may_not_save(site: Site) -> None:
    assert _upload(site, "pemirsa").status_code == 403


def test_a_bad_upload_is_refused_with_its_findings(site: Site) -> None:
    files = {"file": ("broken.toml", b"name = [", "application/toml")}
    answer = site.page("admin").post(
        "/scenarios", data={"csrf_token": site.csrf["admin"]}, files=files
    )
    assert answer.status_code == 422
    assert "broken.toml" in answer.text and 'class="notice error"' in answer.text


# --- running, comparing, optimising ----------------------------------------------------------


def test_a_run_draws_the_api_s_figures_and_shows_them_in_a_table(
    site: Site, saved: tuple[str, str]
) -> None:
    name = saved[1]
    api = site.api("pemirsa", f"/scenarios/{name}/run", release=RELEASE)
    assert api.status_code == 200
    page = site.page("pemirsa").get(
        "/scenarios/run", params={"scenario": name, "release": RELEASE},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert page.status_code == 200
    spec = _specs(page.text)["run"]
    points = {(p["panel"], p["series"] != "dasar (tanpa program)", p["year"]): p["value"]
              for p in spec["datasets"]["paths"]}  # fmt: skip
    for year in api.json()["years"]:
        fgt0 = [r for r in year["estimates"] if r["measure"] == "fgt0"]
        extreme = min(r["line"] for r in fgt0)
        for r in fgt0:
            if r["indicator"] == "difference":
                continue
            panel = "extreme" if r["line"] == extreme else "p0"
            key = (panel, r["indicator"] == "scenario", year["year"])
            assert points[key] == r["estimate"]
    assert "<table" in page.text and str(api.json()["years"][-1]["year"]) in page.text


def test_a_full_page_run_keeps_the_choice(site: Site, saved: tuple[str, str]) -> None:
    page = site.page("admin").get(
        "/scenarios/run", params={"scenario": saved[0], "release": RELEASE, "draws": 20}
    )
    assert page.status_code == 200
    assert 'id="result-run"' in page.text and 'id="scenario-form"' in page.text


def test_scenarios_compare_side_by_side(site: Site, saved: tuple[str, str]) -> None:
    page = site.page("pemirsa").get(
        "/scenarios/compare",
        params={"scenario": list(saved), "release": RELEASE, "draws": 20},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    series = {p["series"] for p in _specs(page.text)["compare"]["datasets"]["paths"]}
    assert series == {"dasar (tanpa program)", *saved}
    header = re.search(r"<thead>(.*?)</thead>", page.text, re.S)
    assert header is not None and all(name in header.group(1) for name in saved)


def test_the_optimiser_draws_its_frontier(site: Site) -> None:
    api = site.api("analis", "/optimise", release=RELEASE, target="0.005")
    assert api.status_code == 200
    page = site.page("analis").get(
        "/scenarios/optimise", params={"release": RELEASE, "target": "0.5"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    spec = _specs(page.text)["optimise"]
    assert spec["datasets"]["frontier"] == api.json()["frontier"]
    assert spec["datasets"]["chosen"] == [{"budget": api.json()["budget"], "target": 0.005}]


def test_a_desa_operator_may_not_run_the_district_s_scenarios(
    site: Site, saved: tuple[str, str]
) -> None:
    params = {"scenario": saved[0], "release": RELEASE, "draws": 20}
    assert site.page("desa").get("/scenarios/run", params=params).status_code == 403
    assert site.api("desa", f"/scenarios/{saved[0]}/run", release=RELEASE).status_code == 403
    assert site.api("desa", "/optimise", release=RELEASE).status_code == 403


# --- the JSON API is the command line's JSON -------------------------------------------------


def test_the_api_answers_what_the_command_line_prints(site: Site, saved: tuple[str, str]) -> None:
    assert site.api("admin", "/scenarios").json() == _cli(site, "scenario", "list")
    name = saved[0]
    assert site.api("admin", f"/scenarios/{name}/run", release=RELEASE, year=2026).json() == (
        _cli(site, "scenario", "run", name, "--release", RELEASE, "--year", "2026")
    )
    assert site.api("admin", "/optimise", release=RELEASE, objective="p0", target=0.02).json() == (
        _cli(site, "optimise", "--release", RELEASE, "--objective", "p0", "--target", "0.02")
    )


def test_the_api_runs_saved_scenarios_only_never_a_file(site: Site) -> None:
    """A name that is a file of the server's working directory is still only a name."""
    for name in ("pyproject.toml", "README.md", "nope"):
        answer = site.api("admin", f"/scenarios/{name}/run", release=RELEASE)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "scenario_missing"
    assert site.api("admin", "/scenarios/nope/run", release="r9").status_code == 404
