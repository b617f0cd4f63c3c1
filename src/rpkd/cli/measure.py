"""``rpkd survey estimate`` and ``rpkd mpi``: design-based poverty, inequality and MPI estimates.

Both print the DESIGN.md §7 estimates table (whole population first, then each domain).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer

from rpkd import engine as eng
from rpkd.cli import common
from rpkd.errors import InvalidInput, UsageError
from rpkd.measures import fgt, inequality, mpi
from rpkd.settings import Lang
from rpkd.survey import LONELY_PSU, Design, Estimates, mean, ordered

HEADERS_ID = {
    "measure": "ukuran",
    "indicator": "indikator",
    "line": "garis",
    "by": "menurut",
    "domain": "domain",
    "estimate": "estimasi",
    "se": "galat baku",
    "ci_low": "SK95% bawah",
    "ci_high": "SK95% atas",
    "n": "n sampel",
    "population": "populasi",
}

DataArg = Annotated[Path, typer.Argument(help="Data: CSV, XLSX atau Parquet.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", help="Simpan juga ke FILE.xlsx.")]


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


def _read_xlsx(path: Path) -> pa.Table:
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h) for h in next(rows, ())]
    data = [[None if v is None else str(v) for v in row] for row in rows]
    return pa.table(
        {h: [row[i] if i < len(row) else None for row in data] for i, h in enumerate(header)}
    )


def load(engine: eng.Engine, path: Path, numeric: list[str], needed: list[str]) -> Any:
    """Return DATA as an engine table with ``numeric`` columns parsed (row-level messages)."""
    if not path.is_file():
        raise UsageError("no_file", f"file {path} does not exist", param="DATA")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        raw = eng.fetch(eng.table(engine, path))
    elif suffix in (".xlsx", ".xlsm"):
        raw = _read_xlsx(path)
    elif suffix in (".csv", ".txt"):
        raw = eng.fetch(eng.read_csv(engine, path, []))
    else:
        raise UsageError(
            "bad_format", f"{path.name}: use a .csv, .xlsx or .parquet file", param="DATA"
        )
    for name in needed:
        if name not in raw.column_names:
            raise UsageError(
                "unknown_column",
                f"column {name!r} is not in {path.name} (columns: {', '.join(raw.column_names)})",
                param=name,
            )
    columns: dict[str, pa.Array] = {}
    for name in dict.fromkeys(needed):
        values = raw.column(name)
        if name in numeric:
            columns[name] = _numbers(values, name, path)
        else:
            columns[name] = values.cast(pa.string())
    return eng.table(engine, pa.table(columns))


def _numbers(values: pa.ChunkedArray, name: str, path: Path) -> pa.Array:
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
        out = values.cast(pa.float64())
        if out.null_count:
            row = next(i for i, v in enumerate(out.to_pylist()) if v is None)
            raise InvalidInput(
                "missing_value", f"{path.name}, row {row + 1}, field {name}: empty", param=name
            )
        return out
    parsed: list[float] = []
    for i, v in enumerate(values.cast(pa.string()).to_pylist()):
        try:
            parsed.append(float(str(v).replace(",", "")) if v not in (None, "") else float("nan"))
        except ValueError:
            raise InvalidInput(
                "not_a_number",
                f"{path.name}, row {i + 1}, field {name}: {v!r} is not a number",
                param=name,
            ) from None
        if parsed[-1] != parsed[-1]:
            raise InvalidInput(
                "missing_value", f"{path.name}, row {i + 1}, field {name}: empty", param=name
            )
    return pa.array(parsed, pa.float64())


def _check_values(table: Any, design: Design, welfare: str | None, path: Path) -> None:
    checks = [(design.weight, "> 0", table[design.weight] <= 0)]
    if design.size:
        checks.append((design.size, "≥ 1", table[design.size] < 1))
    if welfare:
        checks.append((welfare, "≥ 0", table[welfare] < 0))
    for name, rule, bad in checks:
        rows = table.filter(bad)
        count = int(eng.fetch(rows.aggregate(n=rows.count())).column("n")[0].as_py())
        if count:
            raise InvalidInput(
                "out_of_range", f"{path.name}: {count} value(s) of {name} not {rule}", param=name
            )


def _render(
    result: Estimates, fmt: str, lang: Lang, title: tuple[str, str], output: Path | None
) -> None:
    table = result.to_arrow()
    if output is not None:
        _write_xlsx(table, result, output, lang)
    headers = None if lang == "en" else HEADERS_ID
    if fmt == "table":
        keep = [
            c for c in table.column_names if c != "by" and table.column(c).null_count < len(table)
        ]
        table = table.select(keep)
    data: pa.Table | list[dict[str, Any]] = result.records() if fmt == "json" else table
    common.emit(data, common.output_format(fmt), title=common.say(lang, *title), headers=headers)
    if fmt == "table":
        for f in result.findings:
            common.stderr().print(common.say(lang, "Catatan: ", "Note: ") + f.message)


def _write_xlsx(table: pa.Table, result: Estimates, output: Path, lang: Lang) -> None:
    import xlsxwriter

    if output.suffix.lower() != ".xlsx":
        raise UsageError("bad_output", "--output must name a .xlsx file", param="output")
    book = xlsxwriter.Workbook(str(output))
    sheet = book.add_worksheet(common.say(lang, "estimasi", "estimates"))
    names = table.column_names
    sheet.write_row(0, 0, [HEADERS_ID.get(n, n) if lang != "en" else n for n in names])
    for i, row in enumerate(common.records(table), start=1):
        sheet.write_row(i, 0, [row[n] for n in names])
    notes = book.add_worksheet(common.say(lang, "catatan", "findings"))
    for i, f in enumerate(result.findings):
        notes.write_row(i, 0, [f.code, f.message])
    book.close()


def _lang(value: str | None) -> Lang:
    if value not in (None, "id", "en"):
        raise UsageError("bad_lang", f"--lang must be id or en, not {value!r}", param="lang")
    return "en" if value == "en" else "id"


def survey_estimate(
    data: DataArg,
    welfare: Annotated[str, typer.Option("--welfare", help="Kolom pengeluaran per kapita.")],
    weight: Annotated[str, typer.Option("--weight", help="Kolom penimbang.")],
    strata: Annotated[str | None, typer.Option("--strata", help="Kolom strata.")] = None,
    psu: Annotated[
        list[str] | None, typer.Option("--psu", help="Kolom PSU per tahap: a,b.")
    ] = None,
    fpc: Annotated[
        list[str] | None, typer.Option("--fpc", help="Kolom fpc per tahap: a,b.")
    ] = None,
    size: Annotated[
        str | None, typer.Option("--size", help="Jumlah ART (estimasi penduduk).")
    ] = None,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="Garis kemiskinan: angka atau kolom.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Kolom domain.")] = None,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", help="fgt0|fgt1|fgt2|mean|gini|qsr")
    ] = None,
    lonely_psu: Annotated[
        str, typer.Option("--lonely-psu", help="fail|adjust|certainty|remove")
    ] = "fail",
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    output: OutputOpt = None,
    engine_name: common.EngineOpt = None,
) -> None:
    """Estimasi kemiskinan (FGT) dan ketimpangan berbasis desain survei, dengan galat baku."""
    language = _lang(lang)
    common.output_format(fmt)
    measures = _split(measure) or ["fgt0", "fgt1", "fgt2"]
    allowed = ("fgt0", "fgt1", "fgt2", "mean", "gini", "qsr")
    bad = [m for m in measures if m not in allowed]
    if bad:
        raise UsageError(
            "bad_measure",
            f"--measure must be one of {', '.join(allowed)}, not {bad[0]!r}",
            param="measure",
        )
    if lonely_psu not in LONELY_PSU:
        raise UsageError(
            "lonely_psu", f"--lonely-psu must be one of {', '.join(LONELY_PSU)}", param="lonely_psu"
        )
    design = Design(weight, strata, tuple(_split(psu)), tuple(_split(fpc)), size, lonely_psu)
    lines: list[float | str] = []
    for text in _split(line):
        try:
            lines.append(float(text))
        except ValueError:
            lines.append(text)
    fgt_measures = [m for m in measures if m.startswith("fgt")]
    if fgt_measures and not lines:
        raise UsageError(
            "no_line", "FGT measures need at least one --line (number or column)", param="line"
        )
    settings = common.settings(None, lang=lang, engine=engine_name)
    engine = eng.connect(settings)
    try:
        header = _columns(data, engine)
        for value in lines:
            if isinstance(value, str) and value not in header:
                raise UsageError(
                    "bad_line",
                    f"--line {value!r} is neither a number nor a column of {data.name}",
                    param="line",
                )
            if isinstance(value, float) and not value > 0:
                raise UsageError(
                    "bad_line", f"--line must be positive, not {value:g}", param="line"
                )
        line_columns = [v for v in lines if isinstance(v, str)]
        numeric = [welfare, weight, *design.fpc, *([size] if size else []), *line_columns]
        needed = [*numeric, *design.columns(), *([by] if by else [])]
        table = load(engine, data, numeric, needed)
        _check_values(table, design, welfare, data)
        parts: list[Estimates] = []
        if fgt_measures:
            parts.append(
                fgt.estimate(
                    table, design, welfare=welfare, lines=lines, measures=fgt_measures, by=by
                )
            )
        if "mean" in measures:
            parts.append(mean(table, design, welfare, by=by))
        ineq = [m for m in measures if m in ("gini", "qsr")]
        if ineq:
            parts.append(inequality.estimate(table, design, welfare=welfare, measures=ineq, by=by))
        rows = [r for p in parts for r in p.rows]
        findings = tuple(dict.fromkeys(f for p in parts for f in p.findings))
        _render(
            Estimates(ordered(rows), findings),
            fmt,
            language,
            ("Estimasi kemiskinan dan ketimpangan", "Poverty and inequality estimates"),
            output,
        )
    finally:
        eng.close(engine)


def _columns(path: Path, engine: eng.Engine) -> list[str]:
    if not path.is_file():
        raise UsageError("no_file", f"file {path} does not exist", param="DATA")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return list(eng.table(engine, path).columns)
    if suffix in (".xlsx", ".xlsm"):
        return list(_read_xlsx(path).column_names)
    return list(eng.read_csv(engine, path, []).columns)


def mpi_command(
    data: DataArg,
    indicator: Annotated[
        list[str], typer.Option("--indicator", help="KOLOM=BOBOT (1 = terdeprivasi).")
    ],
    cutoff: Annotated[float, typer.Option("--cutoff", help="Batas k, misalnya 0.3333.")],
    weight: Annotated[str | None, typer.Option("--weight", help="Kolom penimbang.")] = None,
    strata: Annotated[str | None, typer.Option("--strata", help="Kolom strata.")] = None,
    psu: Annotated[str | None, typer.Option("--psu", help="Kolom PSU.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Kolom domain.")] = None,
    lonely_psu: Annotated[
        str, typer.Option("--lonely-psu", help="fail|adjust|certainty|remove")
    ] = "fail",
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
    output: OutputOpt = None,
    engine_name: common.EngineOpt = None,
) -> None:
    """Kemiskinan multidimensi Alkire-Foster (H, A, M0, kontribusi indikator) dengan galat baku."""
    language = _lang(lang)
    common.output_format(fmt)
    weights: dict[str, float] = {}
    for spec in indicator:
        name, sep, value = spec.partition("=")
        try:
            weights[name.strip()] = float(value) if sep else 1.0
        except ValueError:
            raise UsageError(
                "bad_indicator", f"--indicator {spec!r}: use COLUMN=WEIGHT", param="indicator"
            ) from None
    if lonely_psu not in LONELY_PSU:
        raise UsageError(
            "lonely_psu", f"--lonely-psu must be one of {', '.join(LONELY_PSU)}", param="lonely_psu"
        )
    engine = eng.connect(common.settings(None, lang=lang, engine=engine_name))
    try:
        numeric = [*weights, *([weight] if weight else [])]
        design = None
        if weight:
            design = Design(weight, strata, (psu,) if psu else (), (), None, lonely_psu)
        elif strata or psu:
            raise UsageError("no_weight", "--strata/--psu need --weight", param="weight")
        needed = [*numeric, *(design.columns() if design else ()), *([by] if by else [])]
        table = load(engine, data, numeric, needed)
        if design is not None:
            _check_values(table, design, None, data)
        for name in weights:
            bad = table.filter(~table[name].isin([0.0, 1.0]))
            if int(eng.fetch(bad.aggregate(n=bad.count())).column("n")[0].as_py()):
                raise InvalidInput(
                    "not_binary", f"{data.name}: indicator {name} must hold 0 or 1", param=name
                )
        result = mpi.estimate(table, weights, cutoff, design, by)
        rows = [r for r in result.estimates.rows if r.measure in mpi.CONTRACT_MEASURES]
        _render(
            Estimates(tuple(rows), result.estimates.findings),
            fmt,
            language,
            ("Kemiskinan multidimensi (Alkire-Foster)", "Multidimensional poverty (Alkire-Foster)"),
            output,
        )
    finally:
        eng.close(engine)


def register(app: typer.Typer) -> None:
    """Add ``survey estimate`` and ``mpi`` to the app."""
    survey = typer.Typer(
        name="survey", help="Estimasi dari sampel survei (Susenas).", no_args_is_help=True
    )
    survey.command("estimate")(survey_estimate)
    app.add_typer(survey, name="survey")
    app.command("mpi")(mpi_command)
