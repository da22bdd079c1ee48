"""The web app: ``create_app(settings)`` builds it; ``lianming web`` serves it with uvicorn.

One process holds one :class:`PipelineContext` (database, document store,
policy) for its lifetime. Around every request: a body-size limit (before
anything is read), the session cookie (read before, written after), CSRF for
every state-changing method (an app-wide dependency), and headers that keep
pages out of shared caches and frames. The API documentation is served from
assets shipped in the ``fastapi-offline`` wheel — the office network has no
CDN — or, without that package, not at all (``/openapi.json`` still is).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from pipeline.context import PipelineContext
from pipeline.settings import Settings
from pipeline.web.accounts import LoginThrottle
from pipeline.web.auth import COOKIE_NAME, SessionCodec, anonymous_session, cookie_is_secure, load_or_create_secret
from pipeline.web.deps import SignedIn, csrf_protect
from pipeline.web.errors import install_error_handlers

STATIC_DIR = Path(__file__).parent / "static"
TITLE = "联名信办理 Lianming"
# Pages are ours only: no inline script or style, no framing. The API docs
# page (Swagger UI/ReDoc) needs inline script and is exempt.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none';"
       " frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
_DOCS_PATHS = ("/docs", "/redoc")


def _docs_assets() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    static = Path(fastapi_offline.__file__).parent / "static"
    return static if (static / "swagger-ui-bundle.js").is_file() else None


class BodyLimit:
    """Refuse a request whose body is larger than any form or upload may be (413).

    Checked on Content-Length before a byte is read, so a huge upload is not
    spooled to disk first just to be refused; a body sent without a length
    (chunked) is counted as it arrives and cut off past the limit. The upload
    route checks the file's own size against its limit again while copying it.
    """

    def __init__(self, app, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": f"the request is larger than {self.max_bytes // 2**20} MB"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        received, overflowed, refused = 0, False, False

        async def counted_receive():
            # Past the limit the app is told the client went away; whatever it
            # then answers (a parse error, usually) is replaced by the 413.
            nonlocal received, overflowed
            if overflowed:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    overflowed = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal refused
            if not overflowed:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(send)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not overflowed:
                raise
        if overflowed and not refused:
            await self._refuse(send)


def create_app(settings: Settings) -> FastAPI:
    ctx = PipelineContext.open(settings)
    ctx.actor = "web"
    codec = SessionCodec(load_or_create_secret(settings.web_secret_key_path),
                         max_age_s=int(settings.web_session_hours * 3600))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    docs = _docs_assets()
    app = FastAPI(title=TITLE, version="1", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(csrf_protect)],
                  description="联名信办理系统的接口。先 `GET /api/session` 取得 CSRF 令牌，"
                              "再 `POST /api/session` 登录；之后每个 POST 都带 `X-CSRF-Token` 头。")
    app.state.ctx, app.state.codec, app.state.settings = ctx, codec, settings
    app.state.login_throttle = LoginThrottle()

    @app.middleware("http")
    async def session_cookie(request: Request, call_next) -> Response:
        data = codec.loads(request.cookies.get(COOKIE_NAME))
        request.state.web_session = data or anonymous_session()
        request.state.session_changed = data is None
        response = await call_next(request)
        if request.state.session_changed and not request.url.path.startswith("/static"):
            response.set_cookie(COOKIE_NAME, codec.dumps(request.state.web_session), max_age=codec.max_age_s,
                                path="/", httponly=True, samesite="lax",
                                secure=cookie_is_secure(settings.web_cookie_secure, request.url.hostname,
                                                          request.url.scheme))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static"):
            # Letters carry personal data: no copies in shared caches (page images set their own).
            response.headers.setdefault("Cache-Control", "no-store")
        if not request.url.path.startswith(_DOCS_PATHS):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    max_body = max(settings.web_upload_max_mb, settings.web_document_max_mb) * 2**20 + 2**20  # + form fields
    app.add_middleware(BodyLimit, max_bytes=int(max_body))

    if docs is not None:  # mounted before /static, which would otherwise swallow /static/docs
        app.mount("/static/docs", StaticFiles(directory=docs), name="docs-static")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    from pipeline.web.routers import api, cases, dashboard, letters, login, queue, uploads

    for module in (login, queue, letters, cases, dashboard, uploads, api):
        app.include_router(module.router)
    app.include_router(login.api_router)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_user: SignedIn) -> JSONResponse:
        return JSONResponse(app.openapi())

    if docs is not None:
        @app.get("/docs", include_in_schema=False)
        def swagger(_user: SignedIn) -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{TITLE} API",
                                       swagger_js_url="/static/docs/swagger-ui-bundle.js",
                                       swagger_css_url="/static/docs/swagger-ui.css",
                                       swagger_favicon_url="/static/docs/favicon.png",
                                       swagger_ui_parameters={"validatorUrl": None})

        @app.get("/redoc", include_in_schema=False)
        def redoc(_user: SignedIn) -> HTMLResponse:
            return get_redoc_html(openapi_url="/openapi.json", title=f"{TITLE} API",
                                  redoc_js_url="/static/docs/redoc.standalone.js",
                                  redoc_favicon_url="/static/docs/favicon.png", with_google_fonts=False)

    install_error_handlers(app)
    return app
