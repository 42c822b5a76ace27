"""Cleaning text that residents type before it is stored and shown to others."""

from __future__ import annotations

# Unicode's explicit direction controls: embeddings and overrides (U+202A-U+202E), isolates
# (U+2066-U+2069) and the invisible marks (LRM, RLM, ALM). In a name or a comment they can
# make text display in a different order from the one stored, e.g. a name that reads as
# "(moderator)" or a link whose visible address is not its real one. Right-to-left scripts
# still display correctly without them: the browser's bidi algorithm orders those letters.
BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
_REMOVE = dict.fromkeys(BIDI_CONTROLS)


def strip_bidi_controls(text: str) -> str:
    """`text` without direction-control characters."""
    return text.translate(_REMOVE)


def clean_text(text: str | None) -> str:
    """What a service stores from a resident's text field: without direction controls and
    with surrounding white space trimmed (None, from an absent field, becomes "")."""
    return strip_bidi_controls(text or "").strip()
