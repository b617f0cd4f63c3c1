"""``rpkd link``: the CLI's JSON contract, the privacy of its table output, derived files.

The release is written by the test (Parquet and a manifest in ``tmp_path``) from the hand-made
registry of ``tests/linkage/linkage_fixture.py``, whose true links are known by construction.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linkage"))

from linkage_fixture import Fixture, build, write_workspace

from rpkd import params
from rpkd.access import audit, users
from rpkd.access.roles import Grant
from rpkd.cli import link as link_cli
from rpkd.errors import Forbidden, InvalidInput, NotFound, RpkdError, UsageError
from rpkd.settings import Settings
from rpkd.store import open_database, session
from rpkd.synth.district import synthesize
from rpkd.workflows.link import link_list
from rpkd.workflows.workspace import Workspace

CONTRACT = {"record", "person_id", "match_probability", "method"}


@pytest.fixture(scope="module")
def data() -> Fixture:
    return build()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, data: Fixture) -> Path:
    return write_workspace(tmp_path_factory.mktemp("ws"), data)


def _app() -> typer.Typer:
    app = typer.Typer()
    link_cli.register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps `link` a named subcommand
        """Nothing."""

    return app


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def _error(*args: str) -> BaseException | int:
    """Return the rpkd error the command raised (main() maps it to its exit code), or the code."""
    result = CliRunner().invoke(_app(), list(args))
    return result.exception if isinstance(result.exception, RpkdError) else result.exit_code


def test_json_gives_one_contract_record_per_list_row(workspace: Path, data: Fixture) -> None:
    code, out, _ = _run(
        "link",
        str(workspace / "beneficiaries_pkh.csv"),
        "--release",
        "dtsen-uji",
        "--workspace",
        str(workspace),
        "--format",
        "json",
    )
    assert code == 0
    records = json.loads(out)
    assert [set(r) for r in records] == [CONTRACT] * data.listed.num_rows
    assert sorted(r["record"] for r in records) == sorted(data.truth)
    assert {r["method"] for r in records} <= {"nik", "probabilistic", "review", "none"}
    for row in records:
        if row["method"] in ("nik", "probabilistic"):
            assert row["person_id"] == data.truth[row["record"]]
            assert 0.0 <= row["match_probability"] <= 1.0
        if row["method"] == "none":
            assert row["person_id"] is None
    assert all(r["method"] == "nik" for r in records if data.kinds[r["record"]] == "exact")


def test_table_shows_counts_without_names_or_niks(workspace: Path, data: Fixture) -> None:
    code, out, err = _run(
        "link",
        str(workspace / "beneficiaries_pkh.csv"),
        "--release",
        "dtsen-uji",
        "--workspace",
        str(workspace),
        "--lang",
        "en",
    )
    assert code == 0
    shown = out + err
    assert "Same NIK" in shown and "Needs clerical review" in shown
    assert "Links and review queue" in err
    for row in data.listed.to_pylist():
        assert row["name"] not in shown and row["name"].split()[-1] not in shown
        if row["nik"]:
            assert row["nik"] not in shown


def test_derived_links_and_the_review_round_trip(workspace: Path, data: Fixture) -> None:
    """A strict upper threshold sends rows to review; the clerk's file settles them."""
    listed = workspace / "beneficiaries_pkh.csv"
    with Workspace.open(workspace) as ws:
        first = link_list(ws, listed, "dtsen-uji", upper=0.999999999999, lower=0.4)
    assert first.folder.parent == workspace / "releases" / "dtsen-uji" / "derived" / "links"
    parameters = json.loads((first.folder / "parameters.json").read_text(encoding="utf-8"))
    assert (parameters["upper"], parameters["lower"]) == (0.999999999999, 0.4)
    links = pq.read_table(first.folder / "links.parquet")
    assert links.num_rows == data.listed.num_rows
    assert {"deceased", "shared"} <= set(links.column_names)
    text = (first.folder / "review.csv").read_text(encoding="utf-8")
    for row in data.persons.to_pylist():
        assert row["nik"] not in text and row["name"] not in text  # masked by default
    masked = list(csv.DictReader(io.StringIO(text)))
    assert all(r["registry_nik"] == "" or "********" in r["registry_nik"] for r in masked)
    assert all(r["registry_birth_date"] in ("", "**") or r["registry_birth_date"].endswith("-**-**")
               for r in masked)  # fmt: skip
    queue = list(csv.DictReader(io.StringIO(text)))
    assert queue and list(queue[0])[:5] == [
        "record",
        "rank",
        "person_id",
        "match_probability",
        "decision",
    ]
    for row in queue:
        row["decision"] = "accept" if row["rank"] == "1" else "reject"
    decided = workspace / "review-decided.csv"
    with decided.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(queue[0]))
        writer.writeheader()
        writer.writerows(queue)
    with Workspace.open(workspace) as ws:
        second = link_list(
            ws, listed, "dtsen-uji", upper=0.999999999999, lower=0.4, decisions=decided
        )
    final = {r["record"]: r for r in second.links.to_pylist()}
    for record in {r["record"] for r in queue}:
        assert final[record]["method"] == "review" and final[record]["reviewed"]
        assert final[record]["person_id"] == data.truth[record]
    assert second.folder != first.folder  # the decisions are part of the tag


def test_an_unchanged_list_is_fitted_once_and_other_thresholds_fit_again(
    workspace: Path, data: Fixture
) -> None:
    listed = workspace / "beneficiaries_pkh.csv"
    kept = workspace / "releases" / "dtsen-uji" / "derived" / "linkage"
    with Workspace.open(workspace) as ws:
        first = link_list(ws, listed, "dtsen-uji", upper=0.97, lower=0.45)
        runs = {p: p.stat().st_mtime_ns for p in kept.glob("run-*/*")}
        again = link_list(ws, listed, "dtsen-uji", upper=0.97, lower=0.45)
        assert {p: p.stat().st_mtime_ns for p in kept.glob("run-*/*")} == runs  # read, not written
        assert again.links.equals(first.links) and again.queue.equals(first.queue)
        assert again.result.model == first.result.model
        assert again.result.findings == first.result.findings
        assert again.folder == first.folder
        other = link_list(ws, listed, "dtsen-uji", upper=0.98, lower=0.45)
    made = sorted(set(kept.glob("run-*")) - {p.parent for p in runs})
    assert len(made) == 1 and other.result.thresholds.upper == 0.98
    assert {r["record"]: r["method"] for r in other.links.to_pylist()}.keys() == set(data.truth)


def test_usage_and_input_errors_have_their_exit_codes(workspace: Path) -> None:
    missing = _error(
        "link",
        str(workspace / "missing.csv"),
        "--release",
        "dtsen-uji",
        "--workspace",
        str(workspace),
    )
    assert isinstance(missing, InvalidInput) and missing.exit_code == 1
    assert missing.code == "link_list_missing"
    unknown = _error(
        "link",
        str(workspace / "beneficiaries_pkh.csv"),
        "--release",
        "tidak-ada",
        "--workspace",
        str(workspace),
    )
    assert isinstance(unknown, NotFound) and unknown.exit_code == 1
    bad = _error(
        "link",
        str(workspace / "beneficiaries_pkh.csv"),
        "--release",
        "dtsen-uji",
        "--workspace",
        str(workspace),
        "--upper",
        "1.5",
    )
    assert isinstance(bad, UsageError) and bad.exit_code == 2  # main() exits with it
    assert (bad.code, bad.params["name"], bad.params["value"]) == (
        "link_threshold_range",
        "upper",
        1.5,
    )


@pytest.mark.slow
def test_precision_and_recall_on_a_synthetic_kecamatan(tmp_path: Path) -> None:
    """``rpkd synth`` of kecamatan Selat (3,000 families): its truth files are the reference."""
    synthesize("62.03.01", tmp_path / "synth", kit=params.load_kit(None), families=3000, seed=1)
    source = tmp_path / "synth"
    folder = tmp_path / "ws" / "releases" / "synth"
    folder.mkdir(parents=True)
    for kind in ("persons", "families"):
        dates = {"birth_date": pa.date32(), "death_date": pa.date32()} if kind == "persons" else {}
        text = {c: pa.string() for c in ("person_id", "family_id", "nik", "kk_number", "desa_code")}
        options = pcsv.ConvertOptions(column_types={**text, **dates}, strings_can_be_null=True)
        pq.write_table(
            pcsv.read_csv(source / f"{kind}.csv", convert_options=options),
            folder / f"{kind}.parquet",
        )
    manifest = {"name": "synth", "kinds": ["families", "persons"], "region": "62.03.01"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for programme in ("pkh", "pbi_jk"):
        with Workspace.open(tmp_path / "ws") as ws:
            outcome = link_list(ws, source / f"beneficiaries_{programme}.csv", "synth")
        truth = pcsv.read_csv(
            source / "truth" / f"links_{programme}.csv",
            convert_options=pcsv.ConvertOptions(
                column_types={"record": pa.string(), "person_id": pa.string()},
                strings_can_be_null=True,
            ),
        )
        true = {
            r: p or None
            for r, p in zip(
                truth["record"].to_pylist(), truth["person_id"].to_pylist(), strict=True
            )
        }
        made = {
            r["record"]: r["person_id"]
            for r in outcome.links.to_pylist()
            if r["method"] in ("nik", "probabilistic")
        }
        right = sum(1 for r, p in made.items() if true.get(r) == p)
        precision = right / len(made)
        recall = right / sum(1 for p in true.values() if p is not None)
        assert precision >= 0.99, (programme, precision)
        assert recall >= 0.97, (programme, recall)


def test_unmasked_review_needs_personal_data_and_is_audited(
    tmp_path: Path, workspace: Path, data: Fixture
) -> None:
    """``--unmask-review`` writes NIK, names and birth dates in full: only for those allowed."""
    ws_path = tmp_path / "ws"
    ws_path.mkdir()
    (ws_path / "releases").symlink_to(workspace / "releases")
    settings = Settings(workspace=ws_path)
    engine = open_database(settings)
    with session(engine) as db:
        users.add_user(db, "admin", "rahasia-panjang-0", (Grant("admin"),))
        users.add_user(db, "analis", "rahasia-panjang-1", (Grant("analyst"),))
        users.add_user(db, "pemantau", "rahasia-panjang-2", (Grant("viewer"),))
        users.add_user(
            db, "desa", "rahasia-panjang-3", (Grant("area_operator", region="62.03.01"),)
        )
    engine.dispose()
    listed = workspace / "beneficiaries_pkh.csv"
    for actor, unmask in (("pemantau", False), ("pemantau", True), ("desa", True)):
        with Workspace(settings, actor=actor) as ws, pytest.raises(Forbidden):
            link_list(ws, listed, "dtsen-uji", upper=0.999999999999, lower=0.4, unmask=unmask)
    with Workspace(settings, actor="analis") as ws:
        outcome = link_list(ws, listed, "dtsen-uji", upper=0.999999999999, lower=0.4, unmask=True)
    text = (outcome.folder / "review.csv").read_text(encoding="utf-8")
    registry = {r["person_id"]: r for r in data.persons.to_pylist()}
    shown = [r for r in csv.DictReader(io.StringIO(text)) if r["person_id"] in registry]
    assert shown and all(
        r["registry_nik"] == (registry[r["person_id"]]["nik"] or "") for r in shown
    )
    engine = open_database(settings)
    with session(engine) as db:
        (entry,) = audit.entries(db, action="link.review")
    engine.dispose()
    assert (entry.username, entry.release, entry.scope) == ("analis", "dtsen-uji", "region=62.03")
    assert entry.parameters["unmasked"] is True and entry.records == outcome.queue.num_rows > 0
