"""The linkage review queue without the web: runs listed, pairs shown masked and audited,
decisions stored and honoured by the next ``rpkd link`` run (accepted: a match; rejected: no
match), on the hand-made registry of ``tests/linkage/linkage_fixture.py``."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linkage"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_refusal import REFUSAL, audit_refused, seen
from linkage_fixture import build, write_workspace
from usulan_db import postgres_schema

from rpkd.access import audit
from rpkd.errors import Forbidden, InvalidInput, NotFound
from rpkd.linkage.decisions import Decision, honour
from rpkd.workflows import Workspace, add_user
from rpkd.workflows.link import link_list
from rpkd.workflows.link_review import decide_link, link_queue, link_runs

PASSWORD = "kata-sandi-uji-123"
RELEASE = "dtsen-uji"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def workspace(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The hand-made release's workspace, its database on SQLite and on PostgreSQL."""
    root = write_workspace(tmp_path_factory.mktemp("review"), build())
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{root / 'rpkd.db'}"
        else:
            url = stack.enter_context(postgres_schema())
        os.environ["RPKD_DATABASE_URL"] = url
        try:
            with Workspace.open(root) as ws:
                add_user(ws, "admin", PASSWORD, role="admin")
            with Workspace.open(root, actor="admin") as ws:
                add_user(ws, "analis", PASSWORD, role="analyst")
                add_user(ws, "desa", PASSWORD, role="area_operator", region="62.03.01.2001")
            yield root
        finally:
            del os.environ["RPKD_DATABASE_URL"]


def test_decisions_are_kept_and_honoured_by_the_next_run(workspace: Path) -> None:
    listed = workspace / "beneficiaries_pkh.csv"
    with Workspace.open(workspace, actor="analis") as ws:
        first = link_list(ws, listed, RELEASE, upper=0.9999, lower=0.01)
        runs = link_runs(ws).to_json()
        assert [(r["release"], r["list"], r["decided"]) for r in runs] == [
            (RELEASE, "beneficiaries_pkh", 0)]  # fmt: skip
        run = runs[0]["run"]
        queue = link_queue(ws, RELEASE, run)
        assert queue.pairs.num_rows == runs[0]["pairs"] > 0
        names = [n for n in queue.pairs.column("registry_name").to_pylist() if n]
        assert names and all(n.replace(".", "").isupper() for n in names)  # initials
        methods = dict(zip(first.links.column("record").to_pylist(),
                           first.links.column("method").to_pylist(), strict=True))  # fmt: skip
        review = sorted({r for r in queue.pairs.column("record").to_pylist()
                         if methods[r] == "review"})  # fmt: skip
        assert len(review) >= 2
        accept, reject = review[0], review[1]
        pairs = queue.pairs.to_pylist()
        chosen = next(p["person_id"] for p in pairs if p["record"] == accept)
        decide_link(ws, RELEASE, run, accept, chosen, "accept")
        for p in pairs:
            if p["record"] == reject:
                decide_link(ws, RELEASE, run, reject, p["person_id"], "reject")
        with pytest.raises(InvalidInput):
            decide_link(ws, RELEASE, run, accept, "bukan-orang", "accept")
        with pytest.raises(NotFound):
            link_queue(ws, RELEASE, "tidak-ada")
        again = link_list(
            ws, listed, RELEASE, upper=0.9999, lower=0.01
        )  # the next run honours the stored decisions
        final = {r["record"]: r for r in again.links.to_pylist()}
        assert (final[accept]["person_id"], final[accept]["method"]) == (chosen, "review")
        assert (final[reject]["person_id"], final[reject]["method"]) == (None, "none")
        assert link_runs(ws).to_json()[0]["decided"] >= 2
        with ws.transaction() as db:
            actions = {e.action for e in audit.entries(db)}
        assert {"link.queue", "link.decide"} <= actions
    with Workspace.open(workspace, actor="desa") as ws:
        assert link_runs(ws).rows.num_rows == 0  # a desa grant does not cover the district
        with pytest.raises(Forbidden):
            link_queue(ws, RELEASE, run)


def test_a_rejected_pair_unlinks_even_a_model_match() -> None:
    links = pa.table({
        "record": ["1", "2", "3"], "person_id": ["p1", "p2", None],
        "match_probability": [1.0, 0.97, 0.5], "method": ["nik", "probabilistic", "review"],
        "deceased": [False, False, False], "shared": [False, False, False],
    })  # fmt: skip
    queue = pa.table({"record": ["2", "3", "3"], "person_id": ["p2", "p3", "p4"],
                      "deceased": [False, True, False]})  # fmt: skip
    now = datetime.now(UTC)
    kept = [Decision("l", "1", "p1", "reject", "r", "a", now),
            Decision("l", "2", "p9", "accept", "r", "a", now),
            Decision("l", "3", "p3", "accept", "r", "a", now)]  # fmt: skip
    out = honour(links, kept, queue).to_pylist()
    assert [(r["person_id"], r["method"], r["reviewed"]) for r in out] == [
        (None, "none", True), ("p9", "review", True), ("p3", "review", True)]  # fmt: skip
    assert out[2]["deceased"] is True


def test_a_decision_whose_audit_row_is_refused_is_not_kept(workspace: Path) -> None:
    with Workspace.open(workspace, actor="analis") as ws:
        outcome = link_list(ws, workspace / "beneficiaries_pkh.csv", RELEASE, upper=0.9999,
                            lower=0.01)  # fmt: skip
        pair = outcome.queue.select(["record", "person_id"]).to_pylist()[-1]
        before = seen(ws)
        with audit_refused(ws):
            for decision in ("accept", "reject"):
                with pytest.raises(DBAPIError, match=REFUSAL):
                    decide_link(ws, RELEASE, outcome.folder.name, pair["record"],
                                pair["person_id"], decision)  # fmt: skip
        assert seen(ws) == before
