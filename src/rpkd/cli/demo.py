"""``rpkd demo``: the main job end to end on the embedded default district."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from rpkd.cli import common
from rpkd.cli.map import draw
from rpkd.workflows.demo import run_demo

STAGES = {
    "calibrate": ("Kalibrasi distrik sintetis", "Calibrating the synthetic district"),
    "rank": ("Pemeringkatan desil", "Ranking desil"),
    "write": ("Menulis data sintetis", "Writing synthetic data"),
    "poverty": ("Estimasi kemiskinan", "Estimating poverty"),
    "profile": ("Profil registri", "Registry profile"),
    "map": ("Peta kemiskinan (SAE)", "Poverty map (SAE)"),
    "link": ("Penautan daftar penerima", "Linking beneficiary lists"),
    "convergence": ("Konvergensi program", "Programme convergence"),
    "plan": ("Rencana dan kinerja", "Plan and performance"),
}


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    workspace: common.WorkspaceOpt = None,
    lang: common.LangOpt = None,
    seed: Annotated[int, typer.Option(help="Benih acak distrik sintetis.")] = 1,
    families: Annotated[
        int | None, typer.Option(help="Jumlah keluarga (default: kalibrasi Kapuas).")
    ] = None,
) -> None:
    """Jalankan seluruh alur pada Kabupaten Kapuas sintetis dan tunjukkan hasilnya."""
    settings = common.settings(workspace, lang=lang)
    en = settings.lang == "en"
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(what: str, done: int, total: int) -> None:
            label = STAGES.get(what, (what, what))[1 if en else 0]
            if what not in tasks:
                tasks[what] = bar.add_task(label, total=max(total, 1))
            bar.update(tasks[what], completed=done, total=max(total, 1))

        result = run_demo(settings, seed=seed, families=families, progress=progress)
        for task in tasks.values():
            bar.update(task, completed=bar.tasks[task].total)
    for poverty_map, files in result.maps:  # maps are drawn here: reports sit above workflows
        draw(poverty_map, files, settings.lang, settings.workspace)
    out = Console(highlight=False)
    title = "rpkd demo" + (" — results" if en else " — hasil")
    out.print(f"[bold]{title}[/] ({settings.workspace.resolve()})")
    for step in result.steps:
        out.print(f"• [bold]{step.name}[/]: {step.summary}")
        for path in step.files:
            out.print(f"    {path}")
