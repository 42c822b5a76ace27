"""Turning what a person typed into a safe full-text query. Pure: no Flask, no database.

Search syntax is never passed through: FTS5's MATCH and PostgreSQL's to_tsquery both
raise on unbalanced quotes or brackets, a stray `*` or `NEAR(`, so input is cut into
words (letters and digits only) and every word is quoted by us. All words must match;
the last may be the start of a word, so results follow a person as they type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
MAX_WORD_LENGTH = 40

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Terms:
    words: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.words)

    def fts5(self) -> str:
        """An FTS5 MATCH expression: each word a quoted string, the last a prefix."""
        quoted = [f'"{word}"' for word in self.words]
        quoted[-1] += "*"
        return " ".join(quoted)

    def tsquery(self) -> str:
        """A to_tsquery expression: each word a quoted lexeme, ANDed, the last a prefix."""
        quoted = [f"'{word}'" for word in self.words]
        quoted[-1] += ":*"
        return " & ".join(quoted)


def terms(text: str) -> Terms:
    """The words of `text`, lower-cased, at most MAX_WORDS, each at most MAX_WORD_LENGTH.

    Words are letters and digits in any script; everything else (quotes, brackets,
    operators, punctuation) only separates them, so no input is search syntax.
    """
    words = [word.lower()[:MAX_WORD_LENGTH] for word in _WORD.findall(text)]
    return Terms(tuple(dict.fromkeys(words))[:MAX_WORDS])
