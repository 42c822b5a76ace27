"""Time in one place: everything Civic stores is UTC."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta

from civic.errors import ValidationFailed

# how far behind the real time the services' clock runs in this context (zero but in `ago`)
_behind: ContextVar[timedelta] = ContextVar("civic_clock_behind", default=timedelta(0))


def utcnow() -> datetime:
    return datetime.now(UTC) - _behind.get()


@contextmanager
def ago(delta: timedelta) -> Iterator[None]:
    """Run the services inside as if it were `delta` earlier.

    For the demo seed only: a newcomer must find a vote open now, which the services allow
    only after a consultation of CIVIC_MIN_CONSULTATION_DAYS has run. Playing that
    consultation's opening a month back through the same service keeps the stored dates and
    their audit entry in agreement (writing the date into the row afterwards would not).
    The audit log keeps its own real clock, so entries stay in the order they were made.
    A context variable, so no other request or thread ever sees the shifted time.
    """
    if delta < timedelta(0):
        raise ValueError("the clock only goes back")
    token = _behind.set(_behind.get() + delta)
    try:
        yield
    finally:
        _behind.reset(token)


def aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


EARLY_REASON_MIN = 10
EARLY_REASON_MAX = 2000


def day(moment: date | datetime | None) -> str:
    """A date as residents read it on a page: "29 November 2026" (no leading zero).

    Every page that says when something opened, closed or changed phase goes through this
    one helper (the `day` template filter), so lists, timelines and pages agree. Civic has
    no site time zone setting: everything is stored and shown in UTC, as `spoken` says.
    """
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = aware(moment)
    return f"{moment.day} {moment:%B %Y}"


def spoken(moment: datetime) -> str:
    """A moment as residents read it on a page or in a refusal: '14:03 on 29 November 2026
    (UTC)'."""
    return f"{aware(moment):%H:%M on %d %B %Y} (UTC)"


def early_reason(reason: str, due: datetime, now: datetime, *, doing: str) -> str:
    """The published reason for `doing` something before its published time `due`.

    Residents plan around published dates, so ending a vote, a phase or a consultation
    early is allowed but has to be explained in public (on the page and in the log). On or
    after `due` no reason is needed and "" is returned. Raises ValidationFailed on the
    form's `reason` field when an early move comes without a real reason.
    """
    if aware(now) >= aware(due):
        return ""
    text = (reason or "").strip()
    if len(text) < EARLY_REASON_MIN:
        raise ValidationFailed(
            {
                "reason": f"Give the reason to {doing} before {spoken(due)}, in at least "
                f"{EARLY_REASON_MIN} characters; it is published"
            }
        )
    if len(text) > EARLY_REASON_MAX:
        raise ValidationFailed(
            {"reason": f"The reason can be at most {EARLY_REASON_MAX:,} characters"}
        )
    return text
