"""Notification mail against a real SMTP server (aiosmtpd): an immediate notification is
mailed once with both parts and one-click unsubscribe headers; the daily digest batches a
day's news into one message, once a day; and the unsubscribe token only ever works for the
person and kind it names."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from civic.extensions import db
from civic.notifications import feed, mailing, outbox
from civic.notifications.kinds import Delivery, Kind
from civic.notifications.models import (
    DigestSent,
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from tests.conftest import on_postgres
from tests.factories import AreaFactory, UserFactory
from tests.notifications.conftest import at_once, use_smtp
from tests.notifications.smtp import smtp_server

# 08:00 in London in winter (UTC+0) and summer (UTC+1): both after the default hour 7
MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
UNSUBSCRIBE_LINK = re.compile(r"^<(https?://[^>]+/notifications/unsubscribe/([^>]+))>$")


def _reply(user, n: int = 1) -> int:
    """A reply to `user`'s comment: immediate by default."""
    return feed.announce(
        Kind.REPLY,
        event=f"reply:{n}",
        title=f"Sam replied to your comment ({n})",
        url=f"/discussions/comments/{n}",
        text="I agree about the bins.",
        to=[user.id],
    )


def _opened(area, n: int) -> int:
    """Something opened in `area`: a digest kind by default."""
    return feed.announce(
        Kind.OPENED,
        event=f"opened:{n}",
        title=f"Voting opens: item {n}",
        url=f"/votes/{n}",
        followers_of=[area],
    )


def _unsubscribe(message) -> re.Match[str] | None:
    # a long header is folded onto a continuation line (legal RFC 5322 folding): unfolded,
    # it starts with the folding white space, which readers strip
    return UNSUBSCRIBE_LINK.match(message["List-Unsubscribe"].strip())


def _token(message) -> str:
    match = _unsubscribe(message)
    assert match, message["List-Unsubscribe"]
    return match.group(2)


def _digests() -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.message_key.like("digest:%")))
    )


# --- immediate mail -------------------------------------------------------------------------


def test_an_immediate_notification_arrives_once_with_both_parts_and_unsubscribe(app, smtp):
    user = UserFactory(email="ada@example.org")
    assert _reply(user) == 1
    db.session.commit()
    first, second = outbox.send_due(), outbox.send_due()  # two ticks
    assert (first.sent, second.sent) == (1, 0)
    assert len(smtp.received) == 1 and smtp.recipients == [["ada@example.org"]]
    message = smtp.received[0]
    assert message["Subject"] == "Sam replied to your comment (1)"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = _unsubscribe(message)
    assert link and link.group(1).startswith(app.config["SITE_URL"] + "/")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in (text, html):
        assert "I agree about the bins." in part
        assert app.config["SITE_URL"] + "/discussions/comments/1" in part
        assert app.config["SITE_URL"] + "/notifications/settings" in part
        assert "someone replies to your comment" in part  # why they got it
    assert '<html lang="en">' in html and "<h1" in html
    row = db.session.scalar(select(Notification))
    assert row.mailed_at is not None


def test_announcing_the_same_event_again_mails_nobody_twice(smtp):
    user = UserFactory()
    _reply(user)
    _reply(user)
    db.session.commit()
    outbox.send_due()
    assert len(smtp.received) == 1


def test_digest_kinds_and_off_are_not_mailed_at_once():
    area = AreaFactory()
    digest_reader, off_reader = UserFactory(), UserFactory()
    for person in (digest_reader, off_reader):
        feed.follow(person, area)
    db.session.add_all(
        [NotificationPreference(user_id=off_reader.id, kind=Kind.OPENED, delivery=Delivery.OFF)]
    )
    assert _opened(area, 1) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_rolled_back_announcement_leaves_no_mail():
    user = UserFactory()
    with db.session.begin_nested() as nested:
        _reply(user)
        nested.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- one-click unsubscribe -----------------------------------------------------------------


def test_one_click_post_turns_that_kind_off_and_nothing_else(client, smtp):
    user = UserFactory()
    _reply(user)
    db.session.commit()
    outbox.send_due()
    token = _token(smtp.received[0])
    # RFC 8058: the mail client posts this body, with no session and no CSRF token
    response = client.post(
        f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    chosen = feed.preferences(user)
    assert chosen[Kind.REPLY] is Delivery.OFF
    assert chosen[Kind.PROJECT_REVIEWED] is Delivery.IMMEDIATE  # untouched
    # and the next reply is neither mailed nor listed
    assert _reply(user, 2) == 0


def test_a_get_only_asks_so_link_scanners_unsubscribe_nobody(client):
    user = UserFactory()
    token = mailing.unsubscribe_token(user.id, Kind.REPLY)
    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Unsubscribe</button>" in body and "/notifications/settings" in body
    assert feed.preferences(user)[Kind.REPLY] is Delivery.IMMEDIATE


def test_the_digest_token_turns_every_kind_off(client):
    user = UserFactory()
    token = mailing.unsubscribe_token(user.id, mailing.ALL)
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert set(feed.preferences(user).values()) == {Delivery.OFF}


@pytest.mark.parametrize(
    "forge",
    [
        lambda own, other: own[:-2] + ("AA" if not own.endswith("AA") else "BB"),  # bad sig
        lambda own, other: "garbled",
        # another person's id with a signature made with a different key
        lambda own, other: mailing.URLSafeSerializer("guess", salt="x").dumps([other, "reply"]),
        # a payload of the right shape signed for another purpose (no salt)
        lambda own, other: mailing.URLSafeSerializer(mailing.current_app.secret_key).dumps(
            [other, "reply"]
        ),
    ],
)
def test_forged_or_garbled_tokens_are_refused_and_change_nothing(client, forge):
    own, other = UserFactory(), UserFactory()
    token = forge(mailing.unsubscribe_token(own.id, Kind.REPLY), other.id)
    for method in (client.get, client.post):
        response = method(f"/notifications/unsubscribe/{token}")
        assert response.status_code == 400
        assert "not one Civic sent" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_a_token_works_only_for_the_person_it_names(client):
    own, other = UserFactory(), UserFactory()
    token = mailing.unsubscribe_token(own.id, Kind.REPLY)
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert feed.preferences(own)[Kind.REPLY] is Delivery.OFF
    assert feed.preferences(other)[Kind.REPLY] is Delivery.IMMEDIATE
    assert mailing.read_unsubscribe_token(token) == (own.id, "reply")


def test_a_token_for_an_account_that_is_gone_is_refused(client):
    token = mailing.unsubscribe_token(987_654, Kind.REPLY)
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 400


# --- the daily digest ----------------------------------------------------------------------


def test_many_events_in_a_day_make_one_digest_and_a_second_run_none(app, smtp):
    area = AreaFactory()
    reader = UserFactory(email="reader@example.org")
    feed.follow(reader, area)
    for n in range(1, 6):
        _opened(area, n)
    assert mailing.send_digests(MORNING) == 1
    assert mailing.send_digests(MORNING + timedelta(hours=3)) == 0  # same day
    db.session.commit()
    outbox.send_due()
    assert len(smtp.received) == 1
    message = smtp.received[0]
    assert message["Subject"].endswith(": 5 updates")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mailing.read_unsubscribe_token(_token(message)) == (reader.id, "all")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    # newest first, under its kind's heading, each linked
    assert text.index("item 5") < text.index("item 1")
    lines = text.splitlines()  # one line each, readable as plain text
    assert lines[lines.index("* Voting opens: item 5") + 1].startswith("  http")
    assert "A vote, budget phase or consultation opens" in html
    assert app.config["SITE_URL"] + "/votes/3" in html
    assert db.session.scalar(select(DigestSent.items)) == 5
    assert db.session.scalar(select(func.count()).where(Notification.mailed_at.is_(None))) == 0


def test_the_next_day_brings_a_new_digest_with_only_new_items(smtp):
    area = AreaFactory()
    reader = UserFactory()
    feed.follow(reader, area)
    _opened(area, 1)
    assert mailing.send_digests(MORNING) == 1
    _opened(area, 2)  # later the same day: waits for tomorrow
    assert mailing.send_digests(MORNING + timedelta(hours=10)) == 0
    assert mailing.send_digests(MORNING + timedelta(days=1)) == 1
    db.session.commit()
    outbox.send_due()
    assert len(smtp.received) == 2
    second = smtp.received[1].get_body(preferencelist=("plain",)).get_content()
    assert "item 2" in second and "item 1" not in second


def test_no_digest_before_the_hour_in_london_time(app, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 7)
    area, reader = AreaFactory(), UserFactory()
    feed.follow(reader, area)
    _opened(area, 1)
    # 06:30 UTC on 1 July is 07:30 in London (BST): due; in December 06:30 is 06:30: not
    assert mailing.send_digests(datetime(2026, 12, 1, 6, 30, tzinfo=UTC)) == 0
    assert mailing.send_digests(datetime(2026, 7, 1, 6, 30, tzinfo=UTC)) == 1


def test_a_long_digest_lists_the_newest_and_links_the_rest(smtp, monkeypatch):
    monkeypatch.setattr(mailing, "DIGEST_SHOWN", 3)
    area, reader = AreaFactory(), UserFactory()
    feed.follow(reader, area)
    for n in range(1, 8):
        _opened(area, n)
    assert mailing.send_digests(MORNING) == 1
    db.session.commit()
    outbox.send_due()
    text = smtp.received[0].get_body(preferencelist=("plain",)).get_content()
    assert "item 7" in text and "item 5" in text and "item 4" not in text
    assert "And 4 more" in text and "/notifications" in text


def test_digests_skip_deactivated_accounts():
    area, reader = AreaFactory(), UserFactory()
    feed.follow(reader, area)
    _opened(area, 1)
    reader.active = False
    db.session.flush()
    assert mailing.send_digests(MORNING) == 0


@pytest.mark.commits
def test_two_digest_runs_at_once_send_one_digest(app, monkeypatch):
    if not on_postgres():
        pytest.skip(
            "needs PostgreSQL: two digest runs racing on the (user, day) unique index need "
            "concurrent connections; set CIVIC_TEST_DATABASE_URL"
        )
    area = AreaFactory()
    readers = UserFactory.create_batch(10)
    for reader in readers:
        feed.follow(reader, area)
    for n in range(1, 4):
        _opened(area, n)
    db.session.commit()
    counts = at_once(app, lambda: mailing.send_digests(MORNING))
    assert sum(counts) == 10
    db.session.expire_all()
    assert len(_digests()) == 10
    assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 10
    with smtp_server() as (handler, port):
        use_smtp(monkeypatch, app, port)
        outbox.send_due()
    assert sorted(r for batch in handler.recipients for r in batch) == sorted(
        reader.email for reader in readers
    )


def test_tick_queues_and_sends_the_digest(app: Flask, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 0)  # whatever the time the test runs
    area, reader = AreaFactory(), UserFactory()
    feed.follow(reader, area)
    _opened(area, 1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 notification digest." in result.output
    again = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert "notification digest" not in again.output
    assert len(smtp.received) == 1


def test_after_unsubscribing_from_everything_no_digest_goes(client):
    area, reader = AreaFactory(), UserFactory()
    feed.follow(reader, area)
    _opened(area, 1)  # waiting for today's digest
    token = mailing.unsubscribe_token(reader.id, mailing.ALL)
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert mailing.send_digests(MORNING) == 0
    assert _digests() == []
