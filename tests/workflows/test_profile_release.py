"""The profile of a stored release, through the workflow and the ``rpkd profile`` command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from rpkd.cli import profile as profile_cli
from rpkd.errors import RpkdError
from rpkd.workflows.profile import profile_release, store_family_summary
from rpkd.workflows.workspace import Workspace

DESA = ("62.03.01.1006", "62.03.01.1007")


def _release(workspace: Path, name: str = "r1", reference_date: str = "2025-03-01") -> None:
    """Write a release folder as the release store lays it out: Parquet per kind and a manifest."""
    folder = workspace / "releases" / name
    folder.mkdir(parents=True)
    # 12 families in Murung Keramat (desil 1), 3 in Selat Hilir (desil 2), one member each;
    # the head of family 0 turns 60 on the reference date.
    n = 15
    pq.write_table(
        pa.table(
            {
                "family_id": [f"F{i}" for i in range(n)],
                "desa_code": [DESA[0]] * 12 + [DESA[1]] * 3,
                "family_size": [1] * n,
                "desil": [1] * 12 + [2] * 3,
                "floor_material": ["tanah"] * 2 + ["keramik"] * 13,
                "wall_material": ["tembok"] * n,
                "wall_condition": ["baik"] * n,
                "roof_material": ["genteng"] * n,
                "roof_condition": ["baik"] * n,
                "floor_area_m2": [40.0] * n,
                "drinking_water": ["ledeng"] * n,
                "toilet": ["sendiri"] * n,
                "sewage": ["tangki_septik"] * n,
                "electricity": ["pln_meteran"] * n,
            }
        ),
        folder / "families.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "person_id": [f"P{i}" for i in range(n)],
                "family_id": [f"F{i}" for i in range(n)],
                "sex": ["L"] * n,
                "birth_date": pa.array(
                    [date(1965, 3, 1)] + [date(1990, 1, 1)] * (n - 1), pa.date32()
                ),
                "relation": ["kepala_keluarga"] * n,
                "disability": ["tidak"] * n,
                "school_attendance": pa.nulls(n, pa.string()),
                "work_status": ["bekerja"] * n,
                "sector": ["jasa"] * n,
                "jkn_status": ["non_pbi"] * n,
                "pregnant": [False] * n,
                "death_date": pa.nulls(n, pa.date32()),
            }
        ),
        folder / "persons.parquet",
    )
    manifest = {
        "name": name,
        "kinds": ["families", "persons"],
        "region": "62.03",
        "created_at": "2026-11-28T10:00:00Z",
        "reference_date": reference_date,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_workflow_counts_at_the_release_date(tmp_path: Path) -> None:
    _release(tmp_path)
    with Workspace.open(tmp_path) as ws:
        result = profile_release(ws, "r1", public=False)
        earlier = profile_release(ws, "r1", public=False, reference_date=date(2025, 2, 28))
    cells = {(r["code"], r["indicator"]): r for r in result.to_arrow().to_pylist()}
    assert cells[(DESA[0], "families_total")]["value"] == 12
    assert cells[(DESA[0], "rtlh_floor")]["value"] == 2
    assert cells[(DESA[0], "elderly_persons")]["value"] == 1  # 60 on 2025-03-01
    assert result.reference_date == date(2025, 3, 1)
    assert result.to_json() == result.to_arrow().to_pylist()
    assert {(r["code"], r["indicator"]): r["value"] for r in earlier.to_arrow().to_pylist()}[
        (DESA[0], "elderly_persons")
    ] == 0


def test_workflow_stores_the_family_summary_and_reads_it_back(tmp_path: Path) -> None:
    _release(tmp_path)
    with Workspace.open(tmp_path) as ws:
        _stores_and_reads_back(ws, tmp_path)


def _stores_and_reads_back(ws: Workspace, tmp_path: Path) -> None:
    first = profile_release(ws, "r1", public=False)
    folder = tmp_path / "releases" / "r1" / "derived" / "profile"
    (path,) = folder.iterdir()
    assert path.name.startswith("family-summary-2025-03-01-duckdb-")
    summary = pq.read_table(path)
    assert summary.num_rows == 15 and "family_id" not in summary.column_names
    assert profile_release(ws, "r1", public=False).to_arrow().equals(first.to_arrow())
    # The stored summary is what a second profile reads: double every family's members.
    pq.write_table(summary.set_column(4, "members", pa.array([2] * 15, pa.int64())), path)
    cells = {
        (r["code"], r["indicator"]): r["value"]
        for r in profile_release(ws, "r1", public=False).to_arrow().to_pylist()
    }
    assert cells[(DESA[0], "persons_total")] == 24
    # Another reference date makes another summary and keeps the first.
    profile_release(ws, "r1", public=False, reference_date=date(2025, 2, 28))
    assert len(list(folder.iterdir())) == 2


def test_store_family_summary_after_import(tmp_path: Path) -> None:
    _release(tmp_path)
    with Workspace.open(tmp_path) as ws:
        path = store_family_summary(ws, "r1")
        assert path is not None and path.exists()
        profile_release(ws, "r1", public=False)  # reads it: no second summary
    assert list(path.parent.iterdir()) == [path]
    manifest = tmp_path / "releases" / "r1" / "manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps(doc | {"kinds": ["survey"]}), encoding="utf-8")
    with Workspace.open(tmp_path) as ws:
        assert store_family_summary(ws, "r1") is None  # no registry, nothing to summarise


def test_workflow_public_hides_the_small_desa(tmp_path: Path) -> None:
    _release(tmp_path)
    with Workspace.open(tmp_path) as ws:
        result = profile_release(ws, "r1", levels=("desa",))
    cells = {(r["code"], r["indicator"]): r for r in result.to_arrow().to_pylist()}
    assert cells[(DESA[1], "families_total")]["suppressed"]  # 3 families < 10
    # Its kecamatan shows 15, so Murung Keramat's 12 must go too or 15 - 12 gives 3 back.
    assert cells[(DESA[0], "families_total")]["suppressed"]


def _app() -> typer.Typer:
    app = typer.Typer()
    profile_cli.register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps `profile` a named subcommand
        """Nothing."""

    return app


def test_cli_json_is_the_long_table(tmp_path: Path) -> None:
    _release(tmp_path)
    out = CliRunner().invoke(
        _app(),
        [
            "profile",
            "--release",
            "r1",
            "--workspace",
            str(tmp_path),
            "--level",
            "kecamatan",
            "--no-public",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert list(rows[0]) == [
        "level",
        "code",
        "name",
        "indicator",
        "value",
        "denominator",
        "share",
        "suppressed",
    ]
    first = {r["indicator"]: r for r in rows if r["code"] == "62.03.01"}
    assert first["families_total"]["value"] == 15 and first["families_desil_1"]["share"] == 0.8
    assert {r["level"] for r in rows} == {"kecamatan"}


def test_cli_table_and_workbook(tmp_path: Path) -> None:
    _release(tmp_path)
    book = tmp_path / "profil.xlsx"
    out = CliRunner().invoke(
        _app(),
        [
            "profile",
            "--release",
            "r1",
            "--workspace",
            str(tmp_path),
            "--lang",
            "en",
            "--output",
            str(book),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "Families" in out.stdout and "RTLH: floor" in out.stdout
    assert "rtlh_floor" not in out.stdout
    workbook = openpyxl.load_workbook(book, read_only=True)
    assert workbook.sheetnames == [
        "Desil",
        "Characteristics desil 1-4",
        "Vulnerable groups",
        "Registry MPI",
        "Long table",
        "Findings",
    ]
    rows = list(workbook["Characteristics desil 1-4"].iter_rows(values_only=True))
    header = rows[2]  # title, blank row, then the headers
    assert header[:3] == ("Level", "Code", "Area") and "RTLH: floor" in header
    assert "% RTLH: floor" in header


def test_cli_table_is_in_indonesian_with_percent(tmp_path: Path) -> None:
    _release(tmp_path)
    out = CliRunner(env={"COLUMNS": "200"}).invoke(
        _app(), ["profile", "--release", "r1", "--workspace", str(tmp_path), "--no-public"]
    )
    assert out.exit_code == 0, out.output
    assert "RTLH: lantai" in out.stdout and "Murung Keramat" in out.stdout
    assert "80,00%" in out.stdout  # 12 of 15 families of the kecamatan are in desil 1


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--level", "provinsi"], "choice_invalid"),
        (["--format", "xml"], "format_unknown"),
        (["--output", "profil.csv"], "profile_workbook_suffix"),
    ],
)
def test_cli_usage_errors_exit_2(tmp_path: Path, args: list[str], code: str) -> None:
    _release(tmp_path)
    out = CliRunner().invoke(
        _app(), ["profile", "--release", "r1", "--workspace", str(tmp_path), *args]
    )
    # The console script turns the error into its exit code (rpkd.cli.main).
    assert isinstance(out.exception, RpkdError)
    assert (out.exception.code, out.exception.exit_code) == (code, 2)
