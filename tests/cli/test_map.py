"""``rpkd map`` in-process: writes SVG, PNG and GeoJSON; the estimates table; exit codes."""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rpkd import regions
from rpkd.cli import map as map_command
from rpkd.errors import RpkdError
from rpkd.settings import Settings
from rpkd.synth import synthesize
from rpkd.workflows.releases import import_release
from rpkd.workflows.workspace import Workspace

KEYS = (
    "measure",
    "indicator",
    "line",
    "by",
    "domain",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "population",
)


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """rpkd."""

    map_command.register(app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args), catch_exceptions=True, env={"COLUMNS": "200"})
    if isinstance(result.exception, RpkdError):
        return result.exception.exit_code, "", str(result.exception)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("map")
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize("62.03", root / "synth", kit=ws.kit, families=1200, seed=4)
        import_release(ws, root / "synth", "r1")
    return root / "ws"


def test_map_writes_svg_png_geojson_and_prints_the_table(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "maps"
    code, stdout, stderr = run(
        "map",
        "--release",
        "r1",
        "--level",
        "kecamatan",
        "--measure",
        "fgt0",
        "--method",
        "fh",
        "--workspace",
        str(workspace),
        "--format",
        "json",
        "--lang",
        "en",
        "--out",
        str(out),
    )
    assert code == 0, stderr
    records = json.loads(stdout)
    assert len(records) == 17
    for record in records:
        assert tuple(record)[: len(KEYS)] == KEYS
        assert record["measure"] == "fgt0" and record["by"] == "kecamatan"
        assert record["domain"] == record["area"] and record["method"] == "fh"
    svg = (out / "map.svg").read_text()
    assert svg.lstrip().startswith("<svg")
    # the web's and the documents' figure: names, north arrow, scale bar, source and date
    text = html.unescape(" ".join(re.findall(r">([^<>]+)</(?:text|tspan)>", svg)))
    assert "Poverty headcount (P0), Kabupaten Kapuas (Fay–Herriot)" in text
    assert "Source: release r1, Fay–Herriot, benchmarked to the district direct estimate" in text
    assert all(r.name in text for r in regions.descendants("62.03", "kecamatan"))
    assert " N " in f" {text} " and " km" in text
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    geojson = json.loads((out / "map.geojson").read_text())
    assert geojson["type"] == "FeatureCollection" and len(geojson["features"]) == 17
    by_code = {r["area"]: r for r in records}
    for feature in geojson["features"]:
        props = feature["properties"]
        assert props["estimate"] == pytest.approx(by_code[props["code"]]["estimate"])
        cv = by_code[props["code"]]["cv"]
        assert props["reliable"] == (None if cv is None else cv <= 0.25)
        assert props["name"] == regions.name(props["code"])
        assert (props["ci_low"], props["ci_high"]) == pytest.approx(
            (by_code[props["code"]]["ci_low"], by_code[props["code"]]["ci_high"])
        )
    assert (out / "estimates.csv").is_file() and (out / "parameters.json").is_file()
    assert str(out / "map.svg") in stderr.replace("\n", "")
    assert "areas with CV > 25% (unreliable: pale with a dashed outline on the map)" in stderr


def test_default_folder_is_under_derived_and_csv_output(workspace: Path) -> None:
    code, stdout, _ = run(
        "map",
        "--release",
        "r1",
        "--level",
        "desa",
        "--method",
        "direct",
        "--no-benchmark",
        "--workspace",
        str(workspace),
        "--format",
        "csv",
    )
    assert code == 0
    assert stdout.splitlines()[0].startswith(",".join(KEYS))
    assert len(stdout.splitlines()) == 1 + 231
    folder = workspace / "derived" / "r1" / "sae" / "desa-fgt0-direct"
    for name in ("map.svg", "map.png", "map.geojson", "estimates.csv", "parameters.json"):
        assert (folder / name).is_file()


def test_table_is_indonesian_with_names_and_percent(workspace: Path, tmp_path: Path) -> None:
    code, stdout, stderr = run(
        "map",
        "--release",
        "r1",
        "--method",
        "direct",
        "--no-benchmark",
        "--workspace",
        str(workspace),
        "--out",
        str(tmp_path),
    )
    assert code == 0, stderr
    assert "Persentase penduduk miskin (P0) — estimasi langsung" in stdout
    assert "Selat" in stdout and "keandalan (CV)" in stdout and "%" in stdout
    assert "berkas ditulis:" in stderr


def test_usage_and_missing_release_errors(workspace: Path) -> None:
    code, _, message = run(
        "map", "--release", "r1", "--method", "magic", "--workspace", str(workspace)
    )
    assert code == 2 and "--method" in message
    code, _, _ = run("map", "--release", "nope", "--workspace", str(workspace))
    assert code != 0


def _with_sae_kit(workspace: Path, old: str, new: str, *args: str) -> tuple[int, str, str]:
    """Run ``rpkd map`` with the workspace's ``sae.toml``: the shipped one with ``old`` (its
    first occurrence) replaced by ``new``; the override is removed afterwards."""
    doc = resources.files("rpkd").joinpath("params/indonesia/sae.toml").read_text("utf-8")
    changed = doc.replace(old, new, 1)
    assert changed != doc
    params = workspace / "params"
    params.mkdir(exist_ok=True)
    (params / "sae.toml").write_text(changed, encoding="utf-8")
    try:
        return run("map", "--release", "r1", "--method", "fh", "--workspace", str(workspace),
                   *args)  # fmt: skip
    finally:
        (params / "sae.toml").unlink()


def test_a_workspace_kit_with_only_the_changed_keys_is_refused_by_name(workspace: Path) -> None:
    """A workspace's params/sae.toml replaces the kit's whole file: one holding only ``[ebp]``
    is refused with the missing section named, not a traceback."""
    params = workspace / "params"
    params.mkdir(exist_ok=True)
    (params / "sae.toml").write_text('[ebp]\neffect_level = "map"\n', encoding="utf-8")
    try:
        code, _, message = run(
            "map", "--release", "r1", "--method", "ebp", "--workspace", str(workspace)
        )  # fmt: skip
    finally:
        (params / "sae.toml").unlink()
    assert code == 1
    assert message == (
        "parameter sae tidak memuat bagian [direct]: berkas params/sae.toml di ruang kerja "
        "menggantikan seluruh berkas kit, jadi salin berkas kit lalu ubah kuncinya di sana"
    )


def test_reml_that_did_not_converge_is_shown(workspace: Path, tmp_path: Path) -> None:
    """Fisher scoring capped at one iteration by the workspace's kit: the officer is told."""
    code, _, stderr = _with_sae_kit(
        workspace, 'method = "reml"', 'method = "reml"\nmax_iter = 1',
        "--out", str(tmp_path), "--lang", "en",
    )  # fmt: skip
    assert code == 0, stderr
    assert "the Fay–Herriot REML/ML fit did not converge in 1 iterations" in stderr
    code, _, stderr = run(
        "map",
        "--release",
        "r1",
        "--method",
        "fh",
        "--workspace",
        str(workspace),
        "--out",
        str(tmp_path),
    )
    assert code == 0 and "konvergen" not in stderr


@pytest.mark.parametrize(
    ("lang", "said"),
    [("id", "seleksi mundur kovariat Fay–Herriot menurut BIC"),
     ("en", "backward selection of the Fay–Herriot covariates by BIC")],
)  # fmt: skip
def test_fay_herriot_selection_is_a_note(
    workspace: Path, tmp_path: Path, lang: str, said: str
) -> None:
    """BIC selection of the FH covariates asked for by the workspace's kit: the note says so."""
    code, _, stderr = _with_sae_kit(
        workspace, 'selection = "none"', 'selection = "bic"', "--out", str(tmp_path),
        "--lang", lang,
    )  # fmt: skip
    assert code == 0, stderr
    assert said in stderr
    written = json.loads((tmp_path / "parameters.json").read_text())
    assert written["model"]["selection"]["criterion"] == "bic"
