"""The language switch: ``/lang/id`` or ``/lang/en`` sets the ``rpkd_lang`` cookie and goes
back to the page (Bahasa Indonesia is the default)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from rpkd.locale import LANGS
from rpkd.web import pages
from rpkd.web.deps import LANG_COOKIE, set_cookie

router = APIRouter(include_in_schema=False)

ONE_YEAR = 365 * 24 * 3600


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str | None = None) -> Response:
    """Remember ``lang`` for a year and return to ``next`` (a path of this site)."""
    if lang not in LANGS:
        raise HTTPException(status_code=404)
    response = RedirectResponse(pages.safe_next(next), status_code=303)
    set_cookie(response, request, LANG_COOKIE, lang, max_age=ONE_YEAR)
    return response
