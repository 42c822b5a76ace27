"""Privacy wording of votes and consultations in the reader's language.

`civic.privacy` words its bands and reasons in English for the JSON bodies; pages of votes,
consultations and discussions say the same things through gettext here (a Welsh page must
not read "at least 20"). The numbers come from `civic.privacy`, so the two never disagree.
"""

from __future__ import annotations

from datetime import datetime

from civic import clock, privacy
from civic.i18n import _, current_language, format_day, format_number, ngettext


def spoken(moment: datetime) -> str:
    """`civic.clock.spoken` in the reader's language: "14:03 on 29 November 2026 (UTC)"."""
    if current_language() == "en":
        return clock.spoken(moment)
    return _(
        "%(time)s on %(day)s (UTC)",
        time=clock.aware(moment).strftime("%H:%M"),
        day=format_day(moment),
    )


def band_words(count: int) -> str:
    """`privacy.turnout_band(count)` in words: "at least 20", "fewer than 10", or the count."""
    step = privacy.min_electorate()
    floor, _english = privacy.turnout_band(count)
    if step <= 1:
        return format_number(count)
    if count < step:
        return _("fewer than %(num)s", num=format_number(step))
    return _("at least %(num)s", num=format_number(floor))


def votes_withheld(count: int) -> str:
    """Why the ballots of a vote with `count` votes cast are not published one by one."""
    return ngettext(
        "Only %(count)s vote was cast, fewer than the %(minimum)s needed before votes are "
        "published one by one: with so few, a single person's choices could be picked out.",
        "Only %(count)s votes were cast, fewer than the %(minimum)s needed before votes are "
        "published one by one: with so few, a single person's choices could be picked out.",
        count,
        count=format_number(count),
        minimum=format_number(privacy.min_electorate()),
    )


def responses_withheld(count: int) -> str:
    """Why answer-level figures of a consultation with `count` responses are not published."""
    return ngettext(
        "Only %(count)s response was submitted, fewer than the %(minimum)s needed before "
        "responses are published one by one: with so few, a single person's choices could "
        "be picked out.",
        "Only %(count)s responses were submitted, fewer than the %(minimum)s needed before "
        "responses are published one by one: with so few, a single person's choices could "
        "be picked out.",
        count,
        count=format_number(count),
        minimum=format_number(privacy.min_electorate()),
    )
