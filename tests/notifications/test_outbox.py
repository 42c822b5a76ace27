"""The mail outbox against a real SMTP server (aiosmtpd): sent once after commit, kept and
retried with backoff when the server refuses or does not answer, given up after the
setting's attempts, and nothing at all from a change that was rolled back."""

from __future__ import annotations

import logging
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from flask import Flask
from sqlalchemy import func, select

from civic.cli import run_service
from civic.clock import aware, utcnow
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.notifications import outbox
from civic.notifications.models import MailState, OutboxMessage
from tests.notifications.conftest import use_smtp
from tests.notifications.smtp import closed_port, silent_port, smtp_server

UNSUBSCRIBE = "<https://civic.example/unsubscribe/abc>"


def _queue(key: str = "test:1", to: str = "resident@example.org") -> OutboxMessage:
    return outbox.queue_template(
        "test_message",
        to=to,
        subject="Your test message",
        key=key,
        headers={
            "List-Unsubscribe": UNSUBSCRIBE,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _row(key: str = "test:1") -> OutboxMessage:
    db.session.expire_all()
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_key == key))
    assert row is not None
    return row


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_queued_message_arrives_once_with_both_parts_and_its_headers(smtp):
    _queue()
    db.session.commit()
    report = outbox.send_due()
    again = outbox.send_due()
    assert (report.sent, again.sent) == (1, 0)
    assert len(smtp.received) == 1
    assert smtp.recipients == [["resident@example.org"]]
    message = smtp.received[0]
    assert message["Subject"] == "Your test message"
    assert message["To"] == "resident@example.org"
    assert message["List-Unsubscribe"] == UNSUBSCRIBE
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert "check that mail reaches resident@example.org." in text.get_content()
    assert "check that mail reaches resident@example.org." in html.get_content()
    assert '<html lang="en">' in html.get_content()
    assert "<title>Your test message</title>" in html.get_content()
    assert "<h1" in html.get_content()
    row = _row()
    assert (row.state, row.attempts, row.last_error) == (MailState.SENT, 1, "")
    assert row.sent_at is not None


def test_the_message_id_is_fixed_by_the_row(smtp):
    row = _queue()
    db.session.commit()
    outbox.send_due()
    assert smtp.received[0]["Message-ID"].startswith(f"<civic.{row.id}.")


def test_the_same_key_is_queued_once(smtp):
    first = _queue("same")
    second = _queue("same")
    db.session.commit()
    assert first.id == second.id and _count() == 1
    outbox.send_due()
    assert len(smtp.received) == 1


def test_a_rolled_back_change_sends_nothing(app: Flask, smtp):
    with app.test_request_context("/", method="POST"):
        _queue("rolled-back")
        db.session.rollback()
        outbox._send_after_commit(None)  # the request's teardown
    assert outbox.send_due().sent == 0
    assert _count() == 0 and smtp.received == []


def test_a_failed_cli_service_sends_nothing(smtp):
    def change_then_fail() -> None:
        _queue("cli-failure")
        raise ValidationFailed({"name": "Give a name"})

    with pytest.raises(Exception, match="Give a name"):
        run_service(change_then_fail)
    assert outbox.send_due().sent == 0
    assert _count() == 0 and smtp.received == []


def test_a_committed_request_sends_what_it_queued_at_teardown(app: Flask, smtp):
    with app.test_request_context("/", method="POST"):
        _queue("after-commit")
        db.session.commit()
        outbox._send_after_commit(None)
    assert len(smtp.received) == 1
    assert _row("after-commit").state is MailState.SENT


def test_a_server_refusing_with_550_keeps_the_message_for_later(app, monkeypatch):
    with smtp_server(refuse_with="550 5.7.1 Relaying denied") as (handler, port):
        use_smtp(monkeypatch, app, port)
        _queue()
        db.session.commit()
        before = utcnow()
        report = outbox.send_due()
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    row = _row()
    assert (row.state, row.attempts) == (MailState.QUEUED, 1)
    assert "550" in row.last_error and "Relaying denied" in row.last_error
    wait = aware(row.next_attempt_at) - before
    assert timedelta(seconds=59) <= wait <= timedelta(seconds=62)
    assert handler.received == []


def test_an_unreachable_server_keeps_the_message_for_later(app, monkeypatch):
    use_smtp(monkeypatch, app, closed_port())
    _queue()
    db.session.commit()
    assert outbox.send_due().retrying == 1
    row = _row()
    assert (row.state, row.attempts) == (MailState.QUEUED, 1)
    assert "Connection" in row.last_error or "refused" in row.last_error
    assert aware(row.next_attempt_at) > utcnow() + timedelta(seconds=50)


def test_a_server_that_never_answers_times_out_and_is_retried(app, monkeypatch):
    with silent_port() as port:
        use_smtp(monkeypatch, app, port, MAIL_TIMEOUT=0.3)
        _queue()
        db.session.commit()
        assert outbox.send_due().retrying == 1
    row = _row()
    assert (row.state, row.attempts) == (MailState.QUEUED, 1)
    assert "timed out" in row.last_error.lower()


def test_backoff_doubles_and_the_message_is_given_up_after_the_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    use_smtp(monkeypatch, app, closed_port())
    _queue()
    db.session.commit()
    waits = []
    for _ in range(3):
        assert outbox.send_due().sent == 0
        assert outbox.send_due().sent == 0  # not due again straight away
        row = _row()
        waits.append(aware(row.next_attempt_at) - utcnow())
        row.next_attempt_at = utcnow() - timedelta(seconds=1)  # time passes
        db.session.commit()
    row = _row()
    assert (row.state, row.attempts) == (MailState.FAILED, 3)
    assert row.last_error
    assert timedelta(seconds=55) < waits[0] <= timedelta(seconds=60)
    assert timedelta(seconds=115) < waits[1] <= timedelta(seconds=120)
    # a failed message is kept, and no sender picks it up again by itself
    assert outbox.send_due().failed == 0 and _row().attempts == 3


def test_a_sender_that_died_mid_way_is_retried_after_its_lease(smtp):
    _queue()
    db.session.commit()
    claimed = outbox.claim()
    assert [r.message_key for r in claimed] == ["test:1"]
    assert outbox.send_due().sent == 0  # the claim holds
    row = _row()
    row.next_attempt_at = utcnow() - timedelta(seconds=1)  # the lease ran out
    db.session.commit()
    assert outbox.send_due().sent == 1
    assert _row().attempts == 2


def test_civic_tick_sends_queued_mail(app, smtp):
    _queue()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 message." in result.output
    assert len(smtp.received) == 1


def test_by_default_each_message_is_written_as_an_eml_file(app, monkeypatch, tmp_path, caplog):
    from civic.config import MAIL_FILE_BACKEND

    monkeypatch.setitem(app.config, "MAIL_BACKEND", MAIL_FILE_BACKEND)
    monkeypatch.setitem(app.config, "MAIL_FILE_PATH", str(tmp_path / "mail"))
    _queue()
    db.session.commit()
    with caplog.at_level(logging.INFO):
        assert outbox.send_due().sent == 1
    (written,) = (tmp_path / "mail").glob("*.eml")
    assert str(written) in caplog.text
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "resident@example.org"
    assert message["List-Unsubscribe"] == UNSUBSCRIBE
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None
    assert _row().state is MailState.SENT


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("to", {"to": "not an address"}),
        ("to", {"to": "a@example.org\r\nBcc: b@example.org"}),
        ("subject", {"subject": "Hello\nBcc: b@example.org"}),
        ("headers", {"headers": {"X-Evil": "a\r\nBcc: b@example.org"}}),
        ("body", {"text": " "}),
        ("key", {"key": ""}),
    ],
)
def test_bad_messages_are_refused_with_a_reason(field, values):
    message = {
        "to": "resident@example.org",
        "subject": "Subject",
        "text": "Text",
        "html": "<p>HTML</p>",
        "key": "k",
    } | values
    with pytest.raises(ValidationFailed) as refused:
        outbox.queue(**message)
    assert field in refused.value.errors
    assert _count() == 0


def test_the_mail_test_command_sends_through_the_outbox(app, smtp):
    result = app.test_cli_runner().invoke(
        args=["civic", "mail-test", "--to", "officer@council.example"]
    )
    assert result.exit_code == 0, result.output
    assert "Sent a test message to officer@council.example." in result.output
    assert smtp.recipients == [["officer@council.example"]]


def test_the_mail_test_command_fails_in_one_line_when_the_server_refuses(app, monkeypatch):
    use_smtp(monkeypatch, app, closed_port())
    result = app.test_cli_runner().invoke(
        args=["civic", "mail-test", "--to", "officer@council.example"]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: The test message was not sent: ")
    assert result.output.count("\n") == 1
    assert _count() == 1  # kept, and retried by the next tick
