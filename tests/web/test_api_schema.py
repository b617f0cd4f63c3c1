"""Schemathesis against the API's OpenAPI: no generated request makes the server fail (5xx).

The ASGI app runs in-process on a workspace with a small synthetic release and a plan;
requests carry an admin's bearer token, so they reach the workflows (an admin passes every
role and scope check). Besides "no 5xx", each answer must have a documented status, content
type and shape (the models of :mod:`rpkd.web.routes.api_schemas`).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rpkd.web.access import ROUTES
from rpkd.web.app import create_app
from rpkd.workflows import (
    Workspace,
    add_user,
    import_release,
    init_plan,
    synthesize_district,
)

PASSWORD = "kapuas-bersinar-2025"
RELEASE = "r"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    """The app on a workspace held open (so that the app never closes it) and a token."""
    root = tmp_path_factory.mktemp("schema")
    path: Path = root / "ws"
    with Workspace.open(path) as ws:
        synthesize_district(ws, "62.03", root / "source", families=400, seed=5)
        import_release(ws, root / "source", RELEASE, reference_date="2025-03-01")
        add_user(ws, "admin", PASSWORD, role="admin")
    with Workspace.open(path, actor="admin") as ws:
        init_plan(ws)
    # The checks are of statuses and shapes, not of MSEs: 10 bootstrap replicates, not the
    # kit's 50, keep each first map request of a generated query well inside the client's 10 s.
    kit = resources.files("rpkd").joinpath("params/indonesia/sae.toml").read_text("utf-8")
    quick = kit.replace("\nbootstrap = 50\n", "\nbootstrap = 10\n")
    assert quick != kit, "the kit's bootstrap is no longer 50: update this override"
    (path / "params").mkdir(exist_ok=True)
    (path / "params" / "sae.toml").write_text(quick, encoding="utf-8")
    ws = Workspace.open(path)
    app = create_app(ws, plain_http=True)
    with TestClient(app) as client:
        answer = client.post("/api/v1/token", data={"username": "admin", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
    yield app, answer.json()["access_token"]
    ws.close()


@pytest.fixture(scope="module")
def api_schema(served: tuple[FastAPI, str]) -> schemathesis.BaseSchema:
    app, _token = served
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


OPERATIONS = [(r.method, r.path) for r in ROUTES if r.api and not r.path.endswith("openapi.json")]
"""Every operation of the API (the route table lists them all)."""


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_generated_request_makes_the_server_fail(
    api_schema: schemathesis.BaseSchema,
    served: tuple[FastAPI, str],
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    _app, token = served
    operation = api_schema[path][method]
    if mode == GenerationMode.NEGATIVE and not list(operation.iter_parameters()):
        pytest.skip("nothing to make invalid: the operation takes no parameters")
    known: dict[str, Any] = {}
    if "{name}" in path and mode == GenerationMode.POSITIVE:
        known = {"path_parameters": {"name": RELEASE}}  # reach the workflows, not only 404
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=operation.as_strategy(mode, **known))
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()
