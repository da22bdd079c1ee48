"""User accounts: plain keyword-only functions over a Session.

Roles (``users.role``):

- ``admin``, ``reviewer``: the petition bureau's staff; see every letter and
  case, correct letters, merge/split/re-route cases, see the dashboard.
- ``unit_officer``: bound to one unit (a name the policy can produce: a
  department at city or county level, a township government, the triage
  unit); sees only cases assigned to that unit (lead or co-unit) and their
  letters; records the steps of cases whose lead unit it is.
- ``station``: a scanning station's machine account. It may only hand in
  files (``POST /api/letters``), and its user name is the station name the
  receipts record. It signs in like everyone else (``/api/session``) —
  one authentication scheme, and a station's password is its API key.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.config import Policy
from pipeline.errors import UsageError
from pipeline.store import records
from pipeline.store.models import AuditEntry, User
from pipeline.web.auth import hash_password, verify_password_or_dummy
from pipeline.web.errors import TooManyAttempts

ROLES = ("admin", "reviewer", "unit_officer", "station")
REVIEW_ROLES = frozenset({"admin", "reviewer"})
MIN_PASSWORD_LENGTH = 8
# Audit actions after which every earlier session of the user is void.
SESSION_ENDING_ACTIONS = ("user.logout", "user.password_set", "user.deactivated")


def known_units(policy: Policy) -> list[str]:
    """Every unit name the policy can route to, in a stable order."""
    jur = policy.jurisdiction
    units: list[str] = [policy.triage_unit]
    units += [policy.unit_name(role, "city") for role in jur.departments]
    for county in jur.counties:
        units += [policy.unit_name(role, "county", county=county.name) for role in jur.departments]
        units += [policy.township_government(t.name) for t in county.townships]
    return list(dict.fromkeys(units))


def find_user(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def get_user(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def add_user(session: Session, *, username: str, password: str, role: str, unit: str | None, policy: Policy,
             actor: str) -> User:
    """Create an account; refuses an unknown role or unit, a taken name, a short password."""
    username = username.strip()
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        raise UsageError("a user name is 1 to 64 characters without spaces")
    if role not in ROLES:
        raise UsageError(f"unknown role '{role}' (known: {', '.join(ROLES)})")
    if role == "unit_officer":
        if not unit:
            raise UsageError("a unit officer needs --unit: the unit they act for")
        if unit not in known_units(policy):
            raise UsageError(f"'{unit}' is not a unit of {policy.jurisdiction.city}'s policy"
                             f" (e.g. {policy.triage_unit}, {policy.unit_name('human_resources', 'city')})")
    elif unit:
        raise UsageError(f"only unit officers belong to a unit; a {role} does not")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(session, username=username) is not None:
        raise UsageError(f"user '{username}' already exists")
    user = User(username=username, password_hash=hash_password(password), role=role, unit=unit or None,
                active=True, created_at=records.now())
    session.add(user)
    session.flush()
    records.audit(session, actor=actor, action="user.added", entity="user", entity_id=username,
                  details={"role": role, "unit": unit})
    return user


def _existing(session: Session, username: str) -> User:
    user = find_user(session, username=username.strip())
    if user is None:
        raise UsageError(f"no user '{username}'")
    return user


def set_password(session: Session, *, username: str, password: str, actor: str) -> User:
    """A new password; every session the user had ends (audited as ``user.password_set``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    user = _existing(session, username)
    user.password_hash = hash_password(password)
    records.audit(session, actor=actor, action="user.password_set", entity="user", entity_id=user.username)
    return user


def deactivate_user(session: Session, *, username: str, actor: str) -> User:
    """Sign-in refused from now on and open sessions end; the account and its history stay."""
    user = _existing(session, username)
    user.active = False
    records.audit(session, actor=actor, action="user.deactivated", entity="user", entity_id=user.username)
    return user


class LoginThrottle:
    """Failed sign-ins per user name and per client address, in a sliding window.

    Past ``limit`` failures in ``window_s`` seconds for either key, sign-in is
    refused (429) until the window has moved on: guessing a password, or
    burning the server's memory on argon2 checks, stops being cheap. Kept in
    the process: a restart forgets, which only ever helps the legitimate user.
    """

    def __init__(self, *, limit: int = 5, window_s: float = 900.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def check(self, keys: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            if any(len(self._recent(key, now)) >= self.limit for key in keys):
                raise TooManyAttempts()

    def failed(self, keys: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def authenticate(session: Session, *, username: str, password: str, client: str | None = None,
                 throttle: LoginThrottle | None = None) -> User | None:
    """The active user with this name and password, else None (same timing either way).

    With a ``throttle``, repeated failures for the name or the client address
    are refused before any password is checked, and each failure is audited.
    """
    name = username.strip()
    keys = [f"user:{name}", f"client:{client or '?'}"]
    if throttle is not None:
        throttle.check(keys)
    user = find_user(session, username=name)
    ok = verify_password_or_dummy(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        if throttle is not None:
            throttle.failed(keys)
            records.audit(session, actor=name or "?", action="user.login_failed", entity="user",
                          entity_id=name or "?", details={"client": client})
        return None
    if throttle is not None:
        throttle.succeeded(keys[:1])
    return user


def record_login(session: Session, *, user: User) -> None:
    records.audit(session, actor=user.username, action="user.login", entity="user", entity_id=user.username)


def record_logout(session: Session, *, user: User) -> None:
    """Sign out: every session of this user issued until now stops working."""
    records.audit(session, actor=user.username, action="user.logout", entity="user", entity_id=user.username)


def sessions_valid_since(session: Session, *, username: str) -> datetime | None:
    """When the user last signed out (or was changed so that old sessions must end)."""
    return session.scalar(select(func.max(AuditEntry.at)).where(
        AuditEntry.entity == "user", AuditEntry.entity_id == username,
        AuditEntry.action.in_(SESSION_ENDING_ACTIONS)))
