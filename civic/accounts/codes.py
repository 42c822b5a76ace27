"""One-time eligibility codes: generated for letters, typed back by residents."""

from __future__ import annotations

import hashlib
import secrets

# Crockford's base 32: no I, L, O or U, so a code read off paper is hard to mistype.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12  # 60 bits: guessing one of 10,000 live codes takes ~10^14 tries
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """Group in fours for print: 7K2M-Q9XD-4HPA."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(typed: str) -> str:
    """What a resident typed, as the stored form: case, spaces and hyphens do not matter."""
    cleaned = "".join(ch for ch in typed.upper() if ch not in " -\t")
    return cleaned.translate(_CONFUSABLE)


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def digest(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()
