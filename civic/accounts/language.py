"""The language switch on every page: a cookie for everyone, the account for residents.

Visitors follow a plain link (`GET /language/cy?next=...`) that only sets the `civic_lang`
cookie: nothing is stored on the server, so it needs no CSRF token and anonymous pages
never carry one (they stay cacheable). A signed-in person's switch is a small form posting
to the same address, which also saves the choice on their account, so their mail and other
devices follow it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from civic.accounts.models import User
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.forms import check_csrf
from civic.i18n import COOKIE, COOKIE_MAX_AGE, LANGUAGES, _, force_locale, supported
from civic.params import local_path

bp = Blueprint("language", __name__, url_prefix="/language")


def set_language(user: User, code: str) -> str:
    """Save `code` as the language `user` reads Civic and its mail in.

    A personal setting, like notification preferences: not a public act, so not logged.
    """
    chosen = supported(code)
    if chosen is None or chosen != code:
        raise ValidationFailed({"language": _("Civic is not available in that language")})
    user.locale = chosen
    db.session.flush()
    return chosen


def _back_to(path: str) -> str:
    """`path`, with the query it had when the Referer is that same page of this site (the
    link carries only the path, so no query a page was asked with is written into it)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path == path and referrer.query:
        return local_path(f"{path}?{referrer.query}") or path
    return path


@bp.route("/<code>", methods=["GET", "POST"])
def switch(code: str) -> Any:
    chosen = supported(code)
    if chosen is None or chosen != code:
        abort(404)
    target = _back_to(local_path(request.values.get("next")) or url_for("pages.home"))
    if request.method == "POST":
        check_csrf()
        if current_user.is_authenticated:
            set_language(current_user._get_current_object(), chosen)
            with force_locale(chosen):
                flash(_("Civic will now use %(language)s.", language=LANGUAGES[chosen]), "success")
    response = redirect(target)
    response.set_cookie(
        COOKIE,
        chosen,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure,
        httponly=True,
    )
    return response
