"""FastAPI dependencies: the context, a unit of work, the signed-in user, CSRF, roles.

Routers declare what they need (``DbSession``, ``Reviewer``, ``Officer``...)
and get it checked before their code runs; access to one case or letter
(``can_view_case`` and friends) is checked in the routers through
:mod:`pipeline.web.guards`, because it depends on the path's id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, APIKeyHeader
from sqlalchemy.orm import Session

from pipeline.cases.facts import office_today
from pipeline.context import PipelineContext
from pipeline.store.models import User
from pipeline.web import accounts
from pipeline.web.auth import (
    COOKIE_NAME,
    CSRF_FIELD,
    CSRF_HEADER,
    UNSAFE_METHODS,
    SessionData,
    anonymous_session,
    tokens_match,
)
from pipeline.web.errors import CsrfRefused, Forbidden, NotSignedIn

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Declared as security schemes so that /docs shows them and its "Authorize"
# button lets a developer paste the CSRF token; the checks themselves are below.
cookie_scheme = APIKeyCookie(name=COOKIE_NAME, auto_error=False, description="The session cookie set at sign-in.")
csrf_scheme = APIKeyHeader(name=CSRF_HEADER, auto_error=False,
                           description="The session's CSRF token (GET /api/session); required on every POST/PUT/DELETE.")


def get_ctx(request: Request) -> PipelineContext:
    return request.app.state.ctx


Ctx = Annotated[PipelineContext, Depends(get_ctx)]


def get_db_session(ctx: Ctx) -> Iterator[Session]:
    """One unit of work per request, committed before the response is sent (scope="function")."""
    with ctx.db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db_session, scope="function")]


def web_session(request: Request) -> SessionData:
    """This request's cookie session (set by the middleware in pipeline.web.app)."""
    data = getattr(request.state, "web_session", None)
    if data is None:  # a request that bypassed the middleware, e.g. in an error path
        data = request.state.web_session = anonymous_session()
        request.state.session_changed = True
    return data


def set_web_session(request: Request, data: SessionData) -> None:
    """Replace the session; the middleware writes the new cookie on the way out."""
    request.state.web_session = data
    request.state.session_changed = True
    request.state.user = None


def optional_user(request: Request, ctx: Ctx, _cookie: Annotated[str | None, Security(cookie_scheme)] = None
                  ) -> User | None:
    """The signed-in, active user whose session is still valid, else None."""
    if getattr(request.state, "user", None) is not None:
        return request.state.user
    data = web_session(request)
    if not data.signed_in:
        return None
    with ctx.db.session() as session:
        user = accounts.get_user(session, user_id=data.user_id)
        if user is None or not user.active:
            return None
        ended = accounts.sessions_valid_since(session, username=user.username)
    issued = datetime.fromtimestamp(data.issued_at, UTC)
    if ended is not None and issued <= ended:
        return None  # signed out (or changed) since this cookie was issued
    request.state.user = user  # detached but loaded: role, unit and name are read-only here
    return user


def require_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise NotSignedIn()
    return user


SignedIn = Annotated[User, Depends(require_user)]


def require_staff(user: SignedIn) -> User:
    """Anyone who reads letters and cases: not a station's machine account."""
    if user.role == "station":
        raise Forbidden("a scanning station's account may only hand in files")
    return user


def require_reviewer(user: SignedIn) -> User:
    if user.role not in accounts.REVIEW_ROLES:
        raise Forbidden("only the petition bureau's reviewers may do this")
    return user


def require_uploader(user: SignedIn) -> User:
    if user.role not in ("station", *accounts.REVIEW_ROLES):
        raise Forbidden("only scanning stations and reviewers hand in letters")
    return user


Staff = Annotated[User, Depends(require_staff)]
Reviewer = Annotated[User, Depends(require_reviewer)]
Uploader = Annotated[User, Depends(require_uploader)]


async def csrf_protect(request: Request, header: Annotated[str | None, Security(csrf_scheme)] = None) -> None:
    """Every state-changing request carries the session's token: header, else form field."""
    if request.method not in UNSAFE_METHODS:
        return
    given = header
    content_type = request.headers.get("content-type", "")
    if not given and content_type.startswith(_FORM_TYPES):
        form = await request.form()  # cached by Starlette: the endpoint reads the same parsed form
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(web_session(request).csrf, given):
        raise CsrfRefused()


def today(ctx: Ctx) -> date:
    """The office's date: steps are dated and checked in the office's zone."""
    return office_today(ZoneInfo(ctx.settings.timezone))


Today = Annotated[date, Depends(today)]
