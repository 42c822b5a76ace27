"""The administrators' outbox page and its "retry now" action, per role."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.clock import utcnow
from civic.errors import Conflict, NotFound, PermissionDenied
from civic.extensions import db
from civic.notifications import outbox, services
from civic.notifications.models import MailState, OutboxMessage
from tests.conftest import csrf_token, login, post_form
from tests.factories import AdminFactory, ModeratorFactory, UserFactory


def _failed(key: str = "stuck") -> OutboxMessage:
    row = outbox.queue(
        to="someone@example.org",
        subject="Your vote has opened",
        text="Text",
        html="<p>HTML</p>",
        key=key,
    )
    row.state = MailState.FAILED
    row.attempts = 3
    row.last_error = "SMTPDataError: (550, b'Mailbox unavailable')"
    db.session.commit()
    return row


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/notifications/outbox")
    assert response.status_code == 302
    assert "/accounts/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("factory", [UserFactory, ModeratorFactory])
def test_residents_and_moderators_are_refused(client, factory):
    row = _failed()
    login(client, factory())
    assert client.get("/notifications/outbox").status_code == 403
    token = csrf_token(client, "/")
    response = client.post(f"/notifications/outbox/{row.id}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    assert db.session.get(OutboxMessage, row.id).state is MailState.FAILED


def test_administrators_see_failed_messages_with_attempts_and_last_error(client):
    _failed()
    login(client, AdminFactory())
    page = client.get("/notifications/outbox").get_data(as_text=True)
    assert "Your vote has opened" in page
    assert "someone@example.org" in page
    assert "Mailbox unavailable" in page
    assert "Failed: 1 message" in page
    assert "Retry now" in page


def test_retry_now_sends_after_the_request_commits_and_is_audited(client, smtp):
    row = _failed()
    admin = AdminFactory()
    login(client, admin)
    response = post_form(
        client, f"/notifications/outbox/{row.id}/retry", {}, token_from="/notifications/outbox"
    )
    assert response.status_code == 302
    assert len(smtp.received) == 1  # sent by the teardown hook, after the commit
    db.session.expire_all()
    again = db.session.get(OutboxMessage, row.id)
    assert (again.state, again.attempts) == (MailState.SENT, 4)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail:retry"))
    assert entry is not None and entry.subject_id == str(row.id)
    body = entry.body.decode()
    assert "someone@example.org" not in body and "Your vote" not in body
    assert json.loads(body)["data"] == {"attempts": 3, "was": "failed"}


def test_retrying_a_sent_message_is_a_conflict(client):
    row = _failed()
    row.state = MailState.SENT
    db.session.commit()
    login(client, AdminFactory())
    response = post_form(
        client, f"/notifications/outbox/{row.id}/retry", {}, token_from="/notifications/outbox"
    )
    assert response.status_code == 409


def test_retry_service_checks_role_and_existence():
    row = _failed()
    with pytest.raises(PermissionDenied):
        services.retry_now(ModeratorFactory(), row.id)
    with pytest.raises(NotFound):
        services.retry_now(AdminFactory(), 999_999)
    row.state = MailState.SENDING
    row.next_attempt_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    with pytest.raises(Conflict):
        services.retry_now(AdminFactory(), row.id)
