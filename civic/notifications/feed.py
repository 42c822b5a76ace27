"""Telling people what happened: who follows what, and `announce`, which the domains call
from their service functions when something worth hearing about happens.

`announce` writes one Notification row per person who should hear, in the caller's
transaction: a change that rolls back tells nobody, and (user, event) being unique means
a job run twice, or two runs at once, tell nobody twice. Rows made with
`Delivery.IMMEDIATE` are queued in the mail outbox in the same transaction (see
civic.notifications.mailing); `Delivery.DIGEST` rows wait for the day's digest.

Follows and preferences are a person's own settings, not civic acts: they are not written
to the public audit log (a log of who follows what would itself be personal data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from civic.accounts.models import Role, User
from civic.audit.log import HasAuditSubject, Subject
from civic.clock import utcnow
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.i18n import DEFAULT_LANGUAGE, in_language, supported
from civic.notifications.kinds import KINDS, Delivery, Kind
from civic.notifications.models import Follow, Notification, NotificationPreference
from civic.notifications.wording import rendered

Followable = HasAuditSubject | Subject | str
CHUNK = 500  # rows per INSERT, well under SQLite's bound-parameter limit


def target_of(thing: Followable) -> str:
    """ "<type>:<id>" for anything with an audit subject (an Area, a Proposal, a round…)."""
    if isinstance(thing, str):
        return thing
    subject = thing if isinstance(thing, Subject) else thing.audit_subject
    return f"{subject.type}:{subject.id}"


# --- follows ------------------------------------------------------------------------------


def follow(user: User, thing: Followable, *, auto: bool = False) -> bool:
    """Follow `thing`; True if this made a new follow. Idempotent and race-free (the
    unique (user, target) pair): taking part twice at once leaves one follow."""
    values = {"user_id": user.id, "target": target_of(thing), "auto": auto, "created_at": utcnow()}
    return _insert_ignoring_duplicates(Follow, ["user_id", "target"], [values]) > 0


def unfollow(user: User, thing: Followable) -> bool:
    """Stop following `thing`; True if there was a follow to drop."""
    result = db.session.execute(
        delete(Follow).where(Follow.user_id == user.id, Follow.target == target_of(thing))
    )
    return bool(result.rowcount)


def follows(user: User) -> list[Follow]:
    return list(
        db.session.scalars(
            select(Follow).where(Follow.user_id == user.id).order_by(Follow.created_at, Follow.id)
        )
    )


def is_following(user: User | None, thing: Followable) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    found = db.session.scalar(
        select(Follow.id).where(Follow.user_id == user.id, Follow.target == target_of(thing))
    )
    return found is not None


# --- preferences --------------------------------------------------------------------------


def deliveries(user_ids: Iterable[int], kind: Kind) -> dict[int, Delivery]:
    """Each person's choice for `kind`, the kind's default where they made none."""
    ids = list(set(user_ids))
    chosen: dict[int, Delivery] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        chosen.update(
            db.session.execute(
                select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                    NotificationPreference.kind == kind,
                    NotificationPreference.user_id.in_(part),
                )
            ).all()
        )
    default = KINDS[kind].default
    return {user_id: chosen.get(user_id, default) for user_id in ids}


def preferences(user: User) -> dict[Kind, Delivery]:
    """A person's choice for every kind they can choose about (defaults filled in)."""
    from civic.notifications.kinds import kinds_for

    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, KINDS[kind].default) for kind in kinds_for(user.is_moderator)}


# --- announcing ---------------------------------------------------------------------------


def followers(targets: Iterable[Followable]) -> set[int]:
    names = {target_of(thing) for thing in targets}
    if not names:
        return set()
    return set(db.session.scalars(select(Follow.user_id).where(Follow.target.in_(names))))


def moderator_ids() -> set[int]:
    """Active moderators and administrators: who hears of the moderators' kinds."""
    return set(
        db.session.scalars(
            select(User.id).where(User.role.in_((Role.MODERATOR, Role.ADMIN)), User.active)
        )
    )


def announce(
    kind: Kind,
    *,
    event: str,
    title: object,
    url: str,
    text: object = "",
    followers_of: Iterable[Followable] = (),
    to: Iterable[int] = (),
    exclude: Iterable[int] = (),
) -> int:
    """Tell everyone who follows any of `followers_of`, and the people in `to`, that
    `event` happened; returns how many were newly told.

    `event` names the happening uniquely ("proposal-voting:12", "reply:345"): announcing
    it again tells only people not yet told. `exclude` drops people who should not hear of
    their own act (the author of a reply). People who chose `off` for the kind, inactive
    accounts, and non-moderators for the moderators' kinds are left out. `url` is a path
    on this site ("/votes/12"); mail adds the site's address.

    `title` and `text` may be lazy strings (see civic.notifications.wording): each row is
    then stored in its recipient's language (User.locale; English when unset), rendered
    once per language among the recipients.
    """
    problems: dict[str, str] = {}
    with in_language(DEFAULT_LANGUAGE):
        english = (rendered(title), rendered(text))
    if not event.strip() or len(event) > 200:
        problems["event"] = "Name the event in 1 to 200 characters"
    if not english[0].strip() or len(english[0]) > 300:
        problems["title"] = "Give a title of 1 to 300 characters"
    if not url.startswith("/") or url.startswith("//") or len(url) > 500:
        problems["url"] = "Give a path on this site, starting with one /"
    if problems:
        raise ValidationFailed(problems)
    wanted = (followers(followers_of) | set(to)) - set(exclude)
    if not wanted:
        return 0
    languages = _active(wanted, moderators_only=KINDS[kind].moderators_only)
    worded = {DEFAULT_LANGUAGE: english}
    for language in set(languages.values()) - set(worded):
        with in_language(language):
            worded[language] = (rendered(title), rendered(text))
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "kind": kind.value,
            "event": event,
            "title": worded[languages[user_id]][0],
            "url": url,
            "text": worded[languages[user_id]][1],
            "delivery": delivery.value,
            "created_at": now,
        }
        for user_id, delivery in sorted(deliveries(languages, kind).items())
        if delivery is not Delivery.OFF
    ]
    made = _insert_returning_ids(Notification, ["user_id", "event"], rows)
    # only rows this call made: a repeat of the event mails nobody a second time
    from civic.notifications.mailing import mail_immediately

    mail_immediately(made)
    return len(made)


def _active(user_ids: set[int], *, moderators_only: bool) -> dict[int, str]:
    """The active accounts among `user_ids`, each with the language they read ("en", "cy")."""
    ids = list(user_ids)
    found: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(User.id, User.locale).where(
            User.id.in_(ids[start : start + CHUNK]), User.active
        )
        if moderators_only:
            query = query.where(User.role.in_((Role.MODERATOR, Role.ADMIN)))
        for user_id, locale in db.session.execute(query):
            found[user_id] = supported(locale) or DEFAULT_LANGUAGE
    return found


def _insert_ignoring_duplicates(
    model: Any, unique: list[str], rows: list[Mapping[str, Any]]
) -> int:
    """INSERT … ON CONFLICT DO NOTHING in chunks; the number of rows actually inserted."""
    return len(_insert_returning_ids(model, unique, rows))


def _insert_returning_ids(
    model: Any, unique: list[str], rows: list[Mapping[str, Any]]
) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING in chunks; the ids of the rows actually inserted."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    inserted: list[int] = []
    for start in range(0, len(rows), CHUNK):
        statement = (
            builder(table)
            .values(list(rows[start : start + CHUNK]))
            .on_conflict_do_nothing(index_elements=unique)
            .returning(table.c.id)
        )
        inserted += db.session.scalars(statement).all()
    return inserted
