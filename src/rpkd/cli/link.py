"""``rpkd link``: link a beneficiary list to a release's persons (DESIGN.md §7).

``rpkd link LIST --release NAME [--workspace W] [--upper P] [--lower P] [--decisions FILE]
[--format table|json|csv] [--lang id|en]``. JSON and CSV give one record per list row
(record, person_id, match_probability, method); the table shows counts only, never names or NIKs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpkd.cli import common
from rpkd.settings import Lang
from rpkd.workflows.link import LinkOutcome, link_list

_METHODS = {
    "nik": ("NIK sama (tepercaya, satu orang)", "Same NIK (trusted, one person)"),
    "probabilistic": (
        "Probabilistik di atas ambang atas",
        "Probabilistic above the upper threshold",
    ),
    "review": ("Perlu pemeriksaan petugas", "Needs clerical review"),
    "none": ("Tidak ditemukan di registri", "Not found in the registry"),
    "deceased": ("  di antaranya orang yang sudah meninggal", "  of which deceased persons"),
    "shared": ("  baris yang menunjuk orang yang sama", "  rows claiming the same person"),
}


# Findings of the model fit (rule prefix -> Indonesian, English).
_FINDINGS = {
    "em_session": (
        "sesi EM dipersingkat/dilewati agar peluang m tidak menjadi nol",
        "an EM session was shortened or skipped so that no m probability underflows",
    ),
    "no_links": ("tidak ada satu baris pun yang tertaut", "no list row was linked"),
}


def register(app: typer.Typer) -> None:
    """Add the ``link`` command to ``app``."""
    app.command("link")(link)


def link(
    list_file: Annotated[
        Path, typer.Argument(metavar="LIST", help="Daftar penerima: CSV, XLSX atau Parquet.")
    ],
    release: Annotated[str, typer.Option("--release", help="Nama rilis registri.")],
    workspace: common.WorkspaceOpt = None,
    upper: Annotated[
        float | None,
        typer.Option("--upper", help="Ambang atas peluang cocok (default linkage.toml: 0.95)."),
    ] = None,
    lower: Annotated[
        float | None,
        typer.Option("--lower", help="Ambang bawah; di antaranya: pemeriksaan (default 0.50)."),
    ] = None,
    decisions: Annotated[
        Path | None,
        typer.Option("--decisions", help="review.csv yang kolom decision-nya sudah diisi."),
    ] = None,
    unmask_review: Annotated[
        bool,
        typer.Option("--unmask-review", help="Tulis review.csv tanpa penyamaran data pribadi."),
    ] = False,
    engine: common.EngineOpt = None,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Tautkan daftar penerima program ke individu dalam registri (NIK, lalu probabilistik)."""
    output = common.output_format(fmt)
    settings = common.settings(workspace, lang=lang, engine=engine)
    for name, value in (("--upper", upper), ("--lower", lower)):
        if value is not None and not 0.0 < value < 1.0:
            raise typer.BadParameter(f"{name} harus di antara 0 dan 1, bukan {value}")
    outcome = link_list(
        settings,
        list_file,
        release,
        upper=upper,
        lower=lower,
        decisions=decisions,
        masked=not unmask_review,
    )
    if output != "table":
        common.emit(outcome.to_arrow(), output)
        return
    _summary(outcome, settings.lang)


def _summary(outcome: LinkOutcome, lang: Lang) -> None:
    counts = outcome.counts()
    rows = [
        {
            common.say(lang, "hasil", "result"): common.say(lang, *_METHODS[key]),
            common.say(lang, "baris", "rows"): counts[key],
        }
        for key in _METHODS
    ]
    title = common.say(
        lang,
        f"Penautan {counts['rows']} baris daftar ke rilis {outcome.release}",
        f"Linkage of {counts['rows']} list rows to release {outcome.release}",
    )
    common.emit(rows, "table", title=title)
    for finding in outcome.result.findings:
        for prefix, texts in _FINDINGS.items():
            if finding.startswith(prefix):
                common.stderr().print(f"{finding}: {common.say(lang, *texts)}", markup=False)
    common.stderr().print(
        common.say(lang, "Hasil dan antrean pemeriksaan: ", "Links and review queue: ")
        + str(outcome.folder),
        markup=False,
        soft_wrap=True,
    )
