"""``rpkd demo``: the main job end to end on the embedded default district, told to an officer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from rpkd import locale
from rpkd.cli import common
from rpkd.locale import Lang

if TYPE_CHECKING:
    from rpkd.workflows.demo import DemoResult, Figure


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    workspace: common.WorkspaceOpt = None,
    lang: common.LangOpt = None,
    seed: Annotated[int, typer.Option(help="Benih acak distrik sintetis.")] = 1,
    families: Annotated[
        int | None, typer.Option(help="Jumlah keluarga (default: kalibrasi Kapuas).")
    ] = None,
    fmt: common.FormatOpt = "table",
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help="Lalu buka aplikasi web ruang kerja ini di http://127.0.0.1:8000/."
        ),
    ] = False,
) -> None:
    """Jalankan seluruh alur pada Kabupaten Kapuas sintetis dan tunjukkan hasilnya."""
    out = common.output_format(fmt)
    from rpkd.workflows import demo as wf

    with common.workspace(workspace, lang=lang) as ws, common.progress(ws.lang) as progress:
        result = wf.run_demo(ws, seed=seed, families=families, progress=progress)
    if out != "table":
        common.emit(result.to_arrow(), out, ws.lang, json_data=result.to_json())
    else:
        _tell(result, ws.lang)
    if serve:
        from rpkd.cli import serve as server

        server.start(result.workspace, host="127.0.0.1", port=8000, lang=lang, first_admin=True)


def _figure(figure: Figure, lang: Lang) -> str:
    cell: common.Cell = {"percent": "percent", "index": "index", "count": "integer"}.get(
        figure.kind, "number"
    )  # type: ignore[assignment]
    value = common.cell(figure.estimate, lang, cell)
    if figure.ci_low is None or figure.ci_high is None:
        return value
    low, high = common.cell(figure.ci_low, lang, cell), common.cell(figure.ci_high, lang, cell)
    return locale.message("demo_interval", lang, value=value, low=low, high=high)


def _tell(result: DemoResult, lang: Lang) -> None:
    """Print what the demo found, in the officer's language, and where the workbooks are."""
    say = common.say
    say(locale.message("demo_title", lang, workspace=str(result.workspace.resolve())))
    say(
        locale.message(
            "demo_release_reused" if result.reused else "demo_release",
            lang,
            release=result.release,
            families=result.families,
            persons=result.persons,
            warnings=result.warnings,
            date=result.reference_date,
        )
    )
    say(
        locale.message(
            "demo_poverty",
            lang,
            p0=_figure(result.figure("p0"), lang),
            p1=_figure(result.figure("p1"), lang),
            p2=_figure(result.figure("p2"), lang),
            extreme=_figure(result.figure("extreme"), lang),
            poor=_figure(result.figure("poor"), lang),
            gini=_figure(result.figure("gini"), lang),
            line=locale.rupiah(result.lines["poverty"], lang),
            extreme_line=locale.rupiah(result.lines["extreme"], lang),
        )
    )
    say(
        locale.message(
            "demo_map",
            lang,
            method=locale.label(f"sae.method.{result.map_method}", lang),
            areas=result.map_areas,
            reliable=result.map_reliable,
            threshold=locale.percent(result.cv_threshold, lang, 0),
        )
    )
    say(
        locale.message(
            "demo_link",
            lang,
            lists=result.lists,
            rows=result.list_rows,
            linked=result.linked,
            precision=common.cell(result.precision, lang, "percent"),
            recall=common.cell(result.recall, lang, "percent"),
        )
    )
    say(
        locale.message("demo_convergence", lang, excluded=result.excluded, deceased=result.deceased)
    )
    counts = result.performance
    verdict = {True: "demo_on_track", False: "demo_off_track", None: "demo_path_unknown"}[
        result.on_track
    ]
    say(
        locale.message(
            "demo_plan",
            lang,
            plan=result.plan,
            year=str(result.plan_year),
            scored=counts.get("scored", 0),
            lagging=counts.get("lagging", 0),
            no_realisation=counts.get("no_realisation", 0),
            no_target=counts.get("no_target", 0),
            target_year=str(result.target_year),
            verdict=locale.message(verdict, lang),
        )
    )
    common.findings(result.findings, lang)
    say(locale.message("demo_files", lang))
    for key, path in result.files.items():
        say(f"  {locale.label(f'demo.file.{key}', lang)}: {path}")
