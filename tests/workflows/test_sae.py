"""The poverty-map workflow end to end on a small synthetic Kapuas, imported as a release."""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rpkd import regions
from rpkd.errors import InvalidInput, UsageError
from rpkd.sae.inputs import Level
from rpkd.settings import Settings
from rpkd.synth import synthesize
from rpkd.workflows import sae
from rpkd.workflows.releases import import_release
from rpkd.workflows.workspace import Workspace

REGION = "62.03"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("sae")
    with Workspace(Settings(workspace=root / "ws")) as ws:
        synthesize(REGION, root / "synth", kit=ws.kit, families=1500, seed=11)
        import_release(ws, root / "synth", "small")
        yield ws


def _codes(level: Level) -> list[str]:
    return [r.code for r in regions.descendants(REGION, level)]


@pytest.mark.parametrize("level", ["kecamatan", "desa"])
def test_fay_herriot_covers_every_area_with_finite_mse(workspace: Workspace, level: Level) -> None:
    drawn = sae.map_release(
        workspace,
        "small",
        level=level,
        measure="fgt0",
        method="fh",
        benchmark=False,
    )
    result, files = drawn.map, drawn.files
    assert [a.area for a in result.areas] == _codes(level)
    assert all(a.name for a in result.areas)
    estimated = [a for a in result.areas if a.estimate is not None]
    # every area with registry families has a covariate row, hence an EBLUP or synthetic value
    assert len(estimated) == sum(1 for a in result.areas if a.population)
    assert all(0 <= a.estimate <= 1 for a in estimated)  # type: ignore[operator]
    assert all(a.mse is not None and math.isfinite(a.mse) and a.mse > 0 for a in estimated)
    assert any(not a.in_sample for a in result.areas) == (level == "desa")
    assert files.folder == workspace.path / "derived" / "small" / "sae" / f"{level}-fgt0-fh"
    table = pq.read_table(files.parquet)
    assert table.num_rows == len(_codes(level))
    parameters = json.loads(files.parameters.read_text())
    assert parameters["release"] == "small" and parameters["method"] == "fh"
    assert parameters["line"] > 0 and parameters["benchmark"] is None
    assert files.svg is not None and files.svg.read_text().lstrip().startswith("<svg")
    assert files.png is not None and files.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(json.loads(files.geojson.read_text())["features"]) == len(_codes(level))
    assert drawn.cv_threshold == workspace.kit.cv_unreliable_above


def test_a_map_not_drawn_has_the_same_estimates_and_no_picture(
    workspace: Workspace, tmp_path: Path
) -> None:
    chosen = {"level": "kecamatan", "measure": "fgt0", "method": "fh", "benchmark": False}
    drawn = sae.map_release(workspace, "small", out=tmp_path / "drawn", **chosen)
    data = sae.map_release(workspace, "small", out=tmp_path / "data", draw=False, **chosen)
    assert data.to_json() == drawn.to_json()
    assert (data.files.svg, data.files.png) == (None, None)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(
        ["estimates.csv", "estimates.parquet", "map.geojson", "parameters.json"]
    )
    assert set(data.files.paths()) == set((tmp_path / "data").iterdir())
    assert (tmp_path / "data" / "map.geojson").read_bytes() == drawn.files.geojson.read_bytes()


def test_direct_rows_are_the_survey_domain_estimates(workspace: Workspace) -> None:
    result = sae.map_release(
        workspace, "small", level="kecamatan", measure="fgt1", method="direct", benchmark=False
    ).map
    sampled = [a for a in result.areas if a.in_sample]
    assert sampled
    for a in result.areas:
        if a.in_sample:
            assert a.estimate == a.direct
            assert a.mse == pytest.approx((a.direct_se or 0.0) ** 2, abs=1e-18)
        else:
            assert a.estimate is None and a.direct is None


def test_ratio_benchmark_meets_the_district_direct_estimate(workspace: Workspace) -> None:
    plain = sae.map_release(
        workspace, "small", level="kecamatan", measure="fgt0", method="fh", benchmark=False
    ).map
    drawn = sae.map_release(
        workspace, "small", level="kecamatan", measure="fgt0", method="fh", benchmark=True
    )
    result, files = drawn.map, drawn.files
    assert result.benchmark is not None
    pairs = [
        (float(a.estimate or 0.0), float(b.estimate or 0.0), float(b.population or 0.0), a, b)
        for a, b in zip(plain.areas, result.areas, strict=True)
        if b.estimate is not None
    ]
    persons = sum(p for _, _, p, _, _ in pairs)
    mean = sum(e * p for _, e, p, _, _ in pairs) / persons
    assert mean == pytest.approx(result.district_direct, rel=1e-12)
    for before, after, _, a, b in pairs:
        assert after == pytest.approx(before * result.benchmark.factor, rel=1e-12)
        # MSEs are not adjusted (equal up to the order of parallel sums in the engine)
        assert b.mse == pytest.approx(a.mse, rel=1e-9)
    assert files.folder.name == "kecamatan-fgt0-fh-benchmarked"
    written = json.loads(files.parameters.read_text())["benchmark"]
    assert written["factor"] == pytest.approx(result.benchmark.factor)
    note = next(f for f in drawn.findings if f.code == "map_benchmarked")
    assert note.params["factor"] == result.benchmark.factor


@pytest.mark.parametrize("level", ["kecamatan", "desa"])
def test_ebp_covers_every_registry_area_with_finite_mse(workspace: Workspace, level: Level) -> None:
    result = sae.map_release(
        workspace,
        "small",
        level=level,
        measure="fgt0",
        method="ebp",
        benchmark=False,
        bootstrap=3,
    ).map
    assert [a.area for a in result.areas] == _codes(level)
    for a in result.areas:
        if a.population:
            assert a.estimate is not None and 0 <= a.estimate <= 1
            assert a.mse is not None and math.isfinite(a.mse) and a.mse >= 0
    assert result.model["bootstrap"] == 3


def _estimate(workspace: Workspace, method: str, level: Level, **changes: object) -> object:
    from rpkd.releases.catalog import open_release
    from rpkd.sae.area_estimates import estimate_areas

    release = open_release(workspace.path, "small")
    doc = dict(workspace.kit.document("sae"))
    section = "ebp" if method == "ebp" else "fay_herriot"
    settings = {**doc, section: {**doc[section], **changes}}
    on = release.reference_date
    return estimate_areas(
        sae.sae_tables(workspace, release),
        region=REGION,
        level=level,
        measure="fgt0",
        method=method,  # type: ignore[arg-type]
        line=sae.map_line(workspace, REGION, on, None),
        on=on,
        bootstrap=2,
        settings=settings,
        programmes=workspace.kit.document("programmes"),
    )


def test_ebp_p0_from_the_logit_model_p1_from_the_nested_error_model(
    workspace: Workspace,
) -> None:
    """The shipped kit's P0 comes from the logit mixed model; P1 needs the welfare
    distribution, so it comes from the nested-error model of the same kit."""
    p0 = sae.map_release(
        workspace, "small", level="desa", measure="fgt0", method="ebp", benchmark=False,
        bootstrap=2,
    ).map  # fmt: skip
    assert p0.model["model"] == "logit" and p0.model["sigma2_u"] >= 0
    assert p0.model["predictor"] == "pmt_score" and p0.model["score"] is not None
    assert "ebp_logit_cuts_score_fit" in {f.code for f in p0.findings}
    assert all(0 <= a.estimate <= 1 for a in p0.areas if a.estimate is not None)
    p1 = sae.map_release(
        workspace, "small", level="desa", measure="fgt1", method="ebp", benchmark=False,
        bootstrap=2,
    ).map  # fmt: skip
    assert p1.model["model"] == "nested_error" and p1.model["transformation"] == "box_cox"


@pytest.mark.parametrize("model", ["logit", "nested_error"])
def test_kecamatan_ebp_with_desa_effects_aggregates_the_desa_map(
    workspace: Workspace, model: str
) -> None:
    """``effect_level = "desa"`` (povmap's aggregate_to): the kecamatan estimates are the
    person-weighted means of the desa map's, from the same desa-level model."""
    desa = _estimate(workspace, "ebp", "desa", model=model, effect_level="map")
    kecamatan = _estimate(workspace, "ebp", "kecamatan", model=model, effect_level="desa")
    assert kecamatan.model["effect_level"] == "desa"  # type: ignore[attr-defined]
    assert desa.model["sigma2_u"] == kecamatan.model["sigma2_u"]  # type: ignore[attr-defined]
    # the kecamatan map says what its intervals leave out; the desa map has nothing to say
    said = {f.code: f for f in kecamatan.findings}  # type: ignore[attr-defined]
    assert said["ebp_aggregated_from_desa"].params == {"level": "kecamatan"}
    assert "ebp_aggregated_from_desa" not in {f.code for f in desa.findings}  # type: ignore[attr-defined]
    for area in kecamatan.areas:  # type: ignore[attr-defined]
        parts = [a for a in desa.areas if a.area.startswith(area.area) and a.population]  # type: ignore[attr-defined]
        persons = sum(a.population for a in parts)
        expected = sum(a.estimate * a.population for a in parts) / persons
        assert area.estimate == pytest.approx(expected, rel=1e-9)
        assert area.population == pytest.approx(persons, rel=1e-12)
    with pytest.raises(UsageError) as caught:
        _estimate(workspace, "ebp", "kecamatan", effect_level="provinsi")
    assert (caught.value.code, caught.value.param) == ("map_choice_invalid", "effect_level")


def test_ebp_with_context_villages_selection_and_diagnostics(workspace: Workspace) -> None:
    proxies = ["head_primary", "has_refrigerator", "unfit_house"]
    result = _estimate(
        workspace,
        "ebp",
        "desa",
        context_levels=["desa", "kecamatan"],
        context_proxies=proxies,
        village="all",
        selection="bic",
        transformation="auto",
        weights="guadarrama",
        errors="empirical",
        model="nested_error",
    )
    model = result.model  # type: ignore[attr-defined]
    assert {f"desa_mean_{p}" for p in proxies} <= set(model["candidates"])
    assert any(c.startswith("village_") for c in model["candidates"])
    assert set(model["covariates"]) <= set(model["candidates"])
    assert model["selection"]["criterion"] == "bic"
    assert model["transformation"] in ("box_cox", "log_shift") and model["weights"] == "guadarrama"
    assert model["errors"] == "empirical"
    diagnostics = model["diagnostics"]
    assert 0 <= diagnostics["r2_marginal"] <= diagnostics["r2_conditional"] <= 1
    assert 0 <= diagnostics["icc"] < 1 and 0 <= diagnostics["residual_shapiro_p"] <= 1
    codes = {f.code for f in result.findings}  # type: ignore[attr-defined]
    assert {"ebp_model_fit", "ebp_selection", "ebp_diagnostics"} <= codes


def test_arcsin_fay_herriot_stays_in_the_unit_interval(workspace: Workspace) -> None:
    result = _estimate(workspace, "fh", "desa", transformation="arcsin")
    estimated = [a for a in result.areas if a.estimate is not None]  # type: ignore[attr-defined]
    assert estimated and all(0 <= a.estimate <= 1 for a in estimated)
    assert all(a.mse is not None and a.mse > 0 for a in estimated)
    assert result.model["transformation"] == "arcsin"  # type: ignore[attr-defined]
    assert "estimate_truncated" not in {f.code for f in result.findings}  # type: ignore[attr-defined]


def test_fay_herriot_selection_through_the_kit(tmp_path: Path, workspace: Workspace) -> None:
    """A workspace kit asking for BIC selection of the FH covariates: the chosen set, the
    criterion and the removed covariates reach the model, parameters.json and the notes."""
    from rpkd import locale

    doc = resources.files("rpkd").joinpath("params/indonesia/sae.toml").read_text("utf-8")
    assert tomllib.loads(doc)["fay_herriot"]["selection"] == "none"
    chosen = doc.replace('selection = "none"', 'selection = "bic"', 1)
    kit = tomllib.loads(chosen)
    assert kit["fay_herriot"]["selection"] == "bic" and kit["ebp"]["selection"] == "none"
    (workspace.path / "params").mkdir(exist_ok=True)
    (workspace.path / "params" / "sae.toml").write_text(chosen, encoding="utf-8")
    try:
        with Workspace(workspace.settings) as selecting:
            drawn = sae.map_release(
                selecting, "small", level="desa", method="fh", benchmark=False,
                out=tmp_path / "selected",
            )  # fmt: skip
    finally:
        (workspace.path / "params" / "sae.toml").unlink()
    model = drawn.map.model
    assert model["candidates"] == kit["fay_herriot"]["desa"]
    assert model["selection"]["criterion"] == "bic"
    assert sorted([*model["covariates"], *model["selection"]["removed"]]) == sorted(
        model["candidates"]
    )
    assert set(model["coefficients"]) == {"intercept", *model["covariates"]}
    written = json.loads((tmp_path / "selected" / "parameters.json").read_text())
    assert written["model"]["selection"] == model["selection"]
    [note] = [f for f in drawn.findings if f.code.startswith("fh_selection")]
    assert note.params["removed"] == len(model["selection"]["removed"])
    assert "BIC" in locale.render(note, "id") and "BIC" in locale.render(note, "en")
    assert "dikeluarkan" in locale.render(note, "id") and "removed" in locale.render(note, "en")


def test_fay_herriot_selection_is_checked(workspace: Workspace) -> None:
    from rpkd.errors import UsageError

    with pytest.raises(UsageError) as caught:
        _estimate(workspace, "fh", "kecamatan", selection="stepwise")
    assert caught.value.code == "map_choice_invalid" and caught.value.param == "selection"
    with pytest.raises(UsageError) as caught:
        _estimate(workspace, "fh", "kecamatan", transformation="logit")
    assert (caught.value.code, caught.value.param) == ("map_choice_invalid", "transformation")
    assert caught.value.params["allowed"] == ("none", "arcsin")
    arcsin = _estimate(workspace, "fh", "desa", transformation="arcsin", selection="kic")
    assert arcsin.model["selection"]["criterion"] == "kic"  # type: ignore[attr-defined]


def test_release_is_left_untouched(workspace: Workspace) -> None:
    folder = workspace.path / "releases" / "small"
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    sae.map_release(workspace, "small", level="kecamatan", measure="fgt2", method="direct")
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    assert not list(folder.rglob("sae"))  # the map is written beside, never inside, the release


def test_options_are_checked(workspace: Workspace) -> None:
    for options in ({"method": "magic"}, {"level": "rt"}, {"measure": "fgt3"}, {"bootstrap": -1}):
        with pytest.raises(UsageError) as caught:
            sae.map_release(workspace, "small", **options)
        assert caught.value.param in ("method", "level", "measure", "bootstrap")


def test_reml_that_does_not_converge_is_reported(tmp_path: Path, workspace: Workspace) -> None:
    """A workspace kit capping Fisher scoring at one iteration: the map says it did not converge."""
    doc = resources.files("rpkd").joinpath("params/indonesia/sae.toml").read_text("utf-8")
    kit = tomllib.loads(doc)
    assert "max_iter" not in kit["fay_herriot"]
    capped = doc.replace('method = "reml"', 'method = "reml"\nmax_iter = 1', 1)
    assert tomllib.loads(capped)["fay_herriot"]["max_iter"] == 1
    (workspace.path / "params").mkdir(exist_ok=True)
    (workspace.path / "params" / "sae.toml").write_text(capped, encoding="utf-8")
    try:
        with Workspace(workspace.settings) as capped_ws:
            drawn = sae.map_release(
                capped_ws, "small", method="fh", benchmark=False, out=tmp_path / "capped"
            )
    finally:
        (workspace.path / "params" / "sae.toml").unlink()
    [finding] = [f for f in drawn.findings if f.code == "fh_not_converged"]
    assert finding.severity == "warning" and finding.params["iterations"] == 1
    written = json.loads((tmp_path / "capped" / "parameters.json").read_text())
    assert "fh_not_converged" in [f["code"] for f in written["findings"]]


def test_one_fit_serves_the_map_and_its_priority_ranking(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release's estimates are made once per process for one kit, level, measure, method,
    line, seed and bootstrap: the benchmarked map and the unbenchmarked priority ranking of the
    same areas share one EBP fit (the map's estimates are the ranking's times the factor);
    another seed is another fit."""
    from rpkd.sae import area_estimates
    from rpkd.workflows.priority import priority_areas

    sae.clear_cache()
    calls: list[tuple[str, int]] = []
    real = area_estimates.estimate_areas

    def counted(*args: object, **kwargs: object) -> object:
        calls.append((str(kwargs["level"]), int(str(kwargs["seed"]))))
        return real(*args, **kwargs)

    monkeypatch.setattr(area_estimates, "estimate_areas", counted)
    mapped = sae.map_release(workspace, "small", level="kecamatan", method="ebp", bootstrap=5)
    ranked = priority_areas(workspace, "small", level="kecamatan", method="ebp", bootstrap=5, k=3)
    assert calls == [("kecamatan", 1)]
    assert mapped.map.benchmark is not None and ranked.benchmark_factor is None
    factor = mapped.map.benchmark.factor
    unbenchmarked = {a.code: a.estimate for a in ranked.areas}
    for area in mapped.map.areas:
        assert area.estimate == pytest.approx(unbenchmarked[area.area] * factor, rel=1e-12)
    sae.map_release(workspace, "small", level="kecamatan", method="ebp", bootstrap=5, seed=2)
    assert calls == [("kecamatan", 1), ("kecamatan", 2)]


def test_map_method_defaults_to_the_kits(workspace: Workspace) -> None:
    """A map, profile, priority list or document naming no method uses the kit's ``[map]
    method`` (EBP in the shipped kit); a named one is kept, an unknown one refused."""
    doc = resources.files("rpkd").joinpath("params/indonesia/sae.toml").read_text("utf-8")
    assert tomllib.loads(doc)["map"]["method"] == "ebp"
    assert sae.map_method(workspace) == "ebp"
    assert sae.map_method(workspace, "FH ") == "fh"
    with pytest.raises(UsageError) as caught:
        sae.map_method(workspace, "eblup")
    assert caught.value.code == "choice_invalid" and caught.value.param == "method"
    (workspace.path / "params").mkdir(exist_ok=True)
    for text, expected in ((doc.replace('method = "ebp"', 'method = "fh"', 1), "fh"),
                           (doc.replace("[map]", "[mapped]", 1), None)):  # fmt: skip
        (workspace.path / "params" / "sae.toml").write_text(text, encoding="utf-8")
        try:
            with Workspace(workspace.settings) as changed:
                if expected is not None:
                    assert sae.map_method(changed) == expected
                    continue
                with pytest.raises(InvalidInput) as missing:
                    sae.map_method(changed)
                assert missing.value.code == "params_section_missing"
                assert missing.value.params["section"] == "map"
        finally:
            (workspace.path / "params" / "sae.toml").unlink()


def test_the_proxy_means_score_with_travel_times_through_the_kit(
    tmp_path: Path, workspace: Workspace
) -> None:
    """The shipped ``[ebp]``: the logit model with cuts at the sample's 10% and 20% quantiles on
    the proxy-means score and its centred square, the score's covariates include the villages' travel times as log(1 +
    minutes); its coefficients (by covariate) and cut-points in the model record and
    parameters.json, the note in both languages; ``logit_predictor = "covariates"``
    in a workspace kit gives one coefficient per covariate."""
    from rpkd import locale

    doc = resources.files("rpkd").joinpath("params/indonesia/sae.toml").read_text("utf-8")
    ebp = tomllib.loads(doc)["ebp"]
    assert ebp["logit_predictor"] == "pmt_score"
    assert ebp["village_log"] == ["travel_kabupaten_min", "travel_kecamatan_min"]
    drawn = sae.map_release(
        workspace, "small", level="desa", method="ebp", benchmark=False, bootstrap=2,
        out=tmp_path / "scored",
    )  # fmt: skip
    model = drawn.map.model
    assert model["predictor"] == "pmt_score"
    assert list(model["coefficients"]) == ["intercept", "pmt_score", "pmt_score_squared"]
    assert model["score_degree"] == ebp["score_degree"] == 2
    [square] = [f for f in drawn.findings if f.code == "ebp_score_squared"]
    assert square.params["coefficient"] == model["coefficients"]["pmt_score_squared"]
    assert "kuadrat skor" in locale.render(square, "id")
    assert list(model["score"]) == ["intercept", *model["covariates"]]
    travel = [c for c in model["covariates"] if c.startswith("village_log_")]
    assert travel == ["village_log_travel_kabupaten_min", "village_log_travel_kecamatan_min"]
    assert model["score"][travel[0]] < 0  # farther from the kabupaten office: poorer
    written = json.loads((tmp_path / "scored" / "parameters.json").read_text())
    assert written["model"]["score"] == pytest.approx(model["score"])
    assert model["cuts"] == ebp["logit_cuts"] == [0.1, 0.2]
    assert model["line_cut"] == ebp["line_cut"] == "count"
    assert model["cut_points"] is not None and "1" in model["cut_points"]
    assert written["model"]["cut_points"] == pytest.approx(model["cut_points"])
    assert set(model["proportional_odds"]) == {"statistic", "df", "p_value"}
    # three cut-points (the line, the 10% and 20% quantiles) and two terms of the score
    assert model["proportional_odds"]["df"] == 2 * 2
    [test] = [f for f in drawn.findings if f.code.startswith("ebp_cuts_")]
    assert test.params["p_value"] == model["proportional_odds"]["p_value"]
    assert "uji odds proporsional" in locale.render(test, "id")
    [note] = [f for f in drawn.findings if f.code == "ebp_logit_cuts_score_fit"]
    assert "skor proxy-means" in locale.render(note, "id")
    assert "persentil sampel ke-10, 20," in locale.render(note, "id")
    assert "proxy-means score" in locale.render(note, "en")
    plain = doc.replace('logit_predictor = "pmt_score"', 'logit_predictor = "covariates"', 1)
    (workspace.path / "params").mkdir(exist_ok=True)
    (workspace.path / "params" / "sae.toml").write_text(plain, encoding="utf-8")
    try:
        with Workspace(workspace.settings) as plainly:
            fitted = sae.map_release(
                plainly, "small", level="desa", method="ebp", benchmark=False, bootstrap=2
            ).map
    finally:
        (workspace.path / "params" / "sae.toml").unlink()
    assert fitted.model["predictor"] == "covariates" and fitted.model["score"] is None
    assert list(fitted.model["coefficients"]) == ["intercept", *fitted.model["covariates"]]
