"""Time in one place: everything Civic stores is UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from civic.errors import ValidationFailed


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


EARLY_REASON_MIN = 10
EARLY_REASON_MAX = 2000


def day(moment: datetime | None) -> str:
    """A date as residents read it on a page: "29 November 2026" (no leading zero).

    Every page that says when something opened, closed or changed phase goes through this
    one helper (the `day` template filter), so lists, timelines and pages agree. Civic has
    no site time zone setting: everything is stored and shown in UTC, as `spoken` says.
    """
    if moment is None:
        return ""
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
