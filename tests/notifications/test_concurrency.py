"""Two `civic tick`s at once send each message once (PostgreSQL, FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from civic.extensions import db
from civic.notifications import outbox
from civic.notifications.models import MailState, OutboxMessage
from tests.conftest import on_postgres
from tests.notifications.conftest import use_smtp
from tests.notifications.smtp import smtp_server

MESSAGES = 40


@pytest.mark.commits
def test_two_ticks_at_once_send_every_message_once(app, monkeypatch):
    if not on_postgres():
        pytest.skip(
            "needs PostgreSQL: two senders racing for the same rows need real row locks "
            "(FOR UPDATE SKIP LOCKED) and concurrent connections; set CIVIC_TEST_DATABASE_URL"
        )
    with smtp_server() as (handler, port):
        use_smtp(monkeypatch, app, port)
        for n in range(MESSAGES):
            outbox.queue(
                to=f"resident{n}@example.org",
                subject=f"Message {n}",
                text="Text",
                html="<p>HTML</p>",
                key=f"race:{n}",
            )
        db.session.commit()
        barrier = threading.Barrier(4)
        reports: list[outbox.SendReport] = []
        senders: set[str] = set()
        errors: list[BaseException] = []

        def tick() -> None:
            with app.app_context():
                try:
                    barrier.wait()
                    # small batches, so the senders interleave rather than one taking all
                    while (report := outbox.send_due(limit=3)).sent:
                        reports.append(report)
                        senders.add(threading.current_thread().name)
                except BaseException as exc:  # reported below, not lost in the thread
                    errors.append(exc)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=tick) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    addresses = sorted(rcpt for batch in handler.recipients for rcpt in batch)
    assert addresses == sorted(f"resident{n}@example.org" for n in range(MESSAGES))
    assert sum(r.sent for r in reports) == MESSAGES
    assert len(senders) >= 2  # they really raced
    db.session.expire_all()
    sent = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.state == MailState.SENT, OutboxMessage.attempts == 1
        )
    )
    assert sent == MESSAGES
