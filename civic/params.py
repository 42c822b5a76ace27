"""Parsing what a request sends: ids, whole numbers and redirect targets.

One place, so every view reads numbers the same way. Python's own tests are too generous
for input from the web: `"²".isdigit()` is true but `int("²")` fails, `int("٣")` is 3,
`int(" 7_0 ")` is 70, and an id past 2^31 overflows a PostgreSQL `integer` column (past
2^63, SQLite's too). Each of those was a 500; here each is simply "not a number".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter, Map, ValidationError

MAX_ID = 2**31 - 1  # the largest value of an `integer` primary key on PostgreSQL
MAX_BIGINT = 2**63 - 1  # `bigint` (audit sequence numbers, money in pence)

_ASCII_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_int(raw: object, *, minimum: int = 0, maximum: int = MAX_BIGINT) -> int | None:
    """`raw` as a whole number if it is ASCII digits (an optional leading minus when
    `minimum` is negative) within [minimum, maximum]; otherwise None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    negative = text.startswith("-") and minimum < 0
    digits = text[1:] if negative else text
    # 19 digits hold any bigint: stop before int() is asked to read a megabyte of digits
    if not _ASCII_DIGITS.fullmatch(digits) or len(digits.lstrip("0")) > 19:
        return None
    value = -int(digits) if negative else int(digits)
    return value if minimum <= value <= maximum else None


def parse_page(raw: object) -> int | None:
    """A `page` query parameter: absent means 1; otherwise 1 to 100,000 in ASCII digits,
    else None (the caller answers 400)."""
    if raw is None or raw == "":
        return 1
    return parse_int(raw, minimum=1, maximum=100_000)


def parse_id(raw: object) -> int | None:
    """A database id from a form or query string: 1 to 2^31-1 in ASCII digits, else None."""
    return parse_int(raw, minimum=1, maximum=MAX_ID)


def is_choice_index(raw: object, count: int) -> bool:
    """True if `raw` is an ASCII-digit index into a list of `count` options."""
    return parse_int(raw, maximum=max(count - 1, 0)) is not None and count > 0


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, safe to redirect to; otherwise None.

    Accepted: starts with one "/", no scheme or host, no backslash (browsers read "/\\x"
    as "//x", another site) and no control characters (CR/LF would split the Location
    header; browsers drop tabs and newlines, so "/\\t/x" becomes "//x").
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or _CONTROL.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class IdConverter(IntegerConverter):
    """The app's `<int:...>` URL converter: ASCII digits, 0 to 2^31-1.

    Werkzeug's own accepts any Unicode decimal digit and any size, so `/votes/3000000000`
    reached PostgreSQL as an out-of-range integer (a 500). Out of range here is a 404, as
    for any id that does not exist. 0 stays valid: the audit log's first entry is seq 0.
    """

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > 10:  # past MAX_ID whatever the digits: skip reading a long number
            raise ValidationError()
        return super().to_python(value)
