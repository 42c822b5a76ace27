"""Words that are rendered later, in someone else's language.

A notification is caused by one person (a moderator opening a vote, a resident replying) and
read by others, each in their own language (User.locale). So the domains hand
`feed.announce` *lazy* texts (`lazy_gettext` with their pieces as variables); `announce`
renders them once per language among the recipients, inside `in_language(...)`, and stores
each person's row in their language. Rows stored before this (English) stay as they are,
readable, and are shown as stored.

`Later` defers any piece (a date, a clipped title) the same way, so a date inside a lazy
sentence is formatted for the language the sentence is rendered in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_time

from civic.clock import aware
from civic.i18n import _FORMAT_LOCALE, current_language, format_day, gettext

TITLE_MAX = 300  # Notification.title


class Later:
    """A piece of text computed when it is turned into a string (in the language then in
    force). Works as a variable of a lazy gettext string: "%s" calls str()."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make

    def __str__(self) -> str:
        return str(self._make())

    def __repr__(self) -> str:
        return f"Later({self._make!r})"


def rendered(text: object) -> str:
    """A str, a lazy string or a Later, as a str in the language in force now."""
    return "" if text is None else str(text)


def clip(title: str) -> str:
    """A title that fits: names of things and areas can together pass the limit, and a
    notification must never make the change that causes it fail."""
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def day(moment: date | datetime | None) -> Later:
    """A date, formatted when rendered: "29 November 2026" / "29 Tachwedd 2026"."""
    return Later(lambda: format_day(moment))


def _locale() -> str:
    return _FORMAT_LOCALE[current_language()]


def day_and_time(moment: datetime) -> Later:
    """A moment in UTC, formatted when rendered: "29 November 2026 at 14:03 (UTC)"."""

    def make() -> str:
        utc = aware(moment)
        return gettext(
            "%(day)s at %(time)s (UTC)",
            day=format_day(utc),
            time=format_time(utc, "HH:mm", tzinfo=utc.tzinfo, locale=_locale()),
        )

    return Later(make)


def weekday_and_day(moment: date) -> str:
    """ "Monday 30 November 2026" / "dydd Llun 30 Tachwedd 2026", in the language now (for
    the middle of a sentence: Welsh writes "dydd" in lower case there, CLDR capitalises)."""
    text = format_date(moment, "EEEE d MMMM y", locale=_locale())
    return text[:1].lower() + text[1:] if current_language() == "cy" else text


def spoken(moment: datetime | None) -> str:
    """When a notification or a message was made, as a page shows it in the language now:
    "14:03 on 29 November 2026 (UTC)"."""
    if moment is None:
        return ""
    utc = aware(moment)
    return gettext(
        "%(time)s on %(day)s (UTC)",
        time=format_time(utc, "HH:mm", tzinfo=utc.tzinfo, locale=_locale()),
        day=format_day(utc),
    )
