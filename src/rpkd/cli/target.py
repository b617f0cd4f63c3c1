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

from pathlib import Path
from typing import Annotated

import typer

from rpkd import locale
from rpkd.cli import common

ReleaseOpt = Annotated[str, typer.Option("--release", "-r", help="Nama rilis.")]
LinksOpt = Annotated[
    Path | None,
    typer.Option("--links", help="Berkas tautan (programme, record, person_id) atau folder "
                 "links_<program>.csv; tanpa ini: tautan NIK persis."),
]  # fmt: skip
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
ConditionOpt = Annotated[str, typer.Option("--condition", help="Aturan daftar eksklusi.")]


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
    out = common.output_format(fmt)
    from rpkd.workflows import targeting as wf

    view = common.choice(show, wf.RANK_VIEWS, "--show") or "quality"
    with common.workspace(workspace, lang=lang, engine=engine) as ws:
        report = wf.ranking_report(ws, release, method=method, folds=folds, seed=seed)
    common.findings(report.findings, ws.lang)
    title = locale.message("target_title_rank", ws.lang, method=method, release=release)
    table = report.readable(view, ws.lang) if out == "table" else report.view(view)
    common.emit(table, out, ws.lang, title=title, json_data=report.to_json())


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
    out = common.output_format(fmt)
    from rpkd.workflows import accuracy as wf

    with common.workspace(workspace, lang=lang, engine=engine) as ws:
        report = wf.accuracy_report(
            ws, release, truth=truth, links=links, cutoff=cutoff, target=target, by=by,
            method=method, line=line, welfare=welfare,
        )  # fmt: skip
    common.findings(report.findings, ws.lang)
    title = locale.message(
        "target_title_accuracy",
        ws.lang,
        basis=locale.label(f"target.basis.{report.basis}", ws.lang),
        release=release,
    )
    table = report.readable() if out == "table" else report.to_arrow()
    common.emit(table, out, ws.lang, title=title, cells=wf.CELLS)


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
    out = common.output_format(fmt)
    from rpkd.workflows import targeting as wf

    view: wf.EligibilityView = "columns" if columns else "catalogue" if show_catalogue else "counts"
    with common.workspace(workspace, lang=lang, engine=engine) as ws:
        result = wf.eligibility_view(ws, release, view=view, level=level, programmes=programme)
    if isinstance(result, wf.EligibilityReport):
        title = locale.message("target_title_eligibility", ws.lang, release=release, on=result.on)
    else:
        title = locale.label(f"target.title.{view}", ws.lang)
    table = result.readable() if out == "table" else result.to_arrow()
    common.emit(table, out, ws.lang, title=title, cells=wf.CELLS)


def convergence(
    release: ReleaseOpt,
    links: LinksOpt = None,
    level: LevelOpt = "kabupaten",
    show: Annotated[
        str,
        typer.Option(
            "--show", help="coverage | lists | exclusion | inclusion | double | deceased | gaps"
        ),
    ] = "coverage",
    condition: ConditionOpt = "desil = 1",
    welfare: WelfareOpt = None,
    unmask: UnmaskOpt = False,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Konvergensi program: cakupan, yang tidak menerima, di luar aturan, ganda, meninggal."""
    out = common.output_format(fmt)
    from rpkd.workflows import convergence as wf

    view = common.choice(show, wf.VIEWS, "--show") or "coverage"
    with common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws:
        report = wf.convergence_report(
            ws, release, links=links, level=level, condition=condition, welfare=welfare,
            unmask=unmask,
        )  # fmt: skip
    if report.links == "nik":
        common.note(locale.message("target_links_by_nik", ws.lang))
    title = locale.message(
        "target_title_convergence",
        ws.lang,
        view=locale.label(f"target.view.{view}", ws.lang),
        release=release,
    )
    table = report.readable(view) if out == "table" else report.view(view)
    common.emit(table, out, ws.lang, title=title, cells=wf.CELLS)


def lists(
    release: ReleaseOpt,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder keluaran XLSX (satu per desa).")],
    links: LinksOpt = None,
    desa: Annotated[
        list[str] | None, typer.Option("--desa", help="Kode desa (boleh berulang).")
    ] = None,
    condition: ConditionOpt = "desil = 1",
    welfare: WelfareOpt = None,
    unmask: UnmaskOpt = False,
    actor: common.AsOpt = None,
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Daftar verifikasi per desa untuk musyawarah desa (XLSX, data pribadi disamarkan)."""
    out = common.output_format(fmt)
    from rpkd.workflows import convergence as wf

    with common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws:
        result = wf.verification_lists(
            ws, release, out_dir, links=links, condition=condition, welfare=welfare,
            desa=desa or (), unmask=unmask,
        )  # fmt: skip
    title = locale.message(
        "target_title_lists", ws.lang, count=len(result.files), folder=str(out_dir)
    )
    table = result.readable() if out == "table" else result.to_arrow()
    common.emit(table, out, ws.lang, title=title)
