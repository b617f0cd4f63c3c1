"""``rpkd release import|list|show|diff`` in-process: exit codes, messages, output shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import typer
from typer.testing import CliRunner

from conftest import FAMILIES, FAMILIES_HEADER, PERSONS, PERSONS_HEADER, write_csv
from rpkd.cli import release
from rpkd.errors import InvalidInput


def _app() -> typer.Typer:
    app = typer.Typer()
    release.register(app)

    @app.callback()
    def root() -> None:
        """rpkd (test)."""

    return app


runner = CliRunner()


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(_app(), list(args))


def test_import_list_show(source: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    result = _invoke("release", "import", str(source), "--name", "q1", "-w", ws, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["kind"], r["rows"]) for r in rows} == {("families", 2), ("persons", 6)}
    listed = json.loads(_invoke("release", "list", "-w", ws, "-f", "json").stdout)
    assert [r["name"] for r in listed] == ["q1"] and listed[0]["region"] == "62.03"
    shown = json.loads(_invoke("release", "show", "q1", "-w", ws, "-f", "json").stdout)
    assert shown["rows"] == {"families": 2, "persons": 6} and shown["warnings"] == {"deceased": 1}
    table = _invoke("release", "show", "q1", "-w", ws)
    assert table.exit_code == 0 and "deceased" in table.stdout
    # The import stored the profile's family summary (beside the release, or in the workspace's
    # derived/ when the frozen release folder is not writable: root can still write it).
    (summary,) = (tmp_path / "ws").glob("**/derived/**/profile/family-summary-*-duckdb-*")
    assert pq.read_metadata(summary).num_rows == 2


def test_invalid_import_exits_1_names_report_and_masks_nik(source: Path, tmp_path: Path) -> None:
    rows = [list(r) for r in PERSONS]
    rows[2][2] = "620301701110000"  # 15 digits
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    ws = tmp_path / "ws"
    result = _invoke(
        "release", "import", str(source), "--name", "q1", "-w", str(ws), "--lang", "en"
    )
    assert result.exit_code == 1
    err = " ".join(result.stderr.split())
    assert "findings" in err and ".csv" in err and ".xlsx" in err
    assert "persons.csv, row 3, nik" in err and "nik_malformed" in err
    assert "620301701110000" not in result.output and "6203xxxxxxx0000" in err
    assert not (ws / "releases" / "q1").exists()


def test_missing_release_and_existing_name(source: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    missing = _invoke("release", "show", "nope", "-w", ws)
    assert missing.exit_code == 1
    assert _invoke("release", "import", str(source), "--name", "q1", "-w", ws).exit_code == 0
    again = _invoke("release", "import", str(source), "--name", "q1", "-w", ws)
    assert isinstance(again.exception, InvalidInput) and again.exception.exit_code == 1


def test_diff(source: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert _invoke("release", "import", str(source), "--name", "q1", "-w", ws).exit_code == 0
    # next quarter: F1 removed, F2 moved to 62.03.01.1007 with desil 4 -> 3, F3 added
    newer = tmp_path / "q2"
    newer.mkdir()
    fam = [
        list(FAMILIES[1]),
        ["F3", "6203010101200003", "62.03.01.1006", "Jl. Baru", "1", "true", "2"],
    ]
    fam[0][2], fam[0][6] = "62.03.01.1007", "3"
    write_csv(newer / "families.csv", FAMILIES_HEADER, fam)
    per = [list(p) for p in PERSONS[3:]] + [
        ["P9", "F3", "6203011205800009", "Ani", "L", "1980-05-12", "kepala_keluarga", ""]
    ]
    write_csv(newer / "persons.csv", PERSONS_HEADER, per)
    assert _invoke("release", "import", str(newer), "--name", "q2", "-w", ws).exit_code == 0
    counts = _invoke("release", "diff", "q1", "q2", "-w", ws)
    assert counts.exit_code == 0 and "desil_changed" in counts.stdout
    rows = json.loads(_invoke("release", "diff", "q1", "q2", "-w", ws, "-f", "json").stdout)
    by_id = {r["family_id"]: r for r in rows}
    assert set(by_id) == {"F1", "F2", "F3"}
    assert by_id["F1"]["removed"] and by_id["F3"]["added"]
    assert by_id["F2"]["moved"] and by_id["F2"]["desil_changed"]
    assert (by_id["F2"]["desa_old"], by_id["F2"]["desa_new"]) == ("62.03.02.1001", "62.03.01.1007")
    assert (by_id["F2"]["desil_old"], by_id["F2"]["desil_new"]) == (4, 3)
    csv_out = _invoke("release", "diff", "q1", "q2", "-w", ws, "-f", "csv").stdout.splitlines()
    assert csv_out[0].startswith("family_id,") and len(csv_out) == 4
