"""The server holds its table engine from start to shutdown, so that the engines its requests
open and close share one Spark session instead of stopping it after every request and starting
it again for the next (seconds each). Run in a process of its own: the test session's shared
Spark engine would otherwise keep the session alive whatever the server does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SERVER = """
import json, sys
from fastapi.testclient import TestClient
from pyspark import SparkContext
from web_fixture import sign_in, PASSWORD
from rpkd.web.access import Route
from rpkd.web.app import create_app
from rpkd.web.deps import RequestWorkspace
from rpkd.workflows import Workspace, add_user

with Workspace.open(sys.argv[1]) as ws:
    add_user(ws, "admin", PASSWORD, role="admin")
app = create_app(sys.argv[1], plain_http=True)

def engine(ws: RequestWorkspace) -> dict:
    return {"application": ws.engine.backend.native.sparkContext.applicationId}

app.add_api_route("/engine", engine)
app.state.server.routes[("GET", "/engine")] = Route("GET", "/engine", "public")
seen = []
with TestClient(app, follow_redirects=False) as browser:
    sign_in(browser, "admin")
    for _ in range(3):
        seen.append(browser.get("/engine").json()["application"])
        active = SparkContext._active_spark_context
        seen.append(active.applicationId if active is not None else None)
app.state.server.workspace.close()
seen.append(SparkContext._active_spark_context)
print(json.dumps(seen))
"""


@pytest.mark.spark
def test_the_requests_of_a_server_share_one_spark_session(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPKD_")}
    env |= {"PYTHONPATH": str(Path(__file__).parent), "RPKD_ENGINE": "spark",
            "RPKD_SPARK_MASTER": "local[1]"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", SERVER, str(tmp_path / "ws")],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    *running, after = json.loads(done.stdout.splitlines()[-1])
    # every request ran in the session the server started, which outlived each request
    assert len(set(running)) == 1 and running[0] is not None, running
    assert after is None  # and stopped when the server shut down
