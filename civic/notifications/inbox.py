"""What a person sees of their notifications and chooses about them: the in-app list and its
unread count, how each kind reaches them, what they follow, and one-click unsubscribe.

These are a person's own settings and reading, not civic acts: like follows (see feed.py),
none of it is written to the public audit log, where a record of who follows or reads what
would itself be personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from civic.accounts.models import User
from civic.clock import utcnow
from civic.errors import NotFound, ServiceError, ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.notifications import feed
from civic.notifications.kinds import Delivery, Kind, kinds_for, label_in_sentence
from civic.notifications.mailing import ALL, read_unsubscribe_token
from civic.notifications.models import Notification, NotificationPreference
from civic.paging import PageWindow
from civic.params import parse_int
from civic.permissions import require_signed_in
from civic.web import path_for

PER_PAGE = 20
DELIVERY_LABELS = {
    Delivery.IMMEDIATE: _l("Immediately, by email"),
    Delivery.DIGEST: _l("In a daily digest email (at most one a day)"),
    Delivery.OFF: _l("Off: not by email and not in your notifications list"),
}


class BadToken(ServiceError):
    """An unsubscribe link that this site did not sign, or for an account that is gone."""

    status = 400


# --- how each kind reaches a person ------------------------------------------------------


def _set_delivery(user_id: int, kind: Kind, delivery: Delivery) -> None:
    """Insert-or-update one choice, safe against two saves at once (the unique pair)."""
    feed._insert_ignoring_duplicates(
        NotificationPreference,
        ["user_id", "kind"],
        [{"user_id": user_id, "kind": kind.value, "delivery": delivery.value}],
    )
    db.session.execute(
        update(NotificationPreference)
        .where(NotificationPreference.user_id == user_id, NotificationPreference.kind == kind)
        .values(delivery=delivery)
    )
    if delivery is Delivery.OFF:
        # what waits for a digest goes unmailed too: after "unsubscribe", no more email
        db.session.execute(
            update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.kind == kind,
                Notification.delivery == Delivery.DIGEST,
                Notification.mailed_at.is_(None),
            )
            .values(delivery=Delivery.OFF)
        )


def save_preferences(actor: User | None, choices: Mapping[str, str]) -> dict[Kind, Delivery]:
    """Set how each kind the person can choose about reaches them. Every kind must have a
    valid choice (the form shows them all): one bad value saves nothing."""
    user = require_signed_in(actor)
    wanted: dict[Kind, Delivery] = {}
    problems: dict[str, str] = {}
    for kind in kinds_for(user.is_moderator):
        raw = choices.get(kind.value) or ""
        try:
            wanted[kind] = Delivery(raw)
        except ValueError:
            problems[kind.value] = _(
                "Choose how you hear when: %(what)s", what=label_in_sentence(kind)
            )
    if problems:
        raise ValidationFailed(problems)
    for kind, delivery in wanted.items():
        _set_delivery(user.id, kind, delivery)
    db.session.flush()
    return wanted


def token_owner(token: str) -> tuple[User, str]:
    """The person and scope a signed unsubscribe token names; BadToken (400) otherwise."""
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if found is None or user is None:
        raise BadToken(
            _(
                "This unsubscribe link is not one Civic sent, or it was changed on the way. "
                "Nothing was changed. Sign in to change your notification settings."
            )
        )
    return user, found[1]


def unsubscribe(token: str) -> tuple[User, str]:
    """Turn off the kind a signed unsubscribe token names (or every kind, for "all").

    The token alone authorises this (RFC 8058: a mail client posts it without a session or
    a form), so it must be one this site signed; it can only change the person it names."""
    user, scope = token_owner(token)
    kinds = kinds_for(user.is_moderator) if scope == ALL else [Kind(scope)]
    for kind in kinds:
        _set_delivery(user.id, kind, Delivery.OFF)
    db.session.flush()
    return user, scope


def scope_label(scope: str) -> str:
    """What an unsubscribe link stops, in words for its page."""
    if scope == ALL:
        return _("all notification emails")
    return _("notifications when: %(what)s", what=label_in_sentence(Kind(scope)))


# --- what a person follows ---------------------------------------------------------------

TARGET_KINDS = {
    "area": _l("Area"),
    "proposal": _l("Public vote"),
    "budget_round": _l("Budget round"),
    "consultation": _l("Consultation"),
}
NOT_FOLLOWABLE = _l(
    "You can follow an area, a public vote, a budget round or a consultation: "
    "that is not one of them."
)


@dataclass(frozen=True)
class Followed:
    target: str
    kind: object  # "Area", "Public vote"… (a lazy string)
    name: str
    url: str | None
    auto: bool = False


def _thing(target: str) -> object | None:
    """The area, proposal, round or consultation a target names; None if there is none.
    Raises ValidationFailed for a target that is no such kind at all."""
    from civic.accounts.models import Area
    from civic.budgets.models import BudgetRound
    from civic.consultations.models import Consultation
    from civic.votes.models import Proposal

    kind, _, key = (target or "").partition(":")
    if kind not in TARGET_KINDS or not key or len(target) > 200:
        raise ValidationFailed({"target": str(NOT_FOLLOWABLE)})
    if kind == "area":
        return db.session.scalar(select(Area).where(Area.slug == key))
    if kind == "budget_round":
        return db.session.scalar(select(BudgetRound).where(BudgetRound.slug == key))
    number = parse_int(key, minimum=1)
    if number is None:
        return None
    return db.session.get(Proposal if kind == "proposal" else Consultation, number)


def describe(target: str, thing: object) -> tuple[object, str, str]:
    """(kind label, name, path) of a followable thing. Works outside a request too (the
    demo seed follows things from the command line)."""
    kind = target.partition(":")[0]
    if kind == "area":
        return TARGET_KINDS[kind], thing.name, _path("accounts.area", slug=thing.slug)  # type: ignore[attr-defined]
    if kind == "budget_round":
        path = _path("budgets.round_detail", slug=thing.slug)  # type: ignore[attr-defined]
    elif kind == "proposal":
        path = _path("votes.detail", proposal_id=thing.id)  # type: ignore[attr-defined]
    else:
        path = _path("consultations.detail", consultation_id=thing.id)  # type: ignore[attr-defined]
    return TARGET_KINDS[kind], thing.title, path  # type: ignore[attr-defined]


def _path(endpoint: str, **values: object) -> str:
    return path_for(endpoint, **values)


def _visible(user: User, thing: object) -> bool:
    """Drafts stay with the moderators: the same rule as their pages."""
    from civic.consultations import services as consultations
    from civic.consultations.models import Consultation
    from civic.votes import services as votes
    from civic.votes.models import Proposal

    if isinstance(thing, Proposal):
        return votes.can_see(user, thing)
    if isinstance(thing, Consultation):
        return consultations.can_see(user, thing)
    return True


def set_following(actor: User | None, target: str, following: bool) -> Followed:
    """Follow or stop following an area, public vote, budget round or consultation. Anything
    a person already follows (whatever its kind, or if it is gone) can be unfollowed."""
    user = require_signed_in(actor)
    if not following and feed.is_following(user, target):
        feed.unfollow(user, target)
        db.session.flush()
        return _described(target)
    thing = _thing(target)
    if thing is None or not _visible(user, thing):
        raise NotFound(_("There is nothing to follow at that address."))
    if following:
        feed.follow(user, target)
        db.session.flush()
    kind, name, path = describe(target, thing)
    return Followed(target, kind, name, path)


def _described(target: str, auto: bool = False) -> Followed:
    try:
        thing = _thing(target)
    except ValidationFailed:
        thing = None
    if thing is None:
        return Followed(target, _l("Other"), target, None, auto)
    kind, name, path = describe(target, thing)
    return Followed(target, kind, name, path, auto)


def followed(actor: User | None) -> list[Followed]:
    """What a person follows, with names and links; a thing since removed keeps its row
    (so it can still be unfollowed) without a link."""
    user = require_signed_in(actor)
    return [_described(row.target, row.auto) for row in feed.follows(user)]


# --- the in-app list ---------------------------------------------------------------------


@dataclass
class NotificationPage(PageWindow):
    items: list[Notification] = field(default_factory=list)
    total: int = 0
    page: int = 1
    unread: int = 0
    per_page: int = PER_PAGE

    @property
    def shown(self) -> int:
        return len(self.items)


def unread_count(user: User) -> int:
    """One query on the (user_id, read_at) index: the header shows it on every page."""
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def page_of(actor: User | None, page: str | int | None = 1) -> NotificationPage:
    """A person's notifications, newest first, a page at a time."""
    user = require_signed_in(actor)
    number = page if isinstance(page, int) else parse_int(page or "1", minimum=1)
    if number is None or number < 1:
        raise ValidationFailed({"page": _("Page must be a whole number from 1")})
    mine = Notification.user_id == user.id
    total = db.session.scalar(select(func.count(Notification.id)).where(mine)) or 0
    items = list(
        db.session.scalars(
            select(Notification)
            .where(mine)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((number - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    return NotificationPage(items=items, total=total, page=number, unread=unread_count(user))


def open_notification(actor: User | None, notification_id: int) -> Notification:
    """One of your notifications, marked read; someone else's is not found (404), so its
    existence is not given away."""
    user = require_signed_in(actor)
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != user.id:
        raise NotFound(_("You have no notification at that address."))
    if found.read_at is None:
        found.read_at = utcnow()
        db.session.flush()
    return found


def mark_all_read(actor: User | None) -> int:
    """Mark every unread notification of yours read; returns how many were unread."""
    user = require_signed_in(actor)
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)
