"""The one place where errors become HTTP responses.

Library code raises :mod:`pipeline.errors` exceptions; the web layer adds the
few that only make sense over HTTP. ``install_error_handlers`` maps both to a
status code, answering JSON under ``/api`` and an HTML page elsewhere (a
page request that needs a sign-in is redirected to ``/login`` instead).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.errors import CaseRuleError, ConfigError, DatabaseError, InputFileError, LianmingError, UsageError

log = logging.getLogger(__name__)


class WebError(LianmingError):
    """An error of a web request; ``status`` is its HTTP status."""

    status = 400


class NotSignedIn(WebError):
    """Please sign in."""

    status = 401


class CsrfRefused(WebError):
    """The form or request did not carry this session's CSRF token; reload the page and try again."""

    status = 403


class Forbidden(WebError):
    """Your role does not allow this."""

    status = 403


class NotFound(WebError):
    """Not found."""

    status = 404


class TooManyAttempts(WebError):
    """Too many failed sign-ins; wait a few minutes and try again."""

    status = 429


class PayloadTooLarge(WebError):
    """The upload is larger than allowed."""

    status = 413


class UnsupportedType(WebError):
    """This kind of file is not accepted here."""

    status = 415


def status_for(exc: LianmingError) -> int:
    if isinstance(exc, WebError):
        return exc.status
    if isinstance(exc, CaseRuleError):
        return 409  # the case's state does not allow the step: a conflict, not a bad request
    if isinstance(exc, (UsageError, InputFileError)):
        return 422
    if isinstance(exc, DatabaseError):
        return 503
    if isinstance(exc, ConfigError):
        return 500
    return 400


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/openapi.json"


def _respond(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    if status == 401:
        if request.method != "GET":  # a form posted after the session ended: its URL is no page to return to
            return RedirectResponse("/login", status_code=303)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    from pipeline.web.templating import render_error

    return render_error(request, status=status, message=message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LianmingError)
    async def _domain(request: Request, exc: LianmingError) -> Response:
        status = status_for(exc)
        if status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        return _respond(request, status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        return _respond(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            # Without the offending input: it may be a password sent in the wrong shape.
            errors = [{k: v for k, v in e.items() if k not in ("input", "ctx")} for e in exc.errors()]
            return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return _respond(request, 422, f"the form is incomplete or malformed: {fields}")
