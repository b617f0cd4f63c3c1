"""``rpkd scenario`` and ``rpkd optimise``: what a plan's programmes would achieve, and the least
budget that reaches a target (DESIGN.md §7).

``rpkd scenario run SCENARIO --release NAME [--year Y] [--draws N] [--seed S] [--truth DIR]
[--show estimates|reach|packages|errors]``
``rpkd scenario compare SCENARIO... --release NAME [--year Y] [--draws N] [--seed S]``
``rpkd scenario save FILE [--name NAME] [--chosen] [--plan NAME]`` and ``rpkd scenario list``
``rpkd optimise --release NAME --objective extreme|p0 [--target LEVEL] [--year Y]
[--draws N] [--seed S] [--scenario SCENARIO] [--points K]``

SCENARIO is a TOML file or the name of a saved scenario. ``--format json`` prints the contract's
object (fractions, rupiah); the terminal table shows percent, P1 and P2 ×100 and rupiah.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd import locale
from rpkd.cli import common

ReleaseOpt = Annotated[str, typer.Option("--release", "-r", help="Nama rilis.")]
YearOpt = Annotated[
    int | None,
    typer.Option("--year", help="Tahun akhir (default: tahun sasaran nol kemiskinan ekstrem)."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Benih undian galat penargetan.")]
TruthOpt = Annotated[
    Path | None,
    typer.Option("--truth", help="Folder truth/ dari rpkd synth: galat diukur terhadapnya."),
]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="Nama rencana (bila lebih dari satu).")]


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` command group and ``optimise`` to ``app``."""
    group = typer.Typer(
        help="Skenario program: dampak pada kemiskinan, biaya dan jangkauan per tahun.",
        no_args_is_help=True,
    )
    group.command("run")(run)
    group.command("compare")(compare)
    group.command("save")(save)
    group.command("list")(list_)
    app.add_typer(group, name="scenario")
    app.command("optimise")(optimise)


def run(
    scenario: Annotated[str, typer.Argument(help="Berkas TOML skenario atau nama tersimpan.")],
    release: ReleaseOpt,
    year: YearOpt = None,
    draws: Annotated[int, typer.Option("--draws", help="Undian galat penargetan.")] = 200,
    seed: SeedOpt = 20250301,
    truth: TruthOpt = None,
    show: Annotated[
        str, typer.Option("--show", help="estimates | reach | packages | errors")
    ] = "estimates",
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    actor: common.AsOpt = None,
) -> None:
    """Simulasikan skenario pada survei (P0, P1, P2, ekstrem, Gini) dan registri (biaya, jangkauan)."""
    out = common.output_format(fmt)
    from rpkd.workflows import scenarios as wf

    view = common.choice(show, wf.VIEWS, "--show") or "estimates"
    with common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws:
        result = wf.run_scenario(
            ws, scenario, release, year=year, draws=draws, seed=seed, truth=truth
        )
    common.findings(result.findings, ws.lang)
    title = locale.message(
        "scenario_title_run", ws.lang, scenario=result.scenario, release=release, draws=draws
    )
    if out != "table":
        table = result.to_arrow() if view == "estimates" else result.view(view)
        common.emit(table, out, ws.lang, json_data=result.to_json())
        return
    if view != "estimates":
        common.emit(result.readable_view(view), out, ws.lang, title=title, cells=wf.CELLS)
        return
    common.emit(result.readable(ws.lang), out, ws.lang, title=title)
    registry = locale.label("scenario.title.registry", ws.lang)
    common.emit(result.readable_reach(ws.lang), out, ws.lang, title=registry)


def compare(
    scenarios: Annotated[
        list[str], typer.Argument(help="Berkas TOML atau nama skenario tersimpan (dua atau lebih).")
    ],
    release: ReleaseOpt,
    year: YearOpt = None,
    draws: Annotated[int, typer.Option("--draws", help="Undian galat penargetan.")] = 200,
    seed: SeedOpt = 20250301,
    truth: TruthOpt = None,
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    actor: common.AsOpt = None,
) -> None:
    """Bandingkan skenario berdampingan: undian dan galat penargetan yang sama."""
    out = common.output_format(fmt)
    from rpkd.workflows import scenarios as wf

    with common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws:
        result = wf.compare_scenarios(
            ws, scenarios, release, year=year, draws=draws, seed=seed, truth=truth
        )
    common.findings(result.findings, ws.lang)
    title = locale.message("scenario_title_compare", ws.lang, release=release, draws=draws)
    table = result.readable(ws.lang) if out == "table" else result.to_arrow()
    common.emit(table, out, ws.lang, title=title, json_data=result.to_json())


def save(
    source: Annotated[Path, typer.Argument(help="Berkas TOML skenario.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Nama (default: nama di berkas).")
    ] = None,
    chosen: Annotated[
        bool, typer.Option("--chosen", help="Jadikan skenario terpilih rencana (dikutip RPKD).")
    ] = False,
    plan: PlanOpt = None,
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    actor: common.AsOpt = None,
) -> None:
    """Simpan skenario di basis data aplikasi, tertaut ke pagu kegiatan rencana."""
    out = common.output_format(fmt)
    from rpkd.workflows import scenarios as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.save_scenario(ws, source, name=name, chosen=chosen, plan=plan)
    title = locale.message("scenario_title_saved", ws.lang, scenario=result.name)
    common.emit(result.to_arrow(), out, ws.lang, title=title, json_data=result.to_json())


def list_(
    workspace: common.WorkspaceOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    actor: common.AsOpt = None,
) -> None:
    """Daftar skenario tersimpan."""
    out = common.output_format(fmt)
    from rpkd.workflows import scenarios as wf

    with common.workspace(workspace, lang=lang, actor=actor) as ws:
        result = wf.list_scenarios(ws)
    title = locale.label("scenario.title.list", ws.lang)
    common.emit(result.to_arrow(), out, ws.lang, title=title, json_data=result.to_json())


def optimise(
    release: ReleaseOpt,
    objective: Annotated[str, typer.Option("--objective", help="extreme | p0")] = "extreme",
    target: Annotated[
        float, typer.Option("--target", help="Tingkat sasaran, pecahan (default 0).")
    ] = 0.0,
    year: YearOpt = None,
    draws: Annotated[int, typer.Option("--draws", help="Undian galat penargetan.")] = 30,
    seed: SeedOpt = 20250301,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Program pilihan dari skenario (default: menu kit)."),
    ] = None,
    truth: TruthOpt = None,
    points: Annotated[int, typer.Option("--points", help="Titik kurva anggaran-tingkat.")] = 6,
    workspace: common.WorkspaceOpt = None,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    actor: common.AsOpt = None,
) -> None:
    """Anggaran terkecil per program dan kecamatan yang mencapai sasaran kemiskinan."""
    out = common.output_format(fmt)
    from rpkd.workflows import scenarios as wf

    with common.workspace(workspace, lang=lang, engine=engine, actor=actor) as ws:
        result = wf.optimise_budget(
            ws, release, objective=objective, target=target, year=year, draws=draws, seed=seed,
            scenario=scenario, truth=truth, points=points,
        )  # fmt: skip
    common.findings(result.findings, ws.lang)
    if out != "table":
        common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
        return
    title = locale.message(
        "optimise_title", ws.lang, objective=locale.label(f"optimise.objective.{objective}",
                                                          ws.lang),
        target=target, year=result.year, budget=result.budget,
    )  # fmt: skip
    common.emit(result.readable(ws.lang), out, ws.lang, title=title)
    frontier = locale.label("optimise.title.frontier", ws.lang)
    common.emit(result.readable_frontier(ws.lang), out, ws.lang, title=frontier)
