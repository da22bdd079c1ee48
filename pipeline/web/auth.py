"""Passwords, the signed session cookie, and CSRF tokens.

Sessions live in the browser: the cookie holds the user's id, when it was
issued and the session's CSRF token, signed with the deployment's key
(itsdangerous) so it cannot be forged or edited. Nothing is stored per
session on the server. Signing out must still end the session for good, so
each sign-out writes a ``user.logout`` entry to the audit trail, and a cookie
issued before the user's latest sign-out (or password change, or
deactivation) is refused — a per-user "sessions valid since" derived from the
append-only trail rather than a new column. A copied cookie therefore dies
with the sign-out, at the price that signing out in one browser signs the
user out everywhere, which suits shared office machines.

Before sign-in the cookie holds only a CSRF token, so the sign-in form itself
is protected too (login CSRF): every POST, PUT, PATCH and DELETE, the JSON
API's included, must carry the session's token (form field ``csrf_token`` or
header ``X-CSRF-Token``).
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pipeline.errors import ConfigError

COOKIE_NAME = "lianming_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

# argon2-cffi's defaults (RFC 9106 low-memory profile): ~50 ms per check on
# the office's small servers, slow enough against guessing.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against a throwaway hash when the user does not exist keeps the
# answer's timing the same, so the sign-in form does not reveal user names.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def verify_password_or_dummy(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(password_hash, password)


MIN_SECRET_BYTES = 32


def load_or_create_secret(path: Path) -> bytes:
    """The signing key, created on first use with owner-only permissions.

    A key file that exists but is short (empty after a crash, or a bad
    setting) is refused: signing with it would let anyone forge a session.
    A new key is written to a temporary file and linked into place, so two
    workers starting at once agree on one complete key.
    """
    if path.exists():
        return _read_secret(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_hex(MIN_SECRET_BYTES).encode())
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # fails if another worker's key got there first: use theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if len(key) < MIN_SECRET_BYTES:
        raise ConfigError(f"the web signing key is shorter than {MIN_SECRET_BYTES} bytes; delete the file to"
                          " have a new one made (everyone will have to sign in again)", file=str(path))
    return key


@dataclass(frozen=True)
class SessionData:
    csrf: str
    user_id: int | None = None
    issued_at: float | None = None  # seconds since the epoch, when the user signed in

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def anonymous_session() -> SessionData:
    return SessionData(csrf=new_csrf_token())


def signed_in_session(user_id: int) -> SessionData:
    # A fresh CSRF token at sign-in: a token planted before sign-in is useless after.
    return SessionData(csrf=new_csrf_token(), user_id=user_id, issued_at=time.time())


class SessionCodec:
    """Signs and checks the session cookie; expired or tampered cookies read as no session."""

    def __init__(self, secret: bytes, *, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="lianming-session")
        self.max_age_s = max_age_s

    def dumps(self, data: SessionData) -> str:
        payload: dict = {"c": data.csrf}
        if data.user_id is not None:
            payload |= {"u": data.user_id, "t": data.issued_at}
        return self._serializer.dumps(payload)

    def loads(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            payload = self._serializer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
            return None
        user_id, issued = payload.get("u"), payload.get("t")
        if user_id is not None and not (isinstance(user_id, int) and isinstance(issued, int | float)):
            return None
        if issued is not None and issued > time.time() + 60:
            return None  # signed in "in the future": no logout could ever end it

        return SessionData(csrf=payload["c"], user_id=user_id, issued_at=issued)


def tokens_match(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def cookie_is_secure(setting: bool | None, host: str | None, scheme: str | None = None) -> bool:
    """The Secure flag: as configured, else on for HTTPS and everywhere but a localhost address.

    The scheme counts too: behind a TLS proxy forwarding to 127.0.0.1 the Host
    header says localhost, but the browser is on HTTPS.
    """
    if setting is not None:
        return setting
    return scheme == "https" or (host or "").lower() not in _LOOPBACK
