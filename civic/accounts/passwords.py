"""Password hashing (Argon2id, memory-hard) and the strength rules a new password must meet."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from civic.i18n import _
from civic.i18n import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 128  # Argon2 accepts more, but a megabyte "password" is an attack, not a password
ZXCVBN_MAX = 72  # the longest password zxcvbn 4.5 accepts

# zxcvbn's warnings (English only in the library), as Civic says them in each language
_WARNINGS = {
    "Straight rows of keys are easy to guess": _l("Straight rows of keys are easy to guess"),
    "Short keyboard patterns are easy to guess": _l("Short keyboard patterns are easy to guess"),
    'Repeats like "aaa" are easy to guess': _l('Repeats like "aaa" are easy to guess'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc"': _l(
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc"'
    ),
    'Sequences like "abc" or "6543" are easy to guess': _l(
        'Sequences like "abc" or "6543" are easy to guess'
    ),
    "Recent years are easy to guess": _l("Recent years are easy to guess"),
    "Dates are often easy to guess": _l("Dates are often easy to guess"),
    "This is a top-10 common password": _l("This is a top-10 common password"),
    "This is a top-100 common password": _l("This is a top-100 common password"),
    "This is a very common password": _l("This is a very common password"),
    "This is similar to a commonly used password": _l(
        "This is similar to a commonly used password"
    ),
    "A word by itself is easy to guess": _l("A word by itself is easy to guess"),
    "Names and surnames by themselves are easy to guess": _l(
        "Names and surnames by themselves are easy to guess"
    ),
    "Common names and surnames are easy to guess": _l(
        "Common names and surnames are easy to guess"
    ),
}


@cache
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hasher() -> PasswordHasher:
    return _hasher(current_app.config.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY"))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    """Hash anyway when no account matches, so timing does not reveal which emails exist."""
    hasher().hash(password)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password would be easy to guess, in words a resident can act on, or None."""
    # imported on first use: zxcvbn builds its ranked word lists when imported (about 50 ms),
    # which every `flask` command and app start would otherwise pay
    from zxcvbn import zxcvbn
    from zxcvbn.matching import RANKED_DICTIONARIES

    if len(password) < MIN_LENGTH:
        return _("Password must be at least %(least)s characters", least=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Password must be %(most)s characters or fewer", most=MAX_LENGTH)
    if password.lower() in RANKED_DICTIONARIES["passwords"]:
        return _("This is one of the most common passwords: choose one that is harder to guess")
    # zxcvbn refuses passwords over 72 characters (it raised, and sign-up gave a 500): the
    # first 72 are judged, which is generous, since the rest can only add strength.
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[email, name, *email.split("@")])
    if result["score"] < 3:
        warning = (result["feedback"].get("warning") or "").rstrip(".")
        hint = str(_WARNINGS.get(warning) or _("Add more words or characters"))
        return _("Password is too easy to guess. %(hint)s.", hint=hint)
    return None
