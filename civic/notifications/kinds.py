"""What a resident can be told about, and how each kind reaches them by default.

Defaults lean quiet (Decidim's users complain of floods, its issue #16129): only what is
about the person themselves (a reply to them, their own project) comes at once; news about
places and subjects they follow waits for the daily digest.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from civic.i18n import lazy_gettext as _l


class Kind(enum.StrEnum):
    OPENED = "opened"  # a vote, a round's phase or a consultation opens where I follow
    CLOSING = "closing"  # closes within 48 hours and I have not taken part
    RESULT = "result"  # a result or decision is published
    YOU_SAID = "you_said"  # a consultation I answered publishes "you said, we did"
    REPLY = "reply"  # someone replied to my comment
    PROJECT_REVIEWED = "project_reviewed"  # my budget project was reviewed
    REPORTS = "reports"  # (moderators) new reports of comments
    OVERDUE = "overdue"  # (moderators) work past its due date
    PAPER = "paper"  # an officer entered a paper vote or response for me (civic.paper)


class Delivery(enum.StrEnum):
    IMMEDIATE = "immediate"  # an email for each, as it happens
    DIGEST = "digest"  # collected into at most one email a day
    OFF = "off"  # not at all: no email, nothing in the in-app list


@dataclass(frozen=True)
class KindInfo:
    label: object  # as a resident reads it on the settings page (a lazy string)
    default: Delivery
    moderators_only: bool = False


KINDS: dict[Kind, KindInfo] = {
    Kind.OPENED: KindInfo(_l("A vote, budget phase or consultation opens"), Delivery.DIGEST),
    Kind.CLOSING: KindInfo(
        _l("Something closes in 48 hours and you have not taken part"), Delivery.DIGEST
    ),
    Kind.RESULT: KindInfo(_l("A result or decision is published"), Delivery.DIGEST),
    Kind.YOU_SAID: KindInfo(
        _l('A consultation you answered publishes "you said, we did"'), Delivery.IMMEDIATE
    ),
    Kind.REPLY: KindInfo(_l("Someone replies to your comment"), Delivery.IMMEDIATE),
    Kind.PROJECT_REVIEWED: KindInfo(_l("Your budget project is reviewed"), Delivery.IMMEDIATE),
    Kind.PAPER: KindInfo(
        _l("An officer enters a paper vote or response for you"), Delivery.IMMEDIATE
    ),
    Kind.REPORTS: KindInfo(_l("Comments are reported"), Delivery.DIGEST, moderators_only=True),
    Kind.OVERDUE: KindInfo(_l("Work is overdue"), Delivery.DIGEST, moderators_only=True),
}


def label_in_sentence(kind: Kind) -> str:
    """The kind's label to follow "when:" in a sentence, in the language now ("someone
    replies to your comment")."""
    label = str(KINDS[kind].label)
    return label[:1].lower() + label[1:]


def kinds_for(is_moderator: bool) -> list[Kind]:
    """The kinds a person can choose about: moderators' kinds only for moderators."""
    return [kind for kind, info in KINDS.items() if is_moderator or not info.moderators_only]
