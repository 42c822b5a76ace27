"""Slugs: the short names that appear in web addresses and, for areas and budget rounds, as
the subject id of their audit entries. One rule for all of them, so a slug made from a
Pabulib file's Polish place name is one an admin could have typed."""

from __future__ import annotations

import re

from slugify import slugify

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# audit_entry.subject_id is VARCHAR(64), and a slug is the subject id of what it names.
MAX_SLUG_LENGTH = 64


def is_slug(text: str) -> bool:
    """Lower-case ASCII letters and digits in words joined by single hyphens, short enough
    to be an audit subject id."""
    return bool(SLUG_RE.match(text)) and len(text) <= MAX_SLUG_LENGTH


def make_slug(text: str, fallback: str) -> str:
    """A valid slug for any text: letters transliterated (Łódź becomes lodz, not ódź or an
    empty string), cut at a word boundary; `fallback` when nothing is left."""
    return slugify(text, max_length=MAX_SLUG_LENGTH, word_boundary=True, save_order=True) or (
        fallback
    )
