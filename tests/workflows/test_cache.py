"""What the workflows keep between requests, and that every change is seen: the plan's state
(a new realisation at once in this process, a write of another process within seconds), the
encoded answers of a release (a release imported again under the same name is a new answer),
the kit's digests."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from rpkd.errors import NotFound
from rpkd.planning.tables import PlanRow
from rpkd.settings import Settings
from rpkd.store import utcnow
from rpkd.synth import synthesize
from rpkd.workflows import cache, profile, release_answers, sae
from rpkd.workflows.plan import init_plan
from rpkd.workflows.poverty import poverty_figures
from rpkd.workflows.realisations import add_realisation
from rpkd.workflows.releases import import_release
from rpkd.workflows.results import Encoded
from rpkd.workflows.workspace import Workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("cache")
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=600, seed=7)
        import_release(ws, root / "synth", "r", reference_date="2025-03-01")
        init_plan(ws)
        yield ws


def _selects(ws: Workspace) -> list[str]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip()[:6].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE"):
            seen.append(statement.lstrip()[:6].upper())

    event.listen(ws.database, "before_cursor_execute", note)
    return seen


def test_the_plan_state_is_one_query_kept_and_seen_anew_when_the_plan_changes(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "PLAN_STATE_SECONDS", 0.3)
    cache.forget_plan_states()
    seen = _selects(workspace)
    before = cache.plan_state(workspace)
    assert seen == ["SELECT"]
    assert cache.plan_state(workspace) == before and seen == ["SELECT"]  # kept
    add_realisation(workspace, "indicator", "P0", 2025, 4, value=5.1, se=0.3)
    after = cache.plan_state(workspace)  # a write of this process: seen at once
    assert after.realisations == before.realisations + 1
    assert after.key() != before.key()
    # A write of another process (no ORM session of this one): seen once the kept state is old.
    with workspace.database.begin() as connection:
        connection.execute(
            update(PlanRow.__table__).values(updated_at=utcnow() + timedelta(days=1))
        )
    assert cache.plan_state(workspace) == after
    time.sleep(0.35)
    assert cache.plan_state(workspace).updated_at != after.updated_at


def test_a_kit_digest_is_made_once_per_kit_and_topics(workspace: Workspace) -> None:
    every = cache.kit_digest(workspace)
    assert cache.kit_digest(workspace) == every
    assert cache.kit_digest(workspace, ["bands"]) != every
    assert cache.kit_digest(workspace, sorted(workspace.kit.documents)) == every


def _fail(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("computed again")


def test_release_answers_are_built_once_and_follow_their_release(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    release_answers.clear_cache()
    levels = ("kecamatan",)
    expected = Encoded.of_records(profile.profile_release(workspace, "r", levels=levels).to_json())
    answer = release_answers.profile_answer(workspace, "r", levels=levels)
    assert answer.body == expected.body
    figures = release_answers.estimates_answer(workspace, "r", by="urban")
    assert (
        figures.to_json()
        == Encoded.of(poverty_figures(workspace, "r", by="urban").to_json()).to_json()
    )
    monkeypatch.setattr(profile, "profile_release", _fail)
    monkeypatch.setattr("rpkd.workflows.poverty.poverty_figures", _fail)
    assert release_answers.profile_answer(workspace, "r", levels=levels) is answer
    assert release_answers.estimates_answer(workspace, "r", by="urban") is figures
    with pytest.raises(NotFound):
        release_answers.profile_answer(workspace, "gone", levels=levels)
    monkeypatch.undo()

    # The same name imported again (new data, a new manifest): a new answer.
    source = workspace.path.parent / "synth"
    shutil.rmtree(workspace.path / "releases" / "r")
    shutil.rmtree(workspace.path / "derived" / "r", ignore_errors=True)
    import_release(workspace, source, "r", reference_date="2025-09-01")
    again = release_answers.profile_answer(workspace, "r", levels=levels)
    assert again is not answer
    assert (
        again.body
        == Encoded.of_records(profile.profile_release(workspace, "r", levels=levels).to_json()).body
    )


def test_a_map_is_drawn_once_for_its_estimates_and_its_geojson(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    release_answers.clear_cache()
    drawn: list[str] = []
    original = sae.map_release

    def counted(ws: Workspace, name: str, **kwargs: Any) -> sae.MapRelease:
        drawn.append(name)
        return original(ws, name, **kwargs)

    monkeypatch.setattr(sae, "map_release", counted)
    records = release_answers.sae_answer(workspace, "r", method="direct")
    geojson = release_answers.map_answer(workspace, "r", method="direct")
    assert drawn == ["r"]
    assert geojson.media_type == "application/geo+json"
    assert len(geojson.to_json()["features"]) == 17  # the kecamatan of Kapuas
    assert records.to_json() and all(r["by"] == "kecamatan" for r in records.to_json())
    assert release_answers.sae_answer(workspace, "r", method="direct") is records
    release_answers.sae_answer(workspace, "r", method="direct", benchmark=False)
    assert drawn == ["r", "r"]
    assert not list((workspace.path / "derived").glob("r/sae/*"))  # nothing left behind
