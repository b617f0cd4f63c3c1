"""Same seed, same bytes; other regions; the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from rpkd import regions
from rpkd.errors import InvalidInput, UnknownRegion, UsageError
from rpkd.synth import synthesize

Reader = Callable[[Path], pa.Table]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_csv(tmp_path: Path) -> None:
    first = synthesize("62.03.09", tmp_path / "a", families=700, seed=5)
    second = synthesize("62.03.09", tmp_path / "b", families=700, seed=5)
    other = synthesize("62.03.09", tmp_path / "c", families=700, seed=6)
    a, b, c = _files(first.out), _files(second.out), _files(other.out)
    assert a == b
    assert "persons.csv" in a and "truth/links_pkh.csv" in a and "synth.json" in a
    assert a["persons.csv"] != c["persons.csv"]


@pytest.mark.parametrize(("code", "families"), [("62.71", 1500), ("62.03.01", 400), ("62", 3000)])
def test_other_regions(tmp_path: Path, read: Reader, code: str, families: int) -> None:
    result = synthesize(code, tmp_path, families=families, seed=3, fmt="parquet")
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


def test_province_strata_are_kabupaten(tmp_path: Path, read: Reader) -> None:
    synthesize("62", tmp_path, families=3000, seed=3, fmt="parquet")
    strata = set(read(tmp_path / "survey.parquet")["stratum"].to_pylist())
    kabupaten = {k.code for k in regions.children("62")}
    assert {s.rsplit(".", 1)[0] if s.count(".") == 2 else s for s in strata} <= kabupaten


def test_national_figures_apply_outside_kalimantan(tmp_path: Path) -> None:
    result = synthesize("32.73", tmp_path, families=2000, seed=2, fmt="parquet")  # Kota Bandung
    rows = {r["name"]: r for r in result.summary["calibration"]}
    assert rows["headcount"]["target"] == 0.0847
    assert abs(rows["headcount"]["achieved"] - 0.0847) < 0.01


def test_default_family_count_for_a_region_without_local_figures() -> None:
    from rpkd.synth import calibration

    n_desa = len(regions.descendants("32.73", "desa"))
    targets = calibration.targets("32.73", n_desa)
    assert targets.families.value == round(1134.2 * n_desa)


def test_bad_regions_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnknownRegion):
        synthesize("99.99", tmp_path, families=100)
    with pytest.raises(InvalidInput):
        synthesize("62.03.01.2001", tmp_path, families=100)


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
    result = runner.invoke(
        _app(),
        [
            "synth",
            "--region",
            "62.03.02",
            "--families",
            "300",
            "--out",
            str(tmp_path),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "headcount" in result.output
    assert (tmp_path / "families.csv").is_file() and (tmp_path / "truth" / "families.csv").is_file()
    bad = runner.invoke(
        _app(),
        [
            "synth",
            "--region",
            "62.03",
            "--families",
            "300",
            "--out",
            str(tmp_path),
            "--format",
            "xlsx",
        ],
    )
    assert isinstance(bad.exception, UsageError)
