"""Same seed, same bytes; other regions; the workflow and the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from rpkd import params, regions
from rpkd.errors import InvalidInput, UnknownRegion, UsageError
from rpkd.synth import synthesize
from rpkd.workflows.synth import synthesize_district
from rpkd.workflows.workspace import Workspace

Reader = Callable[[Path], pa.Table]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_csv(tmp_path: Path, kit: params.Kit) -> None:
    first = synthesize("62.03.09", tmp_path / "a", kit=kit, families=700, seed=5)
    second = synthesize("62.03.09", tmp_path / "b", kit=kit, families=700, seed=5)
    other = synthesize("62.03.09", tmp_path / "c", kit=kit, families=700, seed=6)
    a, b, c = _files(first.out), _files(second.out), _files(other.out)
    assert a == b
    assert "persons.csv" in a and "truth/links_pkh.csv" in a and "synth.json" in a
    assert a["persons.csv"] != c["persons.csv"]


@pytest.mark.parametrize(("code", "families"), [("62.71", 1500), ("62.03.01", 400), ("62", 3000)])
def test_other_regions(
    tmp_path: Path, read: Reader, kit: params.Kit, code: str, families: int
) -> None:
    result = synthesize(code, tmp_path, kit=kit, families=families, seed=3, fmt="parquet")
    summary = json.loads((tmp_path / "synth.json").read_text(encoding="utf-8"))
    assert summary["region"] == code and summary["region_name"] == regions.name(code)
    assert summary["families"] == families == result.summary["families"]
    villages = read(tmp_path / "villages.parquet")["desa_code"].to_pylist()
    assert sorted(villages) == sorted(d.code for d in regions.descendants(code, "desa"))
    survey = read(tmp_path / "survey.parquet").to_pandas()
    assert (survey.groupby("stratum").psu.nunique() >= 2).all()
    families_table = read(tmp_path / "families.parquet")
    assert families_table.num_rows == families
    assert all(c.startswith(code + ".") for c in families_table["desa_code"].to_pylist())
    line = summary["lines"]["poverty"]
    assert line["value"] > 0 and line["source"]


def test_province_strata_are_kabupaten(tmp_path: Path, read: Reader, kit: params.Kit) -> None:
    synthesize("62", tmp_path, kit=kit, families=3000, seed=3, fmt="parquet")
    strata = set(read(tmp_path / "survey.parquet")["stratum"].to_pylist())
    kabupaten = {k.code for k in regions.children("62")}
    assert {s.rsplit(".", 1)[0] if s.count(".") == 2 else s for s in strata} <= kabupaten


def test_national_figures_apply_outside_kalimantan(tmp_path: Path, kit: params.Kit) -> None:
    result = synthesize("32.73", tmp_path, kit=kit, families=2000, seed=2, fmt="parquet")  # Bandung
    rows = {r["name"]: r for r in result.summary["calibration"]}
    assert rows["headcount"]["target"] == 0.0847
    assert abs(rows["headcount"]["achieved"] - 0.0847) < 0.01


def test_default_family_count_for_a_region_without_local_figures(kit: params.Kit) -> None:
    from rpkd.synth import calibration

    n_desa = len(regions.descendants("32.73", "desa"))
    targets = calibration.targets(kit, "32.73", n_desa)
    assert targets.families.value == round(1134.2 * n_desa)


def test_bad_regions_are_refused(tmp_path: Path, kit: params.Kit) -> None:
    with pytest.raises(UnknownRegion) as unknown:
        synthesize("99.99", tmp_path, kit=kit, families=100)
    assert (unknown.value.code, unknown.value.param) == ("region_unknown", "region")
    with pytest.raises(InvalidInput) as desa:
        synthesize("62.03.01.1006", tmp_path, kit=kit, families=100)
    assert (desa.value.code, desa.value.params) == (
        "synth_region_depth",
        {"region": "62.03.01.1006"},
    )


def _override(workspace: Path, topic: str, text: str) -> None:
    (workspace / "params").mkdir(parents=True, exist_ok=True)
    (workspace / "params" / f"{topic}.toml").write_text(text, encoding="utf-8")


def test_the_workflow_calibrates_on_the_workspace_lines(tmp_path: Path, kit: params.Kit) -> None:
    # A workspace whose poverty line for Kapuas is Rp700.000 from 2020 and extreme line
    # Rp400.000: the district is calibrated on those lines, not on the packaged ones.
    lines = (
        '[[line]]\nkind = "poverty"\nregion = "62.03"\nvalue = 700000\nvalid_from = 2020-01-01\n'
        'basis = "test"\nsource = "test"\n'
        '[[line]]\nkind = "extreme"\nregion = "00"\nvalue = 400000\nvalid_from = 2020-01-01\n'
        'basis = "test"\nsource = "test"\n'
    )
    _override(tmp_path / "ws", "poverty_lines", lines)
    with Workspace.open(tmp_path / "ws", environ={}) as ws:
        result = synthesize_district(ws, "62.03.01", tmp_path / "d", families=400, seed=3)
    assert result.summary["lines"]["poverty"]["value"] == 700000
    assert result.summary["lines"]["extreme"]["value"] == 400000
    packaged = synthesize("62.03.01", tmp_path / "p", kit=kit, families=400, seed=3)
    assert packaged.summary["lines"]["poverty"]["value"] != 700000
    assert result.to_json()["out"] == str(tmp_path / "d")
    assert result.to_json()["families"] == result.families == 400


def test_the_workflow_refuses_bad_options(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws", environ={}) as ws:
        with pytest.raises(UsageError) as fmt:
            synthesize_district(ws, "62.03.01", tmp_path / "d", fmt="xlsx")
        assert (fmt.value.code, fmt.value.param) == ("synth_format_unknown", "format")
        assert fmt.value.message("en") == "the file format must be one of csv, parquet, not 'xlsx'"
        with pytest.raises(UsageError) as few:
            synthesize_district(ws, "62.03.01", tmp_path / "d", families=0)
        assert (few.value.code, few.value.params) == ("synth_families_min", {"value": 0})
    assert not (tmp_path / "d").exists()


def _app() -> typer.Typer:
    """A Typer app with only the synth command (the other command groups are not needed)."""
    from rpkd.cli import synth

    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """rpkd (test)."""

    synth.register(app)
    return app


def test_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    args = [
        "synth",
        "--region",
        "62.03.02",
        "--families",
        "300",
        "--workspace",
        str(tmp_path / "w"),
    ]
    english = runner.invoke(_app(), [*args, "--out", str(tmp_path / "en"), "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "poor population (P0)" in english.stdout and "headcount" not in english.stdout
    assert "62.03.02 Kapuas Hilir: 300 families" in english.stderr
    out = tmp_path / "en"
    assert (out / "families.csv").is_file() and (out / "truth" / "families.csv").is_file()
    indonesian = runner.invoke(_app(), [*args, "--out", str(tmp_path / "id")])
    assert indonesian.exit_code == 0, indonesian.output
    # Shares in percent with a decimal comma; the family count grouped with a dot.
    assert "penduduk miskin (P0)" in indonesian.stdout and "5,20%" in indonesian.stdout
    assert "300 keluarga" in indonesian.stderr
    bad = runner.invoke(_app(), [*args, "--out", str(tmp_path / "x"), "--format", "xlsx"])
    assert isinstance(bad.exception, UsageError)
    assert bad.exception.code == "synth_format_unknown"
