"""Flask-Login wiring: who is signed in, for how long, and where anonymous visitors are sent.

A session cookie names the account *and* its current session token (`User.get_id`), and
the time it was signed in. It is honoured only while both still hold: signing out,
changing the password or deactivation replace the token (so a copied cookie stops
working), and `SESSION_MAX_HOURS` after sign-in the session ends even if it was in use.
Remember-me cookies are not offered; Flask-Login would check one through the same loader,
so it would be refused too (it carries no sign-in time).
"""

from __future__ import annotations

import hmac
import time
from typing import TYPE_CHECKING

from flask import Flask, current_app, g, session
from flask_login import login_user, logout_user

from civic.extensions import db, login_manager
from civic.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from civic.accounts.models import User

SIGNED_IN_AT = "signed_in_at"
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", SIGNED_IN_AT)
CLOCK_SKEW = 300  # seconds another app server's clock may be ahead of this one's
_MAX_ID = 2**31 - 1  # an INTEGER column: a larger id would be an error on PostgreSQL


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Sign in to see that page.")
    # the flash is made while the request's language is known: str() renders the lazy text
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str) -> User | None:
        user = _session_user(session_id)
        if user is None:
            _forget()
        return user


def _session_user(session_id: str) -> User | None:
    """The account this cookie's id names, if its token is still current and it is young
    enough; None otherwise."""
    from civic.accounts.models import User

    account_id, _, token = session_id.partition(":")
    if not (account_id.isascii() and account_id.isdigit()) or not token:
        return None
    if int(account_id) > _MAX_ID:
        return None
    started = session.get(SIGNED_IN_AT)
    if not isinstance(started, int) or not _within_lifetime(started):
        return None
    user = db.session.get(User, int(account_id))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def _now() -> int:
    return int(time.time())


def _within_lifetime(started: int) -> bool:
    """Counted from sign-in, not from the last request: a cookie copied from a browser
    left signed in stops working after SESSION_MAX_HOURS however busy it is kept."""
    max_age = float(current_app.config.get("SESSION_MAX_HOURS", 12)) * 3600
    return -CLOCK_SKEW <= _now() - started <= max_age


def _forget() -> None:
    """Drop a refused sign-in from the cookie, so it is not looked at again."""
    for key in _LOGIN_KEYS:
        session.pop(key, None)


def start_session(user: User) -> None:
    """Sign `user` in on this browser with a clean session.

    Whatever the session held before is dropped, Flask-WTF's CSRF secret with it, so a
    token seen before sign-in (on a shared computer, in a page's source) is useless after.
    """
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user)
    session[SIGNED_IN_AT] = _now()


def end_session() -> None:
    """Sign this browser out and forget everything its session held."""
    logout_user()
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
