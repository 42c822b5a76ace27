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

# Common English words that say nothing about what is wanted. PostgreSQL's English
# configuration drops words like these from a query by itself; dropping them here too
# makes "the bench AND" find the same things on SQLite as on PostgreSQL.
_STOP_WORDS_TEXT = (
    "a about above after again against all am an and any are as at be because been "
    "before being below between both but by can could did do does doing down during each "
    "few for from further had has have having he her here hers herself him himself his "
    "how i if in into is it its itself just me more most my myself no nor not now of off "
    "on once only or other our ours ourselves out over own same she should so some such "
    "than that the their theirs them themselves then there these they this those through "
    "to too under until up very was we were what when where which while who whom why "
    "will with would you your yours yourself yourselves"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


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
    operators, punctuation) only separates them, so no input is search syntax. Common
    words ("the", "and") are left out, as PostgreSQL's English configuration does.
    """
    words = [word.lower()[:MAX_WORD_LENGTH] for word in _WORD.findall(text)]
    words = [word for word in words if word not in STOP_WORDS]
    return Terms(tuple(dict.fromkeys(words))[:MAX_WORDS])
