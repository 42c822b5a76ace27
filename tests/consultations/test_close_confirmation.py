"""Closing a consultation by hand goes through a confirmation page (the close form votes
use): GET shows it, a POST without the box ticked or, before the published date, without
a real reason re-renders it with the message by the field and closes nothing; with both it
closes, audits the reason and the public page shows it. Only officers may see or use it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from civic.accounts.models import utcnow
from civic.clock import day
from civic.consultations.models import ConsultationState
from civic.extensions import db
from tests.budgets.rounds_helpers import resident_of
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation
from tests.factories import AdminFactory, ModeratorFactory, UserFactory
from tests.races import log_of

REASON = "The council's budget meeting was brought forward to next week"


def _summary(page: str) -> list[tuple[str, str]]:
    summary = page.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


def _post(client, consultation, **fields):
    url = f"/consultations/{consultation.id}/close"
    data = {
        "close-csrf_token": csrf_token(client, url),
        **{f"close-{k}": v for k, v in fields.items()},
    }
    return client.post(url, data=data)


def _closes(consultation) -> list[dict]:
    return [
        d
        for _, action, d in log_of("consultation", str(consultation.id))
        if action == "consultation:close"
    ]


def test_get_shows_the_confirmation_with_the_box_and_the_reason(client):
    consultation, moderator, _ = make_consultation()
    login(client, moderator)
    response = client.get(f"/consultations/{consultation.id}/close")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="close-confirm"' in page and 'name="close-reason"' in page
    assert "I understand responses stop now: the consultation cannot be reopened" in page
    assert f"Residents were told it closes on {day(consultation.closes_at)}" in page
    assert consultation.state is ConsultationState.OPEN  # a GET changes nothing


def test_the_builder_links_to_the_confirmation_and_htmx_opens_it_in_place(client):
    consultation, moderator, _ = make_consultation()
    login(client, moderator)
    build = client.get(f"/consultations/{consultation.id}/build").get_data(as_text=True)
    link = re.search(r'<a [^>]*id="close-link"[^>]*>', build).group(0)
    assert f'href="/consultations/{consultation.id}/close"' in link
    assert f'hx-get="/consultations/{consultation.id}/close"' in link
    assert 'name="close-reason"' not in build  # the form is on the confirmation, not here
    fragment = client.get(
        f"/consultations/{consultation.id}/close", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="close-panel">')
    assert 'name="close-confirm"' in fragment and "<html" not in fragment


def test_without_a_reason_it_re_renders_with_the_error_by_the_field(client):
    consultation, moderator, _ = make_consultation()
    login(client, moderator)
    response = _post(client, consultation, confirm="y", reason="soon")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    [(anchor, message)] = _summary(page)
    assert anchor == "close-reason" and "at least 10 characters" in message
    assert 'id="close-reason-error"' in page and ">soon</textarea>" in page
    assert consultation.state is ConsultationState.OPEN and not _closes(consultation)


def test_without_the_box_ticked_nothing_closes_and_the_reason_stays(client):
    consultation, moderator, _ = make_consultation()
    login(client, moderator)
    response = _post(client, consultation, reason=REASON)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    message = "Confirm that you understand the consultation cannot be reopened"
    assert _summary(page) == [("close-confirm", message)]
    assert 'id="close-confirm-error"' in page and REASON.replace("'", "&#39;") in page
    assert consultation.state is ConsultationState.OPEN and not _closes(consultation)


@pytest.mark.parametrize("officer", [ModeratorFactory, AdminFactory])
def test_with_both_it_closes_audits_and_the_pages_say_so(client, officer):
    consultation, _, _ = make_consultation()
    published = consultation.closes_at
    login(client, officer())
    response = _post(client, consultation, confirm="y", reason=REASON)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultations/{consultation.id}")
    assert consultation.state is ConsultationState.CLOSED
    assert consultation.close_reason == REASON
    [entry] = _closes(consultation)
    assert entry["early_reason"] == REASON and entry["by"] == "hand"
    escaped = REASON.replace("'", "&#39;")
    public = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    told = public.split('id="close-reason">', 1)[1].split("</p>", 1)[0]
    assert f"Closed early on {day(consultation.closed_at)}: {escaped}" in told
    assert f"published to close on {day(published)}" in told
    facts = public.split('id="consultation-facts"', 1)[1].split("</dl>", 1)[0]
    assert f"to {day(consultation.closed_at)}" in facts and f"to {day(published)}" not in facts


def test_closing_after_the_published_date_needs_no_reason(client):
    consultation, moderator, _ = make_consultation()
    consultation.closes_at = utcnow() - timedelta(minutes=5)
    db.session.flush()
    login(client, moderator)
    page = client.get(f"/consultations/{consultation.id}/close").get_data(as_text=True)
    assert 'name="close-reason"' not in page and "published closing date has passed" in page
    assert _post(client, consultation, confirm="y").status_code == 302
    assert consultation.state is ConsultationState.CLOSED and consultation.close_reason == ""


def test_a_closed_consultation_has_nothing_to_close(client):
    consultation, moderator, _ = make_consultation()
    login(client, moderator)
    assert _post(client, consultation, confirm="y", reason=REASON).status_code == 302
    again = client.get(f"/consultations/{consultation.id}/close")
    assert again.status_code == 409 and "already closed" in again.get_data(as_text=True)
    refused = _post(client, consultation, confirm="y", reason=REASON)
    assert refused.status_code == 409 and "Only an open consultation can be closed." in (
        refused.get_data(as_text=True)
    )
    assert len(_closes(consultation)) == 1


@pytest.mark.parametrize("who", ["anonymous", "signed_in", "resident"])
def test_people_who_are_not_officers_are_refused_and_nothing_closes(client, who):
    consultation, _, _ = make_consultation()
    url = f"/consultations/{consultation.id}/close"
    if who != "anonymous":
        login(client, resident_of(consultation.area) if who == "resident" else UserFactory())
    token = csrf_token(client)  # from the sign-in page, which everyone can load
    got = client.get(url)
    posted = client.post(
        url, data={"close-csrf_token": token, "close-confirm": "y", "close-reason": REASON}
    )
    if who == "anonymous":  # sent to sign in first
        assert got.status_code == 302 and "/accounts/sign-in" in got.headers["Location"]
        assert posted.status_code == 302 and "/accounts/sign-in" in posted.headers["Location"]
    else:
        assert got.status_code == 403 and posted.status_code == 403
        assert 'name="close-confirm"' not in got.get_data(as_text=True)
    assert consultation.state is ConsultationState.OPEN and not _closes(consultation)
