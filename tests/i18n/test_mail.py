"""Mail, notifications and receipts in the reader's language (issue 17, slice "mail").

Notifications and their mail are written in the RECIPIENT's language (User.locale), not in
the language of whoever caused them: the same event reaches a Welsh-speaking resident in
Welsh and an English-speaking one in English, in a request or in `civic tick` alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from civic.clock import utcnow
from civic.extensions import db
from civic.i18n import in_language
from civic.i18n import lazy_gettext as _l
from civic.notifications import feed, mailing, outbox
from civic.notifications.kinds import Delivery, Kind
from civic.notifications.models import Notification, NotificationPreference, OutboxMessage
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.conftest import csrf_token, login
from tests.factories import AreaFactory, UserFactory
from tests.votes.helpers import make_proposal, residents

WELSH = {"Accept-Language": "cy"}
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday, after the digest hour


def _mail_to(address: str) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == address))


def _immediately(user, kind: Kind) -> None:
    db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=Delivery.IMMEDIATE))
    db.session.flush()


def _two_readers(area):
    """A Welsh-speaking and an English-speaking follower of `area` (locale None: English)."""
    welsh = UserFactory(email="gwen@example.org", locale="cy")
    english = UserFactory(email="ed@example.org", locale=None)
    for person in (welsh, english):
        feed.follow(person, area)
    return welsh, english


def test_one_event_mails_each_resident_in_their_own_language_whoever_caused_it(app):
    proposal, moderator, area = make_proposal(ProposalState.CONSULTATION)
    welsh, english = _two_readers(area)
    for person in (welsh, english):
        _immediately(person, Kind.OPENED)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    closes = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    # the moderator who opens the vote reads Welsh: the English reader must not get Welsh
    with app.test_request_context("/", headers=WELSH):
        votes.open_voting(moderator, proposal, closes)

    cy, en = _mail_to("gwen@example.org"), _mail_to("ed@example.org")
    assert cy.subject == f"Mae\u2019r pleidleisio wedi agor: {proposal.title} yn ardal {area.name}"
    assert en.subject == f"Voting has opened: {proposal.title} in {area.name}"
    for part in (cy.text_body, cy.html_body):
        assert "Mae\u2019r pleidleisio\u2019n cau ar 7 Rhagfyr 2026 am 14:00 (UTC)." in part
        assert "oherwydd bod eich gosodiadau hysbysiadau yn dweud" in part  # the footer
        assert "mae pleidlais, cam cyllideb neu ymgynghoriad yn agor" in part  # why: the kind
        assert "Atal yr e-byst hyn (y math hwn yn unig)" in part
        assert "You are getting this email" not in part and "Voting closes" not in part
    assert '<html lang="cy">' in cy.html_body
    for part in (en.text_body, en.html_body):
        assert "Voting closes on 7 December 2026 at 14:00 (UTC)." in part
        assert "You are getting this email because your notification settings" in part
        assert "Mae\u2019r" not in part and "Rydych" not in part
    assert '<html lang="en">' in en.html_body
    # the in-app rows were stored in each reader's language too
    stored = dict(
        db.session.execute(
            select(Notification.user_id, Notification.title).where(
                Notification.event == f"proposal-voting:{proposal.id}"
            )
        ).all()
    )
    assert stored[welsh.id] == cy.subject and stored[english.id] == en.subject


def test_the_daily_digest_is_in_each_readers_language_with_the_date_for_it(app):
    area = AreaFactory()
    _two_readers(area)
    for n in (1, 2):
        feed.announce(
            Kind.OPENED,
            event=f"opened:{n}",
            title=_l("Consultation has opened"),
            url=f"/consultations/{n}",
            text=_l("Propose a project for the community budget."),
            followers_of=[area],
        )
    # `civic tick` runs outside any request
    assert mailing.send_digests(MONDAY) == 2
    cy, en = _mail_to("gwen@example.org"), _mail_to("ed@example.org")
    assert cy.subject == "Eich crynodeb Civic ar gyfer dydd Llun 30 Tachwedd 2026: 2 ddiweddariad"
    assert en.subject == "Your Civic digest for Monday 30 November 2026: 2 updates"
    for part in (cy.text_body, cy.html_body):
        assert "Beth sydd wedi digwydd ers eich crynodeb diwethaf" in part
        assert "Mae pleidlais, cam cyllideb neu ymgynghoriad yn agor" in part  # group label
        assert "Mae\u2019r ymgynghoriad wedi agor" in part  # the stored items, in Welsh
        assert "Atal pob e-bost hysbysu" in part
        assert "What happened since" not in part and "Consultation has opened" not in part
    for part in (en.text_body, en.html_body):
        assert "What happened since your last digest" in part
        assert "Consultation has opened" in part and "Stop all notification emails" in part


def test_a_digest_of_one_update_in_english_says_update():
    reader = UserFactory(email="one@example.org")
    area = AreaFactory()
    feed.follow(reader, area)
    feed.announce(Kind.OPENED, event="opened:1", title="Item", url="/x", followers_of=[area])
    assert mailing.send_digest(reader.id, date(2026, 11, 30), MONDAY)
    assert _mail_to("one@example.org").subject.endswith("Monday 30 November 2026: 1 update")


def test_mail_queued_for_someone_else_takes_their_language_not_the_request_s(app):
    with app.test_request_context("/", headers=WELSH):
        outbox.queue_template(
            "test_message",
            to="ed@example.org",
            subject=_l("Notifications"),
            key="t:en",
            language=None,
        )
        outbox.queue_template(
            "test_message",
            to="gwen@example.org",
            subject=_l("Notifications"),
            key="t:cy",
            language="cy",
        )
    en, cy = _mail_to("ed@example.org"), _mail_to("gwen@example.org")
    assert en.subject == "Notifications" and "This is a test message" in en.text_body
    assert cy.subject == "Hysbysiadau" and "Neges brawf yw hon" in cy.html_body
    assert "This is a test message" not in cy.text_body


def test_the_notification_list_and_settings_in_welsh(client):
    area = AreaFactory()
    reader = UserFactory(locale="cy")
    feed.follow(reader, area)
    feed.announce(
        Kind.OPENED,
        event="opened:1",
        title=_l("Voting has opened"),
        url="/votes/1",
        followers_of=[area],
    )
    login(client, reader)
    page = client.get("/notifications").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Eich hysbysiadau</h1>' in page
    assert (
        "1 hysbysiad heb ei ddarllen" in page
        and "Marcio\u2019r cyfan fel wedi\u2019u darllen" in page
    )
    assert "Mae\u2019r pleidleisio wedi agor" in page  # the stored title, in Welsh
    assert "Mae pleidlais, cam cyllideb neu ymgynghoriad yn agor." in page  # its kind
    assert " ar " in page and "(UTC)" in page  # when: "08:00 ar 30 Tachwedd 2026 (UTC)"
    assert "Your notifications" not in page and "unread notification" not in page

    settings = client.get("/notifications/settings").get_data(as_text=True)
    assert "Gosodiadau hysbysiadau" in settings and "Ar unwaith, drwy e-bost" in settings
    assert "Cadw\u2019r gosodiadau" in settings and "Save settings" not in settings
    # a form error, by the field and in the summary, in Welsh
    token = csrf_token(client, "/notifications/settings")
    bad = client.post(
        "/notifications/settings",
        data={"csrf_token": token, **{kind.value: "often" for kind in Kind}},
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Dewiswch sut rydych yn clywed am y canlynol: mae rhywun yn ateb eich sylw" in body
    assert "<title>Gwall: Gosodiadau hysbysiadau" in body and "Choose how you hear" not in body


def test_the_receipt_check_page_in_welsh(client):
    page = client.get("/receipts", headers=WELSH).get_data(as_text=True)
    assert "Gwirio derbynneb pleidlais" in page and "Cod derbynneb" in page
    assert "Beth mae derbynneb yn ei brofi, a beth nad yw\u2019n ei brofi" in page
    assert "Check a ballot receipt" not in page and "What a receipt proves" not in page

    short = client.get("/receipts?code=7KQ2", headers=WELSH)
    body = short.get_data(as_text=True)
    assert short.status_code == 422
    assert "Mae problem" in body
    assert "Mae gan god derbynneb 16 o lythrennau a digidau; mae gan eich un chi 4" in body
    assert "letters and digits" not in body

    unknown = client.get("/receipts?code=7KQ2-M9XD-4HVA-0TNE", headers=WELSH)
    assert unknown.status_code == 404
    assert "Does dim pleidlais â\u2019r dderbynneb 7KQ2-M9XD-4HVA-0TNE" in unknown.get_data(
        as_text=True
    )


def test_an_open_votes_receipt_in_welsh_with_the_date_and_the_json_stays_english(client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    (voter,) = residents(area, 1)
    code = votes.cast_vote(voter, proposal, "for").code
    page = client.get(f"/receipts?code={code}", headers=WELSH).get_data(as_text=True)
    with in_language("cy"):
        from civic.i18n import format_day

        closes = format_day(proposal.voting_until)
    assert "Heb ei chyhoeddi eto" in page
    assert f"y bleidlais ar “{proposal.title}”" in page
    assert f"pan fydd yn cau ar {closes}; gwiriwch eto bryd hynny" in page
    assert "Not published yet" not in page
    answer = client.get(f"/receipts/{code}.json", headers=WELSH).get_json()
    assert answer["title"] == f"the vote on “{proposal.title}”"
    assert answer["message"].startswith("This receipt belongs to the vote on")
