"""``rpkd sae``: small-area estimation commands (DESIGN.md §7).

``rpkd sae fh DATA --area COL --direct COL --variance COL [--covariate COL]...
[--categorical COL]... [--method reml|ml]``: Fay–Herriot EBLUPs with their MSEs.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.markup import escape

from rpkd import engine as eng
from rpkd.cli import common
from rpkd.errors import InvalidInput, UsageError
from rpkd.sae.fay_herriot import METHODS, FayHerriotResult, Method, fay_herriot
from rpkd.settings import Lang

_DELIMITERS = (",", ";", "\t", "|")

# Messages for the findings the estimator returns (rule -> Indonesian, English).
_FINDINGS = {
    "not_converged": (
        "Fisher scoring belum konvergen; sigma2_u adalah iterasi terakhir",
        "Fisher scoring did not converge; sigma2_u is the last iterate",
    ),
    "sigma2_u_zero": (
        "sigma2_u terestimasi 0 (batas): setiap EBLUP sama dengan estimasi sintetis",
        "sigma2_u is estimated at 0 (boundary): every EBLUP equals the synthetic estimate",
    ),
    "out_of_sample": (
        "area tanpa estimasi langsung memakai estimasi sintetis x'beta",
        "areas without a direct estimate get the synthetic estimate x'beta",
    ),
}


def register(app: typer.Typer) -> None:
    """Add the ``sae`` command group to ``app``."""
    group = typer.Typer(help="Estimasi area kecil (small-area estimation).", no_args_is_help=True)
    group.command("fh")(fh)
    app.add_typer(group, name="sae")


def fh(
    data: Annotated[
        Path, typer.Argument(help="Berkas CSV, XLSX atau Parquet: satu baris per area.")
    ],
    area: Annotated[str, typer.Option("--area", help="Kolom kode/nama area.")],
    direct: Annotated[
        str, typer.Option("--direct", help="Kolom estimasi langsung (kosong = tidak tersampel).")
    ],
    variance: Annotated[
        str, typer.Option("--variance", help="Kolom varians sampling estimasi langsung.")
    ],
    covariate: Annotated[
        list[str] | None, typer.Option("--covariate", help="Kovariat numerik (boleh berulang).")
    ] = None,
    categorical: Annotated[
        list[str] | None, typer.Option("--categorical", help="Kovariat kategorik (boleh berulang).")
    ] = None,
    method: Annotated[str, typer.Option("--method", help="reml (default) | ml")] = "reml",
    fmt: common.FormatOpt = "table",
    lang: common.LangOpt = None,
) -> None:
    """Fay–Herriot EBLUP per area dengan MSE (Prasad–Rao untuk REML, Datta–Lahiri untuk ML)."""
    output = common.output_format(fmt)
    settings = common.settings(None, lang=lang)
    chosen = method.strip().lower()
    if chosen not in METHODS:
        raise UsageError(
            "method_unknown", f"--method harus reml atau ml, bukan {method!r}", param="method"
        )
    table = _read(data, settings)
    try:
        result = fay_herriot(
            table,
            area=area,
            direct=direct,
            variance=variance,
            covariates=covariate or (),
            categorical=categorical or (),
            method=_method(chosen),
        )
    except InvalidInput as exc:
        raise InvalidInput(exc.code, f"{data}: {exc.message}", param=exc.param) from None
    _warn(result, settings.lang)
    _render(result, output, settings.lang)


def _method(value: str) -> Method:
    return "ml" if value == "ml" else "reml"


def _read(path: Path, settings: Any) -> pa.Table:
    """Read DATA through the engine (CSV as text, Parquet as typed) or XLSX with openpyxl."""
    if not path.is_file():
        raise UsageError("file_missing", f"berkas {path} tidak ditemukan", param="DATA")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix not in (".csv", ".txt", ".parquet"):
        raise UsageError(
            "file_format", f"{path}: format harus CSV, XLSX atau Parquet", param="DATA"
        )
    engine = eng.connect(settings)
    try:
        if suffix == ".parquet":
            return eng.fetch(eng.table(engine, path))
        return eng.fetch(eng.read_csv(engine, path, [], delimiter=_delimiter(path)))
    finally:
        eng.close(engine)


def _delimiter(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
    counts = {d: header.count(d) for d in _DELIMITERS}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_xlsx(path: Path) -> pa.Table:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise InvalidInput("file_empty", f"{path}: lembar kerja kosong", param="DATA")
    names = [str(c).strip() if c is not None else f"column_{i + 1}" for i, c in enumerate(rows[0])]
    body = [r for r in rows[1:] if any(c is not None for c in r)]
    columns = {
        name: [None if r[i] is None else str(r[i]) for r in body] for i, name in enumerate(names)
    }
    return pa.table(columns, schema=pa.schema([(n, pa.string()) for n in names]))


def _warn(result: FayHerriotResult, lang: Lang) -> None:
    for finding in result.findings:
        id_text, en_text = _FINDINGS.get(finding.rule, (finding.message, finding.message))
        common.stderr().print(
            f"[yellow]{common.say(lang, 'Catatan', 'Note')}:[/] "
            f"{common.say(lang, id_text, en_text)}",
            markup=True,
        )


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _render(result: FayHerriotResult, output: common.Format, lang: Lang) -> None:
    rows = [
        {
            "area": a.area,
            "direct": _number(a.direct),
            "eblup": _number(a.eblup),
            "mse": _number(a.mse),
            "gamma": _number(a.gamma),
        }
        for a in result.areas
    ]
    if output == "json":
        document = {
            "method": result.method,
            "sigma2_u": _number(result.sigma2_u),
            "coefficients": {k: _number(v) for k, v in result.coefficients.items()},
            "areas": rows,
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return
    if output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    title = f"Fay–Herriot ({result.method.upper()}), sigma2_u = {result.sigma2_u:.6g}"
    # rich reads "[level]" as markup: escape names shown in the terminal table.
    coefficients = [
        {"name": escape(n), "estimate": v, "se": result.coefficient_se[n]}
        for n, v in result.coefficients.items()
    ]
    common.emit(
        coefficients,
        "table",
        title=common.say(lang, "Koefisien", "Coefficients"),
        headers={"name": common.say(lang, "kovariat", "covariate"), "estimate": "beta"},
    )
    shown = [
        {**r, "area": escape(a.area), "rse": _rse(a.eblup, a.mse)}
        for r, a in zip(rows, result.areas, strict=True)
    ]
    common.emit(
        shown,
        "table",
        title=title,
        headers={
            "direct": common.say(lang, "langsung", "direct"),
            "rse": "RSE = sqrt(MSE)/EBLUP",
        },
    )


def _rse(estimate: float, mse: float) -> float | None:
    if estimate == 0 or mse < 0:
        return None
    return math.sqrt(mse) / abs(estimate)
