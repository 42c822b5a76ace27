"""Right after `make run`: Priya Pending has not confirmed her address, her confirmation
email is in the mail folder, and following its link lets her take part."""

from __future__ import annotations

import re

from civic.accounts.services import find_user_by_email
from tests.accounts.mail_links import latest_link
from tests.conftest import login, post_form


def test_the_demo_has_a_pending_confirmation_with_its_mail_in_the_folder(
    app, client, monkeypatch, tmp_path
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "civic.notifications.eml.EmailBackend")
    monkeypatch.setitem(app.config, "MAIL_FILE_PATH", str(tmp_path / "mail"))
    monkeypatch.setitem(app.config, "SITE_URL", "http://127.0.0.1:8000")
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    assert "priya.pending@civic.example" in result.output
    assert "Demo mail: Sent " in result.output

    mails = [path.read_text() for path in (tmp_path / "mail").glob("*.eml")]
    (message,) = [m for m in mails if "To: priya.pending@civic.example" in m]
    assert re.search(r"http://127\.0\.0\.1:8000/accounts/confirm-email/\S+", message)

    priya = find_user_by_email("priya.pending@civic.example")
    assert not priya.email_confirmed
    for name in ("admin", "moderator", "resident", "organiser", "grace.adeyemi"):
        assert find_user_by_email(f"{name}@civic.example").email_confirmed, name
    login(client, priya, "neighbour-demo-password")
    page = client.get("/accounts/eligibility").get_data(as_text=True)
    assert "Confirm your email address first" in page
    assert post_form(client, latest_link(priya.email, "confirm-email"), {}).status_code == 302
    assert priya.email_confirmed
