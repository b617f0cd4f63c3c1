"""The JSON API (``/api/v1``): the same JSON as the command line, tokens, roles and scopes.

Every endpoint with a command-line twin is compared with what ``rpkd ... --format json`` prints
for the same request (the CLI run in-process); the families of a desa are checked for masking,
refusal out of scope and one audit row per call (issue 14, "Checked by"). One workspace with a
small synthetic release, a plan with a verified realisation and a user per role serves the
module.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import rpkd.cli
from rpkd.web.app import create_app
from rpkd.workflows import (
    Workspace,
    add_realisation,
    add_user,
    families_of_desa,
    import_release,
    init_plan,
    list_audit,
    poverty_figures,
    synthesize_district,
    verify_realisation,
)
from rpkd.workflows.results import plain

API = "/api/v1"
RELEASE = "r"
PASSWORD = "kapuas-bersinar-2025"
MASKED_NUMBER = re.compile(r"^\d{4}\*{8}\d{4}$")
READS = (
    "/releases",
    f"/releases/{RELEASE}",
    f"/releases/{RELEASE}/profile",
    f"/releases/{RELEASE}/estimates",
    f"/releases/{RELEASE}/sae",
    f"/releases/{RELEASE}/map",
    f"/releases/{RELEASE}/families?desa=62.03.01.1006",
    "/performance?year=2025",
    "/audit",
)


@dataclass
class District:
    path: Path
    client: TestClient
    desa: str  # the desa with the most families
    other: str  # another desa of the release
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        """Return the Authorization header of ``user``'s token (issued once)."""
        if user not in self.tokens:
            answer = self.client.post(f"{API}/token", data={"username": user, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            assert answer.json()["token_type"] == "bearer"
            self.tokens[user] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, path: str, user: str | None = "admin", **params: Any) -> Any:
        headers = self.auth(user) if user else {}
        return self.client.get(f"{API}{path}", params=params, headers=headers)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("api")
    path = root / "ws"
    with Workspace.open(path) as ws:
        synthesize_district(ws, "62.03", root / "source", families=800, seed=3)
        import_release(ws, root / "source", RELEASE, reference_date="2025-03-01")
        add_user(ws, "admin", PASSWORD, role="admin")
    desa_codes = pq.read_table(path / "releases" / RELEASE / "families.parquet")["desa_code"]
    (desa, _), (other, _) = Counter(desa_codes.to_pylist()).most_common(2)
    with Workspace.open(path, actor="admin") as ws:
        add_user(ws, "analis", PASSWORD, role="analyst")
        add_user(ws, "pemantau", PASSWORD, role="viewer")
        add_user(ws, "desa", PASSWORD, role="area_operator", region=desa)
        add_user(ws, "lain", PASSWORD, role="area_operator", region=other)
        add_user(ws, "dinsos", PASSWORD, role="agency_operator", agency="dinsos")
        init_plan(ws)
    with Workspace.open(path, actor="analis") as ws:
        added = add_realisation(ws, "indicator", "P0", 2025, 4, value=5.4, se=0.4)
    with Workspace.open(path, actor="admin") as ws:
        verify_realisation(ws, added.items[0].id)
    app = create_app(path, plain_http=True)
    with TestClient(app, follow_redirects=False) as client:
        yield District(path, client, desa, other)
    app.state.server.workspace.close()


def _cli(d: District, *args: str) -> Any:
    """Return the parsed JSON that ``rpkd ARGS --format json`` prints, run as admin."""
    rpkd.cli._register()
    result = CliRunner().invoke(
        rpkd.cli.app, [*args, "-w", str(d.path), "-f", "json"], env={"RPKD_USER": "admin"}
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _audit(d: District, action: str = "families.read") -> list[dict[str, Any]]:
    with Workspace.open(d.path, actor="admin") as ws:
        return [e for e in list_audit(ws, action=action).to_json() if e["action"] == action]


# --- tokens ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", READS)
def test_no_token_or_an_unknown_one_is_401(district: District, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        answer = district.client.get(f"{API}{path}", headers=headers)
        assert answer.status_code == 401, (path, answer.text)
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.json()["error"]["code"] == "sign_in_required"


# --- the same JSON as the command line -------------------------------------------------------

TWINS = [
    ("/releases", {}, ["release", "list"]),
    (f"/releases/{RELEASE}", {}, ["release", "show", RELEASE]),
    (f"/releases/{RELEASE}/profile", {}, ["profile", "--release", RELEASE]),
    (
        f"/releases/{RELEASE}/profile",
        {"level": "kecamatan"},
        ["profile", "--release", RELEASE, "--level", "kecamatan"],
    ),
    (f"/releases/{RELEASE}/sae", {}, ["map", "--release", RELEASE]),
    (
        f"/releases/{RELEASE}/sae",
        {"level": "desa", "measure": "fgt1", "method": "direct", "benchmark": "false"},
        [
            "map",
            "--release",
            RELEASE,
            "--level",
            "desa",
            "--measure",
            "fgt1",
            "--method",
            "direct",
            "--no-benchmark",
        ],
    ),
    ("/performance", {"year": 2025, "quarter": 4}, ["monitor", "--year", "2025"]),
    ("/performance", {"year": 2025, "quarter": 2}, ["monitor", "--year", "2025", "--quarter", "2"]),
    ("/audit", {"action": "release"}, ["audit", "list", "--action", "release"]),
    ("/audit", {"since": "2000-01-01"}, ["audit", "list", "--since", "2000-01-01"]),
    (
        f"/releases/{RELEASE}/eligibility",
        {"level": "kecamatan", "programme": "pkh"},
        ["target", "eligibility", "-r", RELEASE, "--level", "kecamatan", "--programme", "pkh"],
    ),
]


@pytest.mark.parametrize(("path", "params", "command"), TWINS)
def test_the_api_answers_what_the_command_line_prints(
    district: District, path: str, params: dict[str, Any], command: list[str]
) -> None:
    district.auth("admin")  # issued before either answer, so the audit log does not move
    answer = district.get(path, **params)
    assert answer.status_code == 200, answer.text
    printed = _cli(district, *command)
    assert answer.json() == printed
    assert printed, "an empty answer compares nothing"


def test_the_geojson_is_the_map_the_command_line_draws(district: District, tmp_path: Path) -> None:
    answer = district.get(f"/releases/{RELEASE}/map", level="kecamatan")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/geo+json")
    _cli(district, "map", "--release", RELEASE, "--out", str(tmp_path))
    drawn = json.loads((tmp_path / "map.geojson").read_text(encoding="utf-8"))
    assert answer.json() == drawn
    assert drawn["type"] == "FeatureCollection"
    assert len(drawn["features"]) == 17  # the kecamatan of Kabupaten Kapuas


@pytest.mark.parametrize("by", [None, "urban", "kecamatan"])
def test_estimates_are_the_estimates_table_of_the_poverty_figures(
    district: District, by: str | None
) -> None:
    answer = district.get(f"/releases/{RELEASE}/estimates", **({"by": by} if by else {}))
    assert answer.status_code == 200, answer.text
    with Workspace.open(district.path, actor="admin") as ws:
        expected = plain(poverty_figures(ws, RELEASE, by=by).to_json())  # type: ignore[arg-type]
    rows = answer.json()
    assert rows == expected
    keys = ["measure", "indicator", "line", "by", "domain", "estimate", "se", "ci_low",
            "ci_high", "n", "population"]  # fmt: skip
    assert all(list(r)[: len(keys)] == keys for r in rows)
    assert {r["measure"] for r in rows} >= {"fgt0", "fgt1", "fgt2", "gini"}
    assert [r["by"] for r in rows if r["domain"] is None] == [None] * sum(
        1 for r in rows if r["domain"] is None
    )


# --- the families of a desa ------------------------------------------------------------------


def test_an_in_scope_desa_operator_gets_masked_niks_and_one_audit_row_per_call(
    district: District,
) -> None:
    d = district
    before = len(_audit(d))
    first = d.get(f"/releases/{RELEASE}/families", "desa", desa=d.desa)
    second = d.get(f"/releases/{RELEASE}/families", "desa", desa=d.desa.replace(".", ""))
    assert first.status_code == second.status_code == 200, first.text
    rows = first.json()
    assert rows == second.json() and rows
    assert {r["desa_code"] for r in rows} == {d.desa}
    niks = [r["head_nik"] for r in rows if r["head_nik"] is not None]
    assert niks and all(MASKED_NUMBER.match(n) for n in niks)
    assert all(MASKED_NUMBER.match(r["kk_number"]) for r in rows if r["kk_number"])
    assert all(re.fullmatch(r"([A-Z]\.)+", r["head_name"]) for r in rows if r["head_name"])
    audited = _audit(d)[before:]
    assert len(audited) == 2
    for row in audited:
        assert (row["username"], row["release"], row["records"]) == ("desa", RELEASE, len(rows))
        assert row["scope"] == f"region={d.desa}"
        assert row["parameters"]["unmasked"] is False
    with Workspace.open(d.path, actor="desa") as ws:
        assert rows == plain(families_of_desa(ws, RELEASE, d.desa).to_json())


def test_an_out_of_scope_desa_operator_gets_403_and_no_audit_row_says_they_saw_them(
    district: District,
) -> None:
    d = district
    before = _audit(d)
    for unmask in ("false", "true"):
        answer = d.get(f"/releases/{RELEASE}/families", "lain", desa=d.desa, unmask=unmask)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "forbidden"
    after = _audit(d)
    assert after == before
    assert not [e for e in after if e["username"] == "lain" and d.desa in (e["scope"] or "")]
    assert d.get(f"/releases/{RELEASE}/families", "lain", desa=d.other).status_code == 200


@pytest.mark.parametrize("user", ["pemantau", "dinsos"])
def test_roles_without_by_name_records_get_403(district: District, user: str) -> None:
    d = district
    before = len(_audit(d))
    answer = d.get(f"/releases/{RELEASE}/families", user, desa=d.desa)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "route_forbidden"
    assert len(_audit(d)) == before


def test_unmasked_for_those_who_may_see_personal_data(district: District) -> None:
    d = district
    for user, desa in (("analis", d.desa), ("desa", d.desa), ("admin", d.other)):
        answer = d.get(f"/releases/{RELEASE}/families", user, desa=desa, unmask="true")
        assert answer.status_code == 200, answer.text
        niks = [r["head_nik"] for r in answer.json() if r["head_nik"] is not None]
        assert niks and all(re.fullmatch(r"\d{16}", n) for n in niks)
        assert _audit(d)[-1]["parameters"]["unmasked"] is True


def test_one_desil(district: District) -> None:
    d = district
    every = d.get(f"/releases/{RELEASE}/families", "analis", desa=d.desa).json()
    desil, count = Counter(r["desil"] for r in every).most_common(1)[0]
    answer = d.get(f"/releases/{RELEASE}/families", "analis", desa=d.desa, desil=desil)
    assert [r["desil"] for r in answer.json()] == [desil] * count


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"desa": "62.01.01.2001"}, 422, "desa_not_in_release"),
        ({"desa": "99.99.99.9999"}, 422, "target_desa_unknown"),
        ({"desa": "62.03.01.x001"}, 422, "region_malformed"),
        ({"desa": "62.03.01"}, 422, "api_parameter_short"),  # a kecamatan: too short for a desa
        ({"desa": "62.03.01.1006", "desil": 11}, 422, "api_parameter_above"),
        ({}, 422, "api_parameter_missing"),
    ],
)
def test_a_desa_that_is_not_one_is_a_coded_422(
    district: District, params: dict[str, Any], status: int, code: str
) -> None:
    before = len(_audit(district))
    answer = district.get(f"/releases/{RELEASE}/families", "analis", **params)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert len(_audit(district)) == before


def test_an_unknown_release_is_404_and_a_malformed_name_422(district: District) -> None:
    missing = district.get("/releases/r9/families", "analis", desa=district.desa)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "release_missing"
    assert district.get("/releases/r9").status_code == 404
    assert district.get("/releases/.r/profile").status_code == 422


# --- roles and scopes of the other endpoints -------------------------------------------------


@pytest.mark.parametrize(
    ("path", "user", "status"),
    [
        ("/audit", "analis", 403),
        ("/audit", "pemantau", 403),
        ("/performance?year=2025", "pemantau", 200),
        ("/performance?year=2025", "desa", 403),  # the plan is the district's
        (f"/releases/{RELEASE}", "pemantau", 200),
        (f"/releases/{RELEASE}", "desa", 403),
        (f"/releases/{RELEASE}/profile?level=kabupaten", "pemantau", 200),
        (f"/releases/{RELEASE}/estimates", "dinsos", 200),
    ],
)
def test_roles_and_scopes(district: District, path: str, user: str, status: int) -> None:
    answer = district.client.get(f"{API}{path}", headers=district.auth(user))
    assert answer.status_code == status, answer.text


def test_the_release_list_shows_only_releases_one_may_read(district: District) -> None:
    assert [r["name"] for r in district.get("/releases", "pemantau").json()] == [RELEASE]
    assert district.get("/releases", "desa").json() == []


def test_the_schema_documents_every_endpoint_with_the_bearer_scheme(district: District) -> None:
    schema = district.client.get(f"{API}/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for read in READS:
        operation = paths[
            API + read.split("?")[0].replace(f"/releases/{RELEASE}", "/releases/{name}")
        ]["get"]
        assert operation["security"] == [{"OAuth2PasswordBearer": []}]
        assert {"200", "401", "403", "422"} <= set(operation["responses"])
        assert operation["responses"]["200"]["content"]


# --- answers kept between calls ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/releases/{RELEASE}/profile?level=desa",
        f"/releases/{RELEASE}/estimates",
        f"/releases/{RELEASE}/sae",
        f"/releases/{RELEASE}/map",
    ],
)
def test_kept_answers_go_gzipped_or_plain_as_the_client_asks(district: District, path: str) -> None:
    headers = district.auth("analis")
    plain_answer = district.client.get(f"{API}{path}", headers={**headers,
                                                                 "Accept-Encoding": "identity"})  # fmt: skip
    zipped = district.client.get(f"{API}{path}", headers={**headers, "Accept-Encoding": "gzip"})
    assert plain_answer.status_code == zipped.status_code == 200
    assert "content-encoding" not in plain_answer.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.content == plain_answer.content  # decoded by the client
    assert zipped.headers["content-type"] == plain_answer.headers["content-type"]


def test_a_release_imported_or_removed_is_seen_at_once(district: District) -> None:
    source = district.path.parent / "source"
    listed = [r["name"] for r in district.get("/releases").json()]
    kept = district.get(f"/releases/{RELEASE}/profile", level="kabupaten").json()
    try:
        with Workspace.open(district.path, actor="admin") as ws:
            import_release(ws, source, "r-baru", reference_date="2025-09-01")
        assert [r["name"] for r in district.get("/releases").json()] == [*listed, "r-baru"]
        fresh = district.get("/releases/r-baru/profile", level="kabupaten")
        assert fresh.status_code == 200
        assert fresh.json() == _cli(district, "profile", "--release", "r-baru", "--level",
                                    "kabupaten")  # fmt: skip
    finally:
        shutil.rmtree(district.path / "releases" / "r-baru", ignore_errors=True)
    assert [r["name"] for r in district.get("/releases").json()] == listed
    assert district.get("/releases/r-baru/profile", level="kabupaten").status_code == 404
    assert district.get(f"/releases/{RELEASE}/profile", level="kabupaten").json() == kept
