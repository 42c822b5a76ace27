"""Account mail against a real SMTP server in the test process (aiosmtpd): a password
reset asked for on the site arrives once, with a plain-text and an HTML part, and goes out
only after the response (so its sending does not time the answer)."""

from __future__ import annotations

from civic.notifications import outbox
from civic.notifications.models import MailState
from tests.accounts.mail_links import latest_link, messages_to
from tests.conftest import post_form
from tests.factories import UserFactory
from tests.notifications.conftest import smtp  # noqa: F401 (the fixture)


def test_a_reset_mail_arrives_once_with_both_parts(client, smtp):  # noqa: F811
    UserFactory(email="ruth@example.org")
    response = post_form(client, "/accounts/forgot-password", {"email": "ruth@example.org"})
    assert response.status_code == 302
    assert smtp.received == []  # not at teardown, before the response went out
    response.close()  # the server closes the response once sent: the mail goes then
    assert outbox.send_due().sent == 0  # a tick afterwards finds nothing left to send
    assert len(smtp.received) == 1
    assert smtp.recipients == [["ruth@example.org"]]
    message = smtp.received[0]
    assert message["Subject"] == "Reset your Civic password"
    assert message.get_content_type() == "multipart/alternative"
    link = latest_link("ruth@example.org", "reset-password")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert link in text and link in html
    assert '<html lang="en">' in html and "<title>Reset your Civic password</title>" in html
    (row,) = messages_to("ruth@example.org")
    assert row.state is MailState.SENT and row.attempts == 1


def test_an_unknown_address_sends_nothing(client, smtp):  # noqa: F811
    response = post_form(client, "/accounts/forgot-password", {"email": "nobody@example.org"})
    response.close()
    outbox.send_due()
    assert smtp.received == []
