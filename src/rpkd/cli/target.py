"""``rpkd target``: welfare ranking, targeting accuracy, eligibility, convergence, lists.

``rpkd target rank --release NAME [--method ols|ridge] [--folds K] [--seed S]``
``rpkd target accuracy --release NAME [--truth DIR] [--links PATH] [--cutoff K]
[--target poor|extreme_poor] [--by desil|kecamatan] [--line Z]``
``rpkd target eligibility --release NAME [--level L] [--programme P]... [--catalogue]``
``rpkd target convergence --release NAME [--links PATH] [--level L] [--show WHAT]
[--condition RULE] [--unmask] [--as USER]``
``rpkd target lists --release NAME --out DIR [--links PATH] [--desa CODE]... [--unmask]``

Every command takes ``--workspace``, ``--engine``, ``--format table|json|csv`` and ``--lang``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import pyarrow as pa
import typer

from rpkd.cli import common
from rpkd.settings import Lang, Settings
from rpkd.targeting.convergence import LEVELS, Level
from rpkd.targeting.eligibility import catalogue
from rpkd.targeting.features import FAMILY_FEATURES, PERSON_FEATURES
from rpkd.targeting.ranking import METHODS, Method
from rpkd.workflows import convergence as wf_convergence
from rpkd.workflows import targeting as wf

ReleaseOpt = Annotated[str, typer.Option("--release", "-r", help="Nama rilis.")]
LinksOpt = Annotated[
    Path | None,
    typer.Option("--links", help="Berkas tautan (programme, record, person_id) atau folder "
                 "links_<program>.csv; tanpa ini: tautan NIK persis."),
]  # fmt: skip
AsOpt = Annotated[
    str | None,
    typer.Option("--as", envvar="RPKD_USER", help="Pengguna yang bertindak (untuk data pribadi)."),
]
UnmaskOpt = Annotated[
    bool, typer.Option("--unmask", help="Tampilkan data pribadi (perlu izin personal_data.read).")
]
WelfareOpt = Annotated[
    str | None,
    typer.Option(
        "--welfare", help="Sertakan peringkat PMT tersimpan (ols | ridge): predicted_desil."
    ),
]
LevelOpt = Annotated[str, typer.Option("--level", help="kabupaten | kecamatan | desa | desil")]

SHOW = ("coverage", "lists", "exclusion", "inclusion", "double", "deceased", "gaps")

_HEADERS: dict[str, tuple[str, str]] = {
    "level": ("tingkat", "level"),
    "area": ("wilayah", "area"),
    "programme": ("program", "programme"),
    "families": ("keluarga", "families"),
    "eligible": ("layak", "eligible"),
    "recipients": ("penerima", "recipients"),
    "eligible_recipients": ("penerima layak", "eligible recipients"),
    "coverage": ("cakupan", "coverage"),
    "coverage_of_eligible": ("cakupan yang layak", "coverage of eligible"),
    "outside_rule": ("di luar aturan", "outside rule"),
    "eligible_families": ("keluarga layak", "eligible families"),
    "eligible_persons": ("jiwa layak", "eligible persons"),
    "measure": ("ukuran", "measure"),
    "value": ("nilai", "value"),
    "exclusion": ("galat eksklusi", "exclusion error"),
    "inclusion": ("galat inklusi", "inclusion error"),
    "exclusion_se": ("SE eksklusi", "exclusion SE"),
    "inclusion_se": ("SE inklusi", "inclusion SE"),
    "target": ("kelompok sasaran", "target group"),
    "covered": ("tercakup", "covered"),
    "both": ("sasaran tercakup", "target covered"),
    "units": ("unit", "units"),
    "records": ("catatan", "records"),
    "linked": ("tertaut", "linked"),
    "deceased": ("meninggal", "deceased"),
    "desil": ("desil", "desil"),
    "predicted_desil": ("desil prediksi", "predicted desil"),
}


def register(app: typer.Typer) -> None:
    """Add the ``target`` command group to ``app``."""
    group = typer.Typer(
        help="Penargetan: peringkat kesejahteraan, ketepatan sasaran, kelayakan, konvergensi.",
        no_args_is_help=True,
    )
    group.command("rank")(rank)
    group.command("accuracy")(accuracy)
    group.command("eligibility")(eligibility)
    group.command("convergence")(convergence)
    group.command("lists")(lists)
    app.add_typer(group, name="target")


def _headers(lang: Lang) -> dict[str, str]:
    return {k: common.say(lang, v[0], v[1]) for k, v in _HEADERS.items()}


def _level(value: str) -> Level:
    if value not in LEVELS:
        raise typer.BadParameter(f"--level must be one of {', '.join(LEVELS)}, not {value!r}")
    return value


def _method(value: str | None) -> Method | None:
    if value is None:
        return None
    if value not in METHODS:
        raise typer.BadParameter(f"--welfare must be ols or ridge, not {value!r}")
    return value


def _settings(workspace: Path | None, lang: str | None, engine: str | None) -> Settings:
    return common.settings(workspace, lang=lang, engine=engine)


def rank(
    release: ReleaseOpt,
    method: Annotated[str, typer.Option("--method", help="ols (default) | ridge")] = "ols",
    folds: Annotated[int, typer.Option("--folds", help="Lipatan validasi silang.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Benih pembagian lipatan.")] = 20250301,
    show: Annotated[
        str, typer.Option("--show", help="quality | coefficients | crosstab")
    ] = "quality",
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Model PMT dari survei, peringkat keluarga registri, dan perbandingan dengan desil resmi."""
    output = common.output_format(fmt)
    if method not in METHODS:
        raise typer.BadParameter(f"--method must be ols or ridge, not {method!r}")
    if show not in ("quality", "coefficients", "crosstab"):
        raise typer.BadParameter("--show must be quality, coefficients or crosstab")
    settings = _settings(workspace, lang, engine)
    report = wf.ranking_report(settings, release, method=method, folds=folds,
                               seed=seed)  # fmt: skip
    if output == "json":
        doc = {
            "method": report.model.method,
            "penalty": report.model.penalty,
            "quality": {r["measure"]: r["value"] for r in report.model.quality_table().to_pylist()},
            "rank_correlation": report.rank_correlation,
            "coefficients": dict(zip(report.model.terms, report.model.coefficients, strict=True)),
            "crosstab": common.records(report.crosstab),
            "saved": str(report.saved) if report.saved else None,
        }
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    table = {"quality": report.to_arrow(), "coefficients": report.model.to_arrow(),
             "crosstab": report.crosstab}[show]  # fmt: skip
    title = common.say(settings.lang, f"PMT ({method}) rilis {release}",
                       f"PMT ({method}), release {release}")  # fmt: skip
    common.emit(table, output, title=title, headers=_headers(settings.lang))


def accuracy(
    release: ReleaseOpt,
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Folder truth/ dari rpkd synth.")
    ] = None,
    links: LinksOpt = None,
    cutoff: Annotated[int, typer.Option("--cutoff", help="Batas desil (1..K).")] = 4,
    target: Annotated[str, typer.Option("--target", help="poor | extreme_poor")] = "poor",
    by: Annotated[str | None, typer.Option("--by", help="desil | kecamatan")] = None,
    method: Annotated[
        str, typer.Option("--method", help="Model PMT untuk survei: ols | ridge")
    ] = "ols",
    line: Annotated[
        float | None, typer.Option("--line", help="Garis kemiskinan (Rp/kapita/bulan).")
    ] = None,
    welfare: WelfareOpt = None,
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Galat inklusi dan eksklusi dari batas desil dan daftar penerima (kebenaran atau survei)."""
    output = common.output_format(fmt)
    if target not in ("poor", "extreme_poor"):
        raise typer.BadParameter("--target must be poor or extreme_poor")
    if by not in (None, "desil", "kecamatan"):
        raise typer.BadParameter("--by must be desil or kecamatan")
    if method not in METHODS:
        raise typer.BadParameter(f"--method must be ols or ridge, not {method!r}")
    settings = _settings(workspace, lang, engine)
    report = wf.accuracy_report(
        settings, release, truth=truth, links=links, cutoff=cutoff,
        target=cast(Literal["poor", "extreme_poor"], target),
        by=cast(Literal["desil", "kecamatan"] | None, by), method=method, line=line,
        welfare=_method(welfare),
    )  # fmt: skip
    basis = {"truth": ("kebenaran sintetis", "synthetic truth"), "survey": ("survei", "survey")}
    label = basis[report.basis]
    title = common.say(settings.lang, f"Ketepatan sasaran ({label[0]}), rilis {release}",
                       f"Targeting accuracy ({label[1]}), release {release}")  # fmt: skip
    common.emit(report.rows, output, title=title, headers=_headers(settings.lang))


def eligibility(
    release: Annotated[str | None, typer.Option("--release", "-r", help="Nama rilis.")] = None,
    level: LevelOpt = "kabupaten",
    programme: Annotated[
        list[str] | None, typer.Option("--programme", help="Program (boleh berulang).")
    ] = None,
    show_catalogue: Annotated[
        bool, typer.Option("--catalogue", help="Tampilkan katalog program.")
    ] = False,
    columns: Annotated[
        bool, typer.Option("--columns", help="Tampilkan kolom turunan untuk aturan.")
    ] = False,
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Terapkan aturan kelayakan program (katalog parameter) pada registri rilis."""
    output = common.output_format(fmt)
    settings = _settings(workspace, lang, engine)
    if columns:
        rows = [{"column": f.name, "type": f.dtype, "label": common.say(settings.lang, f.label_id,
                 f.label_en), "definition": f.definition}
                for f in (*FAMILY_FEATURES, *PERSON_FEATURES)]  # fmt: skip
        cat = catalogue(workspace=settings.workspace)
        rows += [{"column": p.name, "type": "bool", "label": common.say(settings.lang, p.label_id,
                  p.label_en), "definition": p.rule.text} for p in cat.predicates]  # fmt: skip
        common.emit(
            rows, output, title=common.say(settings.lang, "Kolom turunan", "Derived columns")
        )
        return
    if show_catalogue:
        from datetime import date

        table = catalogue(workspace=settings.workspace).to_arrow(date.today().year)
        common.emit(table, output, title=common.say(settings.lang, "Katalog program",
                                                    "Programme catalogue"))  # fmt: skip
        return
    if release is None:
        raise typer.BadParameter("--release is required (or use --catalogue / --columns)")
    report = wf.eligibility_report(settings, release, level=_level(level), programmes=programme)
    title = common.say(settings.lang, f"Kelayakan program, rilis {release} ({report.on})",
                       f"Programme eligibility, release {release} ({report.on})")  # fmt: skip
    common.emit(report.counts, output, title=title, headers=_headers(settings.lang))


def convergence(
    release: ReleaseOpt,
    links: LinksOpt = None,
    level: LevelOpt = "kabupaten",
    show: Annotated[str, typer.Option("--show", help=" | ".join(SHOW))] = "coverage",
    condition: Annotated[
        str, typer.Option("--condition", help="Aturan daftar eksklusi.")
    ] = "desil = 1",
    welfare: WelfareOpt = None,
    unmask: UnmaskOpt = False,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Konvergensi program: cakupan, yang tidak menerima, di luar aturan, ganda, meninggal."""
    output = common.output_format(fmt)
    if show not in SHOW:
        raise typer.BadParameter(f"--show must be one of {', '.join(SHOW)}")
    settings = _settings(workspace, lang, engine)
    report = wf_convergence.convergence_report(
        settings, release, links=links, level=_level(level), condition=condition,
        welfare=_method(welfare), actor=actor, personal=unmask,
    )  # fmt: skip
    if report.links == "nik":
        common.stderr().print(common.say(
            settings.lang, "Catatan: daftar ditautkan dengan NIK persis (jalankan rpkd link).",
            "Note: lists linked by exact NIK (run rpkd link)."))  # fmt: skip
    table: pa.Table = getattr(report, show)
    title = common.say(settings.lang, f"Konvergensi ({show}), rilis {release}",
                       f"Convergence ({show}), release {release}")  # fmt: skip
    common.emit(table, output, title=title, headers=_headers(settings.lang))


def lists(
    release: ReleaseOpt,
    out: Annotated[Path, typer.Option("--out", help="Folder keluaran XLSX (satu per desa).")],
    links: LinksOpt = None,
    desa: Annotated[
        list[str] | None, typer.Option("--desa", help="Kode desa (boleh berulang).")
    ] = None,
    condition: Annotated[
        str, typer.Option("--condition", help="Aturan daftar eksklusi.")
    ] = "desil = 1",
    welfare: WelfareOpt = None,
    unmask: UnmaskOpt = False,
    actor: AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Daftar verifikasi per desa untuk musyawarah desa (XLSX, data pribadi disamarkan)."""
    output = common.output_format(fmt)
    settings = _settings(workspace, lang, engine)
    result = wf_convergence.verification_lists(
        settings, release, out, links=links, condition=condition, welfare=_method(welfare),
        desa=desa or (), actor=actor, personal=unmask, lang=settings.lang,
    )  # fmt: skip
    title = common.say(settings.lang, f"{len(result.files)} berkas verifikasi di {out}",
                       f"{len(result.files)} verification workbooks in {out}")  # fmt: skip
    rows: list[dict[str, Any]] = common.records(result.rows)
    common.emit(result.rows if rows else [], output, title=title, headers=_headers(settings.lang))
