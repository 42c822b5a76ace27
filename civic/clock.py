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


def early_reason(reason: str, due: datetime, now: datetime, *, doing: str, phase: str = "") -> str:
    """The published reason for `doing` something before its published time `due`.

    Residents plan around published dates, so ending a vote, a phase or a consultation
    early is allowed but has to be explained in public (on the page and in the log). On or
    after `due` no reason is needed and "" is returned. Raises ValidationFailed on the
    form's `reason` field when an early move comes without a real reason.

    `doing` is one of EARLY_ACTS ("move the round" takes the `phase` it moves to, as its
    page names it): each is a whole sentence in the catalogue, so Welsh reads naturally.
    """
    if aware(now) >= aware(due):
        return ""
    text = (reason or "").strip()
    if len(text) < EARLY_REASON_MIN:
        raise ValidationFailed({"reason": _too_short(doing, due, phase)})
    if len(text) > EARLY_REASON_MAX:
        from civic.i18n import _, format_number  # civic.i18n imports this module

        raise ValidationFailed(
            {
                "reason": _(
                    "The reason can be at most %(most)s characters",
                    most=format_number(EARLY_REASON_MAX),
                )
            }
        )
    return text


EARLY_ACTS = ("open the vote", "close the vote", "close the consultation", "move the round")


def _too_short(doing: str, due: datetime, phase: str) -> str:
    """The refusal of an early act without a reason, one whole sentence per act."""
    from civic.i18n import _, format_number  # civic.i18n imports this module
    from civic.wording import spoken as spoken_here  # the reader's language, not English

    when, least = spoken_here(due), format_number(EARLY_REASON_MIN)
    if doing == "open the vote":
        return _(
            "Give the reason to open the vote before %(when)s, in at least %(least)s "
            "characters; it is published",
            when=when,
            least=least,
        )
    if doing == "close the vote":
        return _(
            "Give the reason to close the vote before %(when)s, in at least %(least)s "
            "characters; it is published",
            when=when,
            least=least,
        )
    if doing == "close the consultation":
        return _(
            "Give the reason to close the consultation before %(when)s, in at least "
            "%(least)s characters; it is published",
            when=when,
            least=least,
        )
    if doing == "move the round":
        return _(
            "Give the reason to move the round to “%(phase)s” before %(when)s, in at least "
            "%(least)s characters; it is published",
            phase=phase,
            when=when,
            least=least,
        )
    raise ValueError(f"early_reason: unknown act {doing!r}; add it to EARLY_ACTS")
