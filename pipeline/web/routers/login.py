"""Signing in and out: the ``/login`` page and the JSON ``/api/session`` for scanning stations.

Both set the same signed cookie (see pipeline.web.auth). A failed sign-in
says only "wrong user name or password", whatever was wrong.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from pipeline.store.models import User
from pipeline.web import accounts
from pipeline.web.auth import anonymous_session, signed_in_session
from pipeline.web.deps import DbSession, SignedIn, optional_user, set_web_session, web_session
from pipeline.web.errors import NotSignedIn
from pipeline.web.templating import render

router = APIRouter()
api_router = APIRouter(prefix="/api/session", tags=["session"])

WRONG = "用户名或密码错误"


def home_for(user: User) -> str:
    if user.role == "unit_officer":
        return "/my-cases"
    if user.role == "station":
        return "/docs"
    return "/queue"


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _safe_next(target: str | None) -> str | None:
    # Only a path on this site: "//evil.example" or "https://..." would make
    # the sign-in page an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/", include_in_schema=False)
def index(request: Request) -> Response:
    user = optional_user(request, request.app.state.ctx)
    return RedirectResponse(home_for(user) if user else "/login", status_code=303)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next) or "", error=None, username="")


@router.post("/login", include_in_schema=False)
def login(request: Request, db: DbSession, username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "") -> Response:
    user = accounts.authenticate(db, username=username, password=password, client=_client(request),
                                 throttle=request.app.state.login_throttle)
    if user is None:
        return render(request, "login.html", status=401, next=_safe_next(next) or "", error=WRONG,
                      username=username)
    accounts.record_login(db, user=user)
    set_web_session(request, signed_in_session(user.id))
    return RedirectResponse(_safe_next(next) or home_for(user), status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, db: DbSession, user: SignedIn) -> Response:
    accounts.record_logout(db, user=user)
    set_web_session(request, anonymous_session())
    return RedirectResponse("/login?done=signed_out", status_code=303)


class SessionInfo(BaseModel):
    signed_in: bool
    username: str | None = None
    role: str | None = None
    unit: str | None = None
    csrf_token: str


class Credentials(BaseModel):
    username: str
    password: str


def _info(request: Request, user: User | None) -> SessionInfo:
    return SessionInfo(signed_in=user is not None, username=user.username if user else None,
                       role=user.role if user else None, unit=user.unit if user else None,
                       csrf_token=web_session(request).csrf)


@api_router.get("", response_model=SessionInfo, summary="This session and its CSRF token")
def session_info(request: Request) -> SessionInfo:
    """Call first: it sets the session cookie and returns the CSRF token that signing in needs."""
    return _info(request, optional_user(request, request.app.state.ctx))


@api_router.post("", response_model=SessionInfo, summary="Sign in")
def api_login(request: Request, db: DbSession, body: Credentials) -> SessionInfo:
    """Sign in with user name and password; returns the new session's CSRF token."""
    user = accounts.authenticate(db, username=body.username, password=body.password, client=_client(request),
                                 throttle=request.app.state.login_throttle)
    if user is None:
        raise NotSignedIn(WRONG)
    accounts.record_login(db, user=user)
    set_web_session(request, signed_in_session(user.id))
    return _info(request, user)


@api_router.delete("", response_model=SessionInfo, summary="Sign out")
def api_logout(request: Request, db: DbSession, user: SignedIn) -> SessionInfo:
    """Sign out: every session of this user issued until now stops working."""
    accounts.record_logout(db, user=user)
    set_web_session(request, anonymous_session())
    return _info(request, None)
