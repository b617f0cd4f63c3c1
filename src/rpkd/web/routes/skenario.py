"""*Skenario*: saved scenarios; building one (a TOML upload or a form over the kit's
programmes) and saving it; running one on a release with its chart and table; comparing
several; the budget optimiser with its trade-off curve.

Every figure comes from :mod:`rpkd.workflows.scenarios` (the same results as ``rpkd scenario
run|compare`` and ``rpkd optimise``); a form is written as a scenario file
(:func:`rpkd.workflows.scenario_forms.save_scenario_draft`) and checked by the same rules, its
findings shown beside the field they name. A run takes one to three seconds with the default
200 draws (``benchmarks/RESULTS.md``), so it answers at once; HTMX swaps the result in and
shows that it is working meanwhile. Reading needs ``plan.read`` (the list) and
``aggregate.read`` on the release (runs); saving ``plan.edit`` (the workflows check).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from rpkd import locale
from rpkd.errors import InvalidInput, RpkdError, UsageError
from rpkd.locale import Lang
from rpkd.reports.charts.scenarios import frontier_chart, scenario_chart
from rpkd.web import pages
from rpkd.web.access import table
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.releases import list_releases
from rpkd.workflows.scenario_forms import (
    PackageDraft,
    ScenarioDraft,
    save_scenario_draft,
    scenario_form,
)
from rpkd.workflows.scenarios import (
    compare_scenarios,
    list_scenarios,
    optimise_budget,
    run_scenario,
    save_scenario_text,
)
from rpkd.workflows.workspace import Workspace

if TYPE_CHECKING:
    from rpkd.findings import Finding

router = APIRouter(include_in_schema=False)

ROWS = 3
"""Package rows the form shows at first (a button adds one)."""
MAX_ROWS = 12
PACKAGE_FIELDS = ("programme", "amount", "top_up_to", "rule", "uptake", "budget", "priority",
                  "activity")  # fmt: skip
TOP_FIELDS = ("name", "description", "growth", "inflation")
_FIELD_OF = {"macro.growth": "growth", "macro.inflation": "inflation"}
MAX_UPLOAD = 256 * 1024
Year = Annotated[str, Query(max_length=8, description="Last year; empty: the target year")]
Draws = Annotated[int, Query(ge=10, le=500)]


# --- the page --------------------------------------------------------------------------------


def _may_save(request: Request) -> bool:
    """Whether the user's roles may post the form (the route table's answer)."""
    who = getattr(request.state, "signed_in", None)
    route = table()[("POST", "/scenarios")]
    return who is not None and route.admits(who.roles)


def _page_context(ws: Workspace, request: Request, lang: Lang) -> dict[str, Any]:
    """The page's lists: saved scenarios, the releases one may read, the form's options."""
    saved = list_scenarios(ws)
    releases = sorted(list_releases(ws).releases, key=lambda r: r.reference_date, reverse=True)
    return {
        "saved": saved.scenarios,
        "saved_table": pages.data_table(
            saved.to_arrow(),
            lang,
            labels="web.scenarios.column.",
            columns=("name", "plan", "chosen", "packages", "links"),
        ),
        "releases": [{"name": r.name, "date": r.reference_date} for r in releases],
        "form": scenario_form(ws) if _may_save(request) else None,
        "values": _empty_values(ROWS),
        "rows": ROWS,
        "errors": {},
        "error": None,
        "findings": None,
        "upload": False,
        "chosen": False,
        "saved_now": None,
        "result": None,
        "choice": {
            "release": releases[0].name if releases else "",
            "year": "",
            "draws": 200,
            "scenarios": [],
            "objective": "extreme",
            "target": "0",
        },
    }


@router.get("/scenarios")
def scenarios_page(
    request: Request, ws: RequestWorkspace, lang: Language, saved: str = ""
) -> Response:
    """Saved scenarios, the forms to build, run, compare and optimise."""
    context = _page_context(ws, request, lang)
    context["saved_now"] = saved or None
    return pages.render(request, "skenario/index.html", context)


# --- saving ----------------------------------------------------------------------------------


def _empty_values(rows: int) -> dict[str, str]:
    values = dict.fromkeys(TOP_FIELDS, "")
    values.update({f"p{i}_{f}": "" for i in range(rows) for f in PACKAGE_FIELDS})
    return values


def _draft(data: FormData, rows: int) -> tuple[ScenarioDraft, list[int], dict[str, str]]:
    """The form as a draft, the form row of each package (rows without a programme are left
    out) and the values typed (to show them again)."""
    values = {k: str(data.get(k) or "") for k in _empty_values(rows)}
    packages, places = [], []
    for i in range(rows):
        fields = {f: values[f"p{i}_{f}"] for f in PACKAGE_FIELDS}
        if fields["programme"].strip():
            packages.append(PackageDraft(**fields))
            places.append(i)
    draft = ScenarioDraft(values["name"], values["description"], values["growth"],
                          values["inflation"], tuple(packages))  # fmt: skip
    return draft, places, values


def _errors_by_field(error: RpkdError, places: list[int], lang: Lang) -> dict[str, str]:
    """Each finding's sentence under the form field it names (the first of each field)."""
    found: dict[str, str] = {}
    for f in error.findings or ():
        key = _field_key(f, places)  # the field says where: its sentence alone
        found.setdefault(key, locale.message(f.code, lang, **f.params))
    if not found:
        found["name" if error.param in (None, "scenario") else str(error.param)] = error.message(
            lang
        )
    return found


def _field_key(finding: Finding, places: list[int]) -> str:
    name = (finding.field or "name").split(".")[0] if finding.row else (finding.field or "name")
    name = _FIELD_OF.get(name, name)
    if not finding.row:
        return name if name in TOP_FIELDS else "name"
    row = places[finding.row - 1] if 0 < finding.row <= len(places) else 0
    return f"p{row}_{name if name in PACKAGE_FIELDS else 'programme'}"


def _findings_table(error: RpkdError, lang: Lang) -> pages.DataTable:
    rows = [
        {"row": f.row, "field": f.field, "value": f.value, "message": locale.render(f, lang)}
        for f in error.findings or ()
    ]
    return pages.data_table(rows, lang, columns=("row", "field", "value", "message"),
                            cells={"row": "integer", "value": "text"},
                            labels="web.scenarios.finding.")  # fmt: skip


def _read_upload(item: UploadFile) -> str:
    body = item.file.read(MAX_UPLOAD + 1)
    if len(body) > MAX_UPLOAD:
        raise InvalidInput("web_scenario_upload_large", param="file", limit=MAX_UPLOAD >> 10)
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("web_scenario_upload_text", param="file") from None


@router.post("/scenarios")
async def scenario_save(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Save a scenario from an uploaded TOML file or from the form; ``action=add`` shows one
    more package row instead. Findings come back beside their fields (422 without HTMX)."""
    data = await request.form(max_files=1, max_fields=20 + MAX_ROWS * len(PACKAGE_FIELDS))
    try:
        rows = min(max(_int(data.get("rows"), ROWS), 1), MAX_ROWS)
        chosen = data.get("chosen") == "on"
        plan = str(data.get("plan") or "") or None
        upload = data.get("file")
        context = await run_in_threadpool(_page_context, ws, request, lang)
        if data.get("action") == "add":
            rows = min(rows + 1, MAX_ROWS)
            context.update(values=_draft(data, rows)[2], rows=rows, chosen=chosen)
            return _form_answer(request, context)
        places: list[int] = []
        values = _empty_values(rows)
        try:
            if isinstance(upload, UploadFile) and upload.filename:
                text = _read_upload(upload)
                saved = await run_in_threadpool(
                    lambda: save_scenario_text(ws, text, file=upload.filename or "scenario.toml",
                                               chosen=chosen, plan=plan)
                )  # fmt: skip
            else:
                draft, places, values = _draft(data, rows)
                saved = await run_in_threadpool(
                    lambda: save_scenario_draft(ws, draft, chosen=chosen, plan=plan)
                )
        except (InvalidInput, UsageError) as error:
            context.update(values=values, rows=rows, chosen=chosen,
                           errors=_errors_by_field(error, places, lang),
                           error=error.message(lang),
                           findings=_findings_table(error, lang) if error.findings else None,
                           upload=bool(isinstance(upload, UploadFile) and upload.filename))  # fmt: skip
            return _form_answer(request, context, status_code=422)
    finally:
        await data.close()
    if not pages.is_htmx(request):
        return RedirectResponse(f"/scenarios?{urlencode({'saved': saved.name})}", status_code=303)
    context = await run_in_threadpool(_page_context, ws, request, lang)
    context["saved_now"] = saved.name
    return pages.render(request, "skenario/_body.html", context)


def _form_answer(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    """The page body with the form again: HTMX swaps it in (200); a plain post gets the page."""
    if pages.is_htmx(request):
        return pages.render(request, "skenario/_body.html", context)
    return pages.render(request, "skenario/index.html", context, status_code=status_code)


def _year(text: str) -> int | None:
    """The year typed (empty: None, the plan's target year)."""
    if not text.strip():
        return None
    if not text.strip().isdigit() or not 2000 <= int(text) <= 2060:
        raise UsageError("web_scenario_year", param="year", value=text[:8])
    return int(text)


def _percent(text: str) -> float:
    """The target typed in percent (``0,5`` or ``0.5``; empty: 0) as a fraction."""
    try:
        value = float(text.strip().replace(",", ".") or 0)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise UsageError("web_scenario_target", param="target", value=text[:12])
    return value / 100


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


# --- running ---------------------------------------------------------------------------------


def _result_answer(
    request: Request, ws: Workspace, lang: Lang, result: dict[str, Any] | None,
    choice: dict[str, Any],
) -> Response:  # fmt: skip
    """The result alone for HTMX; the whole page with the result otherwise."""
    if pages.is_htmx(request):
        return pages.render(request, "skenario/_result.html", {"result": result})
    context = _page_context(ws, request, lang)
    context["result"] = result
    context["choice"].update({k: v for k, v in choice.items() if v not in (None, "")})
    return pages.render(request, "skenario/index.html", context)


@router.get("/scenarios/run")
def scenario_run(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    scenario: str = "",
    release: str = "",
    year: Year = "",
    draws: Draws = 200,
) -> Response:
    """One saved scenario on a release: the chart of P0 and extreme poverty by year against
    the baseline, the estimates and the registry's cost and reach."""
    choice = {"release": release, "year": year, "draws": draws, "scenarios": [scenario]}
    if not scenario or not release:
        return _result_answer(request, ws, lang, None, choice)
    run = run_scenario(ws, scenario, release, year=_year(year), draws=draws, saved=True)
    result = {
        "kind": "run",
        "title": locale.message(
            "scenario_title_run", lang, scenario=run.scenario, release=release, draws=draws
        ),
        "spec": scenario_chart([run.to_json()], lang),
        "table": pages.data_table(run.readable(lang), lang),
        "reach": pages.data_table(run.readable_reach(lang), lang),
        "findings": run.findings,
    }
    return _result_answer(request, ws, lang, result, choice)


@router.get("/scenarios/compare")
def scenario_compare(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    scenario: Annotated[list[str] | None, Query()] = None,
    release: str = "",
    year: Year = "",
    draws: Draws = 200,
) -> Response:
    """Several saved scenarios side by side, with the same draws of the same errors."""
    names = [s for s in scenario or [] if s]
    choice = {"release": release, "year": year, "draws": draws, "scenarios": names}
    if not names or not release:
        return _result_answer(request, ws, lang, None, choice)
    both = compare_scenarios(ws, names, release, year=_year(year), draws=draws, saved=True)
    result = {
        "kind": "compare",
        "title": locale.message("scenario_title_compare", lang, release=release, draws=draws),
        "spec": scenario_chart(both.to_json(), lang),
        "table": pages.data_table(both.readable(lang), lang),
        "reach": None,
        "findings": both.findings,
    }
    return _result_answer(request, ws, lang, result, choice)


@router.get("/scenarios/optimise")
def scenario_optimise(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    release: str = "",
    objective: Literal["extreme", "p0"] = "extreme",
    target: Annotated[str, Query(max_length=12, description="Percent; empty: 0")] = "",
    year: Year = "",
) -> Response:
    """The least budget by programme and kecamatan reaching ``target`` percent of
    ``objective`` by ``year``, with the trade-off curve."""
    choice = {"release": release, "year": year, "objective": objective, "target": target or "0"}
    if not release:
        return _result_answer(request, ws, lang, None, choice)
    level = _percent(target)
    best = optimise_budget(ws, release, objective=objective, target=level,
                           year=_year(year))  # fmt: skip
    result = {
        "kind": "optimise",
        "title": locale.message(
            "optimise_title",
            lang,
            objective=locale.label(f"optimise.objective.{objective}", lang),
            target=level,
            year=best.year,
            budget=best.budget,
        ),
        "spec": frontier_chart(best.to_json(), lang),
        "table": pages.data_table(best.readable(lang), lang),
        "reach": pages.data_table(best.readable_frontier(lang), lang),
        "findings": best.findings,
    }
    return _result_answer(request, ws, lang, result, choice)
