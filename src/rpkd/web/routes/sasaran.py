"""Sasaran: targeting and convergence of an area, drilled down kabupaten → kecamatan → desa.

The coverage matrix (programme × desil for the area, programme × area below it for a desil
band; :func:`rpkd.workflows.targeting_view.coverage_matrix`), on the district's page the
survey's inclusion and exclusion errors with their SEs (chart and table), and on a desa's page
the desil 1–2 families receiving nothing (masked; unmasked on request for a user allowed to,
every view audited by the workflow) with the desa's verification lists as XLSX
(:func:`rpkd.workflows.convergence.verification_lists`). Drilling swaps the page's body (HTMX)
and the address follows, as on the profile.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from rpkd import locale
from rpkd.locale import Lang
from rpkd.reports import charts
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.accuracy import AccuracyReport
from rpkd.workflows.convergence import verification_lists
from rpkd.workflows.rules import rule_list
from rpkd.workflows.targeting_view import (
    BANDS,
    LEFT_OUT_DESIL,
    CoverageMatrix,
    LeftOutFamilies,
    coverage_matrix,
    district_accuracy,
    left_out_families,
)

router = APIRouter(include_in_schema=False)

Band = Literal["2", "4", "10"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEFT_OUT_COLUMNS = ("kk_number", "head_name", "head_nik", "address", "desil", "family_size",
                    "eligible_programmes")  # fmt: skip


def programme_name(result: CoverageMatrix, code: str, lang: Lang) -> str:
    """Return a programme's name in ``lang`` (``any``: the catalogue's "any programme")."""
    for value, name_id, name_en in result.programmes:
        if value == code:
            return name_en if lang == "en" else name_id
    return locale.label("web.sasaran.any", lang)


def short_name(name: str) -> str:
    """Return a programme's short name: the abbreviation in its name's parentheses, if any.

    Examples
    --------
    >>> short_name("Program Keluarga Harapan (PKH)"), short_name("BLT Dana Desa")
    ('PKH', 'BLT Dana Desa')
    """
    if name.endswith(")") and "(" in name:
        return name[name.rindex("(") + 1 : -1]
    return name


def desil_table(result: CoverageMatrix, lang: Lang) -> pages.DataTable:
    """Return the area's coverage, programme × desil, as the page's table."""
    rows = []
    for r in result.by_desil().to_pylist():
        shown = {k: pages.cell(v, lang, "percent") for k, v in r.items() if k != "programme"}
        rows.append({"programme": programme_name(result, r["programme"], lang), **shown})
    columns = ("programme", *(f"desil_{d}" for d in range(1, 11)), "all")
    return pages.data_table(rows, lang, columns=columns, labels="web.sasaran.col.",
                            numeric=columns[1:])  # fmt: skip


def area_rows(result: CoverageMatrix, band: int, lang: Lang) -> list[dict[str, Any]]:
    """Return the areas below (a desa: itself) with their coverage of desil 1–``band``."""
    codes = result.programme_codes()
    out = []
    for r in result.by_area(band).to_pylist():
        hidden = r["families"] is None  # a suppressed cell below it
        out.append({
            "code": r["area"], "name": r["name"],
            "families": "*" if hidden else pages.cell(r["families"], lang, "integer"),
            "cells": ["*" if hidden else pages.cell(r[c], lang, "percent") for c in codes],
            "left_out": "*" if hidden else pages.cell(r["left_out"], lang, "integer"),
        })  # fmt: skip
    return out


def accuracy_table(report: AccuracyReport, names: dict[str, str], lang: Lang) -> pages.DataTable:
    """Return the error rates with their SEs by area (the district first) as a table."""
    rows = []
    for r in report.to_json():
        domain = r.get("domain")
        area = locale.label("chart.accuracy.whole", lang) if domain is None else names.get(
            str(domain), str(domain))  # fmt: skip
        rows.append({"area": area, "units": r.get("units"), "exclusion": r.get("exclusion"),
                     "exclusion_se": r.get("exclusion_se"), "inclusion": r.get("inclusion"),
                     "inclusion_se": r.get("inclusion_se")})  # fmt: skip
    kinds: dict[str, pages.Cell] = {"units": "integer", "exclusion": "percent",
                                    "exclusion_se": "percent", "inclusion": "percent",
                                    "inclusion_se": "percent"}  # fmt: skip
    return pages.data_table(rows, lang, cells=kinds, labels="web.sasaran.col.")


def left_out_table(result: LeftOutFamilies, names: dict[str, str], lang: Lang) -> pages.DataTable:
    """Return the left-out families as the page's table (names masked unless unmasked), the
    programmes they qualify for by their short names."""
    rows = result.rows.select(list(LEFT_OUT_COLUMNS)).to_pylist()
    for r in rows:
        codes = [c.strip() for c in (r["eligible_programmes"] or "").split(",") if c.strip()]
        r["eligible_programmes"] = ", ".join(short_name(names.get(c, c)) for c in codes) or "–"
    return pages.data_table(rows, lang, columns=LEFT_OUT_COLUMNS, labels="web.sasaran.col.",
                            cells={"desil": "integer", "family_size": "integer"})  # fmt: skip


def names_of(ws: RequestWorkspace) -> dict[str, str]:
    """Return the programmes' names in the page's language, by code."""
    return {r["programme"]: r["name"] for r in rule_list(ws).to_json()}


def _query(result: CoverageMatrix, band: int, **changes: str) -> str:
    values = {"release": result.release, "area": result.area.code, "band": str(band), **changes}
    return urlencode(values)


def context(ws: RequestWorkspace, result: CoverageMatrix, band: int, lang: Lang) -> dict[str, Any]:
    """Return what the Sasaran templates show of ``result`` (and, by depth, the accuracy or
    the left-out families)."""
    accuracy = None
    if result.area.depth == "kabupaten":
        report = district_accuracy(ws, result.release, cutoff=min(band, 4))
        if report is not None:
            codes = [str(r["domain"]) for r in report.to_json() if r.get("domain") is not None]
            names = {r["area"]: r["name"] for r in result.by_area(10).to_pylist()}
            names.update({c: names.get(c, c) for c in codes})
            accuracy = {
                "spec": charts.accuracy_chart(report.to_json(), names, lang),
                "table": accuracy_table(report, names, lang),
                "cutoff": min(band, 4),
            }
    left_out = None
    if result.area.depth == "desa" and result.records:
        found = left_out_families(ws, result.release, desa=result.area.code)
        left_out = {"result": found, "table": left_out_table(found, names_of(ws), lang)}
    titles = [programme_name(result, c, lang) for c in result.programme_codes()]
    return {
        "result": result,
        "band": band,
        "bands": [(str(b), locale.label(f"web.sasaran.band.{b}", lang)) for b in BANDS],
        "left_out_desil": LEFT_OUT_DESIL,
        "programmes": [(short_name(n), n) for n in titles],
        "desil_table": desil_table(result, lang),
        "area_rows": area_rows(result, band, lang),
        "accuracy": accuracy,
        "left_out": left_out,
        "query": lambda **changes: _query(result, band, **changes),
    }


@router.get("/targeting")
def targeting(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    release: str | None = None,
    area: str | None = None,
    band: Annotated[Band, Query()] = "2",
) -> Response:
    """The coverage matrix of ``area`` (default: the district, or one's own area)."""
    result = coverage_matrix(ws, release or None, area=area or None)
    template = "sasaran/_body.html" if pages.is_htmx(request) else "sasaran/index.html"
    return pages.render(request, template, context(ws, result, int(band), lang))


@router.get("/targeting/left-out")
def left_out(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    desa: str,
    release: str | None = None,
    unmask: bool = False,
) -> Response:
    """The desil 1–2 families of ``desa`` receiving nothing (a part for HTMX, or a page)."""
    found = left_out_families(ws, release or None, desa=desa, unmask=unmask)
    data = {"left_out": {"result": found, "table": left_out_table(found, names_of(ws), lang)}}
    template = "sasaran/_left_out.html" if pages.is_htmx(request) else "sasaran/left_out.html"
    return pages.render(request, template, data)


@router.get("/targeting/lists/{desa}.xlsx")
def lists(ws: RequestWorkspace, desa: str, release: str, unmask: bool = False) -> Response:
    """The desa's verification lists of ``release`` (XLSX; masked unless ``unmask``): the
    workflow checks the desa's scope and audits the download."""
    chosen = release
    with tempfile.TemporaryDirectory(prefix="rpkd-lists-") as folder:
        written = verification_lists(ws, chosen, Path(folder), desa=[desa],
                                     condition=f"desil <= {LEFT_OUT_DESIL}", unmask=unmask)  # fmt: skip
        path = written.files[0]
        body, name = path.read_bytes(), f"verifikasi-{chosen}-{desa}.xlsx"
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
