"""``rpkd profile``: the registry poverty profile of a release (DESIGN.md §7, RPKD chapter III).

``rpkd profile --release NAME [--level kabupaten|kecamatan|desa] [--engine duckdb|spark]
[--workspace W] [--public/--no-public] [--format table|json|csv] [--lang id|en] [--output F.xlsx]``

JSON and CSV give the long table (level, code, name, indicator, value, denominator, share,
suppressed), sorted by level, code and indicator, identical on every engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, get_args

import pyarrow as pa
import pyarrow.compute as pc
import typer

from rpkd.cli import common
from rpkd.measures.profile import Level, RegistryProfile
from rpkd.settings import Lang
from rpkd.workflows.profile import profile_release

# Indicator labels (Indonesian, English) for tables and workbooks.
_LABELS: dict[str, tuple[str, str]] = {
    "families_total": ("Keluarga", "Families"),
    "persons_total": ("Jiwa", "Persons"),
    "families_desil_1_4": ("Keluarga desil 1–4", "Families in desil 1–4"),
    "rtlh": ("Rumah tidak layak huni", "Unfit house (RTLH)"),
    "rtlh_wall": ("RTLH: dinding", "RTLH: wall"),
    "rtlh_roof": ("RTLH: atap", "RTLH: roof"),
    "rtlh_floor": ("RTLH: lantai", "RTLH: floor"),
    "rtlh_toilet": ("RTLH: tanpa jamban", "RTLH: no toilet"),
    "rtlh_floor_area": ("RTLH: < 7,2 m²/jiwa", "RTLH: < 7.2 m² per person"),
    "unsafe_water": ("Air minum tidak layak", "Unsafe drinking water"),
    "no_proper_sanitation": ("Sanitasi tidak layak", "No proper sanitation"),
    "no_electricity": ("Tanpa listrik", "No electricity"),
    "non_pln_electricity": ("Listrik bukan PLN", "Not on PLN electricity"),
    "child_out_of_school": ("Anak 7–18 tidak sekolah", "Child 7–18 out of school"),
    "head_not_working": ("Kepala tidak bekerja", "Head not working"),
    "head_agriculture": ("Kepala bekerja di pertanian", "Head works in agriculture"),
    "member_disability": ("Ada penyandang disabilitas", "Member with disability"),
    "member_elderly": ("Ada lansia", "Elderly member"),
    "female_head": ("Kepala keluarga perempuan", "Female head"),
    "member_under_five": ("Ada balita", "Child under five"),
    "member_pregnant": ("Ada ibu hamil", "Pregnant member"),
    "member_jkn_uninsured": ("Ada anggota tanpa JKN", "Member without JKN"),
    "elderly_persons": ("Lansia (60+)", "Elderly (60+)"),
    "disability_persons": ("Penyandang disabilitas", "Persons with disability"),
    "under_five_persons": ("Balita", "Children under five"),
    "pregnant_persons": ("Ibu hamil", "Pregnant women"),
    "female_headed_families": ("Keluarga berkepala perempuan", "Female-headed families"),
    "mpi_headcount": ("MPI: H", "MPI: H"),
    "mpi_intensity": ("MPI: A", "MPI: A"),
    "mpi_m0": ("MPI: M0", "MPI: M0"),
}
_FINDINGS: dict[str, tuple[str, str]] = {
    "family_without_living_member": (
        "keluarga tanpa anggota hidup, tidak dihitung",
        "families without a living member, not counted",
    ),
    "person_without_family": (
        "jiwa tanpa keluarga di rilis, tidak dihitung",
        "persons whose family is not in the release, not counted",
    ),
    "family_without_head": (
        "keluarga tanpa kepala keluarga hidup",
        "families without a living head",
    ),
    "desa_code_invalid": (
        "keluarga dengan kode desa tidak sah, tidak dihitung",
        "families with an invalid desa code, not counted",
    ),
    "region_unknown": (
        "kode wilayah tidak ada di daftar Kemendagri",
        "region codes not in the master",
    ),
    "cells_suppressed": (
        "sel kecil disembunyikan (dan sel pelengkapnya)",
        "small cells suppressed (with their complements)",
    ),
}
_SHEETS = {
    "desil": ("desil", "desil"),
    "characteristics": ("karakteristik_desil_1_4", "characteristics_desil_1_4"),
    "vulnerable": ("kelompok_rentan", "vulnerable_groups"),
    "mpi": ("mpi", "mpi"),
}


def register(app: typer.Typer) -> None:
    """Add the ``profile`` command to ``app``."""
    app.command("profile")(profile)


def label(indicator: str, lang: Lang) -> str:
    """Return the indicator's label in the user's language (desil cells are named by number)."""
    if indicator in _LABELS:
        return common.say(lang, *_LABELS[indicator])
    for unit, (id_text, en_text) in (
        ("families_desil_", ("Keluarga desil", "Families in desil")),
        ("persons_desil_", ("Jiwa desil", "Persons in desil")),
    ):
        if indicator.startswith(unit):
            slot = indicator.removeprefix(unit)
            slot = common.say(lang, "tanpa desil", "no desil") if slot == "missing" else slot
            return f"{common.say(lang, id_text, en_text)} {slot}"
    return indicator


def profile(
    release: Annotated[str, typer.Option("--release", help="Nama rilis.")],
    level: Annotated[
        str | None, typer.Option("--level", help="kabupaten | kecamatan | desa (default: semua)")
    ] = None,
    engine: common.EngineOpt = None,
    workspace: common.WorkspaceOpt = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public/--no-public", help="Sembunyikan sel kecil (default) untuk publikasi."
        ),
    ] = True,
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Tulis juga buku kerja XLSX.")
    ] = None,
) -> None:
    """Profil kemiskinan registri: desil, karakteristik keluarga desil 1–4, kelompok rentan."""
    output_format = common.output_format(fmt)
    if level is not None and level not in get_args(Level):
        raise typer.BadParameter(f"--level must be kabupaten, kecamatan or desa, not {level!r}")
    if output is not None and output.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"--output must end in .xlsx, not {output.name!r}")
    settings = common.settings(workspace, lang=lang, engine=engine)
    levels: tuple[Level, ...] = (level,) if level else get_args(Level)
    result = profile_release(settings, release, levels=levels, public=public)
    for finding in result.findings:
        text = common.say(settings.lang, *_FINDINGS.get(finding.rule, (finding.rule, finding.rule)))
        detail = f" ({finding.detail})" if finding.detail else ""
        common.stderr().print(f"{finding.count:,} {text}{detail}", soft_wrap=True)
    if output is not None:
        _workbook(result, output, settings.lang)
    if output_format == "table":
        for topic, table in _topics(result):
            title = common.say(settings.lang, *_SHEETS[topic]).replace("_", " ")
            common.emit(_labelled(table, settings.lang), "table", title=title)
        return
    common.emit(result.to_arrow(), output_format)


def _labelled(table: pa.Table, lang: Lang) -> pa.Table:
    """Return the long table for reading: code, name, indicator label, value, percent."""
    shares = table["share"].to_pylist()
    return pa.table(
        {
            common.say(lang, "kode", "code"): table["code"],
            common.say(lang, "nama", "name"): table["name"],
            common.say(lang, "indikator", "indicator"): [
                label(i, lang) for i in table["indicator"].to_pylist()
            ],
            common.say(lang, "jumlah", "count"): table["value"],
            "%": [None if v is None else round(100.0 * v, 1) for v in shares],
        }
    )


def _topics(result: RegistryProfile) -> list[tuple[str, pa.Table]]:
    return [
        ("desil", result.desil),
        ("characteristics", result.characteristics),
        ("vulnerable", result.vulnerable),
        ("mpi", result.mpi),
    ]


def _wide(table: pa.Table, lang: Lang) -> pa.Table:
    """Return one row per area and one column per indicator (counts; shares as percent)."""
    indicators = list(dict.fromkeys(table["indicator"].to_pylist()))
    keys = list(
        dict.fromkeys(
            zip(
                table["level"].to_pylist(),
                table["code"].to_pylist(),
                table["name"].to_pylist(),
                strict=True,
            )
        )
    )
    columns: dict[str, list[object]] = {
        common.say(lang, "tingkat", "level"): [k[0] for k in keys],
        common.say(lang, "kode", "code"): [k[1] for k in keys],
        common.say(lang, "nama", "name"): [k[2] for k in keys],
    }
    for ind in indicators:
        rows = table.filter(pc.equal(table["indicator"], ind)).to_pylist()
        cell = {(r["level"], r["code"]): r for r in rows}
        values, shares = [], []
        for k in keys:
            r = cell.get((k[0], k[1]))
            values.append(r["value"] if r else None)
            share = r["share"] if r else None
            shares.append(None if share is None else round(100.0 * share, 1))
        columns[label(ind, lang)] = values
        if any(s is not None for s in shares) and not ind.endswith("_total"):
            columns[f"% {label(ind, lang)}"] = shares
    return pa.table(columns)


def _workbook(result: RegistryProfile, path: Path, lang: Lang) -> None:
    """Write one sheet per topic (wide) plus the long table and the findings."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheets = [(common.say(lang, *_SHEETS[t]), _wide(table, lang)) for t, table in _topics(result)]
    sheets.append((common.say(lang, "tabel_panjang", "long_table"), result.to_arrow()))
    sheets.append((common.say(lang, "temuan", "findings"), result.findings_table()))
    for name, table in sheets:
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, table.column_names)
        for r, row in enumerate(table.to_pylist(), start=1):
            sheet.write_row(r, 0, list(row.values()))
    book.close()
