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

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linkage"))

from linkage_fixture import Fixture, build  # noqa: E402

from rpkd.cli import _register, app  # noqa: E402
from rpkd.settings import Settings  # noqa: E402
from rpkd.workflows.link import link_list  # noqa: E402

CONTRACT = {"record", "person_id", "match_probability", "method"}


@pytest.fixture(scope="module")
def data() -> Fixture:
    return build()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, data: Fixture) -> Path:
    root = tmp_path_factory.mktemp("ws")
    folder = root / "releases" / "dtsen-uji"
    folder.mkdir(parents=True)
    pq.write_table(data.persons, folder / "persons.parquet")
    pq.write_table(data.families, folder / "families.parquet")
    manifest = {"name": "dtsen-uji", "kinds": ["families", "persons"], "region": "62.03"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with (root / "beneficiaries_pkh.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=data.listed.column_names)
        writer.writeheader()
        writer.writerows(data.listed.to_pylist())
    return root


def _run(*args: str) -> tuple[int, str, str]:
    _register()
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_gives_one_contract_record_per_list_row(workspace: Path, data: Fixture) -> None:
    code, out, _ = _run(
        "link", str(workspace / "beneficiaries_pkh.csv"), "--release", "dtsen-uji",
        "--workspace", str(workspace), "--format", "json",
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
        "link", str(workspace / "beneficiaries_pkh.csv"), "--release", "dtsen-uji",
        "--workspace", str(workspace), "--lang", "en",
    )
    assert code == 0
    shown = out + err
    assert "Same NIK" in shown and "Needs clerical review" in shown
    for row in data.listed.to_pylist():
        assert row["name"] not in shown and row["name"].split()[-1] not in shown
        if row["nik"]:
            assert row["nik"] not in shown


def test_derived_links_are_written_beside_the_release_with_their_parameters(
    workspace: Path, data: Fixture
) -> None:
    settings = Settings(workspace=workspace)
    outcome = link_list(settings, workspace / "beneficiaries_pkh.csv", "dtsen-uji", upper=0.97, lower=0.4)
    assert outcome.folder.parent == workspace / "releases" / "dtsen-uji" / "derived" / "links"
    parameters = json.loads((outcome.folder / "parameters.json").read_text(encoding="utf-8"))
    assert (parameters["upper"], parameters["lower"]) == (0.97, 0.4)
    links = pq.read_table(outcome.folder / "links.parquet")
    assert links.num_rows == data.listed.num_rows
    assert {"deceased", "shared"} <= set(links.column_names)
    review = (outcome.folder / "review.csv").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(review)))[:5] == [
        "record", "rank", "person_id", "match_probability", "decision"
    ]
    for row in data.persons.to_pylist():
        assert row["nik"] not in review  # masked by default


def test_usage_and_input_errors_have_their_exit_codes(workspace: Path) -> None:
    code, _, _ = _run("link", str(workspace / "missing.csv"), "--release", "dtsen-uji",
                      "--workspace", str(workspace))
    assert code == 1
    code, _, _ = _run("link", str(workspace / "beneficiaries_pkh.csv"), "--release", "tidak-ada",
                      "--workspace", str(workspace))
    assert code == 1
    code, _, _ = _run("link", str(workspace / "beneficiaries_pkh.csv"), "--release", "dtsen-uji",
                      "--workspace", str(workspace), "--upper", "1.5")
    assert code == 2
