"""Eligibility rules as data: the programmes' rules read by everyone, changed by an analyst.

The editor previews a changed rule (families it adds and removes, by desa; HTMX part) before
saving it; a rule that does not parse or names an unknown column comes back at the field with
the sentence of its error (422). Saving appends a version (:func:`rpkd.workflows.rules.save_rule`,
audited), which every targeting workflow applies from then on.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rpkd.errors import InvalidInput, UsageError
from rpkd.locale import Lang
from rpkd.web import pages
from rpkd.web.deps import Language, RequestWorkspace
from rpkd.workflows.rules import RulePreview, preview_rule, rule_history, rule_list, save_rule
from rpkd.workflows.targeting import derived_columns

router = APIRouter(include_in_schema=False)


@router.get("/targeting/rules")
def rules(request: Request, ws: RequestWorkspace, lang: Language) -> Response:
    """Every programme's rule in force, with who changed it when."""
    found = rule_list(ws)
    return pages.render(request, "sasaran/rules.html",
                        {"rules": found.to_json(), "editable": found.editable})  # fmt: skip


def preview_context(found: RulePreview, lang: Lang) -> dict[str, Any]:
    """Return what ``sasaran/_preview.html`` shows of a preview."""
    table = pages.data_table(found.rows, lang, columns=("desa", "families", "before", "after",
                             "added", "removed"), labels="web.rules.col.", limit=30)  # fmt: skip
    return {"preview": found, "totals": found.totals(), "preview_table": table}


def _editor(
    request: Request,
    ws: RequestWorkspace,
    lang: Lang,
    programme: str,
    *,
    rule: str | None = None,
    reason: str = "",
    errors: dict[str, str] | None = None,
    preview: RulePreview | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    found = rule_history(ws, programme)
    data: dict[str, Any] = {
        "history": found,
        "versions": found.to_json()["versions"],
        "rule": found.rule if rule is None else rule,
        "reason": reason,
        "errors": errors or {},
        "saved": saved,
        "columns": derived_columns(ws).to_json(),
        "preview": None,
    }
    if preview is not None:
        data.update(preview_context(preview, lang))
    return pages.render(request, "sasaran/rule.html", data, status_code=status_code)


@router.get("/targeting/rules/{programme}")
def rule_page(
    request: Request, ws: RequestWorkspace, lang: Language, programme: str, saved: bool = False
) -> Response:
    """The editor of ``programme``'s rule: the rule in force, its history, preview and save."""
    return _editor(request, ws, lang, programme, saved=saved)


@router.post("/targeting/rules/{programme}/preview")
def rule_preview(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    programme: str,
    rule: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Families the changed rule adds and removes by desa (nothing saved); an HTMX part."""
    try:
        found = preview_rule(ws, programme, rule)
    except (InvalidInput, UsageError) as exc:
        errors = {"rule": exc.message(lang)}
        if pages.is_htmx(request):
            return pages.render(request, "sasaran/_preview.html",
                                {"preview": None, "errors": errors}, status_code=422)  # fmt: skip
        return _editor(request, ws, lang, programme, rule=rule, reason=reason, errors=errors,
                       status_code=422)  # fmt: skip
    if pages.is_htmx(request):
        return pages.render(request, "sasaran/_preview.html",
                            {**preview_context(found, lang), "errors": {}})  # fmt: skip
    return _editor(request, ws, lang, programme, rule=rule, reason=reason, preview=found)


@router.post("/targeting/rules/{programme}")
def rule_save(
    request: Request,
    ws: RequestWorkspace,
    lang: Language,
    programme: str,
    rule: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Save the rule (checked; a new version, audited) and show the editor again."""
    try:
        save_rule(ws, programme, rule, reason=reason)
    except (InvalidInput, UsageError) as exc:
        return _editor(request, ws, lang, programme, rule=rule, reason=reason,
                       errors={"rule": exc.message(lang)}, status_code=422)  # fmt: skip
    return RedirectResponse(f"/targeting/rules/{programme}?saved=true", status_code=303)
