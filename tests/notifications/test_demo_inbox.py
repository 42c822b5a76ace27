"""The demo (issue 14): `flask civic seed` leaves a resident with notification settings and
notifications, and the mail folder holds a notification email and a digest."""

from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import func, select

from civic.accounts import services
from civic.extensions import db
from civic.notifications import feed
from civic.notifications.kinds import Delivery, Kind
from civic.notifications.models import DigestSent, Notification


def test_the_seed_mails_a_notification_and_a_digest(app, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "civic.notifications.eml.EmailBackend")
    monkeypatch.setitem(app.config, "MAIL_FILE_PATH", str(tmp_path / "mail"))
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    sam = services.find_user_by_email("resident@civic.example")
    assert feed.preferences(sam)[Kind.RESULT] is Delivery.IMMEDIATE  # changed from digest
    assert len(feed.follows(sam)) >= 2
    mine = Notification.user_id == sam.id
    told = db.session.scalar(select(func.count()).where(mine))
    assert told >= 4
    kinds = set(db.session.scalars(select(Notification.kind).where(mine)))
    assert {Kind.REPLY, Kind.PROJECT_REVIEWED, Kind.OPENED} <= kinds
    assert (
        db.session.scalar(select(func.count()).where(mine, Notification.read_at.is_not(None))) == 1
    )
    assert db.session.scalar(select(func.count()).where(DigestSent.user_id == sam.id)) == 1
    messages = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((tmp_path / "mail").glob("*.eml"))
    ]
    subjects = {m["Subject"] for m in messages if m["To"] == "resident@civic.example"}
    assert any(" replied to your comment on " in s for s in subjects)
    assert any(s.startswith("Your Civic digest for ") for s in subjects)
    assert all(m["List-Unsubscribe-Post"] for m in messages if m["To"] == sam.email)
    # Gwen reads Civic in Welsh: the same news reaches her, and her mail, in Welsh
    gwen = services.find_user_by_email("gwen.morgan@civic.example")
    assert gwen.locale == "cy"
    hers = list(
        db.session.scalars(select(Notification.title).where(Notification.user_id == gwen.id))
    )
    english = ("Voting has opened", "Consultation has opened", "Results are published")
    assert hers and not any(title.startswith(english) for title in hers)
    assert any(title.startswith("Mae\u2019r ymgynghoriad wedi agor: ") for title in hers)
    assert all(" yn ardal " in title for title in hers)
    welsh = {m["Subject"] for m in messages if m["To"] == gwen.email}
    assert any(s.startswith("Eich crynodeb Civic ar gyfer ") for s in welsh)
    again = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert db.session.scalar(select(func.count()).where(mine)) == told
