"""Device cookies (OWASP's "Slow Down Online Guessing Attacks with Device Cookies").

Sign-in attempts are limited per account and per address, so guessing stays bounded. On
its own that would let anyone lock a resident out by typing wrong passwords for their
email. So a successful sign-in leaves a signed cookie naming that account (by a keyed
hash, not the email) and a random nonce: later attempts for that account from that browser
are limited per device instead, and strangers' failures cannot use up the owner's budget.
Someone who steals a device cookie gets one device's budget and no more.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "civic_device"
MAX_ACCOUNTS = 5  # a shared household computer: each person's sign-in is remembered
MAX_AGE_DAYS = 180
_UNSET = object()


def typed_email() -> str:
    """The sign-in form's email as the rate limits see it (the same normalisation as the
    account look-up: trimmed, lower-case)."""
    return (request.form.get("email") or "").strip().lower()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="civic.device-cookie")


def _account_tag(email: str) -> str:
    """Which account a cookie is for, without writing the email into the browser."""
    key = hashlib.sha256(b"civic.device-account|" + str(current_app.secret_key).encode())
    return hmac.new(key.digest(), email.encode(), hashlib.sha256).hexdigest()[:32]


def _entries() -> list[list[str]]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        entries = _serializer().loads(raw, max_age=MAX_AGE_DAYS * 86400)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [
        e
        for e in entries
        if isinstance(e, list) and len(e) == 2 and all(isinstance(part, str) for part in e)
    ]


def trusted_device() -> str | None:
    """This browser's nonce for the account typed into the sign-in form, if it holds a
    valid device cookie for it; None otherwise (cached for the request)."""
    cached = g.get("_civic_device", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    nonce = None
    email = typed_email()
    if email:
        tag = _account_tag(email)
        nonce = next((n for t, n in _entries() if hmac.compare_digest(t, tag)), None)
    g._civic_device = nonce
    return nonce


def has_trusted_device() -> bool:
    return trusted_device() is not None


def lacks_trusted_device() -> bool:
    return trusted_device() is None


def device_key() -> str:
    """The rate-limit key for attempts from a trusted device."""
    return f"device:{trusted_device()}"


def remember_device(response: Response, email: str) -> Response:
    """After a successful sign-in: give this browser a new device cookie for the account
    (a fresh nonce, so its failure count starts again), keeping other accounts' entries."""
    tag = _account_tag(email.strip().lower())
    kept = [e for e in _entries() if e[0] != tag][-(MAX_ACCOUNTS - 1) :]
    value = _serializer().dumps([*kept, [tag, secrets.token_urlsafe(16)]])
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE_DAYS * 86400,
        path="/accounts/",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response
