"""Who hears of what: follows, preferences and `announce` (civic.notifications.feed)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.errors import ValidationFailed
from civic.extensions import db
from civic.notifications import feed
from civic.notifications.kinds import KINDS, Delivery, Kind, kinds_for
from civic.notifications.models import Follow, Notification, NotificationPreference
from tests.conftest import on_postgres
from tests.factories import AreaFactory, ModeratorFactory, UserFactory
from tests.notifications.conftest import at_once


def _told(event: str) -> dict[int, Notification]:
    rows = db.session.scalars(select(Notification).where(Notification.event == event))
    return {row.user_id: row for row in rows}


def _prefer(user, kind: Kind, delivery: Delivery) -> None:
    db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
    db.session.flush()


def test_targets_name_things_by_their_audit_subject():
    area = AreaFactory(slug="riverside")
    assert feed.target_of(area) == "area:riverside"
    assert feed.target_of("proposal:12") == "proposal:12"


def test_follow_is_idempotent_and_unfollow_drops_it():
    user, area = UserFactory(), AreaFactory()
    assert feed.follow(user, area, auto=True) is True
    assert feed.follow(user, area) is False
    assert [f.target for f in feed.follows(user)] == [feed.target_of(area)]
    assert feed.is_following(user, area)
    assert feed.unfollow(user, area) is True
    assert feed.unfollow(user, area) is False
    assert not feed.is_following(user, area)


def test_announce_tells_followers_and_named_people_once_each():
    area, other_area = AreaFactory(), AreaFactory()
    follower, named, both, stranger = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    feed.follow(follower, area)
    feed.follow(both, area)
    feed.follow(stranger, other_area)
    told = feed.announce(
        Kind.OPENED,
        event="proposal-voting:1",
        title="Voting opens: street cleaning",
        url="/votes/1",
        followers_of=[area],
        to=[named.id, both.id],
    )
    assert told == 3
    assert set(_told("proposal-voting:1")) == {follower.id, named.id, both.id}
    # the same event again tells nobody twice, but reaches a new follower
    late = UserFactory()
    feed.follow(late, area)
    again = feed.announce(
        Kind.OPENED, event="proposal-voting:1", title="x", url="/votes/1", followers_of=[area]
    )
    assert again == 1
    assert set(_told("proposal-voting:1")) == {follower.id, named.id, both.id, late.id}


def test_announce_respects_off_exclusions_and_inactive_accounts():
    area = AreaFactory()
    quiet, author, gone, keen = (
        UserFactory(),
        UserFactory(),
        UserFactory(active=False),
        UserFactory(),
    )
    for user in (quiet, author, gone, keen):
        feed.follow(user, area)
    _prefer(quiet, Kind.RESULT, Delivery.OFF)
    _prefer(keen, Kind.RESULT, Delivery.IMMEDIATE)
    feed.announce(
        Kind.RESULT,
        event="round-results:park",
        title="Results are out",
        url="/budgets/park",
        followers_of=[area],
        exclude=[author.id],
    )
    told = _told("round-results:park")
    assert set(told) == {keen.id}
    assert told[keen.id].delivery is Delivery.IMMEDIATE


def test_each_person_gets_their_own_choice_or_the_default():
    area = AreaFactory()
    default_user, digest_user = UserFactory(), UserFactory()
    feed.follow(default_user, area)
    feed.follow(digest_user, area)
    _prefer(digest_user, Kind.REPLY, Delivery.DIGEST)
    feed.announce(Kind.REPLY, event="reply:9", title="A reply", url="/c/9", followers_of=[area])
    told = _told("reply:9")
    assert told[default_user.id].delivery is KINDS[Kind.REPLY].default
    assert told[digest_user.id].delivery is Delivery.DIGEST


def test_moderators_kinds_reach_only_moderators():
    resident, moderator = UserFactory(), ModeratorFactory()
    feed.announce(
        Kind.REPORTS,
        event="reports:1",
        title="A comment was reported",
        url="/discussions/moderation",
        to=[resident.id, moderator.id],
    )
    assert set(_told("reports:1")) == {moderator.id}
    assert feed.moderator_ids() >= {moderator.id}
    assert resident.id not in feed.moderator_ids()


def test_preferences_fill_in_defaults_and_hide_moderators_kinds_from_residents():
    resident, moderator = UserFactory(), ModeratorFactory()
    _prefer(resident, Kind.OPENED, Delivery.OFF)
    chosen = feed.preferences(resident)
    assert chosen[Kind.OPENED] is Delivery.OFF
    assert chosen[Kind.REPLY] is KINDS[Kind.REPLY].default
    assert Kind.REPORTS not in chosen
    assert set(feed.preferences(moderator)) == set(kinds_for(True)) == set(Kind)


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("event", {"event": " "}),
        ("title", {"title": ""}),
        ("url", {"url": "https://elsewhere.example/"}),
        ("url", {"url": "//elsewhere.example/"}),
    ],
)
def test_announce_refuses_bad_input_and_writes_nothing(field, values):
    user = UserFactory()
    arguments = {"event": "e:1", "title": "T", "url": "/x", **values}
    with pytest.raises(ValidationFailed) as refused:
        feed.announce(Kind.OPENED, to=[user.id], **arguments)
    assert field in refused.value.errors
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_thousand_followers_are_told_in_chunks():
    area = AreaFactory()
    users = UserFactory.create_batch(1200)
    for user in users:
        feed.follow(user, area)
    told = feed.announce(Kind.OPENED, event="big:1", title="T", url="/x", followers_of=[area])
    assert told == 1200
    assert len(_told("big:1")) == 1200


@pytest.mark.commits
def test_two_announcements_of_one_event_at_once_tell_each_person_once(app):
    if not on_postgres():
        pytest.skip(
            "needs PostgreSQL: two transactions racing on the (user, event) unique index "
            "need concurrent connections; set CIVIC_TEST_DATABASE_URL"
        )
    area = AreaFactory()
    users = UserFactory.create_batch(30)
    for user in users:
        feed.follow(user, area)
    target = feed.target_of(area)
    db.session.commit()
    counts = at_once(
        app,
        lambda: feed.announce(
            Kind.OPENED, event="race:1", title="T", url="/x", followers_of=[target]
        ),
    )
    assert sum(counts) == 30
    assert len(_told("race:1")) == 30
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 30
