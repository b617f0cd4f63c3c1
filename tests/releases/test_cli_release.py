"""``rpkd release import|list|show|diff`` in-process: exit codes, messages, output shapes.

Errors are printed as ``rpkd``'s entry point prints them (:func:`rpkd.cli.common.error`, in the
language of ``--lang``); every reachable error path of ``release import`` is driven in English
and in Indonesian, and the output is checked for words of the other language's catalogue.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from conftest import FAMILIES, FAMILIES_HEADER, PERSONS, PERSONS_HEADER, write_csv
from rpkd.access.roles import Grant
from rpkd.access.users import add_user
from rpkd.cli import common, release
from rpkd.errors import RpkdError
from rpkd.locale.catalogue import Kind, entries
from rpkd.settings import Settings
from rpkd.workflows.workspace import Workspace


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


def _failure(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run a command that fails; return its exit code and stderr as ``rpkd`` prints it."""
    result = _invoke(*args)
    exc = result.exception
    assert isinstance(exc, RpkdError), result.output
    capsys.readouterr()
    common.error(exc, common.requested_lang(list(args), {}))
    return exc.exit_code, result.stderr + capsys.readouterr().err


def test_import_list_show(source: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    result = _invoke("release", "import", str(source), "--name", "q1", "-w", ws, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [sorted(r) for r in rows] == [["files", "kind", "release", "rows", "sha256"]] * 2
    assert {(r["kind"], r["rows"], r["files"]) for r in rows} == {
        ("families", 2, "families.csv"),
        ("persons", 6, "persons.csv"),
    }
    assert all(len(r["sha256"]) == 64 for r in rows)
    listed = json.loads(_invoke("release", "list", "-w", ws, "-f", "json").stdout)
    assert [r["name"] for r in listed] == ["q1"] and listed[0]["region"] == "62.03"
    assert list(listed[0]) == [
        "name",
        "region",
        "kinds",
        "rows_families",
        "rows_persons",
        "warnings",
        "created_at",
        "created_by",
    ]
    assert (listed[0]["kinds"], listed[0]["rows_persons"], listed[0]["warnings"]) == (
        "families,persons",
        6,
        1,
    )
    shown = json.loads(_invoke("release", "show", "q1", "-w", ws, "-f", "json").stdout)
    assert shown["rows"] == {"families": 2, "persons": 6} and shown["warnings"] == {"deceased": 1}
    table = _invoke("release", "show", "q1", "-w", ws)
    assert (
        table.exit_code == 0 and "deceased" in table.stdout and "anggota keluarga" in table.stdout
    )
    # The import stored the profile's family summary (beside the release, or in the workspace's
    # derived/ when the frozen release folder is not writable: root can still write it).
    (summary,) = (tmp_path / "ws").glob("**/derived/**/profile/family-summary-*-duckdb-*")
    assert pq.read_metadata(summary).num_rows == 2


def test_table_output_in_indonesian_and_english(source: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    made = _invoke("release", "import", str(source), "--name", "q1", "-w", ws)
    assert made.exit_code == 0, made.output
    assert "jenis data" in made.stdout and "keluarga" in made.stdout
    assert "1 peringatan disimpan di rilis" in made.stderr
    english = _invoke("release", "list", "-w", ws, "--lang", "en")
    assert "kinds" in english.stdout and "jenis" not in english.stdout
    empty = _invoke("release", "list", "-w", str(tmp_path / "other"))
    assert empty.exit_code == 0 and "Belum ada rilis." in empty.stderr


def test_reference_date_is_recorded(source: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    args = ("release", "import", str(source), "--name", "q1", "-w", ws, "-f", "json")
    assert _invoke(*args, "--reference-date", "2025-06-30").exit_code == 0
    shown = json.loads(_invoke("release", "show", "q1", "-w", ws, "-f", "json").stdout)
    assert shown["reference_date"] == "2025-06-30"


def test_invalid_import_exits_1_names_report_and_masks_nik(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [list(r) for r in PERSONS]
    rows[2][2] = "620301701110000"  # 15 digits
    write_csv(source / "persons.csv", PERSONS_HEADER, rows)
    ws = tmp_path / "ws"
    code, err = _failure(
        capsys, "release", "import", str(source), "--name", "q1", "-w", str(ws), "--lang", "en"
    )
    assert code == 1
    err = " ".join(err.split())
    assert "Import aborted: 1 errors" in err and ".csv" in err and ".xlsx" in err
    assert "persons.csv, row 3, field nik = '6203*******0000': NIK must have 16 digits" in err
    assert "620301701110000" not in err
    assert not (ws / "releases" / "q1").exists()
    (report,) = (ws / "findings").glob("q1-*.csv")
    assert "nik_malformed,error,NIK must have 16 digits" in report.read_text(encoding="utf-8-sig")


def test_missing_release_names_the_others(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    assert _invoke("release", "import", str(source), "--name", "q1", "-w", ws).exit_code == 0
    code, err = _failure(capsys, "release", "show", "nope", "-w", ws, "--lang", "en")
    assert code == 1 and "release nope does not exist (releases: q1)" in err


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
    assert counts.exit_code == 0 and "desil berubah" in counts.stdout
    assert (
        "desil changed" in _invoke("release", "diff", "q1", "q2", "-w", ws, "--lang", "en").stdout
    )
    rows = json.loads(_invoke("release", "diff", "q1", "q2", "-w", ws, "-f", "json").stdout)
    by_id = {r["family_id"]: r for r in rows}
    assert set(by_id) == {"F1", "F2", "F3"}
    assert by_id["F1"]["removed"] and by_id["F3"]["added"]
    assert by_id["F2"]["moved"] and by_id["F2"]["desil_changed"]
    assert (by_id["F2"]["desa_old"], by_id["F2"]["desa_new"]) == ("62.03.02.1001", "62.03.01.1007")
    assert (by_id["F2"]["desil_old"], by_id["F2"]["desil_new"]) == (4, 3)
    csv_out = _invoke("release", "diff", "q1", "q2", "-w", ws, "-f", "csv").stdout.splitlines()
    assert csv_out[0].startswith("family_id,") and len(csv_out) == 4


def _words(lang: str, other: str) -> set[str]:
    """Words of the catalogue in ``lang`` that no text of ``other`` uses (4 letters or more)."""

    def words(which: str) -> set[str]:
        found: set[str] = set()
        kind: Kind
        for kind in ("messages", "labels"):
            for texts in entries(kind).values():
                text = re.sub(r"\{[^}]*\}", " ", texts[which])
                found |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
        return found

    return words(lang) - words(other)


def _prose(text: str) -> set[str]:
    """Return the words of ``text`` that are not part of a path, file name or identifier."""
    kept = re.sub(r"\S*[/._=\\]\S*", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", kept)}


def _error_paths(source: Path, tmp_path: Path) -> list[list[str]]:
    """Every error of ``release import`` a user can reach; each entry: the arguments."""
    ws = tmp_path / "ws"
    empty = tmp_path / "empty"
    empty.mkdir()
    bad_mapping = tmp_path / "m.toml"
    bad_mapping.write_text('[persons.columns]\n"NIK" = "nomor_induk"\n', encoding="utf-8")
    bad_data = tmp_path / "bad"
    bad_data.mkdir()
    write_csv(bad_data / "families.csv", FAMILIES_HEADER, FAMILIES)
    rows = [list(r) for r in PERSONS]
    rows[0][2] = "123"
    write_csv(bad_data / "persons.csv", PERSONS_HEADER, rows)
    zero = tmp_path / "zero"
    zero.mkdir()
    (zero / "families.csv").write_bytes(b"")
    assert (
        _invoke("release", "import", str(source), "--name", "r2025q1", "-w", str(ws)).exit_code == 0
    )
    guarded = tmp_path / "guarded"
    with Workspace(Settings(workspace=guarded)) as workspace, workspace.transaction() as db:
        add_user(db, "admin", "rahasia-sekali", (Grant("admin"),))
        add_user(db, "op7", "rahasia-sekali", (Grant("viewer"),))
    imp = ["release", "import"]
    return [
        [*imp, str(tmp_path / "nowhere"), "--name", "a", "-w", str(ws)],
        [*imp, str(empty), "--name", "a", "-w", str(ws)],
        [*imp, str(source), "--name", "a", "-w", str(ws), "--mapping", str(bad_mapping)],
        [*imp, str(source), "--name", "a", "-w", str(ws), "--mapping", str(tmp_path / "no.toml")],
        [*imp, str(source), "--name", "r2025q1", "-w", str(ws)],
        [*imp, str(source), "--name", "../evil", "-w", str(ws)],
        [*imp, str(source), "--name", "a", "-w", str(ws), "--region", "62.99"],
        [*imp, str(source), "--name", "a", "-w", str(ws), "--region", "6x"],
        [*imp, str(source), "--name", "a", "-w", str(ws), "--reference-date", "1/7/2025"],
        [*imp, str(bad_data), "--name", "a", "-w", str(ws)],
        [*imp, str(zero), "--name", "a", "-w", str(ws)],
        [*imp, str(source), "--name", "a", "-w", str(guarded), "--as", "op7"],
        [*imp, str(source), "--name", "a", "-w", str(guarded), "--unmask-findings"],
    ]


@pytest.mark.parametrize(("lang", "other"), [("en", "id"), ("id", "en")])
def test_every_import_error_speaks_one_language(
    source: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    other: str,
) -> None:
    foreign = _words(other, lang)
    codes = []
    for args in _error_paths(source, tmp_path):
        code, err = _failure(capsys, *args, "--lang", lang)
        assert code in (1, 2) and err.strip(), args
        leaked = _prose(err) & foreign
        assert not leaked, f"{args}: {leaked} in {err!r}"
        codes.append(code)
    assert codes.count(2) == 3  # the release name, the reference date, the missing --as
