"""rpkd errors as HTTP answers: a page in the user's language, or JSON for the API.

=================================  ======  =============================================
error                              status  page (the API answers JSON in every case)
=================================  ======  =============================================
``Unauthenticated``                401     a GET page redirects (303) to ``/login?next=``;
                                           HTMX gets ``HX-Redirect``
``Forbidden``                      403     the error page
``NotFound``                       404     the error page
``InvalidInput``                   422     the error page with its findings (forms catch
                                           it first and show the fields' errors)
``TooLarge``                       413     the error page (a body over its limit,
                                           refused as it arrives: :mod:`rpkd.web.limits`)
``UsageError``                     400     the error page
``RateLimited``                    429     the error page; ``Retry-After`` header
``Unavailable``                    503     the error page (the application database
                                           cannot be reached); ``Retry-After`` header
any other exception                500     the error page ``server_error``; the traceback
                                           goes to the server's log only
=================================  ======  =============================================

The API's JSON: ``{"detail": sentence, "error": {"code", "param", "params", "findings"}}``
(the sentence in the language of the ``rpkd_lang`` cookie, else of ``Accept-Language``, else
Indonesian), for every refusal: parameters that do not parse (422, the first problem's code
naming its parameter, every problem a finding: :func:`rpkd.workflows.api_requests.refusal`),
an unknown address (404 ``api_path_unknown``), a method the address does not take (405
``api_method_not_allowed``) and a body that cannot be read (400 ``api_body_unreadable``; a body
over its limit 413, a form field over Starlette's 1 MB of a part 413
``request_field_too_large``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from rpkd import locale
from rpkd.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    RpkdError,
    TooLarge,
    Unauthenticated,
    Unavailable,
    UsageError,
)
from rpkd.web import pages
from rpkd.web.deps import is_api, language
from rpkd.workflows.api_requests import refusal

STATUS: tuple[tuple[type[RpkdError], int], ...] = (
    (Unauthenticated, 401),
    (RateLimited, 429),
    (Forbidden, 403),
    (NotFound, 404),
    (TooLarge, 413),
    (InvalidInput, 422),
    (UsageError, 400),
    (Unavailable, 503),
)
RETRY_SECONDS = 5
"""What a 503 answer's ``Retry-After`` says: a restarting database server is back in seconds."""

HTTP_MESSAGES = {404: "page_not_found", 405: "method_not_allowed"}
API_MESSAGES = {404: "api_path_unknown", 405: "api_method_not_allowed", 400: "api_body_unreadable"}
"""The API's codes of Starlette's HTTP errors (any other status: ``request_failed``)."""


def status_of(error: RpkdError) -> int:
    """Return the HTTP status of an rpkd error (500 for an error of no known kind)."""
    return next((status for kind, status in STATUS if isinstance(error, kind)), 500)


def title_key(status: int) -> str:
    """Return the label of an error page's title (a general one for a status without its own)."""
    key = f"web.status.{status}"
    if locale.has_label(key):
        return key
    return "web.status.500" if status >= 500 else "web.status.400"


def _headers(error: RpkdError) -> dict[str, str]:
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, Unavailable):
        return {"Retry-After": str(RETRY_SECONDS)}
    return {}


def login_redirect(request: Request) -> Response:
    """Send a page without a session to the login form, to come back here afterwards."""
    target = "/login?next=" + quote(pages.here(request), safe="/")
    if pages.is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def rpkd_error(request: Request, error: Exception) -> Response:
    """Answer an :class:`rpkd.errors.RpkdError` raised by a dependency or a workflow."""
    assert isinstance(error, RpkdError)
    status = status_of(error)
    headers = _headers(error)
    if is_api(request):
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        body = {"detail": error.message(language(request)), "error": error.to_json()}
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401 and request.method == "GET":
        return login_redirect(request)
    if isinstance(error, Unavailable):
        request.state.notice_count = 0  # the bell would ask the database that is not there
    return pages.render(
        request,
        "error.html",
        {"title": title_key(status), "error": error},
        status_code=status,
        headers=headers,
    )


def _oversized_field(error: HTTPException) -> TooLarge | None:
    """Return the refusal of a form field over Starlette's size of a part (its form parser
    stops there with a 400 of its own), None for any other error."""
    context = error.__context__
    if error.status_code != 400 or not isinstance(context, MultiPartException):
        return None
    size = re.search(r"maximum size of (\d+)\s*KB", context.message)
    if size is None:
        return None
    return TooLarge("request_field_too_large", param="body", limit=int(size.group(1)))


async def http_error(request: Request, error: Exception) -> Response:
    """Answer Starlette's HTTP errors (an unknown path: 404) as a page or as JSON."""
    assert isinstance(error, HTTPException)
    if isinstance(error.__cause__, RpkdError):  # raised while FastAPI read the body (413)
        return await rpkd_error(request, error.__cause__)
    if oversized := _oversized_field(error):
        return await rpkd_error(request, oversized)
    if is_api(request):
        code = API_MESSAGES.get(error.status_code, "request_failed")
        coded = RpkdError(code, param="path", path=request.url.path[:200], method=request.method)
        body = {"detail": coded.message(language(request)), "error": coded.to_json()}
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)
    code = HTTP_MESSAGES.get(error.status_code, "request_failed")
    return pages.render(
        request,
        "error.html",
        {"title": title_key(error.status_code), "message_code": code},
        status_code=error.status_code,
        headers=error.headers,
    )


async def validation_error(request: Request, error: Exception) -> Response:
    """Answer a request whose parameters do not parse: the coded JSON of the first problem
    (every problem a finding) for the API, a page otherwise."""
    assert isinstance(error, RequestValidationError)
    if is_api(request):
        return await rpkd_error(request, refusal(error.errors()))
    return pages.render(
        request,
        "error.html",
        {"title": title_key(422), "message_code": "request_invalid"},
        status_code=422,
    )


async def server_error(request: Request, error: Exception) -> Response:
    """Answer an exception no other handler took: 500 with the coded ``server_error`` (page or
    JSON), never its text or traceback (Starlette logs those and re-raises after the answer)."""
    body = {
        "detail": locale.message("server_error", language(request)),
        "error": {"code": "server_error", "param": None, "params": {}, "findings": []},
    }
    if is_api(request):
        return JSONResponse(body, status_code=500)
    request.state.notice_count = 0  # nothing more that might fail again
    try:
        return pages.render(
            request,
            "error.html",
            {"title": title_key(500), "message_code": "server_error"},
            status_code=500,
        )
    except Exception:  # the layout itself failed: the sentence alone, in plain text
        return Response(body["detail"], status_code=500, media_type="text/plain; charset=utf-8")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RpkdError, rpkd_error)
    app.add_exception_handler(Exception, server_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
