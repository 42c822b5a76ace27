"""Password hashing (Argon2id, memory-hard) and the strength rules a new password must meet."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 128  # Argon2 accepts more, but a megabyte "password" is an attack, not a password
ZXCVBN_MAX = 72  # the longest password zxcvbn 4.5 accepts


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
        return f"Password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if password.lower() in RANKED_DICTIONARIES["passwords"]:
        return "This is one of the most common passwords: choose one that is harder to guess"
    # zxcvbn refuses passwords over 72 characters (it raised, and sign-up gave a 500): the
    # first 72 are judged, which is generous, since the rest can only add strength.
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[email, name, *email.split("@")])
    if result["score"] < 3:
        hint = result["feedback"].get("warning") or "Add more words or characters"
        return f"Password is too easy to guess. {hint.rstrip('.')}."
    return None
