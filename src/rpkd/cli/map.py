"""``rpkd map``: the poverty map of a release by kecamatan or desa (direct, Fay–Herriot, EBP).

``rpkd map --release R --level kecamatan|desa --measure fgt0|fgt1|fgt2 --method direct|fh|ebp
[--benchmark/--no-benchmark] [--workspace W] [--format table|json|csv] [--lang id|en]
[--out DIR]`` writes the estimates table and the choropleth (SVG, PNG, GeoJSON) and prints the
table; where the files are goes to standard error. Areas with CV > 25% (BPS) are flagged.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from rpkd import regions
from rpkd.cli import common
from rpkd.errors import UsageError
from rpkd.reports.maps import choropleth
from rpkd.sae.inputs import LEVELS, MEASURES
from rpkd.settings import Lang
from rpkd.workflows import sae as workflow

_LABELS = {
    "fgt0": ("Persentase penduduk miskin (P0)", "Poverty headcount (P0)"),
    "fgt1": ("Indeks kedalaman kemiskinan (P1)", "Poverty gap index (P1)"),
    "fgt2": ("Indeks keparahan kemiskinan (P2)", "Poverty severity index (P2)"),
}
_METHOD_NAMES = {
    "direct": ("langsung", "direct"),
    "fh": ("Fay–Herriot", "Fay–Herriot"),
    "ebp": ("EBP", "EBP"),
}
_FINDINGS = {
    "sigma2_u_zero": (
        "varians efek area terestimasi 0: estimasi = estimasi sintetis",
        "area-effect variance estimated at 0: estimates are synthetic",
    ),
    "out_of_sample": (
        "area tanpa sampel survei memperoleh estimasi sintetis",
        "areas without survey sample get synthetic estimates",
    ),
    "variance_smoothed": (
        "varians langsung yang tidak stabil diganti prediksi GVF",
        "unstable direct variances replaced by the GVF prediction",
    ),
    "estimate_truncated": (
        "EBLUP di luar [0, 1] diganti batas terdekat (MSE tetap)",
        "EBLUPs outside [0, 1] set to the nearest bound (MSE unchanged)",
    ),
    "covariate_dropped": (
        "kovariat konstan/kolinear/kosong tidak dipakai",
        "constant, collinear or missing covariates left out",
    ),
}


def _choice(value: str, allowed: tuple[str, ...], flag: str) -> str:
    chosen = value.strip().lower()
    if chosen not in allowed:
        raise UsageError(
            flag.strip("-"), f"{flag} harus {' | '.join(allowed)}, bukan {value!r}", param=flag
        )
    return chosen


def register(app: typer.Typer) -> None:
    """Add the ``map`` command to ``app``."""
    app.command("map")(map_)


def map_(
    release: Annotated[str, typer.Option("--release", help="Nama rilis.")],
    level: Annotated[str, typer.Option("--level", help="kecamatan | desa")] = "kecamatan",
    measure: Annotated[str, typer.Option("--measure", help="fgt0 | fgt1 | fgt2")] = "fgt0",
    method: Annotated[str, typer.Option("--method", help="direct | fh | ebp")] = "fh",
    benchmark: Annotated[
        bool,
        typer.Option(
            "--benchmark/--no-benchmark", help="Sesuaikan (rasio) ke estimasi langsung kabupaten."
        ),
    ] = True,
    line: Annotated[
        float | None, typer.Option("--line", help="Garis kemiskinan (Rp/kapita/bulan).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Benih acak EBP.")] = 1,
    bootstrap: Annotated[
        int | None, typer.Option("--bootstrap", help="Replikasi bootstrap MSE EBP.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder keluaran.")] = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    engine: common.EngineOpt = None,
) -> None:
    """Peta kemiskinan per kecamatan/desa: estimasi langsung, Fay–Herriot atau EBP."""
    output = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang, engine=engine)
    chosen_level = _choice(level, LEVELS, "--level")
    chosen_measure = _choice(measure, MEASURES, "--measure")
    chosen_method = _choice(method, workflow.METHODS, "--method")
    if bootstrap is not None and bootstrap < 0:
        raise UsageError("bootstrap", "--bootstrap harus >= 0", param="bootstrap")
    result, files = workflow.map_release(
        settings,
        release,
        level=chosen_level,  # type: ignore[arg-type]
        measure=chosen_measure,  # type: ignore[arg-type]
        method=chosen_method,  # type: ignore[arg-type]
        line=line,
        benchmark=benchmark,
        seed=seed,
        bootstrap=bootstrap,
        out=out,
    )
    lang_code = settings.lang
    threshold = draw(result, files, lang_code, settings.workspace)
    _report(result, files, threshold, lang_code)
    if output == "table":
        rows = [
            {
                "area": a.area,
                "name": a.name,
                "direct": _percent(a.direct),
                "direct_cv": _percent(a.direct_cv),
                "estimate": _percent(a.estimate),
                "rmse": _percent(a.rmse),
                "cv": _percent(a.cv),
                "reliable": _reliability(_map_cv(a), threshold, lang_code),
                "in_sample": a.in_sample,
            }
            for a in result.areas
        ]
        label = common.say(lang_code, *_LABELS[result.measure])
        method_name = common.say(lang_code, *_METHOD_NAMES[result.method])
        common.emit(rows, "table", title=f"{label} — {method_name}", headers=_headers(lang_code))
    else:
        common.emit(result.records(), output)


def _map_cv(area: workflow.AreaRow) -> float | None:
    """Return the CV, infinite for an estimate of zero with a positive MSE (unreliable)."""
    if area.cv is None and area.estimate == 0 and area.rmse:
        return math.inf
    return area.cv


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{value:.2%}"


def _reliability(cv: float | None, threshold: float, lang: Lang) -> str:
    if cv is None:
        return "–"
    if cv > threshold:
        return common.say(lang, "kurang andal", "unreliable")
    return common.say(lang, "andal", "reliable")


def _headers(lang: Lang) -> dict[str, str]:
    return {
        "area": common.say(lang, "kode", "code"),
        "name": common.say(lang, "nama", "name"),
        "direct": common.say(lang, "langsung", "direct"),
        "direct_cv": common.say(lang, "CV langsung", "direct CV"),
        "estimate": common.say(lang, "estimasi", "estimate"),
        "reliable": common.say(lang, "keandalan (CV)", "reliability (CV)"),
        "in_sample": common.say(lang, "tersampel", "sampled"),
    }


def _report(
    result: workflow.PovertyMap, files: workflow.MapFiles, threshold: float, lang: Lang
) -> None:
    console = common.stderr()
    for finding in result.findings:
        texts = _FINDINGS.get(finding.rule)
        if texts is None:
            continue
        console.print(
            f"[yellow]{common.say(lang, 'Catatan', 'Note')}:[/] {common.say(lang, *texts)}",
            markup=True,
        )
    if result.benchmark is not None:
        b = result.benchmark
        console.print(
            common.say(
                lang,
                f"Benchmarking rasio ke estimasi langsung kabupaten {b.target:.4%}: "
                f"faktor {b.factor:.4f} (rata-rata tertimbang sebelum {b.implied:.4%})",
                f"Ratio benchmarking to the district direct estimate {b.target:.4%}: "
                f"factor {b.factor:.4f} (weighted mean before {b.implied:.4%})",
            ),
            highlight=False,
            soft_wrap=True,
        )
    unreliable = sum(1 for a in result.areas if (cv := _map_cv(a)) is not None and cv > threshold)
    console.print(
        common.say(
            lang,
            f"{unreliable} dari {len(result.areas)} area dengan CV > {threshold:.0%} (kurang andal, "
            "diarsir di peta)",
            f"{unreliable} of {len(result.areas)} areas with CV > {threshold:.0%} (unreliable, "
            "hatched on the map)",
        ),
        highlight=False,
        soft_wrap=True,
    )
    console.print(common.say(lang, "Berkas ditulis:", "Files written:"), highlight=False)
    for path in (files.csv, files.parquet, files.svg, files.png, files.geojson, files.parameters):
        console.print(f"  {path}", highlight=False, soft_wrap=True)


def draw(
    result: workflow.PovertyMap, files: workflow.MapFiles, lang_code: Lang, workspace: Path
) -> float:
    """Render ``result`` as a choropleth beside its estimates; return the CV threshold used."""
    label = common.say(lang_code, *_LABELS[result.measure])
    method_name = common.say(lang_code, *_METHOD_NAMES[result.method])
    drawn = choropleth(
        result.region,
        result.level,
        {a.area: a.estimate for a in result.areas if a.estimate is not None},
        cv={a.area: cv for a in result.areas if (cv := _map_cv(a)) is not None},
        title=f"{label}, {regions.name(result.region)} ({method_name})",
        label=label,
        percent=True,
        lang=lang_code,
        workspace=workspace,
    )
    for feature in drawn.geojson["features"]:  # JSON has no infinity: the flag says it all
        if feature["properties"].get("cv") == math.inf:
            feature["properties"]["cv"] = None
    workflow.write_map(files, svg=drawn.svg, png=drawn.png, geojson=drawn.geojson)
    return drawn.cv_threshold
