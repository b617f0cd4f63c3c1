"""``rpkd synth``: write a realistic synthetic district (DESIGN.md §7)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from rpkd.cli import common
from rpkd.errors import UsageError

_STAGES = {
    "calibrate": ("Kalibrasi", "Calibrating"),
    "rank": ("Pemeringkatan PMT", "Ranking (PMT)"),
    "write": ("Menulis berkas", "Writing files"),
}


class _Bars:
    """Rich progress bars on standard error, shown only once a run has lasted a second."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.started < 1.0:
                return
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=common.stderr(),
                transient=False,
            )
            self.progress.start()
        if stage not in self.tasks:
            id_text, en_text = _STAGES.get(stage, (stage, stage))
            label = common.say(self.lang, id_text, en_text)  # type: ignore[arg-type]
            self.tasks[stage] = self.progress.add_task(label, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to ``app``."""

    @app.command("synth")
    def synth(
        region: Annotated[
            str,
            typer.Option(
                "--region",
                help="Kode wilayah Kemendagri (mis. 62.03), atau 00 / ID untuk seluruh Indonesia.",
            ),
        ],
        out: Annotated[Path, typer.Option("--out", help="Folder keluaran.")],
        families: Annotated[
            int | None,
            typer.Option("--families", help="Jumlah keluarga (default: sesuai wilayah)."),
        ] = None,
        seed: Annotated[
            int, typer.Option("--seed", help="Benih acak (hasil sama untuk benih sama).")
        ] = 1,
        file_format: Annotated[str, typer.Option("--format", "-f", help="csv | parquet")] = "csv",
        lang: common.LangOpt = None,
    ) -> None:
        """Buat kabupaten sintetis: registri, survei, desa, daftar penerima dan kebenarannya."""
        from rpkd.synth import synthesize

        settings = common.settings(None, lang=lang)
        if file_format not in ("csv", "parquet"):
            raise UsageError(
                "format", f"--format must be csv or parquet, not {file_format!r}", param="format"
            )
        if families is not None and families < 1:
            raise UsageError("families", "--families must be at least 1", param="families")
        bars = _Bars(settings.lang)
        try:
            result = synthesize(
                region,
                out,
                families=families,
                seed=seed,
                fmt="parquet" if file_format == "parquet" else "csv",
                progress=bars,
            )
        finally:
            bars.stop()
        summary = result.summary
        common.stderr().print(
            common.say(
                settings.lang,
                f"{summary['region']} {summary['region_name']}: {summary['families']:,} keluarga, "
                f"{summary['persons']:,} jiwa ditulis ke {out}",
                f"{summary['region']} {summary['region_name']}: {summary['families']:,} families, "
                f"{summary['persons']:,} persons written to {out}",
            )
        )
        headers = {
            "name": common.say(settings.lang, "besaran", "quantity"),
            "target": "target",
            "achieved": common.say(settings.lang, "tercapai", "achieved"),
        }
        common.emit(result.to_arrow(), "table", headers=headers)
