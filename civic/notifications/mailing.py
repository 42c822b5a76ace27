"""Mail for notifications: one email per immediate notification, one digest a day for the
rest, and the signed one-click unsubscribe links both carry (RFC 8058).

Each message is written in its recipient's language (User.locale; English when unset),
whoever caused it: rendering happens inside `in_language(user.locale)`, in a request or in
`civic tick` alike.

Everything here writes to the outbox in the caller's transaction, so a notification and its
email exist together or not at all, and the outbox sends each message once.

A daily digest is claimed by inserting `DigestSent(user, day)` with ON CONFLICT DO NOTHING:
the unique pair means only one run a day wins per person, even when two `civic tick`s
overlap (the loser waits for the winner's row and then finds it there), so nobody ever
gets more than one digest a day however much happens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import delete, select, update

from civic.accounts.models import User
from civic.clock import aware, utcnow
from civic.extensions import db
from civic.i18n import gettext, in_language, ngettext
from civic.notifications import outbox
from civic.notifications.kinds import KINDS, Delivery, Kind, label_in_sentence
from civic.notifications.models import DigestSent, Notification
from civic.notifications.wording import weekday_and_day

# the council's clock: "a day" and the digest hour are read in it, not in UTC
COUNCIL_TIME = ZoneInfo("Europe/London")
DIGEST_SHOWN = 20  # items a digest lists; the rest are counted and linked
ALL = "all"  # an unsubscribe scope: every kind (the digest's link)
_SALT = "civic.notifications.unsubscribe"


# --- one-click unsubscribe tokens ---------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def unsubscribe_token(user_id: int, scope: Kind | str) -> str:
    """A signed token naming one person and one kind (or "all"). It does not expire: an
    unsubscribe link in an old email must still work. The signature binds it to the
    person, so it cannot be edited to unsubscribe someone else."""
    return _serializer().dumps([user_id, str(scope)])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, scope) from a token this site signed; None for a forged or garbled one."""
    try:
        payload = _serializer().loads(token)
    except BadData:
        return None
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    user_id, scope = payload
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    if scope != ALL and scope not in {kind.value for kind in Kind}:
        return None
    return user_id, scope


def unsubscribe_headers(user_id: int, scope: Kind | str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: the link, and the header that says a POST suffices."""
    from civic.web import site_url

    link = site_url("notifications.unsubscribe", token=unsubscribe_token(user_id, scope))
    return {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _links(user_id: int, scope: Kind | str) -> dict[str, str]:
    from civic.web import site_url

    return {
        "settings_url": site_url("notifications.settings"),
        "list_url": site_url("notifications.index"),
        "unsubscribe_url": site_url(
            "notifications.unsubscribe", token=unsubscribe_token(user_id, scope)
        ),
    }


def absolute(path: str) -> str:
    """A notification's path ("/votes/12") as a link for mail: the configured site address,
    never a request's Host header."""
    return current_app.config["SITE_URL"] + path


# --- immediate mail -----------------------------------------------------------------------


def mail_immediately(notification_ids: Iterable[int]) -> int:
    """Queue one email per immediate notification among `notification_ids` not yet mailed,
    and mark them mailed; in the caller's transaction. Returns how many were queued."""
    ids = list(notification_ids)
    if not ids:
        return 0
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.id.in_(ids),
            Notification.delivery == Delivery.IMMEDIATE,
            Notification.mailed_at.is_(None),
            # a paper-only resident has no address: they read it once they register
            User.paper_only.is_(False),
        )
        .order_by(Notification.id)
    ).all()
    now = utcnow()
    for notification, user in rows:
        # the title and text were stored in this person's language (feed.announce)
        with in_language(user.locale):
            outbox.queue_template(
                "notification",
                to=user.email,
                subject=notification.title,
                key=f"notify:{notification.id}",
                headers=unsubscribe_headers(user.id, notification.kind),
                notification=notification,
                kind_when=label_in_sentence(notification.kind),
                link=absolute(notification.url),
                **_links(user.id, notification.kind),
            )
        notification.mailed_at = now
    db.session.flush()
    return len(rows)


# --- the daily digest ---------------------------------------------------------------------


@dataclass(frozen=True)
class DigestGroup:
    label: object
    items: list[Notification]


def council_day(moment: datetime) -> date:
    """The date in the council's time zone: "one digest a day" means a London day."""
    return aware(moment).astimezone(COUNCIL_TIME).date()


def digest_due(now: datetime) -> bool:
    """True from CIVIC_DIGEST_HOUR (council time) until midnight."""
    return aware(now).astimezone(COUNCIL_TIME).hour >= int(current_app.config["DIGEST_HOUR"])


def send_digests(now: datetime | None = None) -> int:
    """Queue today's digest for everyone with digest notifications not yet mailed, once a
    day each, from the digest hour on; returns how many digests were queued. Run by
    `civic tick` (flushes, the caller commits)."""
    now = now or utcnow()
    if not digest_due(now):
        return 0
    day = council_day(now)
    waiting = db.session.scalars(
        select(Notification.user_id)
        .where(Notification.delivery == Delivery.DIGEST, Notification.mailed_at.is_(None))
        .distinct()
    ).all()
    return sum(send_digest(user_id, day, now) for user_id in sorted(waiting))


def send_digest(user_id: int, day: date, now: datetime) -> bool:
    """Queue `user_id`'s digest for `day` with everything pending, unless one went that
    day already; True if it was queued. (`send_digests` calls it for everyone at the hour;
    the demo seed calls it at once.)"""
    from civic.notifications.feed import _insert_returning_ids

    user = db.session.get(User, user_id)
    if user is None or not user.active or user.paper_only:
        return False
    claimed = _insert_returning_ids(
        DigestSent,
        ["user_id", "day"],
        [{"user_id": user_id, "day": day, "items": 0, "created_at": now}],
    )
    if not claimed:  # today's digest went already (or another run is sending it now)
        return False
    pending = list(
        db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.delivery == Delivery.DIGEST,
                Notification.mailed_at.is_(None),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
        )
    )
    if not pending:  # nothing after all: leave today free for a digest that has something
        db.session.execute(delete(DigestSent).where(DigestSent.id == claimed[0]))
        return False
    db.session.execute(
        update(DigestSent).where(DigestSent.id == claimed[0]).values(items=len(pending))
    )
    shown = pending[:DIGEST_SHOWN]
    with in_language(user.locale):
        outbox.queue_template(
            "digest",
            to=user.email,
            subject=_digest_subject(day, len(pending)),
            key=f"digest:{user_id}:{day.isoformat()}",
            headers=unsubscribe_headers(user_id, ALL),
            groups=group_by_kind(shown),
            more=len(pending) - len(shown),
            link=absolute,
            **_links(user_id, ALL),
        )
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_([item.id for item in pending]))
        .values(mailed_at=now)
    )
    db.session.flush()
    return True


def group_by_kind(items: list[Notification]) -> list[DigestGroup]:
    """Items grouped by kind in the settings page's order, newest first within each."""
    groups = []
    for kind, info in KINDS.items():
        mine = [item for item in items if item.kind == kind]
        if mine:
            groups.append(DigestGroup(info.label, mine))
    return groups


def _digest_subject(day: date, count: int) -> str:
    """ "Your Civic digest for Monday 30 November 2026: 3 updates", in the language now."""
    updates = ngettext("%(num)s update", "%(num)s updates", count)
    return gettext(
        "Your Civic digest for %(day)s: %(updates)s", day=weekday_and_day(day), updates=updates
    )
