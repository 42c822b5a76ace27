"""The rules that keep a secret vote secret however small the place (DESIGN §4).

A count small enough to single a person out is a leak: a vote with one eligible resident
publishes her vote, a running tally that moves right after a named comment tells how that
person voted. So a secret vote, a budget round's voting or a consultation cannot open with
fewer eligible people than `MIN_ELECTORATE`; ballot-level data (anonymised ballots, one row
per response) is published only when at least that many were cast; and before the close,
turnout is shown only in bands of that size, never as a counter that ticks up by one.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from civic.accounts.models import Eligibility, User
from civic.errors import Conflict
from civic.extensions import db
from civic.i18n import format_number, ngettext


class ElectorateTooSmall(Conflict):
    """Opening would let the result single people out; raised by every `open_*` service."""


def min_electorate() -> int:
    """The configured minimum (`CIVIC_MIN_ELECTORATE`, default 10). 0 turns the checks off,
    which only the test suite does (its other tests build electorates of one or two)."""
    return max(0, int(current_app.config.get("MIN_ELECTORATE", 10)))


def area_electorate(area_id: int) -> int:
    """How many people with an active account have shown they live in the area."""
    return db.session.scalar(
        select(func.count())
        .select_from(Eligibility)
        .join(User, User.id == Eligibility.user_id)
        .where(Eligibility.area_id == area_id, User.active.is_(True))
    )


def signed_in_electorate() -> int:
    """Everyone with an active account: the electorate of an 'anyone signed in' consultation."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True)))


def require_electorate(eligible: int, what: str, who: str) -> None:
    """Refuse to open `what` ("this vote") when only `eligible` people (`who`: "residents of
    Riverside") could take part: with so few, a published count can tell how each voted."""
    needed = min_electorate()
    if eligible < needed:
        raise ElectorateTooSmall(_too_few(eligible, what, who, needed))


def _too_few(eligible: int, what: str, who: str, needed: int) -> str:
    """The refusal to open, one whole sentence for each thing that opens (`what`)."""
    values = {"count": format_number(eligible), "who": who, "needed": format_number(needed)}
    if what == "the consultation":
        return ngettext(
            "Only %(count)s person is eligible (%(who)s), so the consultation cannot open: it "
            "needs at least %(needed)s, so that no one's answer can be told from the "
            "published count. Confirm more residents first.",
            "Only %(count)s people are eligible (%(who)s), so the consultation cannot open: it "
            "needs at least %(needed)s, so that no one's answer can be told from the "
            "published count. Confirm more residents first.",
            eligible,
            **values,
        )
    if what == "voting in this round":
        return ngettext(
            "Only %(count)s person is eligible (%(who)s), so voting in this round cannot open: "
            "it needs at least %(needed)s, so that no one's answer can be told from the "
            "published count. Confirm more residents first.",
            "Only %(count)s people are eligible (%(who)s), so voting in this round cannot open: "
            "it needs at least %(needed)s, so that no one's answer can be told from the "
            "published count. Confirm more residents first.",
            eligible,
            **values,
        )
    if what == "the vote":
        return ngettext(
            "Only %(count)s person is eligible (%(who)s), so the vote cannot open: it needs at "
            "least %(needed)s, so that no one's answer can be told from the published count. "
            "Confirm more residents first.",
            "Only %(count)s people are eligible (%(who)s), so the vote cannot open: it needs at "
            "least %(needed)s, so that no one's answer can be told from the published count. "
            "Confirm more residents first.",
            eligible,
            **values,
        )
    raise ValueError(f"require_electorate: no words for opening {what!r}")


def publishable(count: int) -> bool:
    """Whether ballot-level data from `count` ballots or responses may be published."""
    return count >= min_electorate()


def withheld_reason(count: int, noun: str = "ballots", verb: str = "cast") -> str:
    """Why ballot-level data is not published, in English (pages say it through gettext:
    `ballots_withheld_words`, civic.votes.wording)."""
    return (
        f"Only {count} {noun.removesuffix('s') if count == 1 else noun} "
        f"{'was' if count == 1 else 'were'} {verb}, fewer than the "
        f"{min_electorate()} needed before {noun} are published one by one: with so few, "
        "a single person's choices could be picked out."
    )


def ballots_withheld_words(count: int) -> str:
    """`withheld_reason(count)` in the reader's language: why ballots are not published."""
    return ngettext(
        "Only %(count)s ballot was cast, fewer than the %(minimum)s needed before ballots are "
        "published one by one: with so few, a single person's choices could be picked out.",
        "Only %(count)s ballots were cast, fewer than the %(minimum)s needed before ballots are "
        "published one by one: with so few, a single person's choices could be picked out.",
        count,
        count=format_number(count),
        minimum=format_number(min_electorate()),
    )


def turnout_band(count: int) -> tuple[int, str]:
    """A running count shown before the close: rounded down to a multiple of the minimum,
    so one more vote (say, right after someone's named comment) seldom changes what is shown.
    Returns (lower bound, words); the lower bound is 0 below the minimum."""
    step = min_electorate()
    if step <= 1:
        return count, str(count)
    if count < step:
        return 0, f"fewer than {step}"
    floor = count - count % step
    return floor, f"at least {floor}"
